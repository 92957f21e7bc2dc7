#!/usr/bin/env bash
# Install what building, running or testing topicgen needs, from Debian's
# packages, skipping what is already there.  Safe to run again.  Needs root
# (or sudo) only when something is missing.
#
#   install-deps.sh [--example | --tests | --bench]
#
#   --example  building and the example (scripts/run-example.sh):
#              cmake ninja-build gcc pkg-config libfyaml-dev librdkafka-dev
#              libmicrohttpd-dev (the runtime's /metrics endpoint,
#              topicgen.metrics.listen; the build leaves it out without it)
#   --tests    (the default) the example's, plus what the test suite uses
#              (scripts/run-tests.sh): g++ and make (the downstream C++ and
#              Makefile projects), locales (the de_DE source json_read and
#              json_write compile with localedef), clang (compile matrix,
#              fuzzing), libclang-rt-14-dev (clang's sanitizer/fuzzer
#              runtimes), cppcheck and clang-tidy (the static_analysis
#              test), valgrind (example_valgrind), python3, a JDK and Maven
#              (the real Kafka broker that scripts/kafka-broker.sh runs from
#              Maven Central), prometheus (promtool checks the /metrics
#              exposition; a real Prometheus scrapes a consumer in
#              kafka_ops_*), python3-venv and the Python packages of
#              tests/python/requirements.txt in a virtual environment of
#              their own ($TOPICGEN_VENV, default ~/.cache/topicgen/venv:
#              CMake finds it there, or set -DTOPICGEN_PYTHON=...),
#              nodejs and npm, and the npm packages of tests/asyncapi
#              (@asyncapi/parser, exactly as package-lock.json pins it) in
#              $TOPICGEN_NODE_DIR (default ~/.cache/topicgen/node; CMake's
#              TOPICGEN_NODE_DIR)
#   --bench    the tests', plus the competitor JSON libraries of codec_bench
#              (libsimdjson-dev rapidjson-dev libcjson-dev libjansson-dev),
#              python3-matplotlib (the plots) and python3-pip (msgspec,
#              orjson, confluent-kafka are pip-installed by bench/run.sh)
set -euo pipefail

set_name=${1:---tests}
packages=(cmake ninja-build gcc pkg-config libfyaml-dev librdkafka-dev libmicrohttpd-dev)
case $set_name in
  --example) ;;
  --tests | --bench)
    packages+=(g++ make clang libclang-rt-14-dev cppcheck clang-tidy valgrind python3 python3-venv
               locales)
    packages+=(prometheus)   # promtool and a real Prometheus for the /metrics tests
    command -v java >/dev/null 2>&1 || packages+=(default-jdk-headless)
    command -v mvn >/dev/null 2>&1 || packages+=(maven)
    command -v node >/dev/null 2>&1 || packages+=(nodejs)
    command -v npm >/dev/null 2>&1 || packages+=(npm)
    if [ "$set_name" = "--bench" ]; then
      packages+=(libsimdjson-dev rapidjson-dev libcjson-dev libjansson-dev python3-matplotlib
                 python3-pip)
    fi
    ;;
  *) echo "usage: install-deps.sh [--example | --tests | --bench]" >&2; exit 2 ;;
esac

# The tests' Python packages: a virtual environment (Debian's python3 refuses
# pip installs outside one), refreshed when the requirements change.
install_venv() {
  local venv=${TOPICGEN_VENV:-$HOME/.cache/topicgen/venv}
  local req; req="$(cd "$(dirname "$0")/.." && pwd)/tests/python/requirements.txt"
  if [ -f "$venv/requirements.txt" ] && cmp -s "$req" "$venv/requirements.txt"; then
    echo "install-deps: the Python packages in $venv are up to date"
    return
  fi
  echo "install-deps: installing tests/python/requirements.txt into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"
}

# The tests' npm packages (the AsyncAPI parser of tests/asyncapi), as the
# lock file pins them, refreshed when it changes.
install_node_modules() {
  local dir=${TOPICGEN_NODE_DIR:-$HOME/.cache/topicgen/node}
  local src; src="$(cd "$(dirname "$0")/.." && pwd)/tests/asyncapi"
  if [ -d "$dir/node_modules" ] && cmp -s "$src/package-lock.json" "$dir/package-lock.json"; then
    echo "install-deps: the npm packages in $dir are up to date"
    return
  fi
  echo "install-deps: installing tests/asyncapi/package-lock.json into $dir"
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: every Debian package for $set_name is installed"
else
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$set_name" = "--example" ] || install_venv
[ "$set_name" = "--example" ] || install_node_modules
echo "install-deps: done"
