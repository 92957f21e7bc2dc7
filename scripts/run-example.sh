#!/usr/bin/env bash
# run-example.sh: the example pipeline end to end, in one command.
#
# Installs what is missing (scripts/install-deps.sh --example: the build
# tools and libraries, no JDK or test tools), configures and builds
# the project into build/, then runs the example programs (examples/): the
# extractor (orders_publisher: N OrderEvents, K of them "poison" with a
# total that disagrees with their lines) and the loader (orders_store: a consumer group member that stores
# the good ones and dead-letters the poison ones to orders.dlq), and checks
# that the counts add up: delivered = stored + dead-lettered, with exactly K
# dead-lettered.
#
# Broker: --brokers LIST, else $TOPICGEN_BROKERS (or
# $TOPICGEN_KAFKA_BOOTSTRAP_SERVERS), else (also for "embedded", which would
# give each program a cluster of its own) the embedded default:
# librdkafka's mock cluster served by the topicgen-broker tool
# (build/tools/topicgen-broker on 127.0.0.1, topics orders:3 and
# orders.dlq:1), which is always stopped on exit.  The programs get the
# address through TOPICGEN_BROKERS, read by the runtime's
# tg_config_load_env.  Against a real cluster the orders go to a fresh topic
# (orders-run-<time>-<pid>, auto-created; --topic to choose) so that older
# messages cannot skew the counts; dead letters still go to orders.dlq (the
# schema's DLQ topic).
#
# Usage: scripts/run-example.sh [--brokers LIST] [--count N] [--poison K]
#                               [--topic NAME] [--skip-deps]
# Exit status: 0 when the counts add up, 1 when they do not or a step
# failed, 2 on bad usage.  Every wait is bounded (--max-seconds style
# limits on each program, `timeout` around the build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD="$ROOT/build"
BIN="$BUILD/examples"
BROKER_TOOL="$BUILD/tools/topicgen-broker"
COUNT=1000
POISON=5
BROKERS=${TOPICGEN_BROKERS:-${TOPICGEN_KAFKA_BOOTSTRAP_SERVERS:-}}
TOPIC=""
SKIP_DEPS=0

log() { printf 'run-example: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { # usage STATUS: print the usage (to stderr unless STATUS is 0) and exit
  if (($1 == 0)); then exec 3>&1; else exec 3>&2; fi
  sed -n '/^# Usage:/,/^# Exit status/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&3
  exit "$1"
}

while (($#)); do
  case $1 in
    --brokers) BROKERS=${2:?}; shift 2 ;;
    --count) COUNT=${2:?}; shift 2 ;;
    --poison) POISON=${2:?}; shift 2 ;;
    --topic) TOPIC=${2:?}; shift 2 ;;
    --skip-deps) SKIP_DEPS=1; shift ;;
    -h | --help) usage 0 ;;
    *) log "unknown argument '$1'"; usage 2 ;;
  esac
done
[[ $COUNT =~ ^[1-9][0-9]*$ && $POISON =~ ^[0-9]+$ ]] || die "--count and --poison must be numbers"
((POISON <= COUNT)) || die "--poison must not exceed --count"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/topicgen-example.XXXXXX")
MOCK_PID=""
cleanup() {
  if [[ -n $MOCK_PID ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill -TERM "$MOCK_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MOCK_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ------------------------------------------------------------------
if ((SKIP_DEPS == 0)); then
  "$ROOT/scripts/install-deps.sh" --example
fi
timeout 1800 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DTOPICGEN_BUILD_TESTS=OFF >/dev/null || die "cmake configure failed"
timeout 1800 cmake --build "$BUILD" -j2 || die "build failed"
for p in "$BIN/orders_publisher" "$BIN/orders_store" "$BROKER_TOOL"; do
  [[ -x $p ]] || die "$p was not built (is TOPICGEN_KAFKA on?)"
done

# ---- broker -----------------------------------------------------------------
# "embedded" would give each program a cluster of its own: serve one instead
if [[ -z $BROKERS || $BROKERS == embedded ]]; then
  TOPIC=${TOPIC:-orders}
  # the first line of its standard output is the bootstrap address
  "$BROKER_TOOL" --brokers 1 --topic "$TOPIC:3" --topic orders.dlq:1 \
    --max-seconds 600 >"$WORK/mock.out" 2>"$WORK/mock.err" &
  MOCK_PID=$!
  for _ in $(seq 100); do
    [[ $(wc -l <"$WORK/mock.out") -ge 1 ]] && break
    kill -0 "$MOCK_PID" 2>/dev/null || break
    sleep 0.1
  done
  BROKERS=$(head -n 1 "$WORK/mock.out")
  [[ -n $BROKERS ]] || { cat "$WORK/mock.err" >&2; die "topicgen-broker did not start"; }
  log "embedded broker (topicgen-broker) at $BROKERS (pid $MOCK_PID)"
else
  TOPIC=${TOPIC:-orders-run-$(date +%s)-$$}
  log "using the brokers at $BROKERS, topic $TOPIC"
fi

# ---- pipeline -----------------------------------------------------------------
t0=$SECONDS
log "publishing $COUNT orders ($POISON poison) to $TOPIC"
unset TOPICGEN_KAFKA_BOOTSTRAP_SERVERS TOPICGEN_KAFKA_METADATA_BROKER_LIST # one name for it
export TOPICGEN_BROKERS=$BROKERS
pub_out=$(timeout 300 "$BIN/orders_publisher" --topic "$TOPIC" \
  --count "$COUNT" --poison "$POISON") || { printf '%s\n' "$pub_out"; die "orders_publisher failed"; }
printf '%s\n' "$pub_out"
delivered=$(sed -n 's/^published: \([0-9]*\) delivered.*/\1/p' <<<"$pub_out")

log "storing with a fresh consumer group"
store_rc=0
store_out=$(timeout 360 "$BIN/orders_store" --topic "$TOPIC" \
  --group "orders-store-$(date +%s)-$$" --expect "$delivered" --idle-ms 15000 \
  --max-seconds 300 --metrics) || store_rc=$?
grep -v '^#' <<<"$store_out" | grep -v '^topicgen_' || true
stored=$(sed -n 's/^stored: \([0-9]*\) orders.*/\1/p' <<<"$store_out")
dead=$(sed -n 's/.*dead-lettered: \([0-9]*\),.*/\1/p' <<<"$store_out")
[[ -n $stored && -n $dead ]] || die "orders_store printed no summary (exit $store_rc)"

printf 'processed in %ds: published %s, stored %s, dead-lettered %s\n' \
  $((SECONDS - t0)) "$delivered" "$stored" "$dead"
if ((delivered != stored + dead || dead != POISON || store_rc != 0)); then
  die "counts do not add up: published $delivered != stored $stored + dead-lettered $dead" \
    "(expected $POISON dead-lettered; orders_store exit $store_rc)"
fi
log "ok: published = stored + dead-lettered"
