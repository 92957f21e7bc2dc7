#!/usr/bin/env python3
"""topicgen-cat through its command line (docs/tools.md).

usage: cat_test.py TOPICGEN_CAT CAT_FILL TOPICGEN_BROKER CASE
  help          every verb's --help (exit 0, its usage) and usage errors (exit 2)
  embedded      on topicgen-broker (librdkafka's mock cluster): produce with
                refused lines, consume with bad records, dlq list/show, redrive
                by reason, by offsets and all, resuming, the progress line
  redrive_kill  on the real broker (TOPICGEN_BROKER_BOOTSTRAP_FILE): 2,000 dead
                letters (40 truncated), a redrive SIGKILLed midway, run again:
                a read_committed reader finds each untruncated letter exactly once

Every case counts what it checks and fails with the first difference."""
import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time

CAT, FILL, BROKER, CASE = sys.argv[1:5]
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        sys.exit("FAIL: " + what)


def cat(*args, stdin=None, env=None, timeout=60):
    r = subprocess.run([CAT, *args], input=stdin, capture_output=True, text=True,
                       env=env, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def lines(out):
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def fill(brokers, *args):
    r = subprocess.run([FILL, brokers, *args], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "cat_fill %s: %s" % (args, r.stderr))


# ---- help ----------------------------------------------------------------------

def case_help():
    verbs = [[], ["consume"], ["produce"], ["dlq", "list"], ["dlq", "show"],
             ["dlq", "redrive"], ["dlq"]]
    for v in verbs:
        rc, out, err = cat(*v, "--help")
        check(rc == 0, "%s --help exits 0, got %d (%s)" % (v, rc, err))
        check(out.startswith("usage: topicgen-cat " + " ".join(v[:2]).strip()),
              "%s --help starts with its usage: %r" % (v, out[:60]))
    for v in verbs[1:-1]:
        rc, out, _ = cat(*v, "--help")
        check("--brokers" in out and "-X KEY=VALUE" in out and "Exit status" in out,
              "%s --help names the common options and exit statuses" % v)
    rc, out, _ = cat("types", "--help")
    check(rc == 0 and out.startswith("usage: topicgen-cat types"), "types --help")
    rc, out, _ = cat("types")
    check(rc == 0 and "orders.OrderEvent\ttopic orders\tversion 1" in out.splitlines(),
          "types lists the linked-in types: %r" % out)
    env = dict(os.environ, TOPICGEN_BROKERS="127.0.0.1:1")
    bad = [(["nosuchverb"], "unknown verb"),
           (["consume"], "missing argument"),
           (["consume", "t", "--bogus"], "unknown option --bogus"),
           (["consume", "t", "--count", "abc"], "--count abc"),
           (["consume", "t", "--type", "Nope"], "--type Nope"),
           (["consume", "t", "--from", "yesterday"], "--from yesterday"),
           (["produce", "no.such.topic"], "has no type"),
           (["dlq", "redrive", "d"], "exactly one of"),
           (["dlq", "redrive", "d", "--all", "--reason", "x"], "exactly one of"),
           (["dlq", "redrive", "d", "--offsets", "9-3"], "--offsets 9-3"),
           (["dlq", "show", "d"], "--offset O is required"),
           (["dlq", "frobnicate"], "expected list, show or redrive"),
           (["consume", "t", "-X", "no.such.property=1"], "no.such.property")]
    for args, text in bad:
        rc, out, err = cat(*args, env=env, timeout=30)
        check(rc == 2, "%s exits 2, got %d (%s)" % (args, rc, err))
        check(text in err, "%s says %r: %r" % (args, text, err))
    e2 = dict(os.environ)
    for k in list(e2):
        if k.startswith("TOPICGEN_"):
            del e2[k]
    rc, _, err = cat("consume", "orders", env=e2)
    check(rc == 2 and "no cluster named" in err, "no cluster: exit 2 and says how: %r" % err)


# ---- embedded ------------------------------------------------------------------

ORDER = ('{"order_id":"%s","created_at":"2024-01-01T00:00:00Z","customer_name":"Ann",'
         '"line_items":[{"line_item_id":"l1","product_id":"p","product_title":"t",'
         '"quantity":1,"price":"1.00"}],"total_price":"1.00"}')


def start_broker(*topics):
    args = [BROKER, "--max-seconds", "110"]
    for t in topics:
        args += ["--topic", t]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    first = p.stdout.readline().strip()
    check(first.startswith("127.0.0.1:"), "topicgen-broker prints its address: %r" % first)
    return p, first


def produce_consume(env):
    text = "\n".join([ORDER % "a", "not json", ORDER % "b", "",
                      ORDER.replace('"quantity":1', '"quantity":0') % "c", ORDER % "d"]) + "\n"
    rc, out, err = cat("produce", "orders", stdin=text, env=env)
    check(rc == 1, "produce with refused lines exits 1, got %d: %s" % (rc, err))
    check(out.strip() == "sent 3, refused 2, failed 0", "produce counts: %r" % out)
    check("line 2: refused: $ (byte 0)" in err, "line 2 refused with path and byte: %r" % err)
    check("line 5: refused: $.line_items[0].quantity (byte " in err and
          "expected integer >= 1, got 0" in err, "line 5 refused with path and reason: %r" % err)
    rc, out, err = cat("consume", "orders", env=env)
    got = lines(out)
    check(rc == 0, "consume of valid records exits 0, got %d: %s" % (rc, err))
    check(sorted(r["value"]["order_id"] for r in got) == ["a", "b", "d"],
          "exactly the valid lines were sent: %s" % out)
    for r in got:
        check(r["key"] == r["value"]["order_id"], "key from the schema's key field")
        check(r["headers"].get("tg-schema") == "orders.OrderEvent", "topicgen headers")
        check(r["value"]["currency"] == "EUR", "value re-encoded by the generated encoder")
    rc, out, _ = cat("consume", "orders", "--count", "2", env=env)
    check(rc == 0 and len(lines(out)) == 2, "--count 2 prints 2 records")
    rc, out, _ = cat("consume", "orders", "--from", "end", env=env)
    check(rc == 0 and out == "", "--from end prints nothing without --follow")
    # --group commits: a second run of the same group starts after them.
    rc, out, _ = cat("consume", "orders", "--group", "g1", "--count", "2", env=env)
    check(rc == 0 and len(lines(out)) == 2, "group run 1 reads 2")
    rc, out2, _ = cat("consume", "orders", "--group", "g1", env=env)
    seen = [(r["partition"], r["offset"]) for r in lines(out) + lines(out2)]
    check(len(lines(out2)) == 1 and len(set(seen)) == 3,
          "group run 2 reads the third only: %s / %s" % (out, out2))


def bad_records(env, brokers):
    fill(brokers, "bad", "bad.topic")
    rc, out, err = cat("consume", "bad.topic", "--type", "orders.OrderEvent",
                       "-X", "topicgen.arena.bytes=4096", "-X", "topicgen.arena.max.bytes=8192",
                       env=env)
    got = lines(out)
    check(rc == 1, "consume with bad records exits 1, got %d" % rc)
    check([r["offset"] for r in got] == list(range(6)), "every record reported, in order: %s" % out)
    check(got[0]["value"]["order_id"] == "ok-1", "record 0 decoded")
    check("error" in got[1] and got[1]["error"]["path"] == "$", "record 1 (not JSON) is an error")
    check("schema mismatch: record has tg-schema 'billing.Invoice'" in got[2]["error"]["reason"],
          "record 2: the service's schema verdict: %s" % got[2])
    check(got[3]["headers"]["x-name"] == {"base64": "Y+lsaW5l"} and
          "offset 3: header 'x-name' is not UTF-8 (byte 1)" in err,
          "record 3: the non-UTF-8 header reported and shown as base64: %s %r" % (got[3], err))
    check("error" in got[4] and "arena" in got[4]["error"]["reason"],
          "record 4: over the arena limit, reported: %s" % got[4])
    check(got[5]["value"]["order_id"] == "ok-2", "record 5 decoded: the tool went on")
    rc, out, _ = cat("consume", "bad.topic", "--raw", env=env)
    check(rc == 1 and len(lines(out)) == 6 and lines(out)[1]["value"] == "this is not JSON",
          "--raw prints values as text (the bad header still counts)")


def dlq_verbs(env, brokers):
    fill(brokers, "dlq", "t.dlq", "t.orig", "200", "10")
    rc, out, err = cat("dlq", "list", "t.dlq", env=env)
    groups = {g["reason"]: g for g in lines(out)}
    check(rc == 0 and sorted(groups) == ["reason-A", "reason-B"], "list: two reasons: %s" % out)
    check(groups["reason-A"]["count"] == 100 and groups["reason-A"]["truncated"] == 0,
          "reason-A: 100, none truncated")
    check(groups["reason-B"]["count"] == 100 and groups["reason-B"]["truncated"] == 20,
          "reason-B: 100, 20 truncated")
    check(groups["reason-A"]["topics"] == {"t.orig": 100}, "original topic counted")
    part = int(sorted(groups["reason-A"]["dlq_offsets"])[0])
    first = groups["reason-A"]["dlq_offsets"][str(part)][0]
    rc, out, err = cat("dlq", "show", "t.dlq", "--partition", str(part), "--offset", str(first),
                       env=env)
    one = lines(out)
    check(rc == 0 and len(one) == 1, "show prints one letter: %s %s" % (out, err))
    one = one[0]
    check(one["dlq"]["reason"] == "reason-A" and one["dlq"]["topic"] == "t.orig" and
          one["dlq"]["path"] == "$.id", "show: the envelope: %s" % one)
    check("x-seq" in one["headers"] and not any(h.startswith("tg-dlq") for h in one["headers"]),
          "show: the original headers apart from the envelope")
    check(json.loads(one["value"])["id"] == int(one["headers"]["x-seq"]), "show: the value")
    rc, _, err = cat("dlq", "show", "t.dlq", "--partition", str(part), "--offset", "99999",
                     "--timeout-ms", "3000", env=env)
    check(rc == 1 and "no record" in err, "show of a missing offset exits 1: %r" % err)

    rc, out, err = cat("dlq", "redrive", "t.dlq", "--reason", "reason-A", "--group", "r1",
                       env=env)
    check(rc == 0 and out.startswith("redriven 100, truncated skipped 0"),
          "redrive by reason: %r %r" % (out, err))
    check("\r" not in err, "no progress line when stderr is not a terminal")
    rc, out, _ = cat("consume", "t.orig", "--raw", env=env)
    got = lines(out)
    check(len(got) == 100, "100 records on the original topic, got %d" % len(got))
    seqs = sorted(int(r["headers"]["x-seq"]) for r in got)
    check(seqs == list(range(0, 200, 2)), "exactly the reason-A letters")
    for r in got:
        h = r["headers"]
        check(not any(k.startswith("tg-dlq") for k in h), "envelope removed")
        check(h["tg-redriven-from"].startswith("t.dlq/"), "tg-redriven-from set")
        check(r["key"] == "k" + h["x-seq"] and json.loads(r["value"])["id"] == int(h["x-seq"]),
              "original key and value")
    rc, out, err = cat("dlq", "redrive", "t.dlq", "--all", "--group", "r2", env=env)
    check(rc == 1 and out.startswith("redriven 180, truncated skipped 20, not dead letters 0"),
          "redrive --all skips the 20 truncated (exit 1): %r" % out)
    check(err.count("NOT redriven") == 20, "each truncated letter reported")
    # Resuming (the same group again sends nothing) is checked on the real
    # broker only (redrive_kill): librdkafka 2.0.2's mock cluster does not keep
    # the offsets a transaction commits (TxnOffsetCommit), so a second run
    # there starts from the beginning again.
    rc, out, _ = cat("dlq", "redrive", "t.dlq", "--offsets", "0-4", "--partition", str(part),
                     "--group", "r3", env=env)
    check(out.startswith("redriven "), "redrive by offsets runs: %r" % out)
    n_off = int(out.split()[1].rstrip(","))
    check(1 <= n_off <= 5, "redrive --offsets 0-4 sends at most 5: %r" % out)
    tty = on_terminal(env, "dlq", "redrive", "t.dlq", "--all", "--group", "r4")
    check(b"\rredrive t.dlq: 180 redriven, 20 truncated skipped" in tty.replace(b"\x1b[K", b""),
          "redrive: progress line on a terminal: %r" % tty[-200:])
    tty = on_terminal(env, "consume", "t.orig", "--raw", "--count", "5")
    check(b"\rconsume t.orig: 5 of 5 records" in tty.replace(b"\x1b[K", b""),
          "consume --count: progress line on a terminal: %r" % tty[-200:])
    rc, _, err = cat("consume", "t.orig", "--raw", "--count", "5", env=env)
    check(rc == 0 and "\r" not in err and "of 5 records" not in err,
          "consume --count: no progress line when stderr is piped: %r" % err)


def on_terminal(env, *args):
    """Run topicgen-cat with stderr on a pseudo-terminal (read as it is written,
    so the terminal never fills up); what it wrote there."""
    master, slave = pty.openpty()
    got = []

    def drain():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            got.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    p = subprocess.Popen([CAT, *args], stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    p.communicate(timeout=60)
    reader.join(timeout=10)
    os.close(master)
    return b"".join(got)


def case_embedded():
    proc, brokers = start_broker("orders:2", "bad.topic:1", "t.dlq:2", "t.orig:2")
    env = dict(os.environ, TOPICGEN_BROKERS=brokers)
    try:
        produce_consume(env)
        bad_records(env, brokers)
        dlq_verbs(env, brokers)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# ---- redrive_kill (real broker) ------------------------------------------------

def create_topic(bootstrap_file, name, parts):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                          "kafka-broker.sh")
    if not os.path.exists(os.path.join(os.path.dirname(bootstrap_file), "pid")):
        return  # an external cluster: auto-created topics
    r = subprocess.run(["bash", script, "create-topic", os.path.dirname(bootstrap_file), name,
                        str(parts)], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "create-topic %s: %s" % (name, r.stderr))


def committed(env, topic):
    rc, out, err = cat("consume", topic, "--raw", env=env, timeout=120)
    check(rc == 0, "consume %s: %d %s" % (topic, rc, err))
    return lines(out)


def case_redrive_kill():
    bootstrap_file = os.environ["TOPICGEN_BROKER_BOOTSTRAP_FILE"]
    brokers = open(bootstrap_file).readline().strip()
    env = dict(os.environ, TOPICGEN_BROKERS=brokers)
    tag = "%d%d" % (os.getpid(), int(time.time()))
    dlq, orig = "cat.kill.%s.dlq" % tag, "cat.kill.%s" % tag
    n, every = 2000, 50
    truncated = {i for i in range(n) if i % every == every - 1}
    expected = set(range(n)) - truncated
    create_topic(bootstrap_file, dlq, 3)
    create_topic(bootstrap_file, orig, 3)
    fill(brokers, "dlq", dlq, orig, str(n), str(every))
    letters = {(r["partition"], r["offset"]): int(r["headers"]["x-seq"])
               for r in committed(env, dlq)}
    check(len(letters) == n, "the DLQ holds %d letters, got %d" % (n, len(letters)))

    started = time.time()
    p = subprocess.Popen([CAT, "dlq", "redrive", dlq, "--all", "--batch", "50", "--rate", "400"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen = 0
    while time.time() - started < 60 and p.poll() is None:
        seen = len(committed(env, orig))
        if seen >= 300:
            break
        time.sleep(0.2)
    check(p.poll() is None, "the redrive was still running when killed (saw %d)" % seen)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    check(p.returncode == -signal.SIGKILL, "the redrive died of SIGKILL: %d" % p.returncode)
    after_kill = committed(env, orig)
    c1 = len(after_kill)
    check(300 <= c1 < len(expected), "killed midway: %d of %d committed" % (c1, len(expected)))

    rc, out, err = cat("dlq", "redrive", dlq, "--all", "--batch", "50", env=env, timeout=120)
    check(rc == 1, "the second run exits 1 (truncated letters skipped): %d %s" % (rc, err))
    r2 = int(out.split()[1].rstrip(","))
    check(r2 == len(expected) - c1, "the second run sends exactly the rest: %d + %d != %d"
          % (c1, r2, len(expected)))
    final = committed(env, orig)
    seqs = [int(r["headers"]["x-seq"]) for r in final]
    dups = len(seqs) - len(set(seqs))
    lost = expected - set(seqs)
    check(dups == 0, "0 duplicates, got %d" % dups)
    check(not lost, "0 lost, got %d" % len(lost))
    check(set(seqs) == expected, "no truncated letter redriven")
    froms = set()
    for r in final:
        _, part, off = r["headers"]["tg-redriven-from"].rsplit("/", 2)
        froms.add((int(part), int(off)))
        check(letters[(int(part), int(off))] == int(r["headers"]["x-seq"]),
              "tg-redriven-from names the letter's own DLQ partition and offset")
    check(len(froms) == len(final), "each DLQ letter redriven once")
    print("redrive_kill: %d letters (%d truncated), killed after %d committed, second run %d, "
          "final %d, 0 lost, 0 duplicates, %.1f s" % (n, len(truncated), c1, r2, len(final),
                                                        time.time() - started))


{"help": case_help, "embedded": case_embedded, "redrive_kill": case_redrive_kill}[CASE]()
print("%s: %d checks passed" % (CASE, checks))
