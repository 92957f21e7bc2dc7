"""python_byte_identity: the same message encodes to the same bytes in C and in
Python, counted per type of every schema in schemas/.

Python -> C: seeded random messages of every message and union (values at and
inside every constraint: unicode and escapes, extreme numbers, decimals,
timestamps with and without fraction, optional fields absent and present,
every union variant) are encoded by the generated module; the generated C
decoder reads each line and the C encoder writes it again: the bytes must be
identical.
C -> Python: the same messages written differently (keys shuffled, the
discriminator anywhere, \\u escapes, whitespace, defaults left out) are
decoded and encoded by C; the generated module decodes each C line and
encodes it again: identical bytes, and equal to Python's own encoding of the
scrambled text.
"""
from __future__ import annotations

import json
import random
import sys
import time

import tgpy

PER_TYPE = 400
SEED = 17


def scramble(r: random.Random, doc: object, top: bool = True) -> object:
    """doc (plain JSON values) with object members in a random order."""
    if isinstance(doc, dict):
        items = list(doc.items())
        r.shuffle(items)
        return {k: scramble(r, v, False) for k, v in items}
    if isinstance(doc, list):
        return [scramble(r, v, False) for v in doc]
    return doc


def main() -> int:
    t0 = time.monotonic()
    mods = tgpy.import_modules(tgpy.generate())
    gen = tgpy.Gen(SEED)
    r = random.Random(SEED)
    names: list[bytes] = []
    py_bytes: list[bytes] = []
    types: list[tuple[object, object]] = []
    per_type: dict[str, int] = {}
    for sname, mod in mods.items():
        for tname, tp in tgpy.types_of(mod).items():
            for _ in range(PER_TYPE):
                msg = gen.message(tp, mod)
                names.append(tgpy.qualified(mod, tname))
                py_bytes.append(mod.encode(msg))
                types.append((mod, tp))
            per_type["%s.%s" % (sname, tname)] = PER_TYPE
    # Python -> C
    c_out = tgpy.c_roundtrip([n + b"\t" + b for n, b in zip(names, py_bytes)])
    bad = 0
    for n, b, c in zip(names, py_bytes, c_out):
        if c != b"OK\t" + b:
            bad += 1
            if bad <= 5:
                print("P->C MISMATCH %s\n  python: %r\n  C:      %r" % (n.decode(), b, c), file=sys.stderr)
    print("Python -> C: %d messages of %d types, %d identical, %d different"
          % (len(py_bytes), len(per_type), len(py_bytes) - bad, bad))
    # C -> Python (texts written differently; Python's decode of the same text too)
    texts = []
    for b in py_bytes:
        doc = json.loads(b, parse_float=lambda s: tgpy.FloatText(s))
        texts.append(tgpy.dumps(scramble(r, doc), r))
    c_out2 = tgpy.c_roundtrip([n + b"\t" + t for n, t in zip(names, texts)])
    bad2 = 0
    for n, t, c, (mod, tp) in zip(names, texts, c_out2, types):
        ok = c.startswith(b"OK\t")
        c_json = c[3:]
        py_again = mod.encode(mod.decode(c_json, tp)) if ok else b""
        py_direct = mod.encode(mod.decode(t, tp)) if ok else b""
        if not ok or py_again != c_json or py_direct != c_json:
            bad2 += 1
            if bad2 <= 5:
                print("C->P MISMATCH %s\n  text:   %r\n  C:      %r\n  python: %r\n  direct: %r"
                      % (n.decode(), t, c, py_again, py_direct), file=sys.stderr)
    print("C -> Python: %d messages, %d identical, %d different" % (len(texts), len(texts) - bad2, bad2))
    for k, v in per_type.items():
        print("  %-32s %d each way" % (k, v))
    print("%.1f s" % (time.monotonic() - t0))
    return 1 if bad or bad2 or not py_bytes else 0


if __name__ == "__main__":
    sys.exit(main())
