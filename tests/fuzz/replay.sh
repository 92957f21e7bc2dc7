#!/usr/bin/env bash
# replay.sh EXE CORPUS [DIR...]: run every file under CORPUS and the DIRs
# once through the fuzz target EXE (a libFuzzer binary or a replayer: both
# take input files as arguments).  Fails when the target crashes or aborts
# on any of them, and when CORPUS is missing or empty (a moved corpus must
# not turn the test green); the other DIRs (regressions) may be absent.
set -euo pipefail
# Leaks inside libfyaml are known and bounded (lsan.supp says which).
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
exe=$1; shift
if [ -z "$(find "$1" -type f ! -name 'README*' -print -quit 2>/dev/null)" ]; then
  echo "replay.sh: the corpus $1 is missing or empty"
  exit 1
fi
files=()
for dir in "$@"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' f; do files+=("$f"); done \
    < <(find "$dir" -type f ! -name 'README*' -print0 | sort -z)
done
printf '%s\0' "${files[@]}" | xargs -0 -n 500 "$exe" >/dev/null 2>"${TMPDIR:-/tmp}/replay.$$.log" || {
  cat "${TMPDIR:-/tmp}/replay.$$.log"; rm -f "${TMPDIR:-/tmp}/replay.$$.log"
  echo "replay.sh: $(basename "$exe") failed on an input above"; exit 1; }
rm -f "${TMPDIR:-/tmp}/replay.$$.log"
echo "replay.sh: $(basename "$exe"): ${#files[@]} inputs replayed, no failure"
