#!/usr/bin/env bash
# example_valgrind.sh PUBLISHER STORE TOPICGEN_BROKER [N] [K]: the example
# pipeline with both example programs under valgrind memcheck
# (--error-exitcode --leak-check=full, definite, indirect and possible leaks
# all errors): orders_publisher sends N orders (K
# poison) to a fresh topicgen-broker (not under valgrind: librdkafka's mock
# cluster, test scaffolding), orders_store consumes them; both get the
# address through TOPICGEN_BROKERS (the runtime reads it).  Passes when
# valgrind reports no error and no leak in either program and the counts
# add up (N delivered, N-K stored, K dead-lettered).  Every step is bounded.
# Exit 77 (ctest: skipped) without valgrind.
set -euo pipefail
PUB=${1:?publisher} STORE=${2:?store} MOCK=${3:?topicgen-broker}
N=${4:-40} K=${5:-3}
command -v valgrind >/dev/null 2>&1 || { echo "example_valgrind: SKIPPED, valgrind not installed"; exit 77; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tg-example-valgrind.XXXXXX")
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

"$MOCK" --brokers 1 --topic orders:3 --topic orders.dlq:1 --bootstrap-file "$WORK/bootstrap" \
  --max-seconds 280 >/dev/null 2>"$WORK/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do [[ -s $WORK/bootstrap ]] && break; sleep 0.1; done
[[ -s $WORK/bootstrap ]] || { cat "$WORK/mock.err" >&2; fail "topicgen-broker did not start"; }
unset TOPICGEN_KAFKA_BOOTSTRAP_SERVERS TOPICGEN_KAFKA_METADATA_BROKER_LIST
TOPICGEN_BROKERS=$(head -n 1 "$WORK/bootstrap")
export TOPICGEN_BROKERS

vg=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
    --show-leak-kinds=definite,indirect,possible --track-origins=yes --num-callers=30)

rc=0
timeout 240 "${vg[@]}" --log-file="$WORK/pub.vg" "$PUB" --topic orders \
  --count "$N" --poison "$K" >"$WORK/pub.out" 2>&1 || rc=$?
cat "$WORK/pub.out"
if ((rc != 0)); then cat "$WORK/pub.vg"; fail "orders_publisher under valgrind exited $rc (99: valgrind errors)"; fi
grep -q "^published: $N delivered, 0 failed" "$WORK/pub.out" || fail "not every order was delivered"

rc=0
timeout 240 "${vg[@]}" --log-file="$WORK/store.vg" "$STORE" --topic orders \
  --group "valgrind-$$" --expect "$N" --idle-ms 30000 --max-seconds 200 >"$WORK/store.out" 2>&1 || rc=$?
grep -v '^ts=' "$WORK/store.out"
if ((rc != 0)); then cat "$WORK/store.vg"; fail "orders_store under valgrind exited $rc (99: valgrind errors)"; fi
grep -q "^stored: $((N - K)) orders.*dead-lettered: $K," "$WORK/store.out" ||
  fail "expected $((N - K)) stored and $K dead-lettered"
for f in pub store; do
  grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost" "$WORK/$f.vg" | sed "s/^/$f: /"
done
echo "PASS: publisher and store under valgrind memcheck: no errors, no leaks"
