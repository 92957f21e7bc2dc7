# cluster_lib.sh: what the cluster tests share (sourced by leader_kill.sh and
# eos_failover.sh): the fixture's variables, a work folder and a cleanup that
# kills the clients and restarts a node left down (so the next test finds
# the whole cluster), small counting helpers, and the bounded steps of a
# failover: wait for a quarter of the stream, kill a node, wait for the new
# leader of a partition, restart the node on its data.
#
# Before sourcing: set -euo pipefail and TOOL (cluster_orders).  Provides
# SH, DIR, BROKERS, WORK, PIDS (append client pids), DOWN.

SH=${TOPICGEN_BROKER_SH:?set by the ctest fixture}
DIR=${TOPICGEN_CLUSTER_DIR:?set by the ctest fixture}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tg-cluster.XXXXXX")
PIDS=()
DOWN=""
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [[ -z $DOWN ]] || "$SH" restart-node "$DIR" "$DOWN" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
lines() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }
ids() { cut -d' ' -f1 "$1" | sort; } # the order ids of a record file, sorted
BROKERS=$("$SH" bootstrap "$DIR")

# wait_for_quarter N PROD_PID: until a quarter of N orders are acknowledged
# ($WORK/acked), at most 60 s; fails if the producer ended first.
wait_for_quarter() {
  local _
  for _ in $(seq 600); do
    (($(lines "$WORK/acked") >= $1 / 4)) && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$2" 2>/dev/null || { cat "$WORK/produce.err" >&2; fail "the producer ended before the kill"; }
}

# kill_node NODE: SIGKILL it (the cleanup restarts it if the test fails).
kill_node() {
  "$SH" kill-node "$DIR" "$1"
  DOWN=$1
  T_KILL=$SECONDS
}

# await_new_leader TOPIC PARTITION OLD: sets NEW, the partition's leader once
# it is not OLD; fails after 60 s from the kill.
await_new_leader() {
  NEW=""
  while ((SECONDS - T_KILL < 60)); do
    NEW=$("$SH" leader "$DIR" "$1" "$2" 2>/dev/null) || NEW=""
    [[ -n $NEW && $NEW != "$3" ]] && break
    sleep 0.5
  done
  [[ -n $NEW && $NEW != "$3" ]] || fail "$1 partition $2 has no new leader 60 s after the kill"
  echo "leader change: $1 partition $2: node $3 -> node $NEW (seen $((SECONDS - T_KILL)) s after the kill)"
}

# restart_node NODE: start it again on its data.
restart_node() {
  "$SH" restart-node "$DIR" "$1"
  DOWN=""
}
