#!/usr/bin/env bash
# compile_generated.sh CC GEN_DIR RUNTIME_DIR
# Compile every generated .c in GEN_DIR (codecs and translator skeletons)
# with CC at the project's strictest warnings plus -Werror, at -O0 and -O2,
# as C11 and C17.  Any warning fails.  Prints "N passed, N failed".
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
for std in c11 c17; do
  for opt in -O0 -O2; do
    for src in "${sources[@]}"; do
      if out=$("$cc" -std=$std $opt "${warn[@]}" -I"$gen" -I"$runtime" \
                 -c "$src" -o /dev/null 2>&1); then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
        echo "FAIL: $cc -std=$std $opt $(basename "$src")"
        echo "$out"
      fi
    done
  done
done
echo "$(basename "$cc"): ${#sources[@]} files x 4 configurations"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
