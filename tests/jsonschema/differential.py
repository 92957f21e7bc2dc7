#!/usr/bin/env python3
"""differential.py - the generated C decoders against the generated JSON
Schema documents, on the same bytes (tests/jsonschema, ctest label jsonschema).

For every schema: its corpus (the fuzz corpora of tests/fuzz/corpus, run
through every type of the schema), documents generated from its JSON Schema,
and at least --mutations seeded, structural mutations of them (members
dropped, added, renamed; types changed; values at and one beyond every bound;
unicode; wrong enum strings and discriminators; deep nesting; duplicate keys;
integers spelled 1.0 or 1e2 ...).  Each document goes through js_decode (the
C decoders: verdict and error path) and through jsonschema's
Draft202012Validator with format checking on.  They must agree on accept or
reject, except in the classes of EXCEPTIONS, which JSON Schema cannot express
(docs/emitters.md, "JSON Schema"): each disagreement must belong to one, and
`--show-exceptions` proves each class with a document of its own.

Exit status: 0 when every disagreement is explained (and, with
--show-exceptions, every class is shown), 1 otherwise.
"""
import argparse
import base64
import collections
import glob
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import jsonschema

sys.set_int_max_str_digits(0)
sys.setrecursionlimit(20000)

# What JSON Schema cannot say, and how a disagreement of each class looks.
EXCEPTIONS = {
    "duplicate-keys": "a member repeated in one object: JSON Schema sees parsed values, "
                      "where the last one wins; the decoder refuses the document",
    "depth-limit": "more than 64 nested objects and arrays (TG_JSON_MAX_DEPTH): a decoder limit",
    "key-limit": "more than 1024 keys in open objects (TG_JSON_MAX_KEYS): a decoder limit",
    "lone-surrogate": "a \\ud800-\\udfff escape without its pair: valid JSON grammar and a "
                      "string to JSON Schema, not UTF-8 text to the decoder",
    "integer-spelling": "an integer written with a fraction or exponent (1.0, 1e2): an "
                        "integer to JSON Schema, which sees the value; the decoder reads the text",
    "decimal-number-length": "a decimal sent as a JSON number: minLength/maxLength apply to "
                             "strings only; the decoder counts the number's characters",
    "leap-second": "second 60 at any minute: RFC 3339 allows it, the jsonschema package's "
                   "date-time check (rfc3339-validator) does not",
    "year-zero": "year 0000: RFC 3339 allows it, rfc3339-validator does not",
}


# ---- JSON text with what json.dumps cannot write -------------------------

class Raw:
    """A JSON number spelled as given (1.0, 1e2, -0, 1e309)."""
    def __init__(self, text):
        self.text = text


class Pairs:
    """An object written member by member: keys may repeat."""
    def __init__(self, pairs):
        self.pairs = pairs


def dump(v, ascii_only):
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, Pairs):
        return "{" + ",".join(dump_str(k, ascii_only) + ":" + dump(x, ascii_only)
                              for k, x in v.pairs) + "}"
    if isinstance(v, dict):
        return "{" + ",".join(dump_str(k, ascii_only) + ":" + dump(x, ascii_only)
                              for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dump(x, ascii_only) for x in v) + "]"
    if isinstance(v, str):
        return dump_str(v, ascii_only)
    if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
        return "1e999" if v > 0 else "-1e999"
    return json.dumps(v)


def dump_str(s, ascii_only):
    if not ascii_only and not any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        return json.dumps(s, ensure_ascii=False)
    return json.dumps(s, ensure_ascii=True)


# ---- the Python verdict --------------------------------------------------

class Dup(Exception):
    pass


def parse(raw):
    """(instance, flags) or (None, reason) for text Python cannot parse."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, {"not-utf8"}
    flags = set()

    def pairs_hook(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            flags.add("dup")
        return dict(pairs)

    def no_constant(name):
        raise ValueError(name)

    try:
        return json.loads(text, object_pairs_hook=pairs_hook, parse_constant=no_constant), flags
    except (ValueError, RecursionError):
        return None, {"syntax"}


def has_lone_surrogate(v):
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(x) for k, x in v.items())
    if isinstance(v, list):
        return any(has_lone_surrogate(x) for x in v)
    return False


def depth(v):
    if isinstance(v, dict):
        return 1 + max((depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((depth(x) for x in v), default=0)
    return 0


def at_path(inst, path):
    """The value at a decoder path ($.a.b[2]["x y"]), or KeyError."""
    i, v = 1, inst
    while i < len(path):
        if path[i] == ".":
            j = i + 1
            while j < len(path) and path[j] not in ".[":
                j += 1
            v = v[path[i + 1:j]]
            i = j
        elif path[i] == "[":
            j = path.index("]", i)
            inner = path[i + 1:j]
            if inner.startswith('"'):
                j = i + 1 + len(json.dumps(json.loads(path[i + 1:].split('"]')[0] + '"')))
                v = v[json.loads(path[i + 1:j])]
                j = path.index("]", j)
            else:
                v = v[int(inner)]
            i = j + 1
        else:
            raise KeyError(path)
    return v


def lenient_format_checker(used):
    """jsonschema's format checker, but a date-time with second 60 or year
    0000 passes when the same text with 59 or 2000 would (and says so in
    `used`): what the decoder accepts beyond rfc3339-validator."""
    from rfc3339_validator import validate_rfc3339
    fc = jsonschema.FormatChecker()
    fc.checkers = dict(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)

    @fc.checks("date-time")
    def date_time(instance):
        if not isinstance(instance, str):
            return True
        t = instance.upper()
        if validate_rfc3339(t):
            return True
        found = set()
        if t[17:19] == "60":
            t = t[:17] + "59" + t[19:]
            found.add("leap-second")
        if t[:4] == "0000":
            t = "2000" + t[4:]
            found.add("year-zero")
        if found and validate_rfc3339(t):
            used.update(found)
            return True
        return False
    return fc


def classify(c_line, raw, inst, flags, lenient):
    """The exception class of a disagreement, or None when unexplained.
    lenient(inst) -> the date-time leniencies that make jsonschema accept
    (None when it still refuses)."""
    if c_line != "ok":  # the decoder refuses, jsonschema accepts
        code, _, rest = c_line.partition(" ")
        path, _, reason = rest.partition("\t")
        if "dup" in flags:  # whatever it reports first, a repeated key is refused
            return "duplicate-keys"
        if code == "depth" and depth(inst) > 64:
            return "depth-limit"
        if code == "limit":
            return "key-limit"
        if code == "utf8" and "lone surrogate" in reason and has_lone_surrogate(inst):
            return "lone-surrogate"
        try:
            v = at_path(inst, path)
        except (KeyError, IndexError, ValueError, TypeError):
            return None
        if code == "type" and isinstance(v, float) and v.is_integer():
            return "integer-spelling"
        if code == "length" and isinstance(v, (int, float)) and not isinstance(v, bool):
            return "decimal-number-length"
        return None
    # the decoder accepts, jsonschema refuses: only date-time's own limits
    used = lenient(inst)
    if not used:
        return None
    return "leap-second" if "leap-second" in used else "year-zero"


# ---- documents from a schema ---------------------------------------------

CHARS = "aZ09 -_./é中😀\"\\\n\u2028"


class Gen:
    def __init__(self, doc, rnd):
        self.defs = doc.get("$defs", {})
        self.root = doc
        self.r = rnd

    def resolve(self, s):
        while "$ref" in s:
            s = self.defs[s["$ref"].rsplit("/", 1)[1]] if s["$ref"] != "#" else self.root
        return s

    def text(self, lo, hi):
        n = self.r.randint(lo, hi)
        return "".join(self.r.choice(CHARS) for _ in range(n))

    def timestamp(self):
        r = self.r
        y, mo = r.randint(1, 9999), r.randint(1, 12)
        d = r.randint(1, 28)
        frac = "" if r.random() < 0.5 else "." + "".join(r.choice("0123456789") for _ in range(r.randint(1, 9)))
        off = r.choice(["Z", "z", "+02:00", "-05:30", "+23:59", "-00:00"])
        return "%04d-%02d-%02d%s%02d:%02d:%02d%s%s" % (y, mo, d, r.choice("Tt"), r.randint(0, 23),
                                                     r.randint(0, 59), r.randint(0, 59), frac, off)

    def uuid(self):
        h = "".join(self.r.choice("0123456789abcdefABCDEF") for _ in range(32))
        return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])

    def decimal_text(self, lo, hi):
        for _ in range(50):
            t = self.r.choice(["0", "-0", "1", "19.90", "-12.50", "1e3", "1E+30", "0.001", "123456.789",
                               str(self.r.randint(-10**6, 10**6)), "%d.%02d" % (self.r.randint(0, 999), self.r.randint(0, 99))])
            if lo <= len(t) <= hi:
                return t
        return "1" * max(lo, 1)

    def json_value(self, d=0):
        r = self.r.random()
        if d > 2 or r < 0.5:
            return self.r.choice([None, True, 1, -2.5, "x", "é", 10**20])
        if r < 0.75:
            return [self.json_value(d + 1) for _ in range(self.r.randint(0, 3))]
        return {self.text(0, 3): self.json_value(d + 1) for _ in range(self.r.randint(0, 3))}

    def value(self, s, d=0):
        s = self.resolve(s)
        r = self.r
        if "anyOf" in s:
            return None if r.random() < 0.25 else self.value(s["anyOf"][0], d)
        if "oneOf" in s:
            return self.value(r.choice(s["oneOf"]), d)
        if "const" in s:
            return s["const"]
        if "enum" in s:
            return r.choice(s["enum"])
        if "examples" in s:
            return r.choice(s["examples"] + ["something else"])
        t = s.get("type")
        if t is None:
            return self.json_value()
        if t == "object":
            if "properties" in s:
                out = {}
                req = set(s.get("required", []))
                for k, ps in s["properties"].items():
                    if k in req or r.random() < 0.6:
                        out[k] = self.value(ps, d + 1)
                return out
            lo = s.get("minProperties", 0)
            hi = min(s.get("maxProperties", lo + 3), lo + 3)
            out = {}
            while len(out) < r.randint(lo, hi) or len(out) < lo:
                out[self.text(0, 6) + str(len(out))] = self.value(s["additionalProperties"], d + 1)
            return out
        if t == "array":
            lo = s.get("minItems", 0)
            hi = min(s.get("maxItems", lo + 3), lo + (3 if d < 3 else 0))
            return [self.value(s["items"], d + 1) for _ in range(r.randint(lo, max(lo, hi)))]
        if t == "boolean":
            return r.random() < 0.5
        if t == "integer":
            lo, hi = s["minimum"], s["maximum"]
            return r.choice([lo, hi, r.randint(lo, hi), min(max(0, lo), hi)])
        if t == "number":
            lo, hi = max(s["minimum"], -1e6), min(s["maximum"], 1e6)
            return r.choice([lo, hi, r.uniform(lo, hi), 0.1 if lo <= 0.1 <= hi else lo])
        fmt = s.get("format")
        if fmt == "date-time":
            return self.timestamp()
        if fmt == "uuid":
            return self.uuid()
        if fmt == "decimal":
            t = self.decimal_text(s.get("minLength", 0), s.get("maxLength", 30))
            return t if r.random() < 0.7 else Raw(t)
        if s.get("contentEncoding") == "base64":
            return base64.b64encode(bytes(r.randrange(256) for _ in range(r.randint(0, 7)))).decode()
        lo = s.get("minLength", 0)
        return self.text(lo, min(s.get("maxLength", lo + 8), lo + 8))


# ---- mutations -----------------------------------------------------------

TIMESTAMP_EDGES = [
    "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
    "0000-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2024-12-31T23:59:60Z", "2024-05-01T12:30:60Z",
    "2024-05-01 12:00:00Z", "2024-05-01T12:00:00", "2024-05-01T12:00Z", "2024-05-01T12:00:00.123456789Z",
    "2024-05-01T12:00:00.1234567890Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0200",
    "2024-05-01T12:00:00+24:00", "2024-05-01T24:00:00Z", "2024-05-01T12:00:00Z ", "2024-05-01T12:00:00Z\n",
    "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-05-00T00:00:00Z",
    "2024-05-01t12:00:00z", "9999-12-31T23:59:59+23:59", "2024-05-01T12:00:00-00:00", "+2024-05-01T12:00:00Z",
    "2024-05-01T12:00:00,5Z", "2024-05-01T12:60:00Z", "2024-05-01T12:00:00+02:60", "２024-05-01T12:00:00Z",
    "", "2024-05-01",
]
UUID_EDGES = ["0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6e", "0C6C3D5E-8A7E-4D1C-9D7B-3A1F2B4C5D6E",
              "0c6c3d5e8a7e4d1c9d7b3a1f2b4c5d6e", "{0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6e}",
              "0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6", "0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6e0",
              "0c6c3d5g-8a7e-4d1c-9d7b-3a1f2b4c5d6e", "urn:uuid:0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6e",
              "0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6e\n", ""]
DECIMAL_EDGES = ["0", "-0", "1.", ".5", "+1", "012", "1e", "1e+", "NaN", " 1", "1 ", "", "-", "1.5e-7",
                 "-12.50", "1E+300", "0.0", "00", "1e999999", "12345678901234567890123", "١٢"]
BASE64_EDGES = ["", "QQ==", "QR==", "QUI=", "QUJ=", "QUJD", "QUJ", "Q===", "QQ=", "QQ==QQ==", "Q Q=",
                "QUJD\n", "_-8=", "////", "QUJDRA", "QUJDRA=="]


class Mutator:
    def __init__(self, gen):
        self.g = gen
        self.r = gen.r

    def slots(self, v, s, out, parent=None, key=None):
        """Every value of the instance with its schema, parent and key."""
        s = self.g.resolve(s)
        out.append((parent, key, v, s))
        if "anyOf" in s:
            if v is not None:
                s = self.g.resolve(s["anyOf"][0])
                out[-1] = (parent, key, v, s)
            else:
                return
        if "oneOf" in s and isinstance(v, dict):
            for alt in s["oneOf"]:
                alt = self.g.resolve(alt)
                tag = [k for k, p in alt.get("properties", {}).items() if "const" in p]
                if tag and v.get(tag[0]) == alt["properties"][tag[0]]["const"]:
                    s = alt
                    break
            else:
                return
        if isinstance(v, dict) and isinstance(s, dict):
            props = s.get("properties")
            for k, x in list(v.items()):
                sub = props.get(k) if props is not None else s.get("additionalProperties")
                if isinstance(sub, dict):
                    self.slots(x, sub, out, v, k)
        elif isinstance(v, list) and "items" in s:
            for i, x in enumerate(v):
                self.slots(x, s["items"], out, v, i)

    def other_type(self):
        return self.r.choice([None, True, False, 0, -1, 1.5, "", "x", [], {}, [1], {"a": 1}, Raw("1.0"),
                              10**30, Raw("1e400")])

    def boundary(self, v, s):
        r = self.r
        if "const" in s:
            return r.choice(["", s["const"].upper(), s["const"] + "x", 1, None, "unknown.tag"])
        if "enum" in s or "examples" in s:
            vals = s.get("enum") or s.get("examples")
            return r.choice(["", vals[0].upper(), vals[0] + " ", "nope", vals[-1], 0, None,
                             vals[0].encode().decode() + "\u0301"])
        t = s.get("type")
        if t == "integer":
            lo, hi = s["minimum"], s["maximum"]
            return r.choice([lo - 1, lo, hi, hi + 1, Raw(str(lo) + ".0"), Raw("%de0" % hi), Raw("-0"),
                             Raw("1e2"), Raw("1.5"), float(lo), Raw("-0.0"), Raw("%d" % (hi * 10 + 9)),
                             Raw("00"), Raw("01")])
        if t == "number":
            lo, hi = s["minimum"], s["maximum"]
            return r.choice([lo, hi, math.nextafter(lo, -math.inf) if abs(lo) < 1e308 else Raw("-1e309"),
                             math.nextafter(hi, math.inf) if abs(hi) < 1e308 else Raw("1e309"),
                             Raw("1e309"), Raw("-1e309"), Raw("1.7976931348623157e308"),
                             Raw("1.7976931348623158e308"), Raw("4.9e-324"), Raw("1e-400"), Raw("-0"),
                             10**400, Raw("1E3"), Raw("0.5")])
        if t == "array":
            lo, hi = s.get("minItems", 0), s.get("maxItems")
            n = r.choice([max(lo - 1, 0), lo, (hi if hi is not None else lo + 2), (hi + 1 if hi is not None else 0)])
            return [self.g.value(s["items"], 5) for _ in range(n)]
        if t == "object" and "additionalProperties" in s and "properties" not in s:
            lo, hi = s.get("minProperties", 0), s.get("maxProperties")
            n = r.choice([max(lo - 1, 0), lo, (hi if hi is not None else lo + 2), (hi + 1 if hi is not None else 0)])
            return {"k%d%s" % (i, r.choice(["", "é", "\"", "😀"])): self.g.value(s["additionalProperties"], 5)
                    for i in range(n)}
        fmt = s.get("format")
        if fmt == "date-time":
            return r.choice(TIMESTAMP_EDGES)
        if fmt == "uuid":
            return r.choice(UUID_EDGES)
        if fmt == "decimal":
            e = r.choice(DECIMAL_EDGES + [self.g.decimal_text(0, 40)])
            lo, hi = s.get("minLength"), s.get("maxLength")
            if r.random() < 0.5 and (lo is not None or hi is not None):
                n = r.choice([x for x in [lo and lo - 1, lo, hi, hi and hi + 1] if x is not None and x > 0])
                e = ("1" + "0" * (n - 1)) if r.random() < 0.5 else ("0." + "5" * (n - 2) if n >= 3 else "7" * n)
            if r.random() < 0.4 and e and all(c in "0123456789.-eE+" for c in e):
                return Raw(e)
            return e
        if s.get("contentEncoding") == "base64":
            return r.choice(BASE64_EDGES)
        if t == "string":
            lo, hi = s.get("minLength", 0), s.get("maxLength")
            n = r.choice([max(lo - 1, 0), lo, hi if hi is not None else lo + 1, (hi + 1) if hi is not None else 0])
            pool = r.choice(["a", "é", "中", "😀", CHARS])
            return "".join(r.choice(pool) for _ in range(n))
        if t is None:  # json: any value, or deep
            return self.deep(r.choice([30, 62, 63, 64, 65, 80]))
        return self.other_type()

    def deep(self, n):
        v = 1
        for i in range(n):
            v = [v] if i % 2 else {"d": v}
        return v

    def mutate(self, doc, schema):
        r = self.r
        slots = []
        self.slots(doc, schema, slots)
        parent, key, v, s = r.choice(slots)
        op = r.random()

        def put(x):
            nonlocal doc
            if parent is None:
                doc = x
            else:
                parent[key] = x

        if op < 0.40:
            put(self.boundary(v, s))
        elif op < 0.50 and isinstance(parent, dict):
            del parent[key]
        elif op < 0.57 and isinstance(v, dict):
            v[r.choice(["unknown", "x", "é\u00e9", "extra_" + str(r.randint(0, 9)), ""])] = self.other_type()
        elif op < 0.63 and isinstance(parent, dict):
            parent[r.choice([key.upper(), key + "_", " " + key, key[:-1] if key else "k"])] = parent.pop(key)
        elif op < 0.75:
            put(self.other_type())
        elif op < 0.80 and isinstance(v, dict) and v:
            pairs = list(v.items())
            k, x = r.choice(pairs)
            pairs.insert(r.randint(0, len(pairs)), (k, r.choice([x, self.other_type()])))
            put(Pairs(pairs))
        elif op < 0.84 and isinstance(v, str):
            i = r.randint(0, len(v))
            put(v[:i] + r.choice(["\ud800", "\udfff", "\ud83d", "\U0001F600", "\u0000", "\x7f", "\ufeff"]) + v[i:])
        elif op < 0.86:
            put(self.deep(r.choice([63, 64, 65, 70])))
        elif op < 0.87 and isinstance(v, dict):
            for i in range(r.choice([1030, 1100])):
                v["m%d" % i] = i
        elif op < 0.90:
            put(None)
        else:
            put(self.boundary(v, s))
        return doc


def text_mutation(raw, r):
    """Byte-level damage: cut, trailing content, whitespace, a BOM."""
    op = r.random()
    if op < 0.3 and raw:
        return raw[:r.randrange(len(raw))]
    if op < 0.5:
        return raw + r.choice([b"x", b" ", b"\n", b"{}", b",", b"\x00"])
    if op < 0.7:
        return r.choice([b" ", b"\n\t", b"\xef\xbb\xbf", b"\r"]) + raw
    if op < 0.85:
        return raw.replace(b":", b" : ", 1)
    return raw.replace(b'"', b"'", 1)


# ---- the run -------------------------------------------------------------

def c_verdicts(decoder, records):
    with tempfile.NamedTemporaryFile("wb", suffix=".records", delete=False) as f:
        for name, raw in records:
            f.write(b"%s %d\n" % (name.encode(), len(raw)))
            f.write(raw + b"\n")
        path = f.name
    try:
        out = subprocess.run([decoder, path], check=True, capture_output=True).stdout
    finally:
        os.unlink(path)
    lines = out.decode("utf-8", "replace").split("\n")[:-1]
    if len(lines) != len(records):
        sys.exit("js_decode answered %d of %d records" % (len(lines), len(records)))
    return lines


def run_documents(decoder, validators, records):
    """[(name, raw, c_line, py_ok, cls)] for each record."""
    lines = c_verdicts(decoder, records)
    out = []
    for (name, raw), c_line in zip(records, lines):
        if c_line in ("unknown-type", "struct-too-big"):
            sys.exit("js_decode: %s for %s" % (c_line, name))
        inst, flags = parse(raw)
        if inst is None:
            py_ok, errors = False, []
        else:
            errors = list(validators[name].iter_errors(inst))
            py_ok = not errors
        c_ok = c_line == "ok"
        cls = None
        if c_ok != py_ok:
            def lenient(inst, name=name):
                used = set()
                v = jsonschema.Draft202012Validator(validators[name].schema,
                                                    format_checker=lenient_format_checker(used))
                return used if v.is_valid(inst) else None
            cls = classify(c_line, raw, inst, flags, lenient) if inst is not None else None
            cls = cls or "UNEXPLAINED"
        out.append((name, raw, c_line, py_ok, cls))
    return out


SHOWN = [  # (type, document, class): one document per exception class
    ("orders.OrderTotal", b'{"order_id":"o","order_id":"p","item_count":1,"total_cents":1,"currency":"EUR"}',
     "duplicate-keys"),
    ("workflow.EventPayload", b'{"data":' + b'[' * 70 + b']' * 70 + b'}', "depth-limit"),
    ("workflow.EventPayload", b'{"data":{' + b",".join(b'"k%d":"v"' % i for i in range(1100)) + b'}}',
     "key-limit"),
    ("common.CustomerIdentity", b'{"email":"\\ud800"}', "lone-surrogate"),
    ("orders.OrderTotal", b'{"order_id":"o","item_count":1.0,"total_cents":1e2,"currency":"EUR"}',
     "integer-spelling"),
    ("orders.LineItem", b'{"line_item_id":"l","product_id":"p","product_title":"t","quantity":1,'
     b'"price":123456789012345678901.5}', "decimal-number-length"),
    ("orders.OrderEvent", b'{"order_id":"o","created_at":"2024-05-01T12:30:60Z","customer_name":"c",'
     b'"line_items":[{"line_item_id":"l","product_id":"p","product_title":"t","quantity":1,"price":"1"}],'
     b'"total_price":"1"}', "leap-second"),
    ("orders.OrderEvent", b'{"order_id":"o","created_at":"0000-01-01T00:00:00Z","customer_name":"c",'
     b'"line_items":[{"line_item_id":"l","product_id":"p","product_title":"t","quantity":1,"price":"1"}],'
     b'"total_price":"1"}', "year-zero"),
]


def corpus_records(corpus_dir, schema, types):
    recs = []
    d = os.path.join(corpus_dir, "decode_" + schema)
    for f in sorted(glob.glob(os.path.join(d, "*"))):
        with open(f, "rb") as fh:
            data = fh.read()[1:]  # the fuzz harness's first byte picks its decoder
        recs.extend((t, data) for t in types)
    return recs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--decoder", required=True)
    ap.add_argument("--schemas", required=True, help="folder of <schema>.<Type>.schema.json")
    ap.add_argument("--corpus", help="tests/fuzz/corpus")
    ap.add_argument("--mutations", type=int, default=20000, help="per schema")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--show-exceptions", action="store_true")
    a = ap.parse_args()

    docs = {}
    for f in sorted(glob.glob(os.path.join(a.schemas, "*.schema.json"))):
        with open(f, encoding="utf-8") as fh:
            doc = json.load(fh)
        jsonschema.Draft202012Validator.check_schema(doc)
        docs[os.path.basename(f)[:-len(".schema.json")]] = doc
    known = set(subprocess.run([a.decoder, "--types"], check=True, capture_output=True,
                               text=True).stdout.split())
    missing = sorted(set(docs) - known)
    if missing or not docs:
        sys.exit("types without a decoder in js_decode.c: %s" % (missing or "no documents"))
    validators = {n: jsonschema.Draft202012Validator(d, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
                  for n, d in docs.items()}
    print("%d JSON Schema documents pass Draft202012Validator.check_schema" % len(docs))
    failed = False

    if a.show_exceptions:
        res = run_documents(a.decoder, validators, [(t, d) for t, d, _ in SHOWN])
        for (t, d, want), (_, _, c_line, py_ok, cls) in zip(SHOWN, res):
            good = cls == want
            failed |= not good
            print("exception %-22s %s: decoder %s, jsonschema %s -> %s" % (
                want, t, c_line.split("\t")[0], "accepts" if py_ok else "rejects",
                "shown" if good else "NOT SHOWN (%s)" % cls))
        return 1 if failed else 0

    by_schema = collections.defaultdict(list)
    for n in docs:
        by_schema[n.split(".")[0]].append(n)
    total = collections.Counter()
    for schema, types in sorted(by_schema.items()):
        r = random.Random("%d:%s" % (a.seed, schema))
        records = corpus_records(a.corpus, schema, types) if a.corpus else []
        n_corpus = len(records)
        gens = {t: Gen(docs[t], r) for t in types}
        seeds = {t: [gens[t].value(docs[t]) for _ in range(20)] for t in types}
        for t in types:
            records.extend((t, dump(v, r.random() < 0.5).encode("utf-8", "surrogatepass")) for v in seeds[t])
        n_generated = len(records) - n_corpus
        muts = {t: Mutator(gens[t]) for t in types}
        for i in range(a.mutations):
            t = types[i % len(types)]
            doc = copy_value(r.choice(seeds[t]))
            for _ in range(r.choice([1, 1, 1, 2, 3])):
                doc = muts[t].mutate(doc, docs[t])
            raw = dump(doc, r.random() < 0.5).encode("utf-8", "surrogatepass")
            if r.random() < 0.05:
                raw = text_mutation(raw, r)
            records.append((t, raw))
        res = run_documents(a.decoder, validators, records)
        c = collections.Counter()
        for name, raw, c_line, py_ok, cls in res:
            c["documents"] += 1
            c["accepted by both" if py_ok and cls is None else "rejected by both" if cls is None else cls] += 1
        total.update(c)
        print("%s: %d documents (%d corpus, %d generated, %d mutations): %s" % (
            schema, c["documents"], n_corpus, n_generated, a.mutations,
            ", ".join("%s %d" % (k, v) for k, v in sorted(c.items()) if k != "documents")))
        bad = [x for x in res if x[4] == "UNEXPLAINED"]
        for name, raw, c_line, py_ok, cls in bad[:8]:
            print("  UNEXPLAINED %s: decoder %r, jsonschema %s: %r" % (
                name, c_line, "accepts" if py_ok else "rejects", raw[:300]))
        failed |= bool(bad)
    agree = total["accepted by both"] + total["rejected by both"]
    print("all: %d documents, %d agree (%d accepted, %d rejected by both), %s" % (
        total["documents"], agree, total["accepted by both"], total["rejected by both"],
        ", ".join("%s %d" % (k, total[k]) for k in list(EXCEPTIONS) + ["UNEXPLAINED"])))
    return 1 if failed else 0


def copy_value(v):
    if isinstance(v, dict):
        return {k: copy_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [copy_value(x) for x in v]
    if isinstance(v, Pairs):
        return Pairs([(k, copy_value(x)) for k, x in v.pairs])
    return v


if __name__ == "__main__":
    sys.exit(main())
