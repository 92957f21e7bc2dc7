#!/usr/bin/env bash
# run.sh GEN_DIR: cppcheck and clang-tidy over runtime/*/*.c and the generated
# code in GEN_DIR (the example schemas' codecs, Kafka wrappers and fuzz
# harnesses, as tests/fuzz generates them).  Any finding fails; the accepted
# ones are listed with reasons in cppcheck-suppressions.xml (none today) and
# clang-tidy.yaml (or marked NOLINT with a reason in place).  Exit 77 (ctest:
# skipped) when a tool is missing: scripts/install-deps.sh installs both.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
gen=$1
missing=()
for tool in cppcheck clang-tidy; do
  command -v $tool >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "static_analysis: SKIPPED, not installed: ${missing[*]} (scripts/install-deps.sh installs them)"
  exit 77
fi
shopt -s nullglob
sources=("$root"/runtime/*/*.c "$gen"/*.c)
gen_sources=("$gen"/*.c)
if [ ${#gen_sources[@]} -eq 0 ]; then
  echo "static_analysis: no generated sources in $gen"
  exit 1
fi
includes=(-I"$root/runtime/json" -I"$root/runtime/kafka" -I"$gen")
status=0

echo "== cppcheck $(cppcheck --version | cut -d' ' -f2) on ${#sources[@]} files"
if ! cppcheck --std=c11 --enable=warning,performance,portability --inline-suppr \
      --suppress-xml="$here/cppcheck-suppressions.xml" --error-exitcode=1 --quiet -j2 \
      "${includes[@]}" "${sources[@]}"; then
  echo "static_analysis: cppcheck reported the findings above"
  status=1
fi

echo "== clang-tidy $(clang-tidy --version | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -1) on ${#sources[@]} files"
log=$(mktemp)
# Two processes, four files each; the files must come before "--".
export TIDY_CONFIG=$here/clang-tidy.yaml TIDY_INCLUDES="${includes[*]}"
# clang-tidy exits 0 with warnings; non-zero means it did not run as asked
# (a bad configuration, an unknown option, a crash): that fails too.
tidy_status=0
printf '%s\0' "${sources[@]}" |
  xargs -0 -n 4 -P 2 bash -c \
    'clang-tidy --quiet --config-file="$TIDY_CONFIG" "$@" -- -std=c11 $TIDY_INCLUDES' tidy \
    >"$log" 2>&1 || tidy_status=$?
if [ $tidy_status -ne 0 ]; then
  cat "$log"
  echo "static_analysis: clang-tidy failed (xargs exit $tidy_status)"
  status=1
elif grep -qE '(warning|error):' "$log"; then
  grep -E -A3 '(warning|error):' "$log"
  echo "static_analysis: clang-tidy reported $(grep -cE '(warning|error):' "$log") findings"
  status=1
fi
rm -f "$log"
[ $status -eq 0 ] && echo "static_analysis: no findings"
exit $status
