#!/usr/bin/env python3
"""make_corpus.py GEN_DIR OUT_DIR: raw seed inputs for the fuzz targets.

Collects documents from the test catalogues into OUT_DIR/<target>/:
  decode_<schema>  every JSON-looking string literal of tests/json/*.c and
                   tests/codegen/*.c (macros expanded with `cc -E`; in
                   bad_json_test.c ' stands for "), once per decoder of the
                   schema (first byte = decoder index, as the harness reads it;
                   the count comes from GEN_DIR/<schema>_fuzz.c)
  schema_load      schemas/*.yaml, tests/downstream/project/*.yaml and the
                   YAML literals of tests/generator/schema_errors_test.c
  mustache         templates/*.mustache, every template (+ first partial,
                   after a NUL byte) of the mustache spec ($TOPICGEN_MUSTACHE_SPEC,
                   else ../shared/mustache-spec beside the source tree), and
                   the template literals of tests/mustache/*.c
The checked-in corpus is this plus what fuzzing runs found, minimised to
the inputs that add edge coverage (counters off keeps it small):
  <target>_fuzz -merge=1 -use_counters=0 NEW_DIR tests/fuzz/corpus/<target> \
                OUT_DIR/<target> build-fuzz/fuzz-work/<target>/corpus
(see docs/security.md).
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The mustache spec, found as tests/mustache's spec test finds it:
# $TOPICGEN_MUSTACHE_SPEC, else ../shared/mustache-spec beside the source tree
# (a checkout of github.com/mustache/spec, with specs/, works too).  Without
# it the mustache seeds come from the templates and test literals alone.
SPEC = os.environ.get("TOPICGEN_MUSTACHE_SPEC") or os.path.join(
    os.path.dirname(ROOT), "shared", "mustache-spec")
if not glob.glob(f"{SPEC}/*.json") and glob.glob(f"{SPEC}/specs/*.json"):
    SPEC = f"{SPEC}/specs"

LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
RUN = re.compile(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+')


def c_unescape(body):
    out = bytearray()
    i = 0
    b = body.encode("latin-1", "backslashreplace")
    while i < len(b):
        c = b[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        n = b[i + 1:i + 2]
        i += 2
        simple = {b"n": 10, b"t": 9, b"r": 13, b"0": 0, b"\\": 92, b'"': 34, b"'": 39,
                  b"?": 63, b"a": 7, b"b": 8, b"f": 12, b"v": 11}
        if n == b"x":
            m = re.match(rb"[0-9a-fA-F]+", b[i:])
            out.append(int(m.group(0), 16) & 0xFF)
            i += len(m.group(0))
        elif n in (b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7"):
            m = re.match(rb"[0-7]{0,2}", b[i:])
            out.append(int(n + m.group(0), 8) & 0xFF)
            i += len(m.group(0))
        else:
            out.append(simple.get(n, n[0] if n else 92))
    return bytes(out)


def literals(path):
    """Every run of adjacent string literals in the preprocessed file."""
    src = open(path, encoding="utf-8", errors="surrogateescape").read()
    src = "\n".join(l for l in src.split("\n") if not l.lstrip().startswith("#include"))
    pre = subprocess.run(["cc", "-E", "-P", "-x", "c", "-"], input=src.encode("utf-8", "surrogateescape"),
                         capture_output=True).stdout.decode("utf-8", "surrogateescape")
    for run in RUN.finditer(pre):
        parts = LIT.findall(run.group(0))
        yield b"".join(c_unescape(p) for p in parts)


def write(out_dir, target, data):
    d = os.path.join(out_dir, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    gen, out = sys.argv[1], sys.argv[2]
    docs = set()
    for path in glob.glob(f"{ROOT}/tests/json/*.c") + glob.glob(f"{ROOT}/tests/codegen/*.c"):
        quote = os.path.basename(path) == "bad_json_test.c"
        for lit in literals(path):
            if quote:
                lit = lit.replace(b"'", b'"')
            if lit.strip()[:1] in (b"{", b"["):
                docs.add(lit)
    for schema in ("orders", "workflow", "crm"):
        text = open(os.path.join(gen, f"{schema}_fuzz.c")).read()
        n = int(re.search(r"fuzz_codecs\[(\d+)\]", text).group(1))
        for doc in docs:
            for i in range(n):
                write(out, f"decode_{schema}", bytes([i]) + doc)

    for path in glob.glob(f"{ROOT}/schemas/*.yaml") + glob.glob(f"{ROOT}/tests/downstream/project/*.yaml"):
        write(out, "schema_load", open(path, "rb").read())
    for lit in literals(f"{ROOT}/tests/generator/schema_errors_test.c"):
        if b":" in lit or b"\n" in lit or lit == b"":
            write(out, "schema_load", lit)

    for path in glob.glob(f"{ROOT}/templates/*.mustache"):
        write(out, "mustache", open(path, "rb").read())
    if not glob.glob(f"{SPEC}/*.json"):
        print(f"mustache spec not found in {SPEC}: set TOPICGEN_MUSTACHE_SPEC=dir for its seeds",
              file=sys.stderr)
    for path in glob.glob(f"{SPEC}/*.json"):
        for test in json.load(open(path, encoding="utf-8"))["tests"]:
            data = test["template"].encode()
            partials = test.get("partials") or {}
            if partials:
                data += b"\0" + next(iter(partials.values())).encode()
            write(out, "mustache", data)
    for path in glob.glob(f"{ROOT}/tests/mustache/*.c"):
        for lit in literals(path):
            if b"{{" in lit or b"<%" in lit:
                write(out, "mustache", lit)
    for t in sorted(os.listdir(out)):
        print(f"{t}: {len(os.listdir(os.path.join(out, t)))} raw seeds")


if __name__ == "__main__":
    main()
