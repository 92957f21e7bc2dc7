#!/usr/bin/env bash
# layers_test.sh SOURCE_DIR JSON_ARCHIVE: the dependency rules of the tree
# (docs/internals.md, "The map") hold:
#   1. runtime/json includes only its own headers and the C library: no
#      librdkafka, no header of runtime/kafka, of the generator or pthread;
#   2. the compiled JSON layer (JSON_ARCHIVE, libtopicgen_json.a) calls no
#      allocator and nothing of librdkafka or pthread (its undefined symbols);
#   3. the generator includes nothing of runtime/kafka;
#   4. the consumer's layers call only down (docs/internals.md): the ledger
#      calls no layer above it, dead-lettering neither handling nor a mode,
#      handling no mode, and the two modes not each other.
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

# layer_calls FILE PREFIX...: the calls in runtime/kafka/FILE to functions
# of the layers named by PREFIX (tg_batch_mode_on only reads the mode).
layer_calls() {
  local file=$1; shift
  local alt
  alt=$(IFS='|'; echo "$*")
  grep -nE "\b($alt)_[a-z_]+\(" "$src/runtime/kafka/$file" | grep -v 'tg_batch_mode_on(' |
    sed "s|^|$file:|"
}
higher=(tg_dlq tg_handling tg_worker_mode tg_batch_mode)
for rule in "tg_consumer_ledger.c:0" "tg_consumer_dlq.c:1" "tg_consumer_handling.c:2"; do
  file=${rule%:*} from=${rule#*:}
  mapfile -t bad < <(layer_calls "$file" "${higher[@]:$from}")
  check "$file calls no layer above it" "${bad[@]}"
done
mapfile -t bad < <(layer_calls tg_consumer_workers.c tg_batch_mode; layer_calls tg_consumer_batch.c tg_worker_mode)
check "worker mode and batch mode do not call each other" "${bad[@]}"

echo "layers: $passed passed, $failed failed"
[ $failed -eq 0 ]
