#!/usr/bin/env bash
# kafka-broker.sh: run a real, single-node Apache Kafka broker for topicgen's
# integration tests, listening on 127.0.0.1 only.
#
# The broker comes from Maven Central's artifacts (org.apache.kafka:kafka_2.13,
# pinned in scripts/kafka/pom.xml), resolved by `mvn` into a cache folder; no
# Kafka distribution, container or other download is needed: only Java 11+
# (17 in CI), Maven and bash.  It runs in KRaft combined mode (broker and
# controller in one JVM, node.id 1), with replication factor 1 everywhere,
# everything (config, data, logs, native temp files) inside one folder.
#
# Usage: scripts/kafka-broker.sh COMMAND [ARGS]
#   fetch                          resolve the jars into the cache (idempotent)
#   start [DIR]                    start a fresh broker in DIR, wait until it answers
#   stop [DIR]                     stop it (SIGTERM, bounded wait, SIGKILL); ok if none
#   status [DIR]                   exit 0 if the broker in DIR runs, 1 if not
#   bootstrap [DIR]                print its address (127.0.0.1:PORT)
#   create-topic [DIR] NAME PARTITIONS   create a topic (replication 1), check its partitions
#   describe-topic [DIR] NAME      describe a topic (fails if it does not exist)
#   list-topics [DIR]              list the topics
#
# Files in DIR: server.properties, broker.log, pid, bootstrap (written once the
# broker answers, removed by stop), cluster-id, data/, tmp/.  `start` wipes
# data/ so each start is a fresh, empty cluster.  If DIR holds a `bootstrap`
# file but no broker of ours (e.g. CMake wrote the address of an external
# cluster there), the topic commands use that address.
#
# Environment (all optional):
#   TOPICGEN_BROKER_DIR            DIR when not given (default: ${TMPDIR:-/tmp}/topicgen-kafka)
#   TOPICGEN_BROKER_CACHE          jar cache (default: $HOME/.cache/topicgen/kafka-<version>)
#   TOPICGEN_BROKER_PORT           PLAINTEXT port (default: a free one)
#   TOPICGEN_BROKER_CONTROLLER_PORT  CONTROLLER port (default: a free one)
#   TOPICGEN_BROKER_PARTITIONS     num.partitions for auto-created topics (default 3)
#   TOPICGEN_BROKER_HEAP           broker -Xmx (default 512m)
#   TOPICGEN_BROKER_SERVER_PROPS   extra server.properties lines, appended verbatim
#   TOPICGEN_BROKER_START_TIMEOUT  seconds to wait for the broker to answer (default 90)
#   TOPICGEN_BROKER_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 30)
#   TOPICGEN_BROKER_FETCH_TIMEOUT  seconds for the Maven resolution (default 600)
#   TOPICGEN_BROKER_MAX_LIFETIME   a watchdog kills the broker after this many
#                                 seconds, in case nobody calls stop (default
#                                 7200; 0 disables)
#   JAVA_HOME, MAVEN_OPTS         as usual
set -euo pipefail

KAFKA_VERSION=3.9.2 # keep in step with kafka.version in scripts/kafka/pom.xml

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
POM="$SCRIPT_DIR/kafka/pom.xml"
CACHE=${TOPICGEN_BROKER_CACHE:-${HOME:-/tmp}/.cache/topicgen/kafka-$KAFKA_VERSION}
DEFAULT_DIR=${TOPICGEN_BROKER_DIR:-${TMPDIR:-/tmp}/topicgen-kafka}
START_TIMEOUT=${TOPICGEN_BROKER_START_TIMEOUT:-90}
STOP_TIMEOUT=${TOPICGEN_BROKER_STOP_TIMEOUT:-30}
FETCH_TIMEOUT=${TOPICGEN_BROKER_FETCH_TIMEOUT:-600}
MAX_LIFETIME=${TOPICGEN_BROKER_MAX_LIFETIME:-7200}
TOOL_TIMEOUT=60

log() { printf 'kafka-broker: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '/^# Usage:/,/^# Files in DIR/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- tools ----

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found (install a JDK 11+ or set JAVA_HOME)"
  fi
}

# JVM options for the short-lived command-line tools: start fast, stay small.
TOOL_JVM_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto
  -Djava.awt.headless=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

classpath() { printf '%s\n' "$CACHE/libs/*"; }

# The first of the given main classes that a Kafka jar of the cache holds.
# (A jar is a zip, whose directory keeps the entry names as plain text.)
main_class() {
  local c jars=("$CACHE"/libs/kafka*.jar)
  for c in "$@"; do
    if grep -qaF -- "${c//.//}.class" "${jars[@]}" 2>/dev/null; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  die "none of $* is in the jars of $CACHE/libs"
}

run_tool() { # run_tool SECONDS MAIN_CLASS ARGS...
  local secs=$1 java
  shift
  java=$(java_bin) || exit 1
  timeout -k 5 "$secs" "$java" "${TOOL_JVM_OPTS[@]}" -cp "$(classpath)" "$@"
}

# ---------------------------------------------------------------- fetch ----

cmd_fetch() {
  [[ -f $POM ]] || die "$POM is missing"
  local want stamp="$CACHE/.complete"
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    printf '%s\n' "$CACHE/libs"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (install Maven, e.g. the 'maven' Debian package)"
  mkdir -p "$(dirname "$CACHE")"
  # One fetch at a time per cache (ctest may run several scripts at once).
  exec 9>"$CACHE.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w "$FETCH_TIMEOUT" 9 || die "timed out waiting for another fetch into $CACHE"
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
      exec 9>&-
      printf '%s\n' "$CACHE/libs"
      return 0
    fi
  fi
  log "resolving kafka_2.13 $KAFKA_VERSION with Maven into $CACHE (first time: a minute or so)"
  local tmp="$CACHE/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$CACHE"
  # -f keeps Maven in scripts/kafka; copy-dependencies of a pom-packaged
  # project writes nothing there.
  local mlog="$CACHE/maven.log"
  if ! (cd "$SCRIPT_DIR/kafka" && timeout -k 10 "$FETCH_TIMEOUT" \
    mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp") >"$mlog" 2>&1; then
    # (Maven 3.8 prints colour codes even in batch mode: drop them.)
    sed 's/\x1b\[[0-9;]*m//g' "$mlog" | grep -v '^[[:space:]]*$' | tail -n 60 >&2 || true
    rm -rf "$tmp"
    die "Maven could not resolve the Kafka jars (log above and in $mlog; timeout ${FETCH_TIMEOUT}s)"
  fi
  compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null ||
    die "Maven ran but kafka_2.13-$KAFKA_VERSION.jar is not in $tmp"
  rm -rf "$CACHE/libs"
  mv "$tmp" "$CACHE/libs"
  printf '%s\n' "$want" >"$stamp"
  exec 9>&-
  log "$(find "$CACHE/libs" -name '*.jar' | wc -l) jars in $CACHE/libs"
  printf '%s\n' "$CACHE/libs"
}

# ------------------------------------------------------------- helpers ----

abs_dir() { # abs_dir DIR [create]: the absolute path of DIR
  local d=$1
  if [[ ${2:-} == create ]]; then mkdir -p "$d"; fi
  if [[ -d $d ]]; then (cd "$d" && pwd -P); else printf '%s\n' "$d"; fi
}

# The pid of the broker started in $1, if it still runs (checks that the pid
# is really that java, not a recycled pid).
broker_pid() {
  local dir=$1 pid
  [[ -f $dir/pid ]] || return 1
  pid=$(cat "$dir/pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/server.properties" || return 1
  printf '%s\n' "$pid"
}

watchdog_pid() {
  local dir=$1 pid
  [[ -f $dir/watchdog.pid ]] || return 1
  pid=$(cat "$dir/watchdog.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "topicgen-kafka-watchdog" || return 1
  printf '%s\n' "$pid"
}

port_open() { # port_open PORT: something accepts connections on 127.0.0.1:PORT
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# A port nobody listens on, below Linux's ephemeral range (32768-60999) so that
# outgoing connections do not take it in the meantime.
free_port() {
  local p tries=0 avoid=${1:-0}
  while ((tries++ < 200)); do
    p=$((20000 + (RANDOM % 12000)))
    ((p == avoid)) && continue
    port_open "$p" || {
      printf '%s\n' "$p"
      return 0
    }
  done
  die "found no free port on 127.0.0.1"
}

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding; never
# starting with '-' (it would read as an option), like Uuid.randomUuid().
cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* && ${#id} == 22 ]] && break
  done
  printf '%s\n' "$id"
}

log_tail() {
  local f=$1/broker.log
  if [[ -f $f ]]; then
    log "last lines of $f:"
    tail -n 40 "$f" | sed 's/^/    /' >&2
  fi
}

# ---------------------------------------------------------------- start ----

cmd_start() {
  local dir
  dir=$(abs_dir "${1:-$DEFAULT_DIR}" create)
  local pid
  if pid=$(broker_pid "$dir") && [[ -f $dir/bootstrap ]]; then
    log "already running in $dir (pid $pid) at $(cat "$dir/bootstrap")"
    return 0
  fi
  [[ -z ${pid:-} ]] || cmd_stop "$dir"

  cmd_fetch >/dev/null
  local java
  java=$(java_bin)

  local port=${TOPICGEN_BROKER_PORT:-} cport=${TOPICGEN_BROKER_CONTROLLER_PORT:-}
  [[ -n $port ]] || port=$(free_port)
  [[ -n $cport ]] || cport=$(free_port "$port")
  [[ $port =~ ^[0-9]+$ && $cport =~ ^[0-9]+$ ]] || die "ports must be numbers (got '$port', '$cport')"
  port_open "$port" && die "127.0.0.1:$port is already in use (TOPICGEN_BROKER_PORT)"
  port_open "$cport" && die "127.0.0.1:$cport is already in use (TOPICGEN_BROKER_CONTROLLER_PORT)"
  local partitions=${TOPICGEN_BROKER_PARTITIONS:-3}

  rm -rf "$dir/data" "$dir/tmp" "$dir/bootstrap" "$dir/pid" "$dir/watchdog.pid"
  mkdir -p "$dir/data" "$dir/tmp"
  : >"$dir/broker.log"

  cat >"$dir/server.properties" <<EOF
# Written by scripts/kafka-broker.sh: a single-node KRaft test broker on 127.0.0.1.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data

# One replica of everything.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5

# Fast tests: no rebalance delay, topics appear on first use.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.partitions=$partitions
delete.topic.enable=true

# A small machine: few threads, a small log cleaner buffer (128 MiB by default,
# allocated on the heap).
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
EOF
  if [[ -n ${TOPICGEN_BROKER_SERVER_PROPS:-} ]]; then
    printf '\n# From TOPICGEN_BROKER_SERVER_PROPS.\n%s\n' "$TOPICGEN_BROKER_SERVER_PROPS" >>"$dir/server.properties"
  fi

  local cid
  cid=$(cluster_id)
  printf '%s\n' "$cid" >"$dir/cluster-id"
  if ! run_tool "$TOOL_TIMEOUT" kafka.tools.StorageTool format -t "$cid" \
    -c "$dir/server.properties" >>"$dir/broker.log" 2>&1; then
    log_tail "$dir"
    die "formatting the storage in $dir/data failed"
  fi

  local jvm=(-Xms128m "-Xmx${TOPICGEN_BROKER_HEAP:-512m}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Djava.io.tmpdir=$dir/tmp" "-DZstdTempFolder=$dir/tmp" "-Dorg.xerial.snappy.tempdir=$dir/tmp"
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info
    -Dorg.slf4j.simpleLogger.showDateTime=true
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS"
    -Dorg.slf4j.simpleLogger.log.kafka.request.logger=warn
    -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn
    -Dorg.slf4j.simpleLogger.log.state.change.logger=warn)

  # The broker gets its own session (so that the caller's process group, e.g.
  # a ctest run, can end without taking it along) and no inherited pipes (so
  # that nobody waits for its output).  The bash in front writes its own pid,
  # which `exec` hands to java.
  # shellcheck disable=SC2016 # expanded by the inner bash
  local launcher=(bash -c 'echo $$ >"$1"; shift; exec "$@"' topicgen-kafka "$dir/pid"
    "$java" "${jvm[@]}" -cp "$(classpath)" kafka.Kafka "$dir/server.properties")
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid "${launcher[@]}"); fi
  log "starting Kafka $KAFKA_VERSION in $dir (PLAINTEXT 127.0.0.1:$port, CONTROLLER 127.0.0.1:$cport)"
  nohup "${launcher[@]}" </dev/null >>"$dir/broker.log" 2>&1 &

  local t0=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  while [[ ! -s $dir/pid ]] && ((SECONDS < deadline)); do sleep 0.1; done
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  [[ -n $pid ]] || die "the broker process did not start"

  if ((MAX_LIFETIME > 0)); then
    # shellcheck disable=SC2016 # expanded by the inner bash
    local wd=(bash -c '
      pid=$1 life=$2 end=$((SECONDS + $2))
      while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= end)); then
          echo "kafka-broker watchdog: stopping broker $pid after ${life}s (TOPICGEN_BROKER_MAX_LIFETIME)"
          kill -TERM "$pid" 2>/dev/null
          for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 1; done
          kill -KILL "$pid" 2>/dev/null
          exit 0
        fi
        sleep 5
      done' topicgen-kafka-watchdog "$pid" "$MAX_LIFETIME")
    if command -v setsid >/dev/null 2>&1; then wd=(setsid "${wd[@]}"); fi
    nohup "${wd[@]}" </dev/null >>"$dir/broker.log" 2>&1 &
    printf '%s\n' "$!" >"$dir/watchdog.pid"
  fi

  # Wait until the port accepts connections, then until a real request
  # (DescribeCluster through the admin client) answers with our cluster id.
  local probe answer
  probe=$(main_class org.apache.kafka.tools.ClusterTool kafka.admin.ClusterTool)
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail "$dir"
      rm -f "$dir/pid"
      die "the broker exited during startup (log: $dir/broker.log)"
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$dir"
      log "the broker did not answer within ${START_TIMEOUT}s; stopping it"
      cmd_stop "$dir" || true
      die "start timed out (TOPICGEN_BROKER_START_TIMEOUT=${START_TIMEOUT})"
    fi
    if port_open "$port"; then
      answer=$(run_tool $((deadline - SECONDS + 5)) "$probe" cluster-id \
        --bootstrap-server "127.0.0.1:$port" 2>>"$dir/broker.log" || true)
      if [[ $answer == *"$cid"* ]]; then break; fi
    fi
    sleep 0.5
  done
  printf '127.0.0.1:%s\n' "$port" >"$dir/bootstrap"
  log "ready after $((SECONDS - t0))s: pid $pid, bootstrap $(cat "$dir/bootstrap")"
}

# ----------------------------------------------------------------- stop ----

cmd_stop() {
  local dir
  dir=$(abs_dir "${1:-$DEFAULT_DIR}")
  if [[ ! -d $dir ]]; then
    log "nothing to stop: $dir does not exist"
    return 0
  fi
  local wpid pid
  if wpid=$(watchdog_pid "$dir"); then
    kill -TERM -- "-$wpid" 2>/dev/null || kill -TERM "$wpid" 2>/dev/null || true
  fi
  rm -f "$dir/watchdog.pid"
  if ! pid=$(broker_pid "$dir"); then
    rm -f "$dir/pid" "$dir/bootstrap"
    log "nothing to stop in $dir"
    return 0
  fi
  # Tests must not find the address of a broker that is going away.
  rm -f "$dir/bootstrap"
  log "stopping the broker in $dir (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then die "pid $pid survived SIGKILL"; fi
  fi
  rm -f "$dir/pid"
  log "stopped"
}

# --------------------------------------------------------- other commands ----

cmd_status() {
  local dir pid
  dir=$(abs_dir "${1:-$DEFAULT_DIR}")
  if pid=$(broker_pid "$dir"); then
    printf 'running: pid %s, bootstrap %s\n' "$pid" "$(cat "$dir/bootstrap" 2>/dev/null || echo '(not ready)')"
  else
    printf 'not running\n'
    return 1
  fi
}

# The address for DIR: our broker's, or whatever a `bootstrap` file there says
# (an external cluster).
bootstrap_of() {
  local dir
  dir=$(abs_dir "$1")
  [[ -s $dir/bootstrap ]] || die "no broker in $dir (no bootstrap file; run: $0 start $dir)"
  local b
  b=$(head -n 1 "$dir/bootstrap")
  if [[ -f $dir/pid ]] && ! broker_pid "$dir" >/dev/null; then
    die "the broker in $dir is not running any more (log: $dir/broker.log)"
  fi
  printf '%s\n' "$b"
}

cmd_bootstrap() { bootstrap_of "${1:-$DEFAULT_DIR}"; }

topic_cmd() { main_class org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand; }

cmd_create_topic() {
  local dir name parts
  case $# in
    2) dir=$DEFAULT_DIR name=$1 parts=$2 ;;
    3) dir=$1 name=$2 parts=$3 ;;
    *) usage ;;
  esac
  [[ $parts =~ ^[1-9][0-9]*$ ]] || die "PARTITIONS must be a positive number (got '$parts')"
  local b cls
  b=$(bootstrap_of "$dir")
  cmd_fetch >/dev/null
  cls=$(topic_cmd)
  run_tool "$TOOL_TIMEOUT" "$cls" --bootstrap-server "$b" --create --if-not-exists \
    --topic "$name" --partitions "$parts" --replication-factor 1 >&2 ||
    die "creating topic '$name' on $b failed"
  # --if-not-exists keeps an existing topic as it is: make sure it is what the
  # caller asked for.
  local desc got
  desc=$(run_tool "$TOOL_TIMEOUT" "$cls" --bootstrap-server "$b" --describe --topic "$name") ||
    die "describing topic '$name' on $b failed"
  got=$(sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$desc" | head -n 1)
  [[ $got == "$parts" ]] || die "topic '$name' has ${got:-?} partitions, not $parts"
  log "topic '$name' ready with $parts partitions on $b"
}

cmd_describe_topic() {
  local dir name
  case $# in
    1) dir=$DEFAULT_DIR name=$1 ;;
    2) dir=$1 name=$2 ;;
    *) usage ;;
  esac
  local b out
  b=$(bootstrap_of "$dir")
  cmd_fetch >/dev/null
  out=$(run_tool "$TOOL_TIMEOUT" "$(topic_cmd)" --bootstrap-server "$b" --describe --topic "$name") ||
    die "describing topic '$name' on $b failed"
  [[ $out == *"Topic: $name"* ]] || die "topic '$name' does not exist on $b"
  printf '%s\n' "$out"
}

cmd_list_topics() {
  local b
  b=$(bootstrap_of "${1:-$DEFAULT_DIR}")
  cmd_fetch >/dev/null
  run_tool "$TOOL_TIMEOUT" "$(topic_cmd)" --bootstrap-server "$b" --list
}

# ----------------------------------------------------------------- main ----

[[ $# -ge 1 ]] || usage
cmd=$1
shift
case $cmd in
  fetch) [[ $# -eq 0 ]] || usage; cmd_fetch ;;
  start) [[ $# -le 1 ]] || usage; cmd_start "$@" ;;
  stop) [[ $# -le 1 ]] || usage; cmd_stop "$@" ;;
  status) [[ $# -le 1 ]] || usage; cmd_status "$@" ;;
  bootstrap) [[ $# -le 1 ]] || usage; cmd_bootstrap "$@" ;;
  create-topic) cmd_create_topic "$@" ;;
  describe-topic) cmd_describe_topic "$@" ;;
  list-topics) [[ $# -le 1 ]] || usage; cmd_list_topics "$@" ;;
  -h | --help | help) usage ;;
  *) log "unknown command '$cmd'"; usage ;;
esac
