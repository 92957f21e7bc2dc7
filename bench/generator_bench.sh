#!/usr/bin/env bash
# bench/generator_bench.sh: how long topicgen takes, and how much memory, to
# generate huge schemas (issue 13): MESSAGES messages of FIELDS fields each,
# made by tests/generator/big_schema.sh (every kind of field, messages that
# hold each other, unions).
#
#   bench/generator_bench.sh [--topicgen PATH] [--fields N] [--runs N] [SIZE...]
#
#   --topicgen PATH  the generator to time (default: build it, Release, in
#                    $BENCH_BUILD_DIR, default build-genbench)
#   --fields N       fields per message (default 20)
#   --runs N         runs per size; the fastest is reported (default 3)
#   SIZE...          message counts (default 250 1000 5000; at most 20000)
#
# Prints one tab-separated line per size: messages, fields, seconds (best
# run), peak RSS in MB (of that run), output in MB, microseconds and KB of
# peak RSS per field.  Peak RSS comes from /usr/bin/time -v when there is
# one, else from getrusage (python3).  Each run is bounded by `timeout`
# (BENCH_TIMEOUT seconds, default 300).  Nothing is asserted: CI runs
# tests/generator/big_schema_test.sh (ctest big_schema) instead.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
topicgen="" fields=20 runs=3 sizes=()
while [ $# -gt 0 ]; do
  case $1 in
    --topicgen) topicgen=$2; shift 2 ;;
    --fields) fields=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) sed -n '2,22p' "$0" >&2; exit 2 ;;
    *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(250 1000 5000)
for n in "${sizes[@]}"; do
  if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 20000 ]; then
    echo "generator_bench.sh: size '$n' is not a count of 1 to 20000 messages" >&2
    exit 2
  fi
done
if [ -z "$topicgen" ]; then
  build=${BENCH_BUILD_DIR:-$root/build-genbench}
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target topicgen >/dev/null
  topicgen=$build/generator/topicgen
fi
limit=${BENCH_TIMEOUT:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/generator_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run OUT_DIR SCHEMA: one generation; prints "seconds peak_kb".
run() {
  rm -rf "$1"
  if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
    timeout "$limit" /usr/bin/time -v -o "$work/time.txt" "$topicgen" -o "$1" "$2" >/dev/null
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0
                  for (i = 1; i <= n; i++) s = s * 60 + t[i] }
                /Maximum resident set size/ { kb = $2 }
                END { printf "%.3f %d\n", s, kb }' "$work/time.txt"
  else
    python3 - "$limit" "$topicgen" "$1" "$2" <<'EOF'
import resource, subprocess, sys, time
t0 = time.monotonic()
subprocess.run([sys.argv[2], "-o", sys.argv[3], sys.argv[4]], check=True,
               stdout=subprocess.DEVNULL, timeout=float(sys.argv[1]))
print("%.3f %d" % (time.monotonic() - t0,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF
  fi
}

printf 'messages\tfields\tseconds\tpeak_rss_mb\toutput_mb\tus_per_field\tkb_per_field\n'
for n in "${sizes[@]}"; do
  schema=$work/big$n.yaml
  bash "$root/tests/generator/big_schema.sh" "$n" "$fields" big >"$schema"
  best="" best_kb=0
  for ((i = 0; i < runs; i++)); do
    read -r secs kb < <(run "$work/out" "$schema")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$secs best_kb=$kb
    fi
  done
  bytes=$(du -sb "$work/out" | cut -f1)
  awk -v n="$n" -v f="$fields" -v s="$best" -v kb="$best_kb" -v b="$bytes" 'BEGIN {
        printf "%d\t%d\t%.2f\t%.0f\t%.1f\t%.1f\t%.2f\n", n, f, s, kb / 1024, b / 1048576,
               s * 1e6 / (n * f), kb / (n * f) }'
  rm -rf "$work/out"
done
