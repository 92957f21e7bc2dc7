#!/usr/bin/env bash
# kafka-broker.sh: run a real Apache Kafka broker, or a small cluster of
# them, for topicgen's integration tests, listening on 127.0.0.1 only.
#
# The broker comes from Maven Central's artifacts (org.apache.kafka:kafka_2.13,
# pinned in scripts/kafka/pom.xml), resolved by `mvn` into a cache folder; no
# Kafka distribution, container or other download is needed: only Java 11+
# (17 in CI), Maven and bash.  It runs in KRaft combined mode (broker and
# controller in one JVM, node.id 1), with replication factor 1 everywhere,
# everything (config, data, logs, native temp files) inside one folder.
# With --nodes N (2-5; 3 in the tests) it starts N such JVMs instead, node.id
# 1..N, one controller quorum of all N, formatted with one cluster id:
# replication factor N everywhere (internal topics too), min.insync.replicas
# N-1; nodes can then be SIGKILLed and restarted on their data one by one.
#
# Usage: scripts/kafka-broker.sh COMMAND [ARGS]
#   fetch                          resolve the jars into the cache (idempotent)
#   start [DIR]                    start a fresh broker in DIR, wait until it answers
#   start --nodes N [DIR]          start a fresh N-node cluster in DIR, wait until
#                                  every node answers and all N form one cluster
#                                  (also: --nodes N [start [DIR]])
#   stop [DIR]                     stop it, or every node (SIGTERM, bounded wait,
#                                  SIGKILL); ok if none
#   status [DIR]                   exit 0 if the broker (every node) in DIR runs, 1 if not
#   bootstrap [DIR]                print its address (127.0.0.1:PORT; a cluster's:
#                                  all N, comma-separated)
#   create-topic [DIR] NAME PARTITIONS   create a topic (replication 1, or N in a
#                                  cluster), check its partitions and replication
#   describe-topic [DIR] NAME      describe a topic (fails if it does not exist)
#   list-topics [DIR]              list the topics
#   leader [DIR] TOPIC PARTITION   print the node id leading that partition
#                                  (fails while it has none)
#   coordinator [DIR] transaction|group ID   print the node id of the
#                                  coordinator of that transactional id or group
#   kill-node [DIR] ID             cluster: SIGKILL node ID (data kept), wait until gone
#   restart-node [DIR] ID          cluster: start node ID again on its data, wait
#                                  until it answers
#
# Files in DIR: server.properties, broker.log, pid, bootstrap (written once the
# broker answers, removed by stop), cluster-id, data/, tmp/.  `start` wipes
# data/ so each start is a fresh, empty cluster.  If DIR holds a `bootstrap`
# file but no broker of ours (e.g. CMake wrote the address of an external
# cluster there), the topic commands use that address.  A cluster keeps
# nodes (N), cluster-id and bootstrap in DIR, and each node's
# server.properties, broker.log, pid, port, data/ and tmp/ in DIR/node<ID>.
#
# Environment (all optional):
#   TOPICGEN_BROKER_DIR            DIR when not given (default: ${TMPDIR:-/tmp}/topicgen-kafka)
#   TOPICGEN_BROKER_CACHE          jar cache (default: $HOME/.cache/topicgen/kafka-<version>)
#   TOPICGEN_BROKER_PORT           PLAINTEXT port (default: a free one; a
#                                 cluster always takes free ones)
#   TOPICGEN_BROKER_CONTROLLER_PORT  CONTROLLER port (default: a free one)
#   TOPICGEN_BROKER_PARTITIONS     num.partitions for auto-created topics (default 3)
#   TOPICGEN_BROKER_HEAP           broker -Xmx, per node (default 512m)
#   TOPICGEN_BROKER_SERVER_PROPS   extra server.properties lines, appended verbatim
#   TOPICGEN_BROKER_START_TIMEOUT  seconds to wait for the broker (all nodes) to
#                                 answer (default 90)
#   TOPICGEN_BROKER_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 30)
#   TOPICGEN_BROKER_FETCH_TIMEOUT  seconds for the Maven resolution (default 600)
#   TOPICGEN_BROKER_MAX_LIFETIME   a watchdog kills the broker (each node) after this many
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
free_port() { # free_port [PORT_TO_AVOID...]
  local p tries=0 a
  while ((tries++ < 200)); do
    p=$((20000 + (RANDOM % 12000)))
    for a in "$@"; do ((p == a)) && continue 2; done
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

# write_props NODE_DIR NODE_ID NODES PORT CPORT VOTERS: server.properties of
# one node.  NODES=1 is the single broker (replication 1 everywhere); NODES>1
# a node of a cluster: replication NODES, min.insync.replicas NODES-1.
write_props() {
  local ndir=$1 id=$2 nodes=$3 port=$4 cport=$5 voters=$6
  local partitions=${TOPICGEN_BROKER_PARTITIONS:-3} what repl=$3 isr=1
  what="a single-node KRaft test broker on 127.0.0.1"
  if ((nodes > 1)); then
    what="node $id of a $nodes-node KRaft test cluster on 127.0.0.1"
    isr=$((nodes - 1))
  fi
  cat >"$ndir/server.properties" <<EOP
# Written by scripts/kafka-broker.sh: $what.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$ndir/data

# $repl replica(s) of everything, min.insync.replicas $isr.
default.replication.factor=$repl
min.insync.replicas=$isr
offsets.topic.replication.factor=$repl
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=$repl
transaction.state.log.min.isr=$isr
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
EOP
  if ((nodes > 1)); then
    cat >>"$ndir/server.properties" <<EOP

# A cluster: one replica fetcher per node, and a dead node is noticed (its
# partitions get new leaders) about 6 s after it stops heartbeating, instead
# of 9 s.
num.replica.fetchers=1
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000
EOP
  fi
  if [[ -n ${TOPICGEN_BROKER_SERVER_PROPS:-} ]]; then
    printf '\n# From TOPICGEN_BROKER_SERVER_PROPS.\n%s\n' "$TOPICGEN_BROKER_SERVER_PROPS" >>"$ndir/server.properties"
  fi
}

# format_node NODE_DIR CLUSTER_ID: format the node's log dir for the cluster.
format_node() {
  if ! run_tool "$TOOL_TIMEOUT" kafka.tools.StorageTool format -t "$2" \
    -c "$1/server.properties" >>"$1/broker.log" 2>&1; then
    log_tail "$1"
    die "formatting the storage in $1/data failed"
  fi
}

# launch_node NODE_DIR: start the broker of NODE_DIR/server.properties in the
# background (pid in NODE_DIR/pid, log in NODE_DIR/broker.log), with its
# watchdog; returns once the pid is known.
launch_node() {
  local ndir=$1 java pid
  java=$(java_bin)
  local jvm=(-Xms128m "-Xmx${TOPICGEN_BROKER_HEAP:-512m}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Djava.io.tmpdir=$ndir/tmp" "-DZstdTempFolder=$ndir/tmp" "-Dorg.xerial.snappy.tempdir=$ndir/tmp"
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info
    -Dorg.slf4j.simpleLogger.showDateTime=true
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS"
    -Dorg.slf4j.simpleLogger.log.kafka.request.logger=warn
    -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn
    -Dorg.slf4j.simpleLogger.log.state.change.logger=warn)
  mkdir -p "$ndir/tmp"
  rm -f "$ndir/pid" "$ndir/watchdog.pid"

  # The broker gets its own session (so that the caller's process group, e.g.
  # a ctest run, can end without taking it along) and no inherited pipes (so
  # that nobody waits for its output).  The bash in front writes its own pid,
  # which `exec` hands to java.
  # shellcheck disable=SC2016 # expanded by the inner bash
  local launcher=(bash -c 'echo $$ >"$1"; shift; exec "$@"' topicgen-kafka "$ndir/pid"
    "$java" "${jvm[@]}" -cp "$(classpath)" kafka.Kafka "$ndir/server.properties")
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid "${launcher[@]}"); fi
  nohup "${launcher[@]}" </dev/null >>"$ndir/broker.log" 2>&1 &

  local deadline=$((SECONDS + START_TIMEOUT))
  while [[ ! -s $ndir/pid ]] && ((SECONDS < deadline)); do sleep 0.1; done
  pid=$(cat "$ndir/pid" 2>/dev/null || true)
  [[ -n $pid ]] || die "the broker process of $ndir did not start"

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
    nohup "${wd[@]}" </dev/null >>"$ndir/broker.log" 2>&1 &
    printf '%s\n' "$!" >"$ndir/watchdog.pid"
  fi
}

# await_node NODE_DIR PORT CLUSTER_ID DEADLINE: wait until the node's port
# accepts connections, then until a real request (DescribeCluster through the
# admin client) answers with our cluster id.  Returns 0 when it does, 1 when
# the node exited (its pid file removed), 2 at DEADLINE (in $SECONDS); logs
# the tail of its log on failure.
await_node() {
  local ndir=$1 port=$2 cid=$3 deadline=$4 pid probe answer
  pid=$(cat "$ndir/pid")
  probe=$(main_class org.apache.kafka.tools.ClusterTool kafka.admin.ClusterTool)
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail "$ndir"
      rm -f "$ndir/pid"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$ndir"
      return 2
    fi
    if port_open "$port"; then
      answer=$(run_tool $((deadline - SECONDS + 5)) "$probe" cluster-id \
        --bootstrap-server "127.0.0.1:$port" 2>>"$ndir/broker.log" || true)
      if [[ $answer == *"$cid"* ]]; then return 0; fi
    fi
    sleep 0.5
  done
}

cmd_start() {
  local dir
  dir=$(abs_dir "${1:-$DEFAULT_DIR}" create)
  local pid
  if [[ ! -f $dir/nodes ]] && pid=$(broker_pid "$dir") && [[ -f $dir/bootstrap ]]; then
    log "already running in $dir (pid $pid) at $(cat "$dir/bootstrap")"
    return 0
  fi
  if [[ -n ${pid:-} || -f $dir/nodes ]]; then cmd_stop "$dir"; fi

  cmd_fetch >/dev/null
  java_bin >/dev/null

  local port=${TOPICGEN_BROKER_PORT:-} cport=${TOPICGEN_BROKER_CONTROLLER_PORT:-}
  [[ -n $port ]] || port=$(free_port)
  [[ -n $cport ]] || cport=$(free_port "$port")
  [[ $port =~ ^[0-9]+$ && $cport =~ ^[0-9]+$ ]] || die "ports must be numbers (got '$port', '$cport')"
  port_open "$port" && die "127.0.0.1:$port is already in use (TOPICGEN_BROKER_PORT)"
  port_open "$cport" && die "127.0.0.1:$cport is already in use (TOPICGEN_BROKER_CONTROLLER_PORT)"

  rm -rf "$dir/data" "$dir/tmp" "$dir/bootstrap" "$dir/pid" "$dir/watchdog.pid" "$dir/nodes" "$dir"/node[0-9]*
  mkdir -p "$dir/data" "$dir/tmp"
  : >"$dir/broker.log"
  write_props "$dir" 1 1 "$port" "$cport" "1@127.0.0.1:$cport"

  local cid
  cid=$(cluster_id)
  printf '%s\n' "$cid" >"$dir/cluster-id"
  format_node "$dir" "$cid"

  local t0=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  log "starting Kafka $KAFKA_VERSION in $dir (PLAINTEXT 127.0.0.1:$port, CONTROLLER 127.0.0.1:$cport)"
  launch_node "$dir"
  pid=$(cat "$dir/pid")
  local rc=0
  await_node "$dir" "$port" "$cid" "$deadline" || rc=$?
  case $rc in
    0) ;;
    1) die "the broker exited during startup (log: $dir/broker.log)" ;;
    *)
      log "the broker did not answer within ${START_TIMEOUT}s; stopping it"
      cmd_stop "$dir" || true
      die "start timed out (TOPICGEN_BROKER_START_TIMEOUT=${START_TIMEOUT})"
      ;;
  esac
  printf '127.0.0.1:%s\n' "$port" >"$dir/bootstrap"
  log "ready after $((SECONDS - t0))s: pid $pid, bootstrap $(cat "$dir/bootstrap")"
}

# ------------------------------------------------------------- cluster ----

# A cluster in DIR: DIR/nodes holds the node count N; node i (1..N) lives in
# DIR/node<i> (server.properties, broker.log, pid, port, data/, tmp/);
# DIR/bootstrap lists all N addresses once every node answers.

nodes_of() { # nodes_of DIR: the node count of the cluster in DIR, or fail
  local n
  [[ -f $1/nodes ]] || return 1
  n=$(cat "$1/nodes" 2>/dev/null) || return 1
  [[ $n =~ ^[1-9][0-9]*$ ]] || return 1
  printf '%s\n' "$n"
}

node_dir() { # node_dir DIR ID: the folder of node ID, which must exist
  local n
  n=$(nodes_of "$1") || die "no cluster in $1 (no nodes file; run: $0 start --nodes 3 $1)"
  [[ $2 =~ ^[1-9][0-9]*$ ]] && (($2 <= n)) || die "node id must be 1..$n (got '$2')"
  printf '%s\n' "$1/node$2"
}

cmd_start_cluster() { # cmd_start_cluster N [DIR]
  local n=$1 dir
  dir=$(abs_dir "${2:-$DEFAULT_DIR}" create)
  ((n >= 2 && n <= 5)) || die "--nodes must be 1 to 5 (got $n)"
  if cluster_running "$dir" && [[ -f $dir/bootstrap && $(nodes_of "$dir") == "$n" ]]; then
    log "a $n-node cluster already runs in $dir at $(cat "$dir/bootstrap")"
    return 0
  fi
  cmd_stop "$dir"
  cmd_fetch >/dev/null
  java_bin >/dev/null

  local ports=() i voters="" bootstrap=""
  for ((i = 0; i < 2 * n; i++)); do ports+=("$(free_port "${ports[@]}")"); done
  rm -rf "$dir/data" "$dir/tmp" "$dir/bootstrap" "$dir/pid" "$dir/watchdog.pid" "$dir"/node[0-9]*
  : >"$dir/broker.log"
  for ((i = 1; i <= n; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:${ports[2 * i - 1]}"
    bootstrap+="${bootstrap:+,}127.0.0.1:${ports[2 * i - 2]}"
  done
  printf '%s\n' "$n" >"$dir/nodes"
  local cid
  cid=$(cluster_id)
  printf '%s\n' "$cid" >"$dir/cluster-id"
  for ((i = 1; i <= n; i++)); do
    local ndir=$dir/node$i
    mkdir -p "$ndir/data" "$ndir/tmp"
    : >"$ndir/broker.log"
    printf '%s\n' "${ports[2 * i - 2]}" >"$ndir/port"
    write_props "$ndir" "$i" "$n" "${ports[2 * i - 2]}" "${ports[2 * i - 1]}" "$voters"
    format_node "$ndir" "$cid"
  done

  local t0=$SECONDS deadline=$((SECONDS + START_TIMEOUT)) rc
  log "starting a $n-node Kafka $KAFKA_VERSION cluster in $dir (PLAINTEXT $bootstrap; controllers $voters)"
  for ((i = 1; i <= n; i++)); do launch_node "$dir/node$i"; done
  for ((i = 1; i <= n; i++)); do
    rc=0
    await_node "$dir/node$i" "${ports[2 * i - 2]}" "$cid" "$deadline" || rc=$?
    if ((rc != 0)); then
      cmd_stop "$dir" || true
      ((rc == 1)) && die "node $i exited during startup (log: $dir/node$i/broker.log)"
      die "node $i did not answer within ${START_TIMEOUT}s (TOPICGEN_BROKER_START_TIMEOUT)"
    fi
  done
  # Every node answers; the cluster is whole once a topic with N replicas
  # can be created (that needs all N brokers registered with the controller).
  local cls
  cls=$(topic_cmd)
  until run_tool "$TOOL_TIMEOUT" "$cls" --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic topicgen-cluster-ready --partitions 1 --replication-factor "$n" >>"$dir/broker.log" 2>&1; do
    if ((SECONDS >= deadline)); then
      cmd_stop "$dir" || true
      die "the $n nodes answer but did not form one cluster within ${START_TIMEOUT}s (log: $dir/broker.log)"
    fi
    sleep 1
  done
  printf '%s\n' "$bootstrap" >"$dir/bootstrap"
  log "cluster ready after $((SECONDS - t0))s: bootstrap $bootstrap"
}

cluster_running() { # cluster_running DIR: every node of the cluster in DIR runs
  local n i
  n=$(nodes_of "$1") || return 1
  for ((i = 1; i <= n; i++)); do broker_pid "$1/node$i" >/dev/null || return 1; done
}

cmd_leader() { # cmd_leader DIR TOPIC PARTITION: print the leader's node id
  local dir=$1 topic=$2 part=$3 desc leader
  [[ $part =~ ^[0-9]+$ ]] || die "PARTITION must be a number (got '$part')"
  desc=$(cmd_describe_topic "$dir" "$topic")
  leader=$(awk -v p="$part" '{
      for (i = 1; i < NF; i++) if ($i == "Partition:" && $(i + 1) == p) found = 1
      if (found) { for (i = 1; i < NF; i++) if ($i == "Leader:") { print $(i + 1); exit } }
    }' <<<"$desc")
  [[ -n $leader ]] || die "topic '$topic' has no partition $part"
  [[ $leader =~ ^[1-9][0-9]*$ ]] || die "partition $part of '$topic' has no leader now (Leader: $leader)"
  printf '%s\n' "$leader"
}

cmd_coordinator() { # cmd_coordinator DIR transaction|group ID: print its node id
  local dir=$1 kind=$2 id=$3 b out node
  b=$(bootstrap_of "$dir")
  cmd_fetch >/dev/null
  case $kind in
    transaction)
      out=$(run_tool "$TOOL_TIMEOUT" "$(main_class org.apache.kafka.tools.TransactionsCommand)" \
        --bootstrap-server "$b" describe --transactional-id "$id") ||
        die "describing transactional id '$id' on $b failed"
      # A header line (CoordinatorId TransactionalId ...), then its values.
      node=$(awk '$1 == "CoordinatorId" { getline; print $1; exit }' <<<"$out")
      ;;
    group)
      out=$(run_tool "$TOOL_TIMEOUT" "$(main_class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
        kafka.admin.ConsumerGroupCommand)" --bootstrap-server "$b" --describe --group "$id" --state) ||
        die "describing group '$id' on $b failed"
      # GROUP COORDINATOR (ID) ...: "NAME HOST:PORT (N) ..."
      node=$(awk -v g="$id" '$1 == g { for (i = 2; i <= NF; i++) if ($i ~ /^\([0-9]+\)$/) { gsub(/[()]/, "", $i); print $i; exit } }' <<<"$out")
      ;;
    *) usage ;;
  esac
  [[ $node =~ ^[0-9]+$ ]] || die "no coordinator found for $kind '$id' on $b"
  printf '%s\n' "$node"
}

cmd_kill_node() { # cmd_kill_node DIR ID: SIGKILL node ID, wait until it is gone
  local ndir pid
  ndir=$(node_dir "$1" "$2")
  pid=$(broker_pid "$ndir") || die "node $2 of $1 is not running"
  kill -KILL "$pid"
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "node $2 (pid $pid) survived SIGKILL for 10 s"
  rm -f "$ndir/pid"
  log "node $2 (pid $pid) killed with SIGKILL; its data stays in $ndir/data"
}

cmd_restart_node() { # cmd_restart_node DIR ID: start node ID again on its data
  local dir=$1 ndir pid rc=0
  ndir=$(node_dir "$dir" "$2")
  if pid=$(broker_pid "$ndir"); then die "node $2 of $dir still runs (pid $pid)"; fi
  local t0=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  log "restarting node $2 on its data in $ndir"
  launch_node "$ndir"
  await_node "$ndir" "$(cat "$ndir/port")" "$(cat "$dir/cluster-id")" "$deadline" || rc=$?
  case $rc in
    0) log "node $2 answers again after $((SECONDS - t0))s (pid $(cat "$ndir/pid"))" ;;
    1) die "node $2 exited during its restart (log: $ndir/broker.log)" ;;
    *) die "node $2 did not answer within ${START_TIMEOUT}s of its restart (log: $ndir/broker.log)" ;;
  esac
}

# ----------------------------------------------------------------- stop ----

# stop_pids STOP_TIMEOUT PID...: SIGTERM them all, wait (bounded), SIGKILL the rest.
stop_pids() {
  local pid deadline=$((SECONDS + STOP_TIMEOUT)) alive
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  while :; do
    alive=()
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    ((${#alive[@]} == 0)) && return 0
    ((SECONDS < deadline)) || break
    sleep 0.2
  done
  log "still running after ${STOP_TIMEOUT}s: SIGKILL ${alive[*]}"
  kill -KILL "${alive[@]}" 2>/dev/null || true
  deadline=$((SECONDS + 10))
  for pid in "${alive[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then die "pid $pid survived SIGKILL"; fi
  done
}

stop_watchdog() { # stop_watchdog NODE_DIR
  local wpid
  if wpid=$(watchdog_pid "$1"); then
    kill -TERM -- "-$wpid" 2>/dev/null || kill -TERM "$wpid" 2>/dev/null || true
  fi
  rm -f "$1/watchdog.pid"
}

cmd_stop() {
  local dir
  dir=$(abs_dir "${1:-$DEFAULT_DIR}")
  if [[ ! -d $dir ]]; then
    log "nothing to stop: $dir does not exist"
    return 0
  fi
  local ndirs=("$dir") ndir pid pids=()
  if [[ -f $dir/nodes ]]; then ndirs=("$dir"/node[0-9]*); fi
  for ndir in "${ndirs[@]}"; do
    [[ -d $ndir ]] || continue
    stop_watchdog "$ndir"
    if pid=$(broker_pid "$ndir"); then pids+=("$pid"); else rm -f "$ndir/pid"; fi
  done
  # Tests must not find the address of a broker that is going away.
  rm -f "$dir/bootstrap"
  if ((${#pids[@]} == 0)); then
    log "nothing to stop in $dir"
    return 0
  fi
  log "stopping the broker(s) in $dir (pid ${pids[*]})"
  stop_pids "${pids[@]}"
  for ndir in "${ndirs[@]}"; do rm -f "$ndir/pid"; done
  log "stopped"
}

# --------------------------------------------------------- other commands ----

cmd_status() {
  local dir pid n i up=0
  dir=$(abs_dir "${1:-$DEFAULT_DIR}")
  if n=$(nodes_of "$dir"); then
    for ((i = 1; i <= n; i++)); do
      if pid=$(broker_pid "$dir/node$i"); then
        printf 'node %s: running, pid %s, 127.0.0.1:%s\n' "$i" "$pid" "$(cat "$dir/node$i/port")"
        up=$((up + 1))
      else
        printf 'node %s: not running\n' "$i"
      fi
    done
    printf '%s of %s nodes running, bootstrap %s\n' "$up" "$n" "$(cat "$dir/bootstrap" 2>/dev/null || echo '(not ready)')"
    ((up == n))
  elif pid=$(broker_pid "$dir"); then
    printf 'running: pid %s, bootstrap %s\n' "$pid" "$(cat "$dir/bootstrap" 2>/dev/null || echo '(not ready)')"
  else
    printf 'not running\n'
    return 1
  fi
}

# The address for DIR: our broker's (all nodes' of a cluster), or whatever a
# `bootstrap` file there says (an external cluster).
bootstrap_of() {
  local dir
  dir=$(abs_dir "$1")
  [[ -s $dir/bootstrap ]] || die "no broker in $dir (no bootstrap file; run: $0 start $dir)"
  local b n i up=0
  b=$(head -n 1 "$dir/bootstrap")
  if n=$(nodes_of "$dir"); then
    for ((i = 1; i <= n; i++)); do broker_pid "$dir/node$i" >/dev/null && up=$((up + 1)); done
    ((up > 0)) || die "no node of the cluster in $dir runs any more (logs: $dir/node*/broker.log)"
  elif [[ -f $dir/pid ]] && ! broker_pid "$dir" >/dev/null; then
    die "the broker in $dir is not running any more (log: $dir/broker.log)"
  fi
  printf '%s\n' "$b"
}

cmd_bootstrap() { bootstrap_of "${1:-$DEFAULT_DIR}"; }

topic_cmd() { main_class org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand; }

# The replication factor of new topics in DIR: the node count of our cluster,
# else 1 (our single broker, or an external cluster).
replication_of() { nodes_of "$(abs_dir "$1")" 2>/dev/null || echo 1; }

cmd_create_topic() {
  local dir name parts
  case $# in
    2) dir=$DEFAULT_DIR name=$1 parts=$2 ;;
    3) dir=$1 name=$2 parts=$3 ;;
    *) usage ;;
  esac
  [[ $parts =~ ^[1-9][0-9]*$ ]] || die "PARTITIONS must be a positive number (got '$parts')"
  local b cls repl
  b=$(bootstrap_of "$dir")
  repl=$(replication_of "$dir")
  cmd_fetch >/dev/null
  cls=$(topic_cmd)
  run_tool "$TOOL_TIMEOUT" "$cls" --bootstrap-server "$b" --create --if-not-exists \
    --topic "$name" --partitions "$parts" --replication-factor "$repl" >&2 ||
    die "creating topic '$name' on $b failed"
  # --if-not-exists keeps an existing topic as it is: make sure it is what the
  # caller asked for.
  local desc got
  desc=$(run_tool "$TOOL_TIMEOUT" "$cls" --bootstrap-server "$b" --describe --topic "$name") ||
    die "describing topic '$name' on $b failed"
  got=$(sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$desc" | head -n 1)
  [[ $got == "$parts" ]] || die "topic '$name' has ${got:-?} partitions, not $parts"
  got=$(sed -n 's/.*ReplicationFactor:[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$desc" | head -n 1)
  [[ $got == "$repl" ]] || die "topic '$name' has replication factor ${got:-?}, not $repl"
  log "topic '$name' ready with $parts partitions, replication $repl, on $b"
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

# --nodes N, before the command or right after `start`, asks for a cluster.
NODES=1
take_nodes() { [[ ${1:-} =~ ^[1-9][0-9]*$ ]] || die "--nodes needs a number (got '${1:-}')"; NODES=$1; }
if [[ ${1:-} == --nodes ]]; then
  take_nodes "${2:-}"
  shift 2
  [[ $# -ge 1 ]] || set -- start
fi
[[ $# -ge 1 ]] || usage
cmd=$1
shift
if [[ $cmd == start && ${1:-} == --nodes ]]; then
  take_nodes "${2:-}"
  shift 2
fi
[[ $NODES == 1 || $cmd == start ]] || die "--nodes goes with start only (got '$cmd')"
case $cmd in
  fetch) [[ $# -eq 0 ]] || usage; cmd_fetch ;;
  start)
    [[ $# -le 1 ]] || usage
    if ((NODES == 1)); then cmd_start "$@"; else cmd_start_cluster "$NODES" "$@"; fi
    ;;
  stop) [[ $# -le 1 ]] || usage; cmd_stop "$@" ;;
  status) [[ $# -le 1 ]] || usage; cmd_status "$@" ;;
  bootstrap) [[ $# -le 1 ]] || usage; cmd_bootstrap "$@" ;;
  create-topic) cmd_create_topic "$@" ;;
  describe-topic) cmd_describe_topic "$@" ;;
  list-topics) [[ $# -le 1 ]] || usage; cmd_list_topics "$@" ;;
  leader)
    case $# in
      2) cmd_leader "$DEFAULT_DIR" "$@" ;;
      3) cmd_leader "$@" ;;
      *) usage ;;
    esac
    ;;
  coordinator)
    case $# in
      2) cmd_coordinator "$DEFAULT_DIR" "$@" ;;
      3) cmd_coordinator "$@" ;;
      *) usage ;;
    esac
    ;;
  kill-node | restart-node)
    case $# in
      1) set -- "$DEFAULT_DIR" "$1" ;;
      2) ;;
      *) usage ;;
    esac
    if [[ $cmd == kill-node ]]; then cmd_kill_node "$(abs_dir "$1")" "$2"; else cmd_restart_node "$(abs_dir "$1")" "$2"; fi
    ;;
  -h | --help | help) usage ;;
  *) log "unknown command '$cmd'"; usage ;;
esac
