#!/bin/sh
# ctest bench_smoke: run codec_bench on every corpus with a tiny iteration
# count.  Checks only that the harness runs and that topicgen's decoder and
# encoder agree with the reference (codec_bench verifies before timing);
# timings are printed, never asserted.
set -eu
bench=$1
for corpus in $("$bench" --corpora); do
  "$bench" --impl topicgen --corpus "$corpus" --count 20 --trials 1 --reps 1
done
"$bench" --reject --impl topicgen | tail -n 1
# topicgen must accept the valid control document and reject every invalid
# one of the rejection table.
"$bench" --reject --impl topicgen | awk -F'\t' '
  $1 == "reject" { n++; want = $3 == "valid (control)" ? "accepted" : "rejected"
                   if ($4 != want) { bad = 1; print "unexpected: " $0 } }
  END { if (n < 2) { bad = 1; print "no rejection rows" }; exit bad }'
echo "bench_smoke: ok"
