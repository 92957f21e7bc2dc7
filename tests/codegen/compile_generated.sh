#!/usr/bin/env bash
# compile_generated.sh CC GEN_DIR RUNTIME_DIR (the runtime/ folder)
# Compile every generated .c in GEN_DIR (codecs and translator skeletons)
# with CC at the project's strictest warnings plus -Werror: C11 and C17, each
# at -O0 and -O2.  Any warning fails.  Prints "N passed, N failed".
set -u
cc=$1 gen=$2 runtime=$3
warn=(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wcast-qual
      -Wstrict-prototypes -Wmissing-prototypes -Wswitch-enum -Werror)
passed=0 failed=0
shopt -s nullglob
sources=("$gen"/*.c)
if [ ${#sources[@]} -eq 0 ]; then
  echo "no generated sources in $gen"
  echo "0 passed, 1 failed"
  exit 1
fi
# C11 and C17, each at -O0 and -O2 (some warnings need the optimiser's analysis).
for config in "c11 -O0" "c11 -O2" "c17 -O0" "c17 -O2"; do
  read -r std opt <<<"$config"
  for src in "${sources[@]}"; do
    if out=$("$cc" -std="$std" "$opt" "${warn[@]}" -I"$gen" -I"$runtime/json" -I"$runtime/kafka" \
               -c "$src" -o /dev/null 2>&1); then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL: $cc -std=$std $opt $(basename "$src")"
      echo "$out"
    fi
  done
done
# Self-check: a warning really fails (the flags reach the compiler).
if printf 'int f(void);\nint f(void) { double d = 1.5; int x = d; return x; }\n' |
     "$cc" -std=c11 "${warn[@]}" -x c -c - -o /dev/null 2>/dev/null; then
  failed=$((failed + 1))
  echo "FAIL: $cc accepted a -Wconversion warning"
else
  passed=$((passed + 1))
fi
echo "$(basename "$cc"): ${#sources[@]} files x 3 configurations, and the self-check"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
