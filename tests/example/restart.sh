#!/usr/bin/env bash
# restart.sh: orders_store killed mid-run and restarted, against the real
# broker of the ctest fixture (example_sigterm_kafka, example_sigkill_kafka).
#
#   restart.sh sigterm|sigkill PUBLISHER STORE KAFKA_BROKER_SH
#
# Publishes N=400 orders to a fresh 3-partition topic, starts orders_store
# slowed to DELAY_MS per message with a COMMIT_MS commit interval, sends
# the signal once it has stored a part of them, restarts it in the same
# group and runs it until idle.  Every stored message is recorded by
# --ids-out as "order_id partition offset" (one write(2) each, so SIGKILL
# cannot lose the record).  Asserts:
#   - no loss: the union of both runs holds all N order ids;
#   - sigterm: the first run exits 0 after a clean shutdown and at most 1
#     message (the one in flight) is stored twice;
#   - sigkill: the duplicates are among the first run's messages at or
#     after the offsets committed when the second run started (equal to
#     their number unless a commit sent just before the kill landed after
#     that read), and their number is at most the messages one commit
#     interval (plus 500 ms for the commit's round trip) can hold at
#     DELAY_MS each: ceil((COMMIT_MS + 500) / DELAY_MS) + 1.
set -euo pipefail

MODE=${1:?sigterm|sigkill}
PUB=${2:?publisher}
STORE=${3:?store}
KAFKA_SH=${4:?kafka-broker.sh}
N=400
DELAY_MS=10
COMMIT_MS=1000
case $MODE in
  sigterm) SIG=TERM KILL_AFTER=120 ;;
  sigkill) SIG=KILL KILL_AFTER=250 ;;
  *) echo "unknown mode $MODE" >&2; exit 2 ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tg-example-$MODE.XXXXXX")
STORE_PID=""
cleanup() {
  [[ -z $STORE_PID ]] || kill -KILL "$STORE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

file=${TOPICGEN_BROKER_BOOTSTRAP_FILE:?set by the ctest fixture}
BROKERS=$(head -n 1 "$file")
TOPIC="example-$MODE-$(date +%s)-$$"
GROUP="example-$MODE-$$"
"$KAFKA_SH" create-topic "$(dirname "$file")" "$TOPIC" 3
# One orders_store run in the test group (bounded by --max-seconds).
STORE_ARGS=(--brokers "$BROKERS" --topic "$TOPIC" --group "$GROUP" --delay-ms "$DELAY_MS"
  --commit-interval-ms "$COMMIT_MS" --max-seconds 100)

t0=$SECONDS
pub=$(timeout 120 "$PUB" --brokers "$BROKERS" --topic "$TOPIC" --count $N) || fail "publisher: $pub"
echo "$pub"

# ---- run 1: signal it once KILL_AFTER orders are stored ----------------------
: >"$WORK/ids1"
"$STORE" "${STORE_ARGS[@]}" --ids-out "$WORK/ids1" --idle-ms 30000 >"$WORK/run1.out" 2>"$WORK/run1.err" &
STORE_PID=$!
for _ in $(seq 600); do # at most 60 s
  (($(wc -l <"$WORK/ids1") >= KILL_AFTER)) && break
  kill -0 "$STORE_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$STORE_PID" 2>/dev/null || { cat "$WORK/run1.err" >&2; fail "run 1 ended before the signal"; }
kill -"$SIG" "$STORE_PID"
rc1=0
wait "$STORE_PID" || rc1=$?
STORE_PID=""
echo "run 1 ($MODE after $(wc -l <"$WORK/ids1") stored lines): exit $rc1"
cat "$WORK/run1.out"
if [[ $MODE == sigterm ]]; then
  [[ $rc1 == 0 ]] || { cat "$WORK/run1.err" >&2; fail "run 1 did not shut down cleanly on SIGTERM"; }
  grep -q 'stop: signal' "$WORK/run1.out" || fail "run 1 did not report the signal"
fi

# ---- run 2: the same group until idle ------------------------------------------
: >"$WORK/ids2"
timeout 120 "$STORE" "${STORE_ARGS[@]}" --ids-out "$WORK/ids2" --idle-ms 12000 >"$WORK/run2.out" 2>"$WORK/run2.err" || { cat "$WORK/run2.err" >&2; fail "run 2 failed"; }
echo "run 2:"
cat "$WORK/run2.out"

# ---- checks ------------------------------------------------------------------------
n1=$(wc -l <"$WORK/ids1")
n2=$(wc -l <"$WORK/ids2")
unique=$(cut -d' ' -f1 "$WORK/ids1" "$WORK/ids2" | sort -u | wc -l)
dups=$((n1 + n2 - unique))
echo "N=$N run1=$n1 run2=$n2 unique=$unique duplicates=$dups"
[[ $unique == "$N" ]] || fail "lost $((N - unique)) orders"

if [[ $MODE == sigterm ]]; then
  ((dups <= 1)) || fail "$dups duplicates after SIGTERM (at most the 1 in-flight message)"
else
  # Offsets committed when run 2 started: "committed at start: T[0]=a T[1]=b ...".
  start_line=$(grep '^committed at start:' "$WORK/run2.out")
  expected=0
  for p in 0 1 2; do
    c=$(grep -o "\\[$p\\]=-\\{0,1\\}[0-9]*" <<<"$start_line" | cut -d= -f2)
    ((c >= 0)) || c=0
    expected=$((expected + $(awk -v p="$p" -v c="$c" '$2 == p && $3 >= c' "$WORK/ids1" | wc -l)))
  done
  bound=$(((COMMIT_MS + 500 + DELAY_MS - 1) / DELAY_MS + 1))
  echo "sigkill: $expected of run 1's messages were past the last commit; bound $bound" \
    "(commit interval $COMMIT_MS ms + 500 ms, $DELAY_MS ms per message)"
  ((dups <= expected)) || fail "$dups duplicates, but only $expected messages were past the last commit"
  ((dups <= bound)) || fail "$dups duplicates exceed the bound $bound"
fi
echo "PASS: $MODE: no loss ($unique/$N), $dups duplicate(s), $((SECONDS - t0))s"
