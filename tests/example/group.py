#!/usr/bin/env python3
"""group.py: a consumer group whose members join and leave during the run,
against the real broker of the ctest fixture (example_group_kafka).

    group.py PUBLISHER STORE KAFKA_BROKER_SH

A fresh topic with PARTS=6 partitions.  orders_store member A starts, the
publisher produces N orders (POISON of them poison) while A runs, then,
each step once the stored total (the members' --ids-out lines) passed a
share of N and the member concerned did some work:

    B joins; C joins; B leaves (SIGTERM, must exit 0 after a clean
    shutdown); C is SIGKILLed and D joins at once; A leaves (SIGTERM);
    D, the final member, finishes on its own after --idle-ms.

Every member is slowed to DELAY_MS per message and commits every COMMIT_MS;
every process is bounded (--max-seconds, timeouts here) and killed on exit.
Asserts, and prints:
  - produced N (every delivery confirmed);
  - lost 0: the union of all members' stored ids is exactly the N - POISON
    good orders, and every (partition, offset) of the topic was stored or
    is one of the POISON dead-lettered ones;
  - dead-lettered = POISON: "<topic>.dlq" received copies of exactly the
    poison orders (by key; a copy may repeat after the SIGKILL), and the
    final member's committed offsets add up to N with every offset below
    them stored except POISON;
  - duplicates (stored lines minus the union) <= BOUND, derived from the
    at-least-once contract (docs/runtime.md): a message is handled again
    only if it was handled but not committed when its partition moved.  A
    member handles messages one at a time, so since its last successful
    commit it handled at most W = ceil((COMMIT_MS + 500) / DELAY_MS) + 1
    messages (commit interval, 500 ms for the commit's round trip, the one
    in progress).  The SIGKILL can re-deliver at most W; each rebalance at
    most W per member that gave partitions away (a revoke commit may fail,
    e.g. REBALANCE_IN_PROGRESS); so BOUND = W * (1 + sum over the
    rebalances of the members that gave up partitions), with the rebalances
    counted from the members' "partitions revoked" log lines.  Also: every
    hand-over of a partition re-delivers at most W messages, and only a
    tail of what the previous owner handled (no holes);
  - no partition is processed by two members at once: with --trace-out each
    member writes "member partition offset t_start_ns t_end_ns" per stored
    message (CLOCK_MONOTONIC, system-wide); for every partition, intervals of
    different members never overlap.  (A SIGKILLed member's message in
    progress has no trace line; it ended at the kill, and its partitions
    moved only after session.timeout.ms.)
"""
import atexit
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

N = 3000
POISON = 6
PARTS = 6
DELAY_MS = 15
COMMIT_MS = 1000
RTT_MS = 500
TEST_BUDGET_S = 120          # the whole run, as a hard stop (ctest TIMEOUT 180)
W = math.ceil((COMMIT_MS + RTT_MS) / DELAY_MS) + 1

T0 = time.monotonic()
procs = {}                   # name -> Popen of every process still to reap


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def cleanup():
    for name, p in list(procs.items()):
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        procs.pop(name, None)


class Member:
    def __init__(self, name, work, store, common, idle_ms):
        self.name = name
        self.ids = os.path.join(work, f"ids.{name}")
        self.trace = os.path.join(work, f"trace.{name}")
        self.out = os.path.join(work, f"{name}.out")
        self.err = os.path.join(work, f"{name}.err")
        open(self.ids, "w").close()
        open(self.trace, "w").close()
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen(
                [store, *common, "--ids-out", self.ids, "--trace-out", self.trace,
                 "--idle-ms", str(idle_ms)], stdout=out, stderr=err)
        procs[name] = self.proc
        self.rc = None
        log(f"member {name} started (pid {self.proc.pid})")

    def stored(self):
        with open(self.ids, "rb") as f:
            return f.read().count(b"\n")

    def alive(self):
        return self.proc.poll() is None

    def wait(self, timeout):
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.show()
            fail(f"member {self.name} did not exit within {timeout}s")
        procs.pop(self.name, None)
        return self.rc

    def text(self, which):
        with open(self.out if which == "out" else self.err, errors="replace") as f:
            return f.read()

    def show(self):
        sys.stderr.write(f"---- member {self.name} stdout\n{self.text('out')}"
                         f"---- member {self.name} stderr (last 30 lines)\n"
                         + "".join(self.text("err").splitlines(True)[-30:]))


def wait_for(what, cond, members, timeout):
    """Poll cond() every 50 ms; fail after timeout s or if a member died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        for m in members:
            if not m.alive():
                m.show()
                fail(f"member {m.name} exited (status {m.proc.returncode}) while waiting for {what}")
        time.sleep(0.05)
    fail(f"timed out after {timeout}s waiting for {what}")


def read_dlq(store, brokers, topic):
    """The keys of the messages in the dead-letter topic."""
    r = subprocess.run([store, "--brokers", brokers, "--read-dlq", "--topic", topic],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail(f"reading {topic} failed: {r.stderr}")
    keys = re.findall(r"^dlq-message: .* key=(\S*) reason=", r.stdout, re.M)
    return keys


def parse_trace(members):
    """[(member, partition, offset, t_start, t_end)] of all members."""
    rows = []
    for m in members:
        with open(m.trace) as f:
            for line in f:
                pid, part, off, t1, t2 = line.split()
                if int(pid) != m.proc.pid:
                    fail(f"trace of {m.name} holds pid {pid}")
                rows.append((m.name, int(part), int(off), int(t1), int(t2)))
    return rows


def check_overlap(rows):
    """Per partition, no interval of one member overlaps one of another.
    Returns ([violation text], smallest gap in ns between intervals of
    different members on one partition, or None)."""
    by_part = defaultdict(list)
    for r in rows:
        by_part[r[1]].append(r)
    bad, worst = [], None
    for part, rs in sorted(by_part.items()):
        rs.sort(key=lambda r: r[3])
        last_end = {}                       # member -> latest t_end so far
        for name, _, off, t1, t2 in rs:
            if t2 < t1:
                bad.append(f"partition {part} offset {off}: end before start")
            for other, end in last_end.items():
                if other == name:
                    continue
                if end > t1:
                    bad.append(f"partition {part}: {name} started offset {off} while {other} "
                               f"was still processing: {(end - t1) / 1e6:.3f} ms overlap")
                worst = t1 - end if worst is None or t1 - end < worst else worst
            last_end[name] = max(t2, last_end.get(name, t2))
    return bad, worst


def handovers(rows):
    """Per partition, the ownership stints (runs of one member, by start
    time); for each change of owner: (partition, from, to, re-delivered,
    holes) where re-delivered = the previous stint's offsets >= the first
    offset of the next one, and holes = offsets skipped between them."""
    by_part = defaultdict(list)
    for r in rows:
        by_part[r[1]].append(r)
    result = []
    for part, rs in sorted(by_part.items()):
        rs.sort(key=lambda r: r[3])
        stints = []
        for name, _, off, _, _ in rs:
            if stints and stints[-1][0] == name:
                stints[-1][1].append(off)
            else:
                stints.append((name, [off]))
        for (a, offs_a), (b, offs_b) in zip(stints, stints[1:]):
            first_b = offs_b[0]
            redelivered = sum(1 for o in offs_a if o >= first_b)
            tail_ok = all(o >= first_b for o in offs_a[len(offs_a) - redelivered:])
            result.append((part, a, b, redelivered, tail_ok, first_b, max(offs_a)))
    return result


def rebalances(members):
    """Rebalances, from the runtime's "partitions revoked" log lines (the
    default protocol is eager: every rebalance revokes every member's
    assignment).  The last revocation of a member that shut down cleanly is
    its own close (the rebalance it causes shows in the others' lines);
    revocations within 2 s of each other are one rebalance.  Returns
    [(wall_ms, {member: partitions revoked})]."""
    events = []
    pat = re.compile(r'^ts=(\S+) .*msg="partitions revoked" partitions=(\d+)', re.M)
    for m in members:
        found = pat.findall(m.text("err"))
        if m.rc == 0 and found:
            found.pop()
        for ts, n in found:
            t = time.mktime(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(ts[20:23])
            events.append((t, m.name, int(n)))
    events.sort()
    groups = []
    for t, name, n in events:
        if groups and t - groups[-1][1] <= 2000:
            groups[-1][1] = t
            groups[-1][2][name] = groups[-1][2].get(name, 0) + n
        else:
            groups.append([t, t, {name: n}])
    return [(g[0], g[2]) for g in groups]


def on_alarm(sig, _frame):
    raise SystemExit(f"FAIL: stopped by signal {sig} (budget {TEST_BUDGET_S}s)")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    pub, store, kafka_sh = sys.argv[1:]
    bootstrap_file = os.environ.get("TOPICGEN_BROKER_BOOTSTRAP_FILE")
    if not bootstrap_file:
        fail("TOPICGEN_BROKER_BOOTSTRAP_FILE is not set (the ctest fixture sets it)")
    with open(bootstrap_file) as f:
        brokers = f.readline().strip()
    broker_dir = os.path.dirname(bootstrap_file)
    stamp = f"{int(time.time())}-{os.getpid()}"
    topic, group = f"example-group-{stamp}", f"example-group-{stamp}"
    dlq_topic = topic + ".dlq"      # the runtime's DLQ for a topic not the schema's own
    # The checker itself must see an overlap (X still on partition 0 when Y starts).
    if not check_overlap([("X", 0, 1, 10, 30), ("Y", 0, 2, 20, 40)])[0] \
            or check_overlap([("X", 0, 1, 10, 20), ("Y", 0, 2, 20, 40)])[0]:
        fail("check_overlap does not work")
    work = tempfile.mkdtemp(prefix="tg-example-group.")
    if os.environ.get("TG_KEEP_WORK"):
        print(f"work folder {work} (kept)")
    else:
        atexit.register(shutil.rmtree, work, True)
    signal.signal(signal.SIGTERM, on_alarm)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_BUDGET_S)

    subprocess.run([kafka_sh, "create-topic", broker_dir, topic, str(PARTS)], check=True,
                   timeout=120)
    subprocess.run([kafka_sh, "create-topic", broker_dir, dlq_topic, "1"], check=True,
                   timeout=120)
    log(f"brokers {brokers}, topic {topic} ({PARTS} partitions), group {group}")
    t_start = time.monotonic()

    common = ["--brokers", brokers, "--topic", topic, "--group", group,
              "--delay-ms", str(DELAY_MS), "--commit-interval-ms", str(COMMIT_MS),
              "--max-seconds", "90"]
    members = []

    def member(name, idle_ms=60000):
        m = Member(name, work, store, common, idle_ms)
        members.append(m)
        return m

    def total():
        return sum(m.stored() for m in members)

    def terminate(m):
        log(f"SIGTERM {m.name} (stored {m.stored()})")
        m.proc.send_signal(signal.SIGTERM)
        rc = m.wait(30)
        if rc != 0 or "stop: signal" not in m.text("out"):
            m.show()
            fail(f"member {m.name} did not shut down cleanly on SIGTERM (exit {rc})")
        log(f"member {m.name} left: " + m.text("out").strip().replace("\n", " | "))

    a = member("A")
    with open(os.path.join(work, "pub.out"), "w") as pout, \
            open(os.path.join(work, "pub.err"), "w") as perr:
        publisher = subprocess.Popen([pub, "--brokers", brokers, "--topic", topic,
                                      "--count", str(N), "--poison", str(POISON)],
                                     stdout=pout, stderr=perr)
    procs["publisher"] = publisher

    wait_for("10% stored", lambda: total() >= N // 10, [a], 40)
    b = member("B")
    wait_for("25% stored and B working", lambda: total() >= N // 4 and b.stored() >= 50,
             [a, b], 40)
    c = member("C")
    wait_for("45% stored and C working",
             lambda: total() >= N * 45 // 100 and c.stored() >= 50, [a, b, c], 40)
    terminate(b)
    c_before = c.stored()
    wait_for("60% stored and C working again",
             lambda: total() >= N * 60 // 100 and c.stored() >= c_before + 50, [a, c], 40)
    log(f"SIGKILL C (stored {c.stored()})")
    c.proc.kill()
    c.wait(10)
    t_kill = time.monotonic_ns()     # C surely processed nothing after this
    d = member("D", idle_ms=10000)
    wait_for("85% stored and D working", lambda: total() >= N * 85 // 100 and d.stored() >= 50,
             [a, d], 40)
    terminate(a)
    log("waiting for D to finish (idle 10 s)")
    if d.wait(60) != 0:
        d.show()
        fail(f"member D exited with {d.rc}")
    log("member D finished: " + d.text("out").strip().replace("\n", " | "))
    try:
        publisher.wait(timeout=30)
    except subprocess.TimeoutExpired:
        fail("the publisher did not finish")
    procs.pop("publisher", None)
    with open(os.path.join(work, "pub.out")) as f:
        pub_out = f.read().strip()
    elapsed = time.monotonic() - t_start

    # ---- checks -------------------------------------------------------------
    print(pub_out)
    if publisher.returncode != 0 or not pub_out.startswith(f"published: {N} delivered, 0 failed"):
        fail(f"not every order was delivered: {pub_out}")

    poison_idx = [i for i in range(1, N + 1) if (i * POISON) // N != ((i - 1) * POISON) // N]
    poison_ids = {f"ord-{i:07d}" for i in poison_idx}
    good_ids = {f"ord-{i:07d}" for i in range(1, N + 1)} - poison_ids
    lines, stored_ids, stored_offsets = 0, set(), set()
    per_member = {}
    for m in members:
        with open(m.ids) as f:
            rows = [line.split() for line in f]
        per_member[m.name] = len(rows)
        lines += len(rows)
        for oid, part, off in rows:
            stored_ids.add(oid)
            stored_offsets.add((int(part), int(off)))
    lost = good_ids - stored_ids
    extra = stored_ids - good_ids
    dups = lines - len(stored_ids)

    new_dlq = read_dlq(store, brokers, dlq_topic)
    dead = set(new_dlq)
    final = re.search(r"^stored: .*committed offsets:(.*)$", d.text("out"), re.M)
    committed = {int(p): int(o) for p, o in re.findall(r"\[(\d+)\]=(-?\d+)",
                                                        final.group(1) if final else "")}

    rows = parse_trace(members)
    traced_offsets = {(r[1], r[2]) for r in rows}
    # C's message in progress at the SIGKILL left no trace line: it ran at
    # most from C's last trace line to the kill, on a partition C owned then
    # (those whose last interval before the kill is C's).
    c_end = max((r[4] for r in rows if r[0] == "C"), default=t_kill)
    c_parts = []
    for part in range(PARTS):
        before = [r for r in rows if r[1] == part and r[3] < t_kill]
        if before and max(before, key=lambda r: r[3])[0] == "C":
            c_parts.append(part)
    resumed = {part: min((r[3] for r in rows if r[1] == part and r[3] >= t_kill), default=None)
               for part in c_parts}
    bad, min_gap = check_overlap(rows + [("C", part, -1, c_end, t_kill) for part in c_parts])
    hand = handovers(rows)
    rbs = rebalances(members)
    bound = W * (1 + len(rbs))
    kill_dups = sum(h[3] for h in hand if h[1] == "C")

    print(f"members (stored lines): " + ", ".join(f"{k}={v}" for k, v in per_member.items()))
    print(f"rebalances: {len(rbs)}; partitions revoked per rebalance: "
          + "; ".join(",".join(f"{k}:{v}" for k, v in sorted(g.items())) for _, g in rbs))
    for part, frm, to, red, tail_ok, first, last in hand:
        print(f"hand-over partition {part}: {frm} -> {to} at offset {first} "
              f"({frm} had reached {last}): {red} re-delivered")
    print(f"final committed offsets (D): {sorted(committed.items())}, sum "
          f"{sum(committed.values())}")
    print(f"produced {N}, stored {len(stored_ids)} (expected {N - POISON}), dead-lettered "
          f"{len(dead & poison_ids)} (expected {POISON}; {dlq_topic} holds {len(new_dlq)}), "
          f"lost {len(lost)}, duplicates {dups} ({kill_dups} after the SIGKILL, "
          f"{dups - kill_dups} at the other hand-overs; bound {bound} = W {W} x (1 SIGKILL + "
          f"{len(rbs)} rebalances), W = ceil(({COMMIT_MS} + {RTT_MS}) / {DELAY_MS}) + 1)")
    print("after the SIGKILL, C's partitions resumed: " + ", ".join(
        f"{part} after {(t - t_kill) / 1e9:.1f} s" if t else f"{part} never"
        for part, t in resumed.items()))
    print(f"overlap check: {len(rows)} traced intervals on {PARTS} partitions, "
          f"{len(bad)} overlapping; closest gap between two members on a partition "
          f"{min_gap / 1e6 if min_gap is not None else float('nan'):.1f} ms")
    if bad:
        fail("a partition was processed by two members at once:\n  " + "\n  ".join(bad[:10]))

    if lost:
        fail(f"lost {len(lost)} orders, e.g. {sorted(lost)[:5]}")
    if extra:
        fail(f"stored orders that are poison or unknown: {sorted(extra)[:5]}")
    if traced_offsets != stored_offsets:
        fail("--trace-out and --ids-out disagree")
    # Everything below the final committed offsets was stored, but the poison.
    if sorted(committed) != list(range(PARTS)) or sum(committed.values()) != N:
        fail(f"final committed offsets {committed} do not add up to {N}")
    unstored = sum(1 for p, end in committed.items() for o in range(end)
                   if (p, o) not in stored_offsets)
    beyond = [(p, o) for p, o in stored_offsets if o >= committed[p]]
    if unstored != POISON or beyond:
        fail(f"{unstored} offsets below the committed ones were not stored (expected the "
             f"{POISON} poison), {len(beyond)} stored beyond them")
    if dead != poison_ids:
        fail(f"{dlq_topic} received {sorted(dead)}, expected the poison orders "
             f"{sorted(poison_ids)}")
    for part, frm, to, red, tail_ok, first, last in hand:
        if red > W or not tail_ok:
            fail(f"partition {part}: hand-over {frm} -> {to} re-delivered {red} messages "
                 f"(tail: {tail_ok}), at most the last {W} may come again")
    if dups > bound:
        fail(f"{dups} duplicates exceed the bound {bound}")
    if len(rbs) < 4:
        fail(f"only {len(rbs)} rebalances seen: the membership changes did not happen")
    if elapsed > 90:
        fail(f"took {elapsed:.0f}s, budget 90s")
    print(f"PASS: group of joining/leaving members: produced {N}, stored {len(stored_ids)}, "
          f"dead-lettered {POISON}, lost 0, duplicates {dups} <= {bound}, "
          f"{len(rbs)} rebalances, no concurrent processing of a partition, {elapsed:.0f}s")


if __name__ == "__main__":
    try:
        main()
    finally:
        cleanup()
