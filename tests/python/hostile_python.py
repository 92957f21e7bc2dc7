"""python_hostile: hostile schema text through --emit python (issue 13's
threat model, the Python side).  For every string-valued position of the
schema language and every hostile string of tests/hostile (the curated list
and seeded random ones), the schema is refused by topicgen (exit 1 with
FILE:LINE:COL) or its module imports and

  * holds no raw bidi control, U+2028 or U+2029 (HIDDEN),
  * defines exactly the public names of its benign twin,
  * carries the text unchanged where Python can see it: topic, DLQ topic,
    key, enum wire string, wire name (a message encodes with it), variant
    tag and discriminator (a variant encodes with them), default, and the
    schema's, enum's and message's docstrings.
"""
from __future__ import annotations

import importlib.util
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import hostile_test as h  # noqa: E402

import msgspec  # noqa: E402

RANDOM = 60
SEED = 1713


def load(path: str, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def public(mod: object) -> set[str]:
    return {n for n in vars(mod) if not n.startswith("_")}


def check(mod: object, twin_names: set[str], pos: str, text: str) -> str | None:
    """None when mod carries text at pos as the C side has it: the loader's
    strings end at a NUL byte (C strings), and an empty description is none."""
    text = text.split("\0")[0]
    m: object = mod
    if public(m) != twin_names:
        return "public names differ from the twin: %s" % sorted(public(m) ^ twin_names)
    g = vars(m)
    inner_cls = g["Inner"]
    fields = msgspec.structs.fields(inner_cls)
    wire = fields[0].encode_name
    inner = inner_cls()
    out = msgspec.json.decode(g["encode"](inner))
    expect = {
        "topic": lambda: g["Event_KAFKA"].topic,
        "dlq_topic": lambda: g["Event_KAFKA"].dlq_topic,
        "key": lambda: g["Event_KAFKA"].key_field,
        "enum_wire": lambda: g["Color"]["RED"].value,
        "wire_name": lambda: wire if list(out) == [wire] else None,
        "default": lambda: out[wire],
        "schema_description": lambda: g["__doc__"].split("\n\nmsgspec models")[0],
        "enum_description": lambda: g["Color"].__doc__,
        "message_description": lambda: inner_cls.__doc__,
    }
    if pos in ("variant_tag", "discriminator"):
        union_members = [v for k, v in g.items() if k.endswith("_inner") and isinstance(v, type)]
        if len(union_members) != 1:
            return "no variant class for the tag"
        doc = msgspec.json.decode(g["encode"](union_members[0]()))
        got = list(doc)[0] if pos == "discriminator" else doc[list(doc)[0]]
        return None if got == text else "%s is %r, not %r" % (pos, got, text)
    if pos.endswith("description") and text == "":
        text = None  # type: ignore[assignment]
        if pos == "schema_description":
            return None if g["__doc__"].startswith("msgspec models") else "a schema doc from nothing"
    if pos in expect:
        got = expect[pos]()
        return None if got == text else "%s is %r, not %r" % (pos, got, text)
    return None


def main() -> int:
    t0 = time.monotonic()
    work = os.path.join(os.environ["OUT"], "hostile")
    os.makedirs(work, exist_ok=True)
    topicgen = os.environ["TOPICGEN"]
    strings = h.CURATED + h.random_strings(random.Random(SEED), RANDOM)
    twins: dict[str, set[str]] = {}
    n = refused = imported = 0
    bad: list[str] = []
    for pos in h.POSITIONS:
        for i, value in enumerate(strings):
            n += 1
            name = "hp%05d" % n
            text = h.schema_text(name, {pos: value})
            twin = h.schema_text(name, {pos: value} if h.POSITIONS[pos][1] else {})
            ypath = os.path.join(work, name + ".yaml")
            with open(ypath, "wb") as f:
                f.write(text)
            r = subprocess.run([topicgen, "--emit", "python=" + work, ypath],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if r.returncode == 1 and re.search(
                    r"^" + re.escape(ypath) + r":\d+:\d+: error: \S", r.stderr.decode("utf-8", "replace"), re.M):
                refused += 1
                continue
            if r.returncode != 0:
                bad.append("%s %r: topicgen exit %d %s" % (pos, value[:40], r.returncode, r.stderr[:200]))
                continue
            py = os.path.join(work, name + ".py")
            with open(py, "rb") as f:
                source = f.read()
            if h.HIDDEN.search(source):
                bad.append("%s %r: raw bidi control or line separator in the module" % (pos, value[:40]))
                continue
            key = pos + (value.decode("utf-8", "replace") if h.POSITIONS[pos][1] else "")
            if key not in twins:
                tpath = os.path.join(work, "twin.yaml")
                with open(tpath, "wb") as f:
                    f.write(twin.replace(name.encode(), b"twin"))
                subprocess.run([topicgen, "--emit", "python=" + work, tpath], check=True)
                twins[key] = public(load(os.path.join(work, "twin.py"), "twin_%d" % n))
            try:
                mod = load(py, name)
                problem = check(mod, twins[key], pos, value.decode("utf-8"))
            except Exception as e:  # an import or encode failure is the finding
                problem = "%s: %s" % (type(e).__name__, e)
            if problem:
                bad.append("%s %r: %s" % (pos, value[:40], problem))
            else:
                imported += 1
            sys.modules.pop(name, None)
    for b in bad[:20]:
        print("UNSAFE", b)
    print("%d schemas (%d positions x %d strings): %d refused with FILE:LINE:COL, %d imported and "
          "checked, %d unsafe; %.1f s" % (n, len(h.POSITIONS), len(strings), refused, imported,
                                         len(bad), time.monotonic() - t0))
    return 1 if bad or not imported else 0


if __name__ == "__main__":
    sys.exit(main())
