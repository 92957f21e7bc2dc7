#!/usr/bin/env bash
# eos_failover.sh: exactly-once across a leader failover, on the three-node
# cluster of the ctest fixture kafka_cluster (cluster_eos_failover).
#
#   eos_failover.sh CLUSTER_ORDERS ORDER_TOTALS
#
# examples/order_totals (the exactly-once processor: one OrderTotal per
# valid order to its --out-topic, poison orders to the input's .dlq, outputs
# and input offsets in one transaction) runs on fresh topics (3 partitions,
# replication 3, min.insync.replicas=2) while cluster_orders sends N orders
# at RATE per second, every POISON-th one poison.  Once a quarter of them are
# acknowledged, a node is SIGKILLed: the processor's transaction coordinator
# when it leads a partition of the input or of the totals (with 3 partitions
# on 3 nodes each node leads one of each), else the leader of a partition of
# the totals; its roles are printed.  It is restarted on its data once its
# partition's new leader shows.  Once every valid order has its total, the
# processor gets SIGTERM.  A read_committed reader then reads the totals and
# the dead letters (and a read_uncommitted one the totals, to print what
# aborted transactions left there).
# Counted by order id, it asserts:
#   - all N orders were acknowledged (the input is complete);
#   - the totals topic holds exactly one total per valid order: 0 missing,
#     0 duplicates, no total for a poison order;
#   - the dead-letter topic holds exactly the poison orders, once each;
#   - the processor kept running through the failover and stopped cleanly
#     (exit 0) on SIGTERM.
# Every wait is bounded; the cleanup kills the clients and restarts a node
# left down.
set -euo pipefail

TOOL=${1:?cluster_orders}
TOTALS=${2:?order_totals}
N=${CLUSTER_ORDERS:-4000}
RATE=${CLUSTER_RATE:-250}
POISON=40
# shellcheck source=cluster_lib.sh
source "$(dirname "$0")/cluster_lib.sh"
read_topic() { # read_topic TOPIC FILE [--committed]: the topic's records
  timeout -k 5 120 "$TOOL" read "${@:3}" --brokers "$BROKERS" --topic "$1" --out "$2" >/dev/null ||
    fail "reading $1 ${3:-} failed"
}
read_committed() { read_topic "$1" "$2" --committed; }
leaders_on() { # leaders_on TOPIC NODE: the partitions of TOPIC that NODE leads
  "$SH" describe-topic "$DIR" "$1" 2>/dev/null | awk -v n="$2" '{
      for (i = 1; i < NF; i++) { if ($i == "Partition:") p = $(i + 1); if ($i == "Leader:" && $(i + 1) == n) printf "%s ", p }
    }'
}

TOPIC="cluster-eos-$(date +%s)-$$"
OUT=$TOPIC.totals
for t in "$TOPIC" "$OUT" "$TOPIC.dlq"; do "$SH" create-topic "$DIR" "$t" 3; done
GROUP="cluster-eos-$$"
TID="cluster-eos-$$"
echo "input $TOPIC, output $OUT, dead letters $TOPIC.dlq"

t0=$SECONDS
: >"$WORK/acked"
"$TOTALS" --brokers "$BROKERS" --topic "$TOPIC" --out-topic "$OUT" --group "$GROUP" \
  --transactional-id "$TID" --idle-ms 600000 --max-seconds 170 \
  >"$WORK/totals.out" 2>"$WORK/totals.err" &
PROC_PID=$!
PIDS+=("$PROC_PID")

# ---- the victim: the transaction coordinator if it leads a partition -------------
TC=""
for _ in $(seq 30); do # at most about 60 s: the processor registers its id
  TC=$("$SH" coordinator "$DIR" transaction "$TID" 2>/dev/null) && break
  kill -0 "$PROC_PID" 2>/dev/null || { cat "$WORK/totals.err" >&2; fail "order_totals ended at its start"; }
  sleep 1
done
[[ -n $TC ]] || fail "no transaction coordinator for $TID after 30 tries"
GC=$("$SH" coordinator "$DIR" group "$GROUP" 2>/dev/null) || GC="?"
OLD=$TC WATCH=""
for t in "$OUT" "$TOPIC"; do
  WATCH=$(leaders_on "$t" "$TC")
  [[ -n $WATCH ]] && { WATCH="$t ${WATCH%% *}"; break; }
done
if [[ -z $WATCH ]]; then
  P=$((RANDOM % 3))
  OLD=$("$SH" leader "$DIR" "$OUT" "$P")
  WATCH="$OUT $P"
fi
echo "victim node $OLD: transaction coordinator $([[ $OLD == "$TC" ]] && echo yes || echo "no ($TC)")," \
  "group coordinator $([[ $OLD == "$GC" ]] && echo yes || echo "no ($GC)"), leads $OUT partition(s)" \
  "$(leaders_on "$OUT" "$OLD")and $TOPIC partition(s) $(leaders_on "$TOPIC" "$OLD")"
WT=${WATCH% *} P=${WATCH#* }
echo "$N orders (every ${POISON}th poison) at $RATE/s to $BROKERS"
timeout -k 5 150 "$TOOL" produce --brokers "$BROKERS" --topic "$TOPIC" --count "$N" --rate "$RATE" \
  --poison-every "$POISON" --acked "$WORK/acked" >"$WORK/produce.out" 2>"$WORK/produce.err" &
PROD_PID=$!
PIDS+=("$PROD_PID")

# ---- the kill: once a quarter is acknowledged ---------------------------------
wait_for_quarter "$N" "$PROD_PID"
kill -0 "$PROC_PID" 2>/dev/null || { cat "$WORK/totals.err" >&2; fail "order_totals ended before the kill"; }
kill_node "$OLD"
echo "killed node $OLD after $(lines "$WORK/acked") acknowledged orders"
await_new_leader "$WT" "$P" "$OLD"
TC2=$("$SH" coordinator "$DIR" transaction "$TID" 2>/dev/null) || TC2="?"
echo "transaction coordinator now: node $TC2"
restart_node "$OLD"

rc=0
wait "$PROD_PID" || rc=$?
cat "$WORK/produce.out"
((rc == 0)) || { tail -n 20 "$WORK/produce.err" >&2; fail "producer exit $rc"; }
grep ' valid$' "$WORK/acked" | cut -d' ' -f1 | sort >"$WORK/valid.ids"
grep ' poison$' "$WORK/acked" | cut -d' ' -f1 | sort >"$WORK/poison.ids"

# ---- wait (bounded) until every valid order has its committed total ---------------
for _ in $(seq 45); do # at most 90 s
  kill -0 "$PROC_PID" 2>/dev/null || break
  read_committed "$OUT" "$WORK/after"
  ids "$WORK/after" | uniq >"$WORK/totals.ids"
  [[ -z $(comm -23 "$WORK/valid.ids" "$WORK/totals.ids" | head -n 1) ]] && break
  sleep 2
done
running=0
kill -0 "$PROC_PID" 2>/dev/null && running=1
kill -TERM "$PROC_PID" 2>/dev/null || true
prc=0
wait "$PROC_PID" || prc=$?
cat "$WORK/totals.out"

# ---- count, read_committed -------------------------------------------------------
read_committed "$OUT" "$WORK/after"
ids "$WORK/after" >"$WORK/totals.all"
read_topic "$OUT" "$WORK/uncommitted"
read_committed "$TOPIC.dlq" "$WORK/dlq"
ids "$WORK/dlq" >"$WORK/dlq.all"
VALID=$(lines "$WORK/valid.ids")
POISONED=$(lines "$WORK/poison.ids")
TOTALS_N=$(lines "$WORK/totals.all")
MISSING=$(uniq "$WORK/totals.all" | comm -23 "$WORK/valid.ids" - | wc -l)
DUPS=$((TOTALS_N - $(uniq "$WORK/totals.all" | wc -l)))
STRAY=$(uniq "$WORK/totals.all" | comm -13 "$WORK/valid.ids" - | wc -l)
DLQ_N=$(lines "$WORK/dlq.all")
DLQ_DUPS=$((DLQ_N - $(uniq "$WORK/dlq.all" | wc -l)))
DLQ_DIFF=$(uniq "$WORK/dlq.all" | comm -3 "$WORK/poison.ids" - | wc -l)

echo "counts: acknowledged $(lines "$WORK/acked") of $N ($VALID valid, $POISONED poison);" \
  "$OUT (read_committed): $TOTALS_N totals, missing $MISSING, duplicates $DUPS, for no valid order $STRAY;" \
  "read_uncommitted: $(lines "$WORK/uncommitted") records ($(($(lines "$WORK/uncommitted") - TOTALS_N))" \
  "from aborted transactions)"
echo "dead letters (read_committed): $DLQ_N, duplicates $DLQ_DUPS, differing from the poison orders $DLQ_DIFF;" \
  "order_totals exit $prc after SIGTERM; total $((SECONDS - t0)) s"
(($(lines "$WORK/acked") == N)) || fail "$((N - $(lines "$WORK/acked"))) orders not acknowledged"
((running == 1)) || { tail -n 30 "$WORK/totals.err" >&2; fail "order_totals stopped before the SIGTERM (exit $prc)"; }
((prc == 0)) || { tail -n 30 "$WORK/totals.err" >&2; fail "order_totals exited $prc on SIGTERM"; }
((MISSING == 0)) || fail "$MISSING valid orders have no committed total"
((DUPS == 0)) || fail "$DUPS valid orders have more than one committed total"
((STRAY == 0)) || fail "$STRAY committed totals belong to no valid order"
((DLQ_DUPS == 0 && DLQ_DIFF == 0)) || fail "the dead letters are not exactly the poison orders"
echo "PASS"
