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
# topicgen must reject every invalid document of the rejection table.
"$bench" --reject --impl topicgen | awk -F'\t' '$1 == "reject" && $4 != "rejected" && $4 != "accepted" { bad = 1; print "unexpected: " $0 } END { exit bad }'
echo "bench_smoke: ok"
