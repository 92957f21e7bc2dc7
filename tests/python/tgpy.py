"""Shared by the Python emitter's tests: generate the modules of every schema
in schemas/ with the topicgen under test, import them, run the C round trip,
and make seeded random messages of any generated type within its constraints.
"""
from __future__ import annotations

import base64
import enum
import keyword
import importlib
import json
import os
import random
import subprocess
import sys
import uuid
from typing import Any

import msgspec
import msgspec.inspect as mi

SCHEMAS = ["orders", "workflow", "crm", "common", "pynames", "from"]
HERE = os.path.dirname(os.path.abspath(__file__))


def module_name(schema: str) -> str:
    """The module of a schema: a keyword gets a '_' (from.yaml: from_.py)."""
    return schema + "_" if keyword.iskeyword(schema) else schema


def schema_path(name: str) -> str:
    """schemas/<name>.yaml, or this folder's (pynames.yaml: Python's names)."""
    own = os.path.join(HERE, name + ".yaml")
    return own if os.path.exists(own) else os.path.join(os.environ["SCHEMAS"], name + ".yaml")


def generate(sub: str = "py") -> str:
    """Run topicgen --emit python for schemas/ into $OUT/<sub>; the folder."""
    out = os.path.join(os.environ["OUT"], sub)
    os.makedirs(out, exist_ok=True)
    paths = [schema_path(s) for s in SCHEMAS]
    subprocess.run([os.environ["TOPICGEN"], "--emit", "python=" + out, *paths], check=True)
    return out


def import_modules(folder: str) -> dict[str, Any]:
    sys.path.insert(0, folder)
    return {s: importlib.import_module(module_name(s)) for s in SCHEMAS}


def types_of(mod: Any) -> dict[str, Any]:
    """Every message and union of a module, by its schema name."""
    return dict(mod.TYPES)


def c_roundtrip(lines: list[bytes]) -> list[bytes]:
    """Each "<schema>.<Type>\\t<json>" line through the C decoder and encoder."""
    proc = subprocess.run([os.environ["PY_C_ROUNDTRIP"]], input=b"".join(l + b"\n" for l in lines),
                          stdout=subprocess.PIPE, check=True)
    out = proc.stdout.split(b"\n")
    assert out[-1] == b"" and len(out) == len(lines) + 1, "C answered %d of %d" % (len(out) - 1, len(lines))
    return out[:-1]


# ---- random values ---------------------------------------------------------------

CHARS = ["a", "Z", " ", "~", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", "\x00", "\x1f", "\x7f",
         "é", "€", "中", "\u2028", "\u2029", "\u202e", "\ufeff", "😀", "\U0010ffff", "'", "<", "&"]


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def length(self, lo: int | None, hi: int | None, span: int = 12) -> int:
        lo = lo or 0
        top = lo + span if hi is None else min(hi, lo + span)
        return self.r.choice([lo, top, self.r.randint(lo, top)])

    def text(self, lo: int | None, hi: int | None) -> str:
        return "".join(self.r.choice(CHARS) for _ in range(self.length(lo, hi)))

    def integer(self, t: Any) -> int:
        lo = t.ge if t.ge is not None else -(2 ** 63)
        hi = t.le if t.le is not None else 2 ** 64 - 1
        c = [lo, hi, min(lo + 1, hi), max(hi - 1, lo), self.r.randint(lo, hi),
             max(lo, min(hi, self.r.randint(-1000, 1000)))]
        return self.r.choice(c)

    def double(self, t: Any) -> float:
        lo = t.ge if t.ge is not None else -1.7976931348623157e308
        hi = t.le if t.le is not None else 1.7976931348623157e308
        bits = self.r.getrandbits(64)
        raw = msgspec.json.decode(b"0")  # placeholder for type checkers
        import struct
        raw = struct.unpack("<d", struct.pack("<Q", bits))[0]
        c = [lo, hi, 0.0, -0.0, 0.5, 1e16, 1e15, 1e-5, 1e-4, 1.5e300, 5e-324, 123.456,
             1.7976931348623157e308, 2.5e-7, self.r.uniform(lo, hi), raw]
        for _ in range(10):
            v = self.r.choice(c)
            if v == v and abs(v) != float("inf") and lo <= v <= hi:
                return float(v)
        return float(lo)

    def timestamp(self, mod: Any) -> Any:
        r = self.r
        y, mo = r.randint(0, 9999), r.randint(1, 12)
        d = r.randint(1, [31, 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28, 31, 30, 31,
                         30, 31, 31, 30, 31, 30, 31][mo - 1])
        s = "%04d-%02d-%02d%s%02d:%02d:%02d" % (y, mo, d, r.choice("Tt"), r.randint(0, 23),
                                               r.randint(0, 59), r.randint(0, 60))
        if r.random() < 0.5:
            s += "." + "".join(r.choice("0123456789") for _ in range(r.randint(1, 9)))
        s += r.choice(["Z", "z", "+00:00", "-05:30", "+23:59"])
        return mod.Timestamp(s)

    def decimal(self, mod: Any) -> Any:
        """At most 12 characters: decimal length limits are no Meta, so not
        visible here (pynames.yaml has max_length 12)."""
        r = self.r
        s = r.choice(["", "-"]) + r.choice(["0", str(r.randint(1, 10 ** r.randint(1, 8)))])
        if r.random() < 0.6:
            s += "." + "".join(r.choice("0123456789") for _ in range(r.randint(1, 4)))
        if r.random() < 0.2:
            s += r.choice(["e", "E"]) + r.choice(["", "+", "-"]) + str(r.randint(0, 30))
        return mod.Decimal(s[:12].rstrip(".eE+-") or "0")

    def raw(self, depth: int = 0) -> bytes:
        r = self.r
        k = r.randint(0, 6 if depth < 2 else 3)
        if k == 0:
            return json.dumps(self.text(0, 6), ensure_ascii=r.random() < 0.5).encode()
        if k == 1:
            return r.choice([b"0", b"-1.5e-7", b"true", b"null", b"123456789012345678901234567890"])
        if k == 2:
            return b"[" + b", ".join(self.raw(depth + 1) for _ in range(r.randint(0, 3))) + b" ]"
        if k == 3:
            return b"false"
        keys = {self.text(0, 4) for _ in range(r.randint(0, 3))}
        items = [json.dumps(k).encode() + b":" + self.raw(depth + 1) for k in keys]
        return b"{ " + b",".join(items) + b"}"

    def value(self, t: Any, mod: Any, depth: int) -> Any:
        r = self.r
        if isinstance(t, mi.UnionType):
            kinds = list(t.types)
            if any(isinstance(x, mi.NoneType) for x in kinds) and r.random() < 0.3:
                return None
            return self.value(r.choice([x for x in kinds if not isinstance(x, mi.NoneType)]), mod, depth)
        if isinstance(t, mi.BoolType):
            return r.random() < 0.5
        if isinstance(t, mi.IntType):
            return self.integer(t)
        if isinstance(t, mi.FloatType):
            return self.double(t)
        if isinstance(t, mi.StrType):
            return self.text(t.min_length, t.max_length)
        if isinstance(t, mi.BytesType):
            return bytes(r.getrandbits(8) for _ in range(r.randint(0, 20)))
        if isinstance(t, mi.UUIDType):
            return uuid.UUID(int=r.getrandbits(128))
        if isinstance(t, mi.RawType):
            return msgspec.Raw(self.raw())
        if isinstance(t, mi.EnumType):
            return r.choice(list(t.cls))
        if isinstance(t, mi.CustomType):  # the module's checked types (docs/languages.md)
            owner = sys.modules[t.cls.__module__]
            if issubclass(t.cls, uuid.UUID):
                return uuid.UUID(int=r.getrandbits(128))
            if issubclass(t.cls, bytes):
                return bytes(r.getrandbits(8) for _ in range(r.randint(0, 20)))
            if issubclass(t.cls, int):
                return self.integer(mi.IntType(ge=t.cls._tg_lo, le=t.cls._tg_hi))
            return self.timestamp(owner) if t.cls.__name__ == "Timestamp" else self.decimal(owner)
        if isinstance(t, mi.ListType):
            return [self.value(t.item_type, mod, depth + 1)
                    for _ in range(self.length(t.min_length, t.max_length, 3 if depth < 3 else 0))]
        if isinstance(t, mi.DictType):
            n = self.length(t.min_length, t.max_length, 3 if depth < 3 else 0)
            d: dict[str, Any] = {}
            while len(d) < n:
                d[self.text(0, 8)] = self.value(t.value_type, mod, depth + 1)
            return d
        if isinstance(t, mi.StructType):
            return self.struct(t, mod, depth)
        raise AssertionError("no generator for %r" % (t,))

    def struct(self, t: Any, mod: Any, depth: int) -> Any:
        kw = {}
        for f in t.fields:
            if f.default is msgspec.UNSET and self.r.random() < 0.4:
                continue
            if not f.required and f.default is not msgspec.UNSET and self.r.random() < 0.3:
                continue  # the default
            kw[f.name] = self.value(f.type, mod, depth + 1)
        return t.cls(**kw)

    def message(self, tp: Any, mod: Any) -> Any:
        return self.value(mi.type_info(tp), mod, 0)


def qualified(mod: Any, name: str) -> bytes:
    return ("%s.%s" % (mod.SCHEMA, name)).encode()


class FloatText(str):
    """A JSON number's text, kept (json.loads parse_float) so scrambling never
    rewrites a number."""


def dumps(doc: object, r: random.Random) -> bytes:
    """doc as JSON text with random whitespace and \\u escapes (ensure_ascii)."""
    out: list[str] = []
    ascii_only = r.random() < 0.5
    ws = r.choice(["", " ", "\t", " \r\t "])  # no \n: one document per line

    def put(v: object) -> None:
        if isinstance(v, FloatText):
            out.append(str.__str__(v))
        elif isinstance(v, dict):
            out.append("{" + ws)
            for i, (k, x) in enumerate(v.items()):
                if i:
                    out.append("," + ws)
                out.append(json.dumps(k, ensure_ascii=ascii_only) + ws + ":" + ws)
                put(x)
            out.append(ws + "}")
        elif isinstance(v, list):
            out.append("[" + ws)
            for i, x in enumerate(v):
                if i:
                    out.append("," + ws)
                put(x)
            out.append(ws + "]")
        else:
            out.append(json.dumps(v, ensure_ascii=ascii_only))
    put(doc)
    return "".join(out).encode()
