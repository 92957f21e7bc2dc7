#!/bin/sh
# ctest bench_smoke: run codec_bench on every corpus with a tiny iteration
# count.  Checks only that the harness runs and what codec_bench verifies
# before timing: each corpus message decodes and encodes back to its exact
# bytes (all corpora but the re-spaced one), and what the encoder writes
# decodes to the same message.  Timings are printed, never asserted.
set -eu
bench=$1
corpora=$("$bench" --corpora)
[ -n "$corpora" ] || { echo "bench_smoke: no corpora"; exit 1; }
for corpus in $corpora; do
  "$bench" --impl topicgen --corpus "$corpus" --count 20 --trials 1 --reps 1
done
"$bench" --reject --impl topicgen | tail -n 1
# topicgen must accept the valid control document and reject every invalid
# one of the rejection table.
"$bench" --reject --impl topicgen | awk -F'\t' '
  $1 == "reject" { n++; want = $3 == "valid (control)" ? "accepted" : "rejected"
                   if ($4 != want) { bad = 1; print "unexpected: " $0 } }
  $1 == "reject_total" { total = $3; rejected = $4 }
  END { if (n < 2 || total != n - 1 || rejected != total) {
          bad = 1; print "rejection table: " n " rows, total " total ", rejected " rejected }
        exit bad }'
echo "bench_smoke: ok"
