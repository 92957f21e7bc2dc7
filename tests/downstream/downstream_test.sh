#!/usr/bin/env bash
# Build the tiny downstream project in tests/downstream/project both ways a
# user can consume topicgen: from its source tree via add_subdirectory, and
# installed (cmake --install of this build) via find_package.  Each build
# must generate code at build time, compile it with -Werror and run.
set -euo pipefail
src=$1      # topicgen source tree
build=$2    # this topicgen build tree (already built)
work=$3     # scratch directory
rm -rf "$work"
mkdir -p "$work"

echo "== add_subdirectory"
cmake -S "$src/tests/downstream/project" -B "$work/sub" -G Ninja \
      -DTOPICGEN_SOURCE_DIR="$src" -DTOPICGEN_KAFKA=OFF >/dev/null
cmake --build "$work/sub" -j2 >/dev/null
"$work/sub/order_check"

echo "== find_package"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/downstream/project" -B "$work/pkg" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/pkg" -j2 >/dev/null
"$work/pkg/order_check"
test -f "$work/prefix/lib/pkgconfig/topicgen.pc"

echo "== regenerates when the schema changes"
touch "$src/tests/downstream/project/order.yaml"
cmake --build "$work/pkg" -j2 | grep -q "topicgen: generating shop"
echo "downstream: 2 passed, 0 failed"
