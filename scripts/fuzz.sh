#!/usr/bin/env bash
# scripts/fuzz.sh [--build-dir DIR] TARGET SECONDS [libFuzzer options...]
#
# Fuzz one target (decode_orders, decode_workflow, decode_crm, schema_load,
# mustache, json_simd) for SECONDS.  Builds the fuzz targets with clang first
# (-DTOPICGEN_FUZZ=ON: everything instrumented with libFuzzer coverage,
# ASan and UBSan) in DIR (default build-fuzz), then runs
#
#   <target>_fuzz -max_total_time=SECONDS -timeout=5 -rss_limit_mb=2048 ...
#
# on a working copy of tests/fuzz/corpus/TARGET in DIR/fuzz-work/TARGET/corpus
# (the checked-in corpus is never written; the working copy keeps what a run
# finds, so longer runs resume).  Crash, timeout and out-of-memory inputs
# land in DIR/fuzz-work/TARGET/artifacts/; see docs/security.md for turning
# one into a regression test.  Exit status: 0 nothing found, 1 the fuzzer
# found a problem, 77 clang's libFuzzer is not installed.
#
#   scripts/fuzz.sh decode_orders 3600          # an hour
#   scripts/fuzz.sh mustache 600 -jobs=2        # extra options go to libFuzzer
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
if [ "${1:-}" = --build-dir ]; then
  build=$2
  shift 2
fi
usage="usage: scripts/fuzz.sh [--build-dir DIR] TARGET SECONDS [libFuzzer options...]"
target=${1:?$usage}
seconds=${2:?$usage}
shift 2
case $target in
  decode_orders | decode_workflow | decode_crm | schema_load | mustache | json_simd) ;;
  *) echo "fuzz.sh: unknown target '$target'"; echo "$usage"; exit 2 ;;
esac

if ! command -v clang >/dev/null 2>&1 ||
   ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)(n & 0); }' |
     clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1; then
  echo "fuzz.sh: clang with libFuzzer not found (scripts/install-deps.sh installs clang and"
  echo "libclang-rt-14-dev); skipping"
  exit 77
fi

# One configure + build at a time (ctest runs several fuzz tests at once).
mkdir -p "$build"
(
  flock 9
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DTOPICGEN_FUZZ=ON \
      -DTOPICGEN_BUILD_TESTS=ON -DTOPICGEN_KAFKA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$build" -j2 --target fuzz_targets >/dev/null
) 9>"$build/.fuzz-build.lock"

work=$build/fuzz-work/$target
mkdir -p "$work/corpus" "$work/artifacts"
cp -n "$root/tests/fuzz/corpus/$target"/* "$work/corpus/" 2>/dev/null || true
opts=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
dict=$root/tests/fuzz/$target.dict
case $target in decode_*) dict=$root/tests/fuzz/json.dict ;; esac
[ -f "$dict" ] && opts+=(-dict="$dict")

# Leaks inside libfyaml are known and bounded (tests/fuzz/lsan.supp says which).
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
echo "fuzz.sh: $target for ${seconds}s, corpus $work/corpus ($(ls "$work/corpus" | wc -l) inputs)"
status=0
"$build/tests/fuzz/${target}_fuzz" "${opts[@]}" "$@" "$work/corpus" 2>"$work/log" || status=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$work/log"
  echo "fuzz.sh: $target found a problem (exit $status); inputs in $work/artifacts/"
  echo "fuzz.sh: minimise with: $build/tests/fuzz/${target}_fuzz -minimize_crash=1 -runs=100000 <artifact>"
  exit 1
fi
