#!/usr/bin/env bash
# bench/run.sh: the one command that installs the benchmark dependencies,
# builds the benchmarks, runs them all and regenerates the tables and plots
# of docs/benchmarks.md from the raw results.
#
#   bench/run.sh [--quick] [--no-install] [--no-codec] [--no-instr]
#                [--no-python] [--no-pipeline] [--real-broker] [--no-report]
#
#   --quick       small counts and short trials (a few minutes; noisier)
#   --no-install  do not call scripts/install-deps.sh --bench / pip
#   --real-broker also run pipeline_bench against scripts/kafka-broker.sh
#                 (needs Java and Maven; the broker is stopped at the end)
#
# Environment: BENCH_BUILD_DIR (default build-bench), BENCH_OUT (default
# bench/results), BENCH_CPU (core to pin to, default the last one),
# BENCH_SEED (default 42).
#
# Raw results go to $BENCH_OUT/*.tsv; bench/report.py turns them into the
# generated part of docs/benchmarks.md and docs/benchmarks/*.png.
set -euo pipefail

root=${BENCH_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${BENCH_BUILD_DIR:-$root/build-bench}
out=${BENCH_OUT:-$root/bench/results}
seed=${BENCH_SEED:-42}
ncpu=$(nproc)
cpu=${BENCH_CPU:-$((ncpu - 1))}
quick=0 install=1 real=0 do_codec=1 do_instr=1 do_py=1 do_pipe=1 do_report=1
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    --no-install) install=0 ;;
    --no-codec) do_codec=0 ;;
    --no-instr) do_instr=0 ;;
    --no-python) do_py=0 ;;
    --no-pipeline) do_pipe=0 ;;
    --no-report) do_report=0 ;;
    --real-broker) real=1 ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
# The real broker (a JVM on the same 2 cores) makes the noisiest figures:
# typed/raw ratios of single runs ranged from 51% to 108%, so it gets more
# rounds.
# The pipeline runs 7 rounds on the mock and on the broker (typed and raw in
# turn): report.py prints the median typed/raw CPU ratio and its spread.
if [ $quick -eq 1 ]; then
  count=200 rounds=1 trials=3 min_ms=50 icount=50 pipe_n=20000 lat_n=1000
else
  count=1000 rounds=3 trials=5 min_ms=200 icount=200 pipe_n=200000 lat_n=5000
fi
pipe_rounds=7 real_rounds=7
pin="taskset -c $cpu"
command -v taskset >/dev/null 2>&1 || pin=""
py=python3

# ---- 1. dependencies -------------------------------------------------------------
if [ $install -eq 1 ]; then
  "$root/scripts/install-deps.sh" --bench
  # Debian's own python3 refuses pip installs outside a venv (PEP 668):
  # fall back to --break-system-packages there.
  $py -m pip install --quiet --disable-pip-version-check msgspec orjson confluent-kafka 2>/dev/null \
    || $py -m pip install --quiet --disable-pip-version-check --break-system-packages \
         msgspec orjson confluent-kafka \
    || echo "run.sh: pip install failed: Python benchmarks will be skipped" >&2
fi

# ---- 2. build ----------------------------------------------------------------------
# -O2 everywhere (the project's RelWithDebInfo level, without -g); simdjson's
# On-Demand translation unit gets -march=native (see bench/CMakeLists.txt).
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DTOPICGEN_BUILD_BENCH=ON -DTOPICGEN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target codec_bench
cmake --build "$build" -j2 --target pipeline_bench 2>/dev/null || do_pipe=0
cb="$build/bench/codec_bench"
mkdir -p "$out"

# ---- 3. machine and configuration ---------------------------------------------------
{
  echo "date	$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu	$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
  echo "cores	$ncpu (benchmarks pinned to core $cpu with taskset)"
  echo "memory	$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel	$(uname -sr)"
  echo "cc	$(cc --version | head -n 1)"
  echo "cxx	$(c++ --version | head -n 1)"
  echo "flags	-O2 -DNDEBUG (simdjson On-Demand TU: -O2 -march=native)"
  echo "packages	$(dpkg-query -W -f='${Package} ${Version}, ' libsimdjson-dev rapidjson-dev libcjson-dev libjansson-dev librdkafka-dev 2>/dev/null)"
  echo "python	$($py --version 2>&1), $($py -c 'import msgspec, orjson; print("msgspec", msgspec.__version__, "orjson", orjson.__version__)' 2>/dev/null || echo 'msgspec/orjson missing')"
  echo "loadavg	$(cut -d' ' -f1-3 /proc/loadavg) (at start)"
  echo "settings	count=$count rounds=$rounds trials=$trials min_ms=$min_ms seed=$seed callgrind_count=$icount"
} > "$out/machine.tsv"
cat "$out/machine.tsv"

impls=$("$cb" --list | cut -f1)
corpora=$("$cb" --corpora)

# ---- 4. codec benchmark: one process per implementation and corpus ----------------
# The implementations take turns, $rounds rounds per corpus, so a change in
# the machine's speed during the run (a shared VM) hits all of them alike;
# report.py takes the median of the rounds.
if [ $do_codec -eq 1 ]; then
  : > "$out/codec.tsv"
  for c in $corpora; do
    for round in $(seq "$rounds"); do
      for i in $impls; do
        $pin "$cb" --impl "$i" --corpus "$c" --count $count --seed $seed \
          --trials $trials --min-ms $min_ms | tee -a "$out/codec.tsv"
      done
    done
  done
  : > "$out/reject.tsv"
  for i in $impls; do "$cb" --reject --impl "$i" >> "$out/reject.tsv"; done
fi

# ---- 5. Python: msgspec / orjson on the same corpora -------------------------------
if [ $do_py -eq 1 ] && $py -c 'import msgspec, orjson' 2>/dev/null; then
  mkdir -p "$out/corpus"
  : > "$out/python.tsv"
  for c in $corpora; do
    "$cb" --dump "$c" --count $count --seed $seed > "$out/corpus/$c.jsonl"
    for i in msgspec orjson orjson+convert; do
      $pin $py "$root/bench/py/codec_bench.py" --impl "$i" --corpus "$c" \
        --file "$out/corpus/$c.jsonl" --trials $trials --min-ms $min_ms | tee -a "$out/python.tsv"
    done
  done
  rm -rf "$out/corpus"
fi

# ---- 6. instruction counts (callgrind: exact, independent of load) ----------------
if [ $do_instr -eq 1 ] && command -v valgrind >/dev/null 2>&1; then
  : > "$out/instr.tsv"
  for c in $corpora; do
    for i in $impls; do
      for mode in decode encode; do
        log=""
        for attempt in 1 2; do
          log=$(valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/dev/null \
                "$cb" --impl "$i" --corpus "$c" --count $icount --seed $seed --instr --mode $mode 2>&1) || true
          grep -q "Collected" <<<"$log" && break
        done
        grep -q "^instr" <<<"$log" || continue
        total=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' <<<"$log")
        printf 'instr\t%s\t%s\t%s\t%s\t%s\n' "$i" "$c" "$mode" "$icount" "$total" | tee -a "$out/instr.tsv"
      done
    done
  done
fi

# ---- 7. pipeline benchmark ----------------------------------------------------------
if [ $do_pipe -eq 1 ]; then
  # Producer, consumer, librdkafka and the mock broker share the machine's
  # cores: the process is pinned to all of them and the affinity printed.
  pipe_pin="taskset -c 0-$((ncpu - 1))"
  [ -n "$pin" ] || pipe_pin=""
  $pipe_pin "$build/bench/pipeline_bench" --rounds $pipe_rounds --messages $pipe_n \
    --lat-messages $lat_n | tee "$out/pipeline.tsv"
  if $py -c 'import confluent_kafka, msgspec' 2>/dev/null; then
    $pipe_pin $py "$root/bench/py/pipeline_bench.py" --pipeline-bin "$build/bench/pipeline_bench" \
      --codec-bin "$cb" --messages $((pipe_n / 4)) --lat-messages $lat_n \
      | tee -a "$out/pipeline.tsv" || echo "run.sh: Python pipeline failed" >&2
  fi
fi

# ---- 7b. the same against a real broker (optional) ---------------------------------
if [ $do_pipe -eq 1 ] && [ $real -eq 1 ]; then
  bdir=${TMPDIR:-/tmp}/topicgen-bench-kafka
  broker() { TOPICGEN_BROKER_DIR=$bdir "$root/scripts/kafka-broker.sh" "$@"; }
  broker start
  trap 'broker stop' EXIT
  for v in typed raw; do   # a warm-up topic, a throughput and a latency topic per round
    for k in warm $(seq 0 $((2 * real_rounds - 1))); do broker create-topic "bench.$v.$k" 1 >/dev/null; done
  done
  $pipe_pin "$build/bench/pipeline_bench" --bootstrap "$(broker bootstrap)" --rounds $real_rounds \
    --messages $((pipe_n / 4)) --lat-messages $((lat_n / 2)) | tee "$out/pipeline_real.tsv"
  broker stop
  trap - EXIT
fi

# ---- 8. tables and plots ------------------------------------------------------------
if [ $do_report -eq 1 ]; then
  rpy=python3
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null && rpy=/usr/bin/python3
  $rpy "$root/bench/report.py" "$out" "$root/docs"
fi
