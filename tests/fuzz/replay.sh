#!/usr/bin/env bash
# replay.sh EXE DIR...: run every file under the DIRs once through the fuzz
# target EXE (a libFuzzer binary or a replayer: both take input files as
# arguments).  Fails when the target crashes or aborts on any of them.
set -euo pipefail
# Leaks inside libfyaml are known and bounded (lsan.supp says which).
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
exe=$1; shift
files=()
for dir in "$@"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' f; do files+=("$f"); done \
    < <(find "$dir" -type f ! -name 'README*' -print0 | sort -z)
done
if [ ${#files[@]} -eq 0 ]; then
  echo "replay.sh: no inputs in $*"
  exit 0
fi
printf '%s\0' "${files[@]}" | xargs -0 -n 500 "$exe" >/dev/null 2>"${TMPDIR:-/tmp}/replay.$$.log" || {
  cat "${TMPDIR:-/tmp}/replay.$$.log"; rm -f "${TMPDIR:-/tmp}/replay.$$.log"
  echo "replay.sh: $(basename "$exe") failed on an input above"; exit 1; }
rm -f "${TMPDIR:-/tmp}/replay.$$.log"
echo "replay.sh: $(basename "$exe"): ${#files[@]} inputs replayed, no failure"
