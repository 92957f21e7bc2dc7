#!/usr/bin/env bash
# A user's repository from zero: the payments service of
# tests/downstream/project (its own schema, translators in its source tree,
# C and C++) built three ways against topicgen, and its producer and
# consumer exchanging 1,000 union messages through topicgen-broker:
#
#   install      cmake --install of this build into a scratch prefix; the
#                shared libraries have their SONAME; no private header
#                (*_int.h) is installed; every installed header compiles
#                alone as C11, C++17 and C++20 at -Werror
#   find_package the project finds the installed topicgen; translator
#                skeletons appear in its source tree and are never
#                overwritten; a schema change regenerates
#   imports      tests/downstream/imports_project: schemas importing a shared
#                one (IMPORT_DIRS), with Ninja and Makefiles; an edit of the
#                shared schema regenerates once and changes only the files
#                that depend on it
#   add_subdirectory  the project builds topicgen from this source tree
#   pkg-config   a plain Makefile with the installed `topicgen` and
#                `pkg-config topicgen` (shared, and --static with the archives)
#   json only    pay_codec links topicgen::json alone (JSON_ONLY) in every
#                build, and against a topicgen configured -DTOPICGEN_KAFKA=OFF,
#                which installs the JSON layer and nothing of Kafka
#
# Each exchange starts a fresh topicgen-broker (topics pay.events:3 and
# pay.events.dlq:1), names it with TOPICGEN_BROKERS only, publishes 1,000
# events and consumes them with one handler per variant: one event is
# retried once, one rejected; the consumer reads the dead letter back.  It
# must report published = handled + dead-lettered exactly (999 + 1), no
# duplicates.  Every wait is bounded; the broker listens on 127.0.0.1 only
# and is always stopped.
#
#   downstream_test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
src=$1      # topicgen source tree
build=$2    # this topicgen build tree (already built)
work=$3     # scratch directory
COUNT=1000
passed=0
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
broker_pid=""

fail() { echo "downstream: FAIL: $*" >&2; echo "downstream: $passed passed, 1 failed"; exit 1; }
pass() { echo "ok: $*"; passed=$((passed + 1)); }
stop_broker() {
  if [[ -n $broker_pid ]]; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=""
  fi
}
trap stop_broker EXIT

# A fresh copy of the user's project, as if cloned: skeletons get written
# into it, never into topicgen's tree.
fresh_project() { rm -rf "$1"; cp -r "$src/tests/downstream/project" "$1"; }

# start_broker: a fresh topicgen-broker; exports TOPICGEN_BROKERS.
start_broker() {
  stop_broker
  local out=$work/broker.out
  : >"$out"
  "$prefix/bin/topicgen-broker" --topic pay.events:3 --topic pay.events.dlq:1 \
    --max-seconds 300 >"$out" 2>"$work/broker.err" &
  broker_pid=$!
  for _ in $(seq 100); do [[ -s $out ]] && break; sleep 0.1; done
  TOPICGEN_BROKERS=$(head -n 1 "$out")
  [[ $TOPICGEN_BROKERS == 127.0.0.1:* ]] || fail "topicgen-broker printed no address: $(cat "$work/broker.err")"
  export TOPICGEN_BROKERS
}

# exchange LABEL PRODUCER... -- CONSUMER...: publish COUNT, consume, compare.
exchange() {
  local label=$1; shift
  local producer=() consumer=()
  while [[ $1 != -- ]]; do producer+=("$1"); shift; done
  shift
  consumer=("$@")
  start_broker
  local out
  out=$(timeout 120 "${producer[@]}") || fail "$label: producer failed: $out"
  [[ $out == "published: $COUNT" ]] || fail "$label: producer said '$out'"
  out=$(timeout 150 "${consumer[@]}") || fail "$label: consumer failed: $out"
  echo "$out"
  [[ $out == *"handled: $((COUNT - 1)), dead-lettered: 1, duplicates: 0, retried: 1" ]] ||
    fail "$label: published $COUNT, consumer counted: $out"
  stop_broker
  pass "$label: published $COUNT = handled $((COUNT - 1)) + dead-lettered 1"
}

echo "== install"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/topicgen bin/topicgen-broker lib/libtopicgen_json.a lib/libtopicgen_kafka.a \
         lib/pkgconfig/topicgen.pc lib/pkgconfig/topicgen-json.pc \
         lib/cmake/topicgen/topicgen-config.cmake; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
done
soname() { readelf -d "$1" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p'; }
so=$(soname "$prefix/lib/libtopicgen_kafka.so")
so_json=$(soname "$prefix/lib/libtopicgen_json.so")
[[ $so == libtopicgen_kafka.so.* && -e $prefix/lib/$so ]] || fail "shared library SONAME '$so'"
[[ $so_json == libtopicgen_json.so.* && -e $prefix/lib/$so_json ]] || fail "SONAME '$so_json'"
private=$(find "$prefix/include" -name '*_int.h')
[[ -z $private ]] || fail "private headers installed: $private"
pass "installed: CLI, broker, static and shared layers ($so_json, $so), package files"

for h in "$prefix"/include/topicgen/*.h; do
  name=$(basename "$h")
  echo "#include \"$name\"" >"$work/one.c"
  gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$prefix/include/topicgen" \
    "$work/one.c" || fail "$name does not compile alone as C11"
  for std in c++17 c++20; do
    g++ -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c++ \
      -I"$prefix/include/topicgen" "$work/one.c" || fail "$name does not compile as $std"
  done
done
pass "every installed header compiles alone as C11, C++17 and C++20"

echo "== find_package"
proj=$work/project-pkg
fresh_project "$proj"
cmake -S "$proj" -B "$work/pkg" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/pkg" -j2 >/dev/null
[[ -f $proj/translators/pay_translator.c && -f $proj/translators/pay_domain.h ]] ||
  fail "SKELETONS_DIR: no skeletons in the project's translators/"
"$work/pkg/pay_cpp" decode >/dev/null || fail "C++ decode/encode"
"$work/pkg/pay_codec" >/dev/null || fail "the codecs alone"
if readelf -d "$work/pkg/pay_codec" | grep -q "NEEDED.*rdkafka"; then
  fail "pay_codec (topicgen::json alone) needs librdkafka"
fi
pass "find_package: built, skeletons in translators/, C++ decodes and encodes, codecs on topicgen::json alone"
[[ -x $prefix/bin/topicgen-cat ]] || fail "not installed: bin/topicgen-cat"
"$work/pkg/pay_cat" types | grep -q "^pay\.[A-Za-z]*	topic pay.events" ||
  fail "find_package: topicgen_add_cat's pay_cat does not know the pay types"
pass "find_package: topicgen_add_cat builds a topicgen-cat with the project's types"
exchange "find_package, C" "$work/pkg/pay_produce" $COUNT -- \
  "$work/pkg/pay_consume" $COUNT "pay-pkg-$$"
exchange "find_package, C++" "$work/pkg/pay_cpp" produce $COUNT -- \
  "$work/pkg/pay_cpp" consume $COUNT "pay-cpp-$$"

echo "// edited by the user" >>"$proj/translators/pay_translator.c"
touch "$proj/payments.yaml"
cmake --build "$work/pkg" -j2 >"$work/rebuild.log"
grep -q "topicgen: generating pay" "$work/rebuild.log" || fail "a schema change did not regenerate"
grep -q "edited by the user" "$proj/translators/pay_translator.c" || fail "a skeleton was overwritten"
pass "a schema change regenerates; the edited skeleton is kept"

echo "== imports (Ninja and Makefiles)"
# A project whose schemas import a shared one (tests/imports' schemas): after
# an edit of the shared schema one rebuild regenerates, and exactly the
# files that depend on the edited type change (its own codecs, and the
# worst-case sizes of the importing schemas); the translator skeletons and
# the Kafka wrappers do not.
generated_sums() { (cd "$1/topicgen_generated/imports_app" && md5sum -- *.c *.h; cd "$2/translators" && md5sum -- *) | sort -k2; }
for generator in Ninja "Unix Makefiles"; do
  iproj=$work/project-imports-${generator// /-}
  ibuild=$work/imports-${generator// /-}
  rm -rf "$iproj"
  cp -r "$src/tests/downstream/imports_project" "$iproj"
  cp "$src/tests/imports/shop.yaml" "$src/tests/imports/crm.yaml" "$iproj/"
  cp -r "$src/tests/imports/shared" "$iproj/shared"
  cmake -S "$iproj" -B "$ibuild" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$ibuild" -j2 >/dev/null
  cmake --build "$ibuild" -j2 >/dev/null   # skeletons now plain sources
  "$ibuild/imports_app" >/dev/null || fail "imports ($generator): the program failed"
  generated_sums "$ibuild" "$iproj" >"$work/before.txt"
  sed -i 's/^      currency: Currency$/&\n      note: {type: string, optional: true, max_length: 20}/' "$iproj/shared/common.yaml"
  grep -q "note:" "$iproj/shared/common.yaml" || fail "imports: the edit of common.yaml did not apply"
  cmake --build "$ibuild" -j2 >"$work/rebuild.log"
  grep -q "topicgen: generating shop, crm, common" "$work/rebuild.log" ||
    fail "imports ($generator): editing the imported schema did not regenerate"
  generated_sums "$ibuild" "$iproj" >"$work/after.txt"
  changed=$(join -j 2 "$work/before.txt" "$work/after.txt" | awk '$2 != $3 {print $1}' | tr '\n' ' ')
  [[ $changed == "common.c common.h crm.c crm.h shop.c shop.h " ]] ||
    fail "imports ($generator): changed files '$changed', expected the codecs of common, crm and shop"
  "$ibuild/imports_app" >/dev/null || fail "imports ($generator): the rebuilt program failed"
  cmake --build "$ibuild" -j2 >"$work/rebuild.log"
  ! grep -q "topicgen: generating" "$work/rebuild.log" ||
    fail "imports ($generator): a build with nothing changed ran topicgen again"
  pass "imports ($generator): an edit of the imported schema regenerates the set once; only common, crm and shop codecs change"
done

echo "== add_subdirectory"
proj=$work/project-sub
fresh_project "$proj"
cmake -S "$proj" -B "$work/sub" -G Ninja -DTOPICGEN_SOURCE_DIR="$src" \
  -DTOPICGEN_BUILD_TESTS=OFF -DCMAKE_CXX_STANDARD=20 >/dev/null
cmake --build "$work/sub" -j2 >/dev/null
[[ -f $proj/translators/pay_translator.c ]] || fail "add_subdirectory: the first build wrote no skeleton"
cmake --build "$work/sub" -j2 >/dev/null   # re-runs CMake: the skeleton is a plain source now
exchange "add_subdirectory, C" "$work/sub/pay_produce" $COUNT -- \
  "$work/sub/pay_consume" $COUNT "pay-sub-$$"
"$work/sub/pay_cpp" decode >/dev/null || fail "C++20 decode/encode"
pass "add_subdirectory: C++20 decodes and encodes"
"$work/sub/pay_cat" types | grep -q "^pay\.[A-Za-z]*	topic pay.events" ||
  fail "add_subdirectory: topicgen_add_cat's pay_cat does not know the pay types"
pass "add_subdirectory: topicgen_add_cat builds a topicgen-cat with the project's types"

echo "== pkg-config and a Makefile"
proj=$work/project-make
fresh_project "$proj"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
make -C "$proj" -j2 TOPICGEN="$prefix/bin/topicgen" all static >/dev/null
readelf -d "$proj/pay_consume" | grep -q "NEEDED.*\[$so\]" || fail "pay_consume does not use $so"
if readelf -d "$proj/pay_consume_static" | grep -q "NEEDED.*libtopicgen_"; then
  fail "pay_consume_static needs the shared library"
fi
pass "Makefile: pkg-config --libs links the shared library, --static the archive"
exchange "pkg-config, C++ producer, static C consumer" "$proj/pay_cpp" produce $COUNT -- \
  "$proj/pay_consume_static" $COUNT "pay-make-$$"
exchange "pkg-config, shared C" "$proj/pay_produce" $COUNT -- \
  "$proj/pay_consume" $COUNT "pay-make2-$$"

echo "== without Kafka"
cmake -S "$src" -B "$work/nokafka" -G Ninja -DTOPICGEN_KAFKA=OFF -DTOPICGEN_BUILD_TESTS=OFF >/dev/null
cmake --build "$work/nokafka" -j2 >/dev/null
cmake --install "$work/nokafka" --prefix "$work/prefix-json" >/dev/null
kafka_files=$(cd "$work/prefix-json" && find lib include bin -name '*kafka*' -o -name 'tg_consumer.h' -o -name 'topicgen-broker')
[[ -z $kafka_files ]] || fail "a -DTOPICGEN_KAFKA=OFF install has Kafka parts: $kafka_files"
! grep -q rdkafka "$work/prefix-json/lib/pkgconfig/topicgen.pc" || fail "topicgen.pc asks for librdkafka"
proj=$work/project-json
fresh_project "$proj"
cmake -S "$proj" -B "$work/json" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix-json" >/dev/null
cmake --build "$work/json" -j2 >/dev/null
"$work/json/pay_codec" >/dev/null || fail "the codecs against a Kafka-less topicgen"
pass "-DTOPICGEN_KAFKA=OFF installs topicgen::json alone; the generated codecs link against it"

echo "downstream: $passed passed, 0 failed"
