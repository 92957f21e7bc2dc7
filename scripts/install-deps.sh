#!/usr/bin/env bash
# Install what building, running or testing topicgen needs, from Debian's
# packages, skipping what is already there.  Safe to run again.  Needs root
# (or sudo) only when something is missing.
#
#   install-deps.sh [--example | --tests | --bench]
#
#   --example  building and the example (scripts/run-example.sh):
#              cmake ninja-build gcc pkg-config libfyaml-dev librdkafka-dev
#   --tests    (the default) the example's, plus what the test suite uses
#              (scripts/run-tests.sh): g++ and make (the downstream C++ and
#              Makefile projects), locales (the de_DE source json_read and
#              json_write compile with localedef), clang (compile matrix,
#              fuzzing), libclang-rt-14-dev (clang's sanitizer/fuzzer
#              runtimes), cppcheck and clang-tidy (the static_analysis
#              test), valgrind (example_valgrind), python3, a JDK and Maven
#              (the real Kafka broker that scripts/kafka-broker.sh runs from
#              Maven Central)
#   --bench    the tests', plus the competitor JSON libraries of codec_bench
#              (libsimdjson-dev rapidjson-dev libcjson-dev libjansson-dev),
#              python3-matplotlib (the plots) and python3-pip (msgspec,
#              orjson, confluent-kafka are pip-installed by bench/run.sh)
set -euo pipefail

set_name=${1:---tests}
packages=(cmake ninja-build gcc pkg-config libfyaml-dev librdkafka-dev)
case $set_name in
  --example) ;;
  --tests | --bench)
    packages+=(g++ make clang libclang-rt-14-dev cppcheck clang-tidy valgrind python3 locales)
    command -v java >/dev/null 2>&1 || packages+=(default-jdk-headless)
    command -v mvn >/dev/null 2>&1 || packages+=(maven)
    if [ "$set_name" = "--bench" ]; then
      packages+=(libsimdjson-dev rapidjson-dev libcjson-dev libjansson-dev python3-matplotlib
                 python3-pip)
    fi
    ;;
  *) echo "usage: install-deps.sh [--example | --tests | --bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything for $set_name is installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
