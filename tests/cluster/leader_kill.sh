#!/usr/bin/env bash
# leader_kill.sh: a partition leader SIGKILLed under load, on the three-node
# cluster of the ctest fixture kafka_cluster (cluster_leader_kill).
#
#   leader_kill.sh CLUSTER_ORDERS ORDERS_STORE
#
# A fresh topic with 3 partitions, replication factor 3 and
# min.insync.replicas=2.  orders_store (the typed consumer, --ids-out) runs
# from the start; cluster_orders sends N orders at RATE per second through the
# typed producer (acks=all, idempotence) and records every acknowledged one.
# Once a quarter of them are acknowledged, the leader of partition P is
# SIGKILLed; the test waits for the new leader, restarts the old node on its
# data while the stream goes on, and at the end reads the whole topic back.
# Counted by order id, it asserts:
#   - every send got exactly one report, and all N were acknowledged (with
#     min.insync.replicas=2 and two live replicas no send may fail);
#   - acknowledged = in the log: 0 lost, 0 duplicates in the log;
#   - the stream went on through the failover: acknowledged orders on P
#     after the kill, and a leader for P other than the killed node;
#   - the consumer went on: it handled every acknowledged order (its
#     duplicates are reported, not asserted: at-least-once);
#   - the restarted node is back in P's in-sync replicas.
# Every wait is bounded; the cleanup kills the clients and restarts a node
# left down, so the next test finds the whole cluster.
set -euo pipefail

TOOL=${1:?cluster_orders}
STORE=${2:?orders_store}
N=${CLUSTER_ORDERS:-8000}
RATE=${CLUSTER_RATE:-400}
ACKS=${CLUSTER_ACKS:-all} # 1: the test of the test (a leader kill may then lose orders)
# shellcheck source=cluster_lib.sh
source "$(dirname "$0")/cluster_lib.sh"

TOPIC="cluster-kill-$(date +%s)-$$"
GROUP="cluster-kill-$$"
"$SH" create-topic "$DIR" "$TOPIC" 3
P=$((RANDOM % 3))
OLD=$("$SH" leader "$DIR" "$TOPIC" "$P")
echo "topic $TOPIC: partition $P led by node $OLD; $N orders at $RATE/s (acks=$ACKS) to $BROKERS"

t0=$SECONDS
: >"$WORK/acked" >"$WORK/stored"
"$STORE" --brokers "$BROKERS" --topic "$TOPIC" --group "$GROUP" --ids-out "$WORK/stored" \
  --commit-interval-ms 1000 --idle-ms 120000 --max-seconds 170 >"$WORK/store.out" 2>"$WORK/store.err" &
STORE_PID=$!
PIDS+=("$STORE_PID")
timeout -k 5 150 "$TOOL" produce --brokers "$BROKERS" --topic "$TOPIC" --count "$N" --rate "$RATE" \
  --acks "$ACKS" --acked "$WORK/acked" >"$WORK/produce.out" 2>"$WORK/produce.err" &
PROD_PID=$!
PIDS+=("$PROD_PID")

# ---- the kill: once a quarter is acknowledged ---------------------------------
wait_for_quarter "$N" "$PROD_PID"
AT_KILL=$(lines "$WORK/acked")
kill_node "$OLD"
echo "killed node $OLD (leader of partition $P) after $AT_KILL acknowledged orders"
await_new_leader "$TOPIC" "$P" "$OLD"
restart_node "$OLD"

# ---- the producer ends by itself ----------------------------------------------
rc=0
wait "$PROD_PID" || rc=$?
cat "$WORK/produce.out"
((rc == 0)) || { tail -n 20 "$WORK/produce.err" >&2; fail "producer exit $rc"; }
ACKED=$(lines "$WORK/acked")
ACKED_IDS=$(ids "$WORK/acked" | uniq | wc -l)
AFTER=$(awk -v from="$AT_KILL" -v p="$P" 'NR > from && $2 == p' "$WORK/acked" | wc -l)

# ---- the consumer handles every acknowledged order (bounded), then SIGTERM ------
ids "$WORK/acked" | uniq >"$WORK/acked.ids"
for _ in $(seq 600); do # at most 60 s
  ids "$WORK/stored" | uniq >"$WORK/stored.ids"
  [[ -z $(comm -23 "$WORK/acked.ids" "$WORK/stored.ids" | head -n 1) ]] && break
  kill -0 "$STORE_PID" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$STORE_PID" 2>/dev/null || true
src=0
wait "$STORE_PID" || src=$?
ids "$WORK/stored" | uniq >"$WORK/stored.ids"

# ---- read the whole topic back -------------------------------------------------
timeout -k 5 120 "$TOOL" read --brokers "$BROKERS" --topic "$TOPIC" --out "$WORK/log" ||
  fail "reading $TOPIC back failed"
ids "$WORK/log" | uniq >"$WORK/log.ids"
IN_LOG=$(lines "$WORK/log")
LOG_DUPS=$((IN_LOG - $(lines "$WORK/log.ids")))
LOST=$(comm -23 "$WORK/acked.ids" "$WORK/log.ids" | wc -l)
UNHANDLED=$(comm -23 "$WORK/acked.ids" "$WORK/stored.ids" | wc -l)
STORED=$(lines "$WORK/stored")
STORE_DUPS=$((STORED - $(lines "$WORK/stored.ids")))

# ---- the old node is back in P's in-sync replicas (bounded) ----------------------
ISR=""
for _ in $(seq 30); do
  ISR=$("$SH" describe-topic "$DIR" "$TOPIC" 2>/dev/null |
    awk -v p="$P" '{ for (i = 1; i < NF; i++) { if ($i == "Partition:") q = $(i + 1); if ($i == "Isr:" && q == p) print $(i + 1) } }')
  [[ ,$ISR, == *",$OLD,"* ]] && break
  sleep 1
done

echo "counts: sent $N, acknowledged $ACKED ($ACKED_IDS ids), in the log $IN_LOG," \
  "lost $LOST, duplicates in the log $LOG_DUPS; acknowledged on partition $P after the kill $AFTER"
echo "consumer: stored $STORED, acknowledged but not handled $UNHANDLED, duplicates $STORE_DUPS" \
  "(at-least-once), exit $src after SIGTERM"
echo "partition $P in-sync replicas at the end: ${ISR:-?}; total $((SECONDS - t0)) s"
((ACKED == ACKED_IDS)) || fail "an order was acknowledged twice"
((ACKED == N)) || fail "$((N - ACKED)) of $N orders not acknowledged (see the producer's errors)"
((LOST == 0)) || fail "$LOST acknowledged orders are not in the log"
((LOG_DUPS == 0)) || fail "$LOG_DUPS duplicates in the log despite idempotence"
((AFTER > 0)) || fail "no order was acknowledged on partition $P after its leader was killed"
((UNHANDLED == 0)) || { tail -n 20 "$WORK/store.err" >&2; fail "the consumer did not handle $UNHANDLED acknowledged orders"; }
((src == 0)) || { tail -n 20 "$WORK/store.err" >&2; fail "the consumer exited $src on SIGTERM"; }
[[ ,$ISR, == *",$OLD,"* ]] || fail "node $OLD is not back in partition $P's in-sync replicas ($ISR)"
echo "PASS"
