"""Run the conformance vectors (topicgen --emit vectors) through the modules
of --emit python, and compare with what the C codecs must do.

  vectors_python.py VECTORS_DIR MODULES_DIR [KNOWN]     every file of vectors
  vectors_python.py --self-test VECTORS_DIR MODULES_DIR the check can fail

Per vector, as tests/vectors/vectors_test.c does for C:
  - valid: decode_<Type>(document) succeeds and encode(msg) is exactly the
    vector's canonical bytes (the C encoder's);
  - invalid: decoding raises msgspec.ValidationError or msgspec.DecodeError,
    and the first error's JSON path, read from msgspec's message, equals the
    C path with one documented mapping (docs/languages.md, "Test vectors"):
      * msgspec names a value by the path of its container and the member
        name in its message for a missing field ("Object missing required
        field `x` - at `$.a`") and an unknown one: the path is $.a.x;
      * msgspec writes a map value's key as [...]: it matches any one key
        segment of the C path ($.tags.k0, $.tags["a b"]);
      * msgspec.DecodeError (text that is not JSON) has no path: C reports
        those at $ in every vector (trailing content, an empty text).
    The error code is not compared: msgspec has no codes.

KNOWN (python_differences.txt) lists the disagreements known today, as
rules (a regular expression on the vector's name, the kind of disagreement,
why).  Each disagreement must be covered by a rule and each rule must cover
one at least: a new difference fails, and so does a fixed one still listed.

Exit 0 when that holds; a line per unexplained disagreement on stderr.
"""

from __future__ import annotations

import glob
import importlib
import json
import os
import re
import sys
from typing import Any

import msgspec

_AT = re.compile(r" - at `(\$[^`]*)`$")
_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `([^`]*)`")


PATH_KINDS: dict[str, int] = {}  # how each agreeing error path was matched


def key_segment(name: str) -> str:
    """A member name appended to a path, as msgspec writes keys."""
    return "." + name


def msgspec_path(err: Exception) -> str:
    """The C-form path of msgspec's error, with [...] left for map keys."""
    if isinstance(err, msgspec.DecodeError) and not isinstance(err, msgspec.ValidationError):
        return "$"
    text = str(err)
    m = _AT.search(text)
    path = m.group(1) if m else "$"
    f = _FIELD.match(text)
    if f:
        path += key_segment(f.group(1))
    return path


_C_SEG = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\["((?:[^"\\]|\\.)*)"\]|\[([0-9]+)\]')
_PY_SEG = re.compile(r"\.([^.\[]+)|\[\.\.\.\]|\[([0-9]+)\]")


def c_segments(path: str) -> list[tuple[str, str]] | None:
    """$.a["b c"][2] as [("key", "a"), ("key", "b c"), ("index", "2")]."""
    out, at = [], 1
    while at < len(path):
        m = _C_SEG.match(path, at)
        if not m:
            return None
        if m.group(3) is not None:
            out.append(("index", m.group(3)))
        else:
            key = m.group(1) if m.group(1) is not None else json.loads('"' + m.group(2) + '"')
            out.append(("key", key))
        at = m.end()
    return out


def py_segments(path: str) -> list[tuple[str, str]] | None:
    """msgspec's $.a.b c[2][...]: a key runs to the next '.' or '['."""
    out, at = [], 1
    while at < len(path):
        m = _PY_SEG.match(path, at)
        if not m:
            return None
        if m.group(0) == "[...]":
            out.append(("any key", ""))
        elif m.group(2) is not None:
            out.append(("index", m.group(2)))
        else:
            out.append(("key", m.group(1)))
        at = m.end()
    return out


def paths_agree(c_path: str, py_path: str) -> bool:
    """The same segments, msgspec's [...] standing for any one key of C's."""
    c, py = c_segments(c_path), py_segments(py_path)
    if c is None or py is None or len(c) != len(py) or not c_path.startswith("$"):
        return False
    return all(p == s or (p[0] == "any key" and s[0] == "key") for p, s in zip(py, c))


def run_vector(module: Any, type_name: str, v: dict[str, Any]) -> str | None:
    """None when the module agrees with the vector, else why not."""
    decode = getattr(module, "decode_" + type_name)
    doc = v["document"].encode("utf-8")
    try:
        msg = decode(doc)
    except (msgspec.ValidationError, msgspec.DecodeError) as err:
        if v["valid"]:
            return f"refused a valid document: {err}"
        got = msgspec_path(err)
        c_path = v.get("error", {}).get("path", "(none given)")
        if not paths_agree(c_path, got):
            return f"first error at {got}, C at {c_path} ({err})"
        kind = ("not JSON, at $" if not isinstance(err, msgspec.ValidationError)
                else "a map key as [...]" if "[...]" in got
                else "the same path" if got == c_path
                else "a key that is no identifier unquoted")
        PATH_KINDS[kind] = PATH_KINDS.get(kind, 0) + 1
        return None
    except Exception as err:  # anything else is a bug of the module
        return f"raised {type(err).__name__}: {err}"
    if not v["valid"]:
        e = v.get("error", {})
        return f"accepted an invalid document (C: {e.get('code')} at {e.get('path')})"
    try:
        out = module.encode(msg)
    except Exception as err:
        return f"could not re-encode: {type(err).__name__}: {err}"
    if out != v["canonical"].encode("utf-8"):
        return f"re-encoded other bytes: {out[:300]!r}"
    return None


def load(vectors_dir: str, modules_dir: str) -> list[tuple[str, Any, dict[str, Any]]]:
    sys.path.insert(0, modules_dir)
    files = []
    for path in sorted(glob.glob(os.path.join(vectors_dir, "*.vectors.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        files.append((os.path.basename(path), importlib.import_module(data["schema"]), data))
    return files


def load_known(path: str | None) -> list[tuple[re.Pattern[str], str, str]]:
    rules = []
    if path:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    pattern, kind, why = line.rstrip("\n").split("\t")
                    rules.append((re.compile(pattern), kind, why))
    return rules


def run_all(vectors_dir: str, modules_dir: str, known_path: str | None) -> int:
    files = load(vectors_dir, modules_dir)
    rules = load_known(known_path)
    used = [0] * len(rules)
    if not files:
        print(f"no vectors in {vectors_dir}", file=sys.stderr)
        return 1
    total = bad = explained = 0
    for name, module, data in files:
        n_bad = 0
        for i, v in enumerate(data["vectors"]):
            why = run_vector(module, data["type"], v)
            if not why:
                continue
            rule = next((k for k, (p, kind, _) in enumerate(rules)
                         if p.search(f"{name}: {v['name']}") and why.startswith(kind)), None)
            if rule is not None:
                used[rule] += 1
                explained += 1
                continue
            n_bad += 1
            print(f"{name}: vector {i} {v['name']!r}: {why}", file=sys.stderr)
        print(f"{name:40} {len(data['vectors']):4} vectors, {n_bad} disagree")
        total += len(data["vectors"])
        bad += n_bad
    for (p, kind, why), n in zip(rules, used):
        print(f"known difference, {n} vectors: {why}")
        if n == 0:
            print(f"a known difference no longer occurs: /{p.pattern}/ {kind}: remove it",
                  file=sys.stderr)
            bad += 1
    print("error paths that agree: " + ", ".join(f"{n} {k}" for k, n in sorted(PATH_KINDS.items())))
    print(f"{len(files)} files, {total} vectors, {explained} known differences, "
          f"{bad} unexplained")
    return 1 if bad else 0


def self_test(vectors_dir: str, modules_dir: str) -> int:
    """Corrupt one expectation three ways; each must fail exactly that vector."""
    files = load(vectors_dir, modules_dir)
    name, module, data = next(f for f in files if f[0] == "orders.OrderEvent.vectors.json")
    vectors = data["vectors"]
    passing = [i for i, v in enumerate(vectors) if run_vector(module, data["type"], v) is None]
    valid = next(i for i in passing if vectors[i]["valid"])
    invalid = next(i for i in passing if not vectors[i]["valid"])
    corruptions = [
        ("verdict flipped", valid,
         lambda v: {**v, "valid": False, "error": {"code": "type", "path": "$"}}),
        ("path changed", invalid,
         lambda v: {**v, "error": {**v["error"], "path": "$.nowhere"}}),
        ("canonical changed", valid, lambda v: {**v, "canonical": v["canonical"][:-1] + " "}),
    ]
    status = 0
    for what, at, corrupt in corruptions:
        failing = [i for i in passing
                   if run_vector(module, data["type"], corrupt(vectors[i]) if i == at
                                 else vectors[i]) is not None]
        print(f"self-test: {what} at vector {at}: {len(failing)} vector(s) fail")
        if failing != [at]:
            print(f"self-test: {what} was not caught exactly once", file=sys.stderr)
            status = 1
    return status


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "--self-test":
        return self_test(argv[2], argv[3])
    if len(argv) in (3, 4):
        return run_all(argv[1], argv[2], argv[3] if len(argv) == 4 else None)
    print("usage: vectors_python.py VECTORS_DIR MODULES_DIR [KNOWN]\n"
          "       vectors_python.py --self-test VECTORS_DIR MODULES_DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
