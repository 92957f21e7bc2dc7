#!/usr/bin/env python3
"""hostile_test.py - a hostile schema is refused with a clear error or
generates safe code (issue 13; docs/security.md, "Threat model").

For every string-valued position of the schema language (descriptions of
schema, message, field, enum and union; topic, dlq_topic, key, wire_name,
default, enum wire string, variant tag, discriminator; union, message and
field names) and every hostile string (a curated list, plus seeded random
strings built from hostile pieces: comment and string terminators, quotes,
backslashes, newlines and CR, '#' after a newline, trigraphs, U+2028/U+2029,
bidi controls, controls, over-long and non-UTF-8 text), one schema of a
fixed shape carries the string at that position and benign text
everywhere else.  Each schema must either

  * be refused: topicgen exits 1 and prints `FILE:LINE:COL: error: ...`
    for it, and nothing else goes wrong (no crash, no other exit status); or
  * generate code that compiles with gcc and clang at -std=c11 -Wall
    -Wextra -Wpedantic -Wcomment -Wtrigraphs -Werror (gcc: -Wbidi-chars=any
    too), holds no raw bidi control, U+2028 or U+2029, and defines exactly
    the symbols (`nm` of gcc's object; clang checks with -fsyntax-only) of
    the same schema with benign text (its "twin").

Accepted schemas are generated and compiled in batches (one topicgen run
and one translation unit per batch and compiler) so that thousands of
strings fit in about a minute on 2 cores.  Deterministic: --seed.

  [HOSTILE_DEBUG=1] hostile_test.py --topicgen PATH --runtime DIR [--work DIR] [--random N]
                  [--batch N] [--seed S] [--time-limit SECONDS] [--jobs N]
                  [--positions a,b] [--report]

Prints a summary (positions x strings, refused, compiled, unsafe) and
"N passed, N failed"; exit status 0 when nothing was unsafe.
"""
import argparse
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import time

# ---- hostile strings ----------------------------------------------------------

CURATED = [
    b"x */ int pwned; /* y",
    b"*/",
    b"/*",
    b"/* nested */ */ int pwned2; /*",
    b"x */\n#include <stdio.h>\nint pwned3; /* y",
    b"line\n# define pwned4 1\n#error boom",
    b"??/",
    b"a ??/\nint pwned5;",
    b"??=??(??)??<??>??!??'??-",
    b"ends in a backslash \\",
    b"backslash then spaces \\   ",
    b"mid \\ slash",
    b"\"quoted\" and 'single'",
    b"\\\"); int pwned6; (\"",
    b"\"; int pwned7; char *s = \"",
    b"line1\nline2\r\nline3\r",
    b"\r",
    b"// line comment \\",
    "sep\u2028arator\u2029".encode(),
    "bidi \u202e evil \u202c and \u2066 isolate \u2069".encode(),
    "\u061c\u200e\u200f marks".encode(),
    "tab\there".encode(),
    b"controls \x01 \x1b[31m \x7f",
    "c1 \u0085 \u009b".encode(),
    "\ufeff BOM".encode(),
    "é 日本 😀".encode(),
    b"%s %n %d",
    b"{{line}} {{{schema}}} {{>read_value}}",
    b"",
    b" ",
    b"  padded  ",
    b".",
    b"..",
    b"shop.orders",
    b"shop_orders",
    b"a" * 249,
    b"a" * 250,
    b"x" * 5000,
    b"\xff\xfe not UTF-8",
    b"\xc0\x80 overlong NUL",
    b"\xed\xa0\x80 surrogate",
    b"truncated \xe2\x80",
    b"nul \x00 byte",
    b"#",
    b"\n#",
    b"valid_name",
]

PIECES = [
    b"*/", b"/*", b"*", b"/", b"//", b"\"", b"'", b"\\", b"\n", b"\r", b"\r\n",
    b"\n#include <stdio.h>\n", b"\n#", b"??/", b"??=", b"??", b"?", b"??'",
    "\u2028".encode(), "\u2029".encode(), "\u202e".encode(), "\u2066".encode(),
    "\u061c".encode(), b"\xff", b"\xc0\x80", b"\xe2\x80", "é".encode(),
    "😀".encode(), b"a", b"x y", b" ", b"\t", b"\x01", b"\x7f", b"int pwned;",
    b"{{", b"}}", b"%n", b"$", b"-", b"=", b"\\u0041", b".", b"_",
]


def random_strings(rng, n):
    out = []
    for _ in range(n):
        k = rng.randint(1, 12)
        s = b"".join(rng.choice(PIECES) for _ in range(k))
        if rng.random() < 0.05:
            s *= rng.randint(20, 200)  # long
        out.append(s)
    return out


# ---- schemas --------------------------------------------------------------------

def yaml_scalar(value):
    """value (bytes) as a YAML double-quoted scalar; bytes that are not
    UTF-8 are written raw (the loader must refuse the file)."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(
            b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t") + b'"'
    out = []
    for ch in text:
        cp = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif cp < 0x20 or 0x7F <= cp <= 0x9F:
            out.append("\\x%02x" % cp)
        elif cp in (0x2028, 0x2029, 0xFEFF):
            out.append("\\u%04x" % cp)
        else:
            out.append(ch)  # bidi controls stay raw: the loader reads them
    return ('"' + "".join(out) + '"').encode("utf-8")


# position: (benign value, is a C name position)
POSITIONS = {
    "schema_description": (b"A schema.", False),
    "enum_description": (b"An enum.", False),
    "message_description": (b"A message.", False),
    "field_description": (b"A field.", False),
    "union_description": (b"A union.", False),
    "topic": (b"h.events", False),
    "dlq_topic": (b"h.events.dlq", False),
    "key": (b"id", True),
    "wire_name": (b"wire", False),
    "default": (b"dflt", False),
    "enum_wire": (b"red", False),
    "variant_tag": (b"tag", False),
    "discriminator": (b"kind", False),
    "union_name": (b"Any", True),
    "message_name": (b"Extra", True),
    "field_name": (b"note", True),
}

SHAPE = b"""schema: @schema@
version: 1
description: @schema_description@
enums:
  Color:
    description: @enum_description@
    values:
      RED: @enum_wire@
      BLUE: blue
messages:
  Inner:
    description: @message_description@
    fields:
      @field_name@: { type: string, description: @field_description@, wire_name: @wire_name@, default: @default@ }
      color: { type: Color, optional: true }
  Event:
    topic: @topic@
    dlq_topic: @dlq_topic@
    key: @key@
    fields:
      id: string
      inner: Inner
  @message_name@:
    fields:
      n: int32
unions:
  @union_name@:
    description: @union_description@
    discriminator: @discriminator@
    topic: h.union
    variants:
      @variant_tag@: { message: Inner, name: inner }
      other: { message: Event }
"""


def schema_text(name, assign):
    """The schema `name` with assign[position] (bytes) at each position
    given, benign text everywhere else."""
    text = SHAPE.replace(b"@schema@", name.encode())
    for pos, (benign, _) in POSITIONS.items():
        text = text.replace(b"@" + pos.encode() + b"@", yaml_scalar(assign.get(pos, benign)))
    return text


# ---- running things ------------------------------------------------------------

def run(cmd, cwd=None, timeout=120):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def which_cc(name):
    return shutil.which(name)


def gcc_has_bidi(cc):
    p = subprocess.run([cc, "-Wbidi-chars=any", "-x", "c", "-c", "-", "-o", os.devnull],
                       input=b"int x;\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode == 0


# U+061C, U+200E/F, U+2028/9, U+202A..E, U+2066..9 as UTF-8
HIDDEN = re.compile(b"\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


class Case:
    def __init__(self, index, position, value):
        self.index = index
        self.position = position
        self.value = value
        self.result = None   # "refused", "compiled", "skipped" or "unsafe: why"


class Slot:
    """One schema: hostile strings at one or more positions (each string
    was accepted on its own)."""
    def __init__(self, cases):
        self.cases = cases
        self.name = "h%05d" % cases[0].index

    def text(self):
        return schema_text(self.name, {c.position: c.value for c in self.cases})

    def twin(self):
        """The same schema with benign text (names the loader accepted are
        identifiers: the twin keeps them)."""
        return schema_text(self.name, {c.position: c.value for c in self.cases
                                       if POSITIONS[c.position][1]})


def topicgen_check(topicgen, d, name, text):
    """Load and render (topicgen --check: nothing written): exit status, stderr, path."""
    p = os.path.join(d, name + ".yaml")
    with open(p, "wb") as f:
        f.write(text)
    r = run([topicgen, "--check", "--fuzz", "-o", os.path.join(d, "none"), p])
    return r.returncode, r.stderr.decode("utf-8", "replace"), p


def classify(topicgen, work, cases):
    """Each case's schema on its own: refused ones need a FILE:LINE:COL
    error; returns the accepted ones."""
    d = os.path.join(work, "classify")
    os.makedirs(d, exist_ok=True)
    accepted = []
    for c in cases:
        rc, err, p = topicgen_check(topicgen, d, "c%05d" % c.index,
                                    schema_text("c%05d" % c.index, {c.position: c.value}))
        if rc == 3:
            accepted.append(c)
        elif rc == 1 and re.search(r"^" + re.escape(p) + r":\d+:\d+: error: \S", err, re.M):
            c.result = "refused"
        elif rc == 1:
            c.result = "unsafe: refused without a FILE:LINE:COL error: " + err[:300]
        else:
            c.result = "unsafe: topicgen exit %d: %s" % (rc, err[:300])
    return accepted


def normalize(symbols, names):
    """Symbol multiset with the batch's schema names replaced (twins of
    different batches then compare equal)."""
    out = {}
    for name, kind in symbols:
        if name.startswith(".L"):
            continue  # the compiler's own labels (clang numbers string literals)
        name = re.sub(r"h\d{5}", "H", name)
        out[(name, kind)] = out.get((name, kind), 0) + 1
    return out


def compile_batch(topicgen, work, tag, schemas, compilers):
    """Generate the batch [(name, yaml bytes)], compile one unity file per
    compiler; returns (problem or None, {compiler: symbol multiset})."""
    d = os.path.join(work, tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    paths = []
    for name, text in schemas:
        p = os.path.join(d, name + ".yaml")
        with open(p, "wb") as f:
            f.write(text)
        paths.append(p)
    gen = os.path.join(d, "gen")
    r = run([topicgen, "--fuzz", "-o", gen] + paths)
    if r.returncode != 0:
        return "topicgen failed on the batch: " + r.stderr.decode("utf-8", "replace")[:500], {}
    for f in sorted(os.listdir(gen)):
        with open(os.path.join(gen, f), "rb") as fh:
            m = HIDDEN.search(fh.read())
        if m:
            return "%s holds a raw bidi control or line separator (%r)" % (f, m.group()), {}
    unity = os.path.join(gen, "unity.c")
    with open(unity, "w") as f:
        for name, _ in schemas:
            for suffix in (".c", "_kafka.c", "_translator.c"):
                f.write('#include "%s%s"\n' % (name, suffix))
    symbols = {}
    for n, (cc, flags) in enumerate(compilers):
        # the first compiler's object gives the symbols; the others check
        # the same text for warnings only (-fsyntax-only: faster)
        obj = os.path.join(d, os.path.basename(cc) + ".o")
        out = ["-c", "-o", obj] if n == 0 else ["-fsyntax-only"]
        r = run([cc, "-std=c11", "-O0"] + flags + ["-I", gen, "-I", RUNTIME + "/json", "-I",
                RUNTIME + "/kafka", unity] + out)
        if r.returncode != 0:
            return "%s: %s" % (os.path.basename(cc),
                               r.stderr.decode("utf-8", "replace")[:1500]), {}
        # one fuzz harness per batch (the harnesses' statics share names)
        r = run([cc, "-std=c11", "-O0"] + flags + ["-I", gen, "-I", RUNTIME + "/json",
                "-fsyntax-only", os.path.join(gen, schemas[0][0] + "_fuzz.c")])
        if r.returncode != 0:
            return "%s (fuzz harness): %s" % (os.path.basename(cc),
                                              r.stderr.decode("utf-8", "replace")[:1500]), {}
        if n > 0:
            continue
        nm = run(["nm", "--defined-only", "-P", obj])
        symbols[cc] = normalize([tuple(line.split()[:2]) for line in
                                 nm.stdout.decode().splitlines() if line.strip()], schemas)
    return None, symbols


RUNTIME = None


def main():
    global RUNTIME
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--topicgen", required=True)
    ap.add_argument("--runtime", required=True, help="the runtime/ folder (headers)")
    ap.add_argument("--work", default="hostile-work")
    ap.add_argument("--random", type=int, default=150, help="random strings per position")
    ap.add_argument("--batch", type=int, default=40, help="schemas per compile")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=600,
                    help="start no new batch after this many seconds (those left are skipped)")
    ap.add_argument("--positions", default="", help="comma-separated subset")
    ap.add_argument("--curated-only", action="store_true")
    ap.add_argument("--no-combine", action="store_true",
                    help="one hostile string per schema (slower; what --report on old code wants)")
    ap.add_argument("--report", action="store_true", help="list every unsafe case, keep --work")
    a = ap.parse_args()
    RUNTIME = os.path.abspath(a.runtime)
    start = time.time()
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    compilers = []
    for name in ("gcc", "clang"):
        cc = shutil.which(name)
        if not cc:
            print("hostile: %s not found, skipped" % name)
            continue
        flags = ["-Wall", "-Wextra", "-Wpedantic", "-Wcomment", "-Wtrigraphs", "-Werror"]
        if name == "gcc" and gcc_has_bidi(cc):
            flags.append("-Wbidi-chars=any")
        compilers.append((cc, flags))
    if not compilers:
        print("hostile: no C compiler: skipped")
        return 77

    rng = random.Random(a.seed)
    positions = [p for p in POSITIONS if not a.positions or p in a.positions.split(",")]
    cases = []
    for pos in positions:
        strings = list(CURATED) + ([] if a.curated_only else random_strings(rng, a.random))
        for s in strings:
            cases.append(Case(len(cases), pos, s))

    # 1. every string on its own: refused with file:line:col, or accepted
    chunks = [cases[i::a.jobs] for i in range(a.jobs)]
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        accepted = [c for part in ex.map(lambda ch: classify(a.topicgen, work, ch), chunks)
                    for c in part]
    accepted.sort(key=lambda c: c.index)
    t_classify = time.time() - start

    # 2. accepted strings share schemas: the k-th of every text position in
    # slot k (names, which the loader accepts only as identifiers, alone)
    slots = []
    queues = {}
    for c in accepted:
        if a.no_combine or POSITIONS[c.position][1]:
            slots.append(Slot([c]))
        else:
            queues.setdefault(c.position, []).append(c)
    while any(queues.values()):
        slots.append(Slot([q.pop(0) for q in queues.values() if q]))
    d = os.path.join(work, "slots")
    os.makedirs(d, exist_ok=True)
    checked = []
    for slot in slots:  # a combination may meet a rule between positions
        rc, _, _ = topicgen_check(a.topicgen, d, slot.name, slot.text())
        if rc == 3 or len(slot.cases) == 1:
            checked.append(slot)
        else:
            checked.extend(Slot([c]) for c in slot.cases)
    slots = checked

    # 3. compile in batches, each against its benign twin
    batches = [slots[i:i + a.batch] for i in range(0, len(slots), a.batch)]
    twin_cache = {}

    def twin_symbols(group, tag):
        twins = [(s.name, s.twin()) for s in group]
        key = tuple(re.sub(rb"h\d{5}", b"H", t) for _, t in twins)
        if key not in twin_cache:
            p, syms = compile_batch(a.topicgen, work, tag + "twin", twins, compilers)
            if p:
                return "the benign twin failed: " + p, None
            twin_cache[key] = syms
        return None, twin_cache[key]

    def check_group(group, tag):
        problem, syms = compile_batch(a.topicgen, work, tag,
                                      [(s.name, s.text()) for s in group], compilers)
        if not problem:
            problem, want = twin_symbols(group, tag)
            for cc in (syms if not problem else {}):
                if syms[cc] != want[cc]:
                    extra = sorted(k for k in syms[cc] if syms[cc][k] != want[cc].get(k))
                    missing = sorted(k for k in want[cc] if want[cc][k] != syms[cc].get(k))
                    problem = "%s: symbols differ from the benign twin: %s, missing %s" % (
                        os.path.basename(cc), extra[:10], missing[:10])
                    break
        return problem

    def settle(group, tag):
        """Mark a group's cases; a failing group is halved down to its
        culprits (a failing slot of several strings: one string each)."""
        problem = check_group(group, tag)
        if problem and os.environ.get("HOSTILE_DEBUG"):
            print("group %s (%d schemas) failed: %s" % (tag, len(group), problem[:300]))
        if not problem:
            for s in group:
                for c in s.cases:
                    c.result = "compiled"
        elif len(group) > 1:
            half = len(group) // 2
            settle(group[:half], tag + "a")
            settle(group[half:], tag + "b")
        elif len(group[0].cases) > 1:
            settle([Slot([c]) for c in group[0].cases], tag + "s")
        else:
            group[0].cases[0].result = "unsafe: " + problem

    def do_batch(i):
        if time.time() - start > a.time_limit:
            for s in batches[i]:
                for c in s.cases:
                    c.result = "skipped"
            return
        settle(batches[i], "batch%03d" % i)

    # the first batch alone: it fills the twin cache the others share
    if batches:
        do_batch(0)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        list(ex.map(do_batch, range(1, len(batches))))

    # 4. wire strings at their length limit, five of them in one enum and one
    # union: the lists in error texts must stay below 4095 bytes
    values = "".join("      V%d: %s\n" % (i, chr(97 + i) * 1024) for i in range(5))
    tags = "".join("      %s: { message: A, name: v%d }\n" % (chr(97 + i) * 1024, i)
                   for i in range(5))
    longest = ("schema: h99999\nenums:\n  E:\n    values:\n%smessages:\n  A:\n    fields: "
               "{ e: E }\nunions:\n  U:\n    discriminator: t\n    variants:\n%s" % (
                   values, tags)).encode()
    lists_problem, _ = compile_batch(a.topicgen, work, "lists", [("h99999", longest)], compilers)
    if lists_problem:
        print("UNSAFE five wire strings of 1024 bytes in one enum and union: " +
              lists_problem[:600])

    refused = sum(1 for c in cases if c.result == "refused")
    compiled = sum(1 for c in cases if c.result == "compiled")
    skipped = sum(1 for c in cases if c.result == "skipped")
    unsafe = [c for c in cases if c.result and c.result.startswith("unsafe")]
    elapsed = time.time() - start
    print("hostile: %d positions x %d strings = %d schemas' worth: %d refused with "
          "file:line:col, %d compiled (%s; %d schemas in %d compiles) with the benign twin's "
          "symbols, %d unsafe%s (%.0f s, %.0f s of it loading each alone; seed %d)" % (
              len(positions), len(cases) // max(1, len(positions)), len(cases), refused,
              compiled, " and ".join(os.path.basename(c) for c, _ in compilers), len(slots),
              len(batches), len(unsafe), ", %d skipped for time" % skipped if skipped else "",
              elapsed, t_classify, a.seed))
    for pos in positions:
        mine = [c for c in cases if c.position == pos]
        count = lambda what: sum(1 for c in mine if c.result and c.result.startswith(what))
        print("  %-20s %4d strings: %4d refused, %4d compiled, %3d unsafe" % (
            pos, len(mine), count("refused"), count("compiled"), count("unsafe")))
    for c in (unsafe if a.report else unsafe[:10]):
        print("UNSAFE %s %r: %s" % (c.position, c.value[:80], c.result[:600]))
    print("%d passed, %d failed" % (refused + compiled + (not lists_problem),
                                     len(unsafe) + bool(lists_problem)))
    if not a.report and not unsafe and not lists_problem:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if unsafe or lists_problem else 0


if __name__ == "__main__":
    sys.exit(main())
