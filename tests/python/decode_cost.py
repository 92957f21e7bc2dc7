"""What the generated module's decode costs over msgspec alone, per message
of a corpus (docs/languages.md, "Python": the numbers there come from here).

  decode_cost.py MODULES_DIR CORPUS_DIR [corpus ...]

MODULES_DIR holds the --emit python modules of schemas/ (generated-example/
python); CORPUS_DIR the corpora as `codec_bench --dump NAME` writes them
(NAME.jsonl, one message a line; bench/, docs/benchmarks.md).  For each
corpus, the best of 5 timed passes over all its messages, in microseconds
per message:

  msgspec      the module's msgspec decoder alone (no checks beyond msgspec's)
  no-dup       decode_<Type>(data, check_duplicates=False): the -0 search
  default      decode_<Type>(data): the duplicate-key check too
  with -0      the default on the same messages with one float64 or decimal
               written as -0, where the corpus has one (the slow path)

Not a test: timings depend on the machine; run it by hand.
"""
from __future__ import annotations

import importlib
import os
import re
import sys
import time
from typing import Any, Callable

CORPORA = {  # corpus: (module, type)
    "orders1": ("orders", "OrderEvent"), "orders5": ("orders", "OrderEvent"),
    "orders50": ("orders", "OrderEvent"), "orders_escape": ("orders", "OrderEvent"),
    "orders_unicode": ("orders", "OrderEvent"), "orders_spaced": ("orders", "OrderEvent"),
    "workflow_small": ("workflow", "WorkflowEvent"), "workflow_large": ("workflow", "WorkflowEvent"),
    "crm_mix": ("crm", "InboundMessage"),
}


def best_us(fn: Callable[[bytes], Any], msgs: list[bytes], passes: int = 5) -> float:
    best = float("inf")
    for _ in range(passes):
        t0 = time.perf_counter()
        for m in msgs:
            fn(m)
        best = min(best, time.perf_counter() - t0)
    return best / len(msgs) * 1e6


def with_minus_zero(msgs: list[bytes]) -> list[bytes]:
    """Each message with its first decimal-or-float member set to -0."""
    pat = re.compile(rb'("(?:price|total_price|score)"\s*:\s*)("[^"]*"|[-0-9.eE+]+)')
    return [pat.sub(rb"\1-0", m, count=1) for m in msgs]


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, argv[1])
    names = argv[3:] or list(CORPORA)
    print("%-16s %6s %9s %9s %9s %9s   (us per message)" % ("corpus", "bytes", "msgspec", "no-dup",
                                                              "default", "with -0"))
    for name in names:
        mod_name, type_name = CORPORA[name]
        mod = importlib.import_module(mod_name)
        tp = mod.TYPES[type_name]
        decode = getattr(mod, "decode_" + type_name)
        with open(os.path.join(argv[2], name + ".jsonl"), "rb") as f:
            msgs = [line.rstrip(b"\n") for line in f if line.strip()]
        plain = mod._tg_decoder(tp).decode
        for m in msgs:  # every message decodes, and to the same as msgspec alone
            assert decode(m) == plain(m)
        zeros = with_minus_zero(msgs)
        changed = sum(a != b for a, b in zip(msgs, zeros))
        row = [best_us(plain, msgs), best_us(lambda m: decode(m, check_duplicates=False), msgs),
               best_us(decode, msgs)]
        zero = "%9.2f" % best_us(decode, zeros) if changed else "%9s" % "-"
        print("%-16s %6d %9.2f %9.2f %9.2f %s" % (name, sum(map(len, msgs)) // len(msgs), *row, zero))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
