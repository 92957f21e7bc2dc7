#!/usr/bin/env bash
# pipeline.sh: the example pipeline as a test (example_pipeline_mock,
# example_pipeline_kafka).  Publishes 500 orders, 5 of them poison, stores
# them with a fresh consumer group and asserts: 500 delivered, 495 stored,
# 5 dead-lettered, and the dead-letter topic received exactly 5 messages,
# each with a tg-dlq-reason header (read back with orders_store --read-dlq).
#
#   pipeline.sh mock  PUBLISHER STORE TOPICGEN_BROKER
#   pipeline.sh kafka PUBLISHER STORE TOPICGEN_BROKER KAFKA_BROKER_SH
# mock: starts tools/topicgen-broker (orders:3, orders.dlq:1), reads the
# address from the first line of its standard output and always stops it
# (SIGTERM, which must end it with status 0).  Both modes hand the address to
# the programs only through TOPICGEN_BROKERS (the runtime reads it).
# kafka: the real broker of the ctest fixture ($TOPICGEN_BROKER_BOOTSTRAP_FILE);
# a fresh topic per run; the runtime dead-letters a topic that is not the
# schema's own to "<topic>.dlq", so the DLQ topic is fresh too.  Both modes
# count the DLQ topic before and after, so earlier runs cannot skew the result.
# STORE_WORKERS=N (example_pipeline_mock_workers) runs orders_store with
# topicgen.workers=N (--config): handlers on N threads, same counts.
set -euo pipefail

MODE=${1:?mode}
PUB=${2:?publisher}
STORE=${3:?store}
MOCK=${4:?topicgen-broker}
KAFKA_SH=${5:-}
N=500
K=5

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tg-example-pipeline.XXXXXX")
MOCK_PID=""
cleanup() {
  if [[ -n $MOCK_PID ]]; then
    kill -TERM "$MOCK_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MOCK_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
field() { sed -n "s/$1/\\1/p" <<<"$2" | head -n 1; } # field REGEX TEXT

start_mock() {
  "$MOCK" --brokers 1 --topic orders:3 --topic orders.dlq:1 --max-seconds 150 \
    >"$WORK/mock.out" 2>"$WORK/mock.err" &
  MOCK_PID=$!
  for _ in $(seq 100); do
    [[ $(wc -l <"$WORK/mock.out") -ge 1 ]] && break
    kill -0 "$MOCK_PID" 2>/dev/null || break
    sleep 0.1
  done
  BROKERS=$(head -n 1 "$WORK/mock.out")
  [[ $BROKERS == 127.0.0.1:* ]] || { cat "$WORK/mock.err" >&2; fail "topicgen-broker did not start"; }
  TOPIC=orders
  DLQ=orders.dlq # the schema's dlq_topic, used for the schema's own topic
}

prepare_kafka() {
  local file=${TOPICGEN_BROKER_BOOTSTRAP_FILE:?set by the ctest fixture} dir
  dir=$(dirname "$file")
  BROKERS=$(head -n 1 "$file")
  TOPIC="example-pipeline-$(date +%s)-$$"
  "$KAFKA_SH" create-topic "$dir" "$TOPIC" 3
  DLQ="$TOPIC.dlq"
  "$KAFKA_SH" create-topic "$dir" "$DLQ" 1
}

dlq_counts() { # prints "messages with_reason" of $DLQ
  local out
  out=$(timeout 60 "$STORE" --read-dlq --topic "$DLQ") ||
    fail "reading $DLQ failed"
  printf '%s\n' "$out" | grep -v '^dlq-message' >&2
  printf '%s %s\n' "$(field '^dlq: \([0-9]*\) messages.*' "$out")" \
    "$(field '^dlq: .*, \([0-9]*\) with tg-dlq-reason' "$out")"
}

case $MODE in
  mock) start_mock ;;
  kafka) [[ -x $KAFKA_SH ]] || fail "kafka-broker.sh missing"; prepare_kafka ;;
  *) fail "unknown mode $MODE" ;;
esac
echo "brokers $BROKERS, topic $TOPIC"
unset TOPICGEN_KAFKA_BOOTSTRAP_SERVERS TOPICGEN_KAFKA_METADATA_BROKER_LIST
export TOPICGEN_BROKERS=$BROKERS
read -r dlq0 reason0 < <(dlq_counts)

t0=$SECONDS
pub=$(timeout 120 "$PUB" --topic "$TOPIC" --count $N --poison $K) ||
  fail "orders_publisher: $pub"
echo "$pub"
[[ $pub == "published: $N delivered, 0 failed"* ]] || fail "not every order was delivered"

store_args=()
if [[ -n ${STORE_WORKERS:-} ]]; then
  printf 'topicgen.workers=%s\n' "$STORE_WORKERS" >"$WORK/store.properties"
  store_args=(--config "$WORK/store.properties")
fi
store_rc=0
out=$(timeout 120 "$STORE" --topic "$TOPIC" --group "example-$MODE-$$" \
  --expect $N --idle-ms 20000 --max-seconds 100 --metrics "${store_args[@]}") || store_rc=$?
grep -v '^topicgen_\|^#' <<<"$out"
stored=$(field '^stored: \([0-9]*\) orders.*' "$out")
dead=$(field '.*dead-lettered: \([0-9]*\),.*' "$out")
dups=$(field '.*duplicates: \([0-9]*\),.*' "$out")
[[ $store_rc == 0 ]] || fail "orders_store exited with $store_rc"
[[ $stored == $((N - K)) ]] || fail "stored $stored orders, expected $((N - K))"
[[ $dead == "$K" ]] || fail "dead-lettered $dead, expected $K"
[[ $dups == 0 ]] || fail "$dups duplicates in a run without failures"
traced=$(field '.*traced: \([0-9]*\),.*' "$out")
[[ $traced == "$stored" ]] || fail "only $traced of $stored stored orders carried a valid traceparent"
grep -q '^topicgen_messages_dead_lettered_total' <<<"$out" || fail "no metrics dump"
committed=0
while read -r off; do
  if ((off > 0)); then committed=$((committed + off)); fi
done < <(grep '^stored:' <<<"$out" | grep -o "$TOPIC\[[0-9]*\]=-\{0,1\}[0-9]*" | cut -d= -f2)
[[ $committed == "$N" ]] || fail "committed offsets add up to $committed, expected $N"

read -r dlq1 reason1 < <(dlq_counts)
[[ $((dlq1 - dlq0)) == "$K" ]] || fail "$DLQ grew by $((dlq1 - dlq0)) messages, expected $K"
[[ $((reason1 - reason0)) == "$K" ]] || fail "$((reason1 - reason0)) new DLQ messages carry tg-dlq-reason, expected $K"
if [[ -n $MOCK_PID ]]; then # the tool stops cleanly on SIGTERM: exit 0 within 5 s
  kill -TERM "$MOCK_PID"
  for _ in $(seq 50); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$MOCK_PID" 2>/dev/null && fail "topicgen-broker still running 5 s after SIGTERM"
  mock_rc=0
  wait "$MOCK_PID" || mock_rc=$?
  MOCK_PID=""
  [[ $mock_rc == 0 ]] || fail "topicgen-broker exited with $mock_rc after SIGTERM"
fi
echo "PASS: $MODE: published $N, stored $stored, committed $committed, dead-lettered $dead, $DLQ +$((dlq1 - dlq0)) (all with tg-dlq-reason), duplicates $dups, $((SECONDS - t0))s"
