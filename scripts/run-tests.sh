#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, build and test
# with gcc, build with clang (compile only: its warnings differ), then build
# and test again under AddressSanitizer + UndefinedBehaviorSanitizer.  Integration tests start a real Kafka broker
# (scripts/kafka-broker.sh); set TOPICGEN_TEST_BROKERS=host:port to use an
# existing cluster instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests

jobs=2
build() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DTOPICGEN_BUILD_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
}

echo "== build and test (gcc, RelWithDebInfo)"
build build -DTOPICGEN_BUILD_BENCH=ON   # + bench_smoke (ctest -L bench)
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build with clang (warnings are errors there too; compile only)"
CC=clang CXX=clang++ build build-clang

echo "== build and test under ASan + UBSan"
build build-asan -DCMAKE_BUILD_TYPE=Debug -DTOPICGEN_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE slow
