#!/usr/bin/env bash
# layers_test.sh SOURCE_DIR JSON_ARCHIVE: the dependency rules of the tree
# (docs/internals.md, "The map") hold:
#   1. runtime/json includes only its own headers and the C library: no
#      librdkafka, no header of runtime/kafka, of the generator or pthread;
#   2. the compiled JSON layer (JSON_ARCHIVE, libtopicgen_json.a) calls no
#      allocator and nothing of librdkafka or pthread (its undefined symbols);
#   3. the generator includes nothing of runtime/kafka.
# Prints each violation and "layers: N passed, N failed".
set -u
src=$1 archive=$2
passed=0 failed=0
check() { # check DESCRIPTION VIOLATIONS...
  local what=$1; shift
  if [ $# -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL: %s:\n' "$what"
    printf '  %s\n' "$@"
  fi
}

own=$(cd "$src/runtime/json" && ls -- *.h)
bad=()
while IFS= read -r line; do
  file=${line%%:*} header=$(sed -n 's/.*#include *["<]\([^">]*\)[">].*/\1/p' <<<"${line#*:}")
  case $header in
    librdkafka/* | pthread.h | tg_config.h | tg_consumer.h | tg_producer.h) bad+=("$line") ;;
  esac
  if [[ ${line#*:} == *'#include "'* ]] && ! grep -qx -- "$header" <<<"$own"; then
    bad+=("$line (not a runtime/json header)")
  fi
done < <(grep -H '#include' "$src"/runtime/json/*.[ch])
check "runtime/json includes only its own headers and libc" "${bad[@]}"

mapfile -t undefined < <(nm -u "$archive" | awk '{print $2}' | sort -u)
[ ${#undefined[@]} -gt 0 ] || check "nm could read $archive" "no undefined symbols at all"
bad=()
for sym in "${undefined[@]}"; do
  case $sym in
    malloc | calloc | realloc | free | strdup | strndup | aligned_alloc | posix_memalign | \
    rd_kafka_* | pthread_*) bad+=("$sym") ;;
  esac
done
check "libtopicgen_json calls no allocator, librdkafka or pthread" "${bad[@]}"

bad=()
mapfile -t bad < <(grep -H -E '#include *["<](librdkafka/|tg_(config|consumer|producer|log|metrics|embedded|test)\.h)' \
                     "$src"/generator/*.[ch])
check "the generator includes nothing of runtime/kafka" "${bad[@]}"

echo "layers: $passed passed, $failed failed"
[ $failed -eq 0 ]
