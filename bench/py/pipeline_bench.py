#!/usr/bin/env python3
"""Python pipeline: confluent-kafka + msgspec doing the typed job.

    pipeline_bench.py --pipeline-bin build/bench/pipeline_bench \
                      --codec-bin build/bench/codec_bench [--messages N]
                      [--lat-messages N] [--lat-rate R] [--rounds R]

Same job and settings as bench/pipeline_bench.c: the orders5 corpus (seed
42) as msgspec Structs, msgspec-encoded and produced with the same headers
(acks=all, idempotence, lz4, linger.ms=5), consumed with manual offset
storage and commits (every 5 s and at the end), each value decoded and
validated with msgspec into OrderEvent and handed to a handler.  The broker
is a librdkafka mock cluster served by `pipeline_bench --serve-mock` (the
confluent-kafka wheel bundles its own librdkafka; its version is printed).
Output: "pipeline" lines in the C benchmark's format.

As in the C benchmark (see its header comment): the clocks start after a
warm-up message went through the pipeline; the mock cluster keeps only the
newest 5 MiB of a partition's log, so the producer stays at most --window
messages (default: ~4 MiB of lz4 record batches) ahead of the consumer; an
offset gap (messages the broker deleted) fails the run at once, and a
watchdog fails the process (exit 2) when the consumer makes no progress for
--stall-s seconds or a run or its teardown overruns its deadline.
"""
import argparse
import os
import resource
import statistics
import struct
import subprocess
import sys
import threading
import time

import msgspec
from confluent_kafka import Consumer, Producer, libversion

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from codec_bench import OrderEvent  # noqa: E402  (the same Struct types)

FETCH = {"fetch.wait.max.ms": 10, "max.partition.fetch.bytes": 16777216}


class Watchdog:
    """Bounds every wait: fails the process with the phase and the counts."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = None
        self.progress = None  # callable -> (consumed, sent, n, topic)
        self.since = self.deadline = self.limit = 0.0
        self.seen = None
        threading.Thread(target=self.loop, daemon=True).start()

    def set(self, phase, limit, total=None, progress=None):
        with self.lock:
            self.phase, self.progress, self.limit = phase, progress, limit
            self.since = time.monotonic()
            self.deadline = self.since + (total if total is not None else limit)
            self.seen = progress()[0] if progress else None

    def loop(self):
        while True:
            time.sleep(0.1)
            with self.lock:
                if not self.phase:
                    continue
                t = time.monotonic()
                counts = self.progress() if self.progress else None
                if counts and counts[0] != self.seen:
                    self.seen, self.since = counts[0], t
                if t - self.since > self.limit or t > self.deadline:
                    why = ("run deadline passed" if t > self.deadline
                           else "no progress for %g s" % self.limit)
                    if counts:
                        why += " (topic %s: %d of %d messages consumed, %d sent)" % (
                            counts[3], counts[0], counts[2], counts[1])
                    sys.stderr.write("pipeline_bench.py: FAILED: %s: %s\n" % (self.phase, why))
                    sys.stderr.flush()
                    sys.stdout.flush()
                    os._exit(2)


WATCHDOG = None


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one_run(bootstrap, objs, n, rate, tag, window, stall_s):
    topic = "py.bench.%s" % tag
    enc = msgspec.json.Encoder()
    dec = msgspec.json.Decoder(OrderEvent)
    cons = Consumer(dict(FETCH, **{"bootstrap.servers": bootstrap, "group.id": "py-" + tag,
                                   "enable.auto.commit": False, "enable.auto.offset.store": False,
                                   "auto.offset.reset": "earliest", "log_level": 3}))
    WATCHDOG.set("setting up %s" % topic, 90)
    cons.subscribe([topic])
    # Create the topic (mock clusters auto-create on produce/metadata) and
    # wait for the assignment before producing.
    prod = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                     "compression.type": "lz4", "linger.ms": 5, "log_level": 3})
    prod.list_topics(topic, timeout=10)
    deadline = time.time() + 60
    while not cons.assignment() and time.time() < deadline:
        cons.poll(0.1)
    if not cons.assignment():
        sys.stderr.write("pipeline_bench.py: FAILED: %s: no assignment within 60 s\n" % topic)
        os._exit(1)  # not through the clients' destructors, which may wait
    state = {"t0": 0.0, "c0": 0.0, "sent": 0, "got": 0, "warm": False}

    def send(m):
        ts = struct.pack("<Q", time.monotonic_ns())
        headers = [("content-type", b"application/json"), ("tg-schema", b"orders.OrderEvent"),
                   ("tg-schema-version", b"1"), ("bench-ts", ts)]
        while True:
            try:
                prod.produce(topic, enc.encode(m), m.order_id.encode(), headers=headers)
                break
            except BufferError:
                prod.poll(0.001)
        prod.poll(0)

    def produce():
        # Warm-up, as in the C benchmark: one message through the whole
        # pipeline before the clocks start (the consumer is then fetching).
        send(objs[0])
        if prod.flush(10) != 0:
            sys.stderr.write("pipeline_bench.py: FAILED: %s: warm-up flush timed out\n" % topic)
            os._exit(2)
        while not state["warm"]:
            prod.poll(0.0002)  # bounded by the watchdog
        state["t0"], state["c0"] = time.perf_counter(), cpu_s()
        t_start = state["t0"]
        for i in range(n):
            if rate:
                due = t_start + i / rate
                while time.perf_counter() < due:
                    time.sleep(0.00005)
            while window and i >= state["got"] + window:
                prod.poll(0.0002)  # the mock's log retention: see the module comment
            send(objs[i % len(objs)])
            state["sent"] = i + 1
        if prod.flush(60) != 0:
            sys.stderr.write("pipeline_bench.py: FAILED: %s: flush timed out\n" % topic)
            os._exit(2)

    th = threading.Thread(target=produce, daemon=True)
    th.start()
    lat = []
    got = 0
    nbytes = 0
    next_off = {}
    last_commit = time.time()
    t_end = c_end = None
    WATCHDOG.set("consuming %s" % topic, stall_s, 120 + n / 1000,
                 lambda: (state["got"], state["sent"], n,
                          topic + ("" if state["warm"] else ", warm-up not consumed")))
    while got < n:
        msg = cons.poll(0.1)
        if msg is None or msg.error():
            continue
        part, off = msg.partition(), msg.offset()
        if next_off.get(part, 0) < off:  # a new topic: every partition starts at 0
            sys.stderr.write("pipeline_bench.py: FAILED: %s [%d]: offsets %d..%d never arrived "
                             "(the broker no longer had them; the mock cluster keeps only the "
                             "newest 5 MiB per partition, see --window)\n"
                             % (topic, part, next_off[part], off - 1))
            sys.stderr.flush()
            os._exit(1)  # not through the clients' destructors, which may wait
        next_off[part] = max(next_off.get(part, 0), off + 1)
        obj = dec.decode(msg.value())  # validated OrderEvent
        if not state["warm"]:  # the warm-up message: not counted
            cons.store_offsets(msg)
            state["warm"] = True
            continue
        nbytes += len(msg.value())
        assert obj.line_items
        for k, v in msg.headers() or ():
            if k == "bench-ts":
                lat.append(time.monotonic_ns() - struct.unpack("<Q", v)[0])
        cons.store_offsets(msg)
        got += 1
        state["got"] = got
        if got == n:
            t_end, c_end = time.perf_counter(), cpu_s()
        if time.time() - last_commit > 5:
            cons.commit(asynchronous=True)
            last_commit = time.time()
    WATCHDOG.set("joining the producer of %s" % topic, 90)
    th.join()
    WATCHDOG.set("final commit and close of %s" % topic, 60)
    cons.commit(asynchronous=False)
    cons.close()
    WATCHDOG.set(None, 0)
    lat.sort()
    dt = t_end - state["t0"]
    return dict(msgs_s=n / dt, mb_s=nbytes / dt / 1e6, p50=lat[len(lat) // 2] / 1e3,
                p99=lat[len(lat) * 99 // 100] / 1e3, cpu=(c_end - state["c0"]) / n * 1e6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pipeline-bin", required=True)
    ap.add_argument("--codec-bin", required=True)
    ap.add_argument("--messages", type=int, default=50000)
    ap.add_argument("--lat-messages", type=int, default=5000)
    ap.add_argument("--lat-rate", type=float, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--window", type=int, default=-1,
                    help="max messages sent ahead of the consumer (default: ~4 MiB of batches)")
    ap.add_argument("--stall-s", type=float, default=30)
    a = ap.parse_args()
    global WATCHDOG
    WATCHDOG = Watchdog()

    corpus = subprocess.run([a.codec_bin, "--dump", "orders5", "--count", "1000", "--seed", "42"],
                            check=True, capture_output=True).stdout.splitlines()
    dec = msgspec.json.Decoder(OrderEvent)
    objs = [dec.decode(line) for line in corpus if line]
    window = a.window
    if window < 0:  # as the C benchmark: ~4 MiB of lz4 record batches
        avg = sum(len(line) for line in corpus if line) / len(objs)
        window = int(4 * 1024 * 1024 / ((avg + 100) / 2))
    server = subprocess.Popen([a.pipeline_bin, "--serve-mock", "1800"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=dict(os.environ, BENCH_SERVE_STDIN="1"))
    try:
        bootstrap = server.stdout.readline().decode().strip()
        if not bootstrap.startswith("127.0.0.1:"):
            raise SystemExit("pipeline_bench.py: mock cluster not on 127.0.0.1: %r" % bootstrap)
        print("pipeconf\tpython\tconfluent-kafka with its bundled librdkafka %s, msgspec %s, "
              "%d messages per throughput run" % (libversion()[0], msgspec.__version__, a.messages))
        sys.stdout.flush()
        runs = []
        for k in range(a.rounds):
            t = one_run(bootstrap, objs, a.messages, 0, "t%d" % k, window, a.stall_s)
            l = one_run(bootstrap, objs, a.lat_messages, a.lat_rate, "l%d" % k, window, a.stall_s)
            t["p50"], t["p99"] = l["p50"], l["p99"]
            print("pipeline_bench.py: round %d: %.0f msgs/s" % (k, t["msgs_s"]), file=sys.stderr)
            runs.append(t)
        runs.sort(key=lambda x: x["msgs_s"])
        m = runs[len(runs) // 2]
        print("pipeline\tconfluent-kafka + msgspec (Python)\t%d\t%.0f\t%.1f\t%.0f\t%.0f\t%.2f" % (
            a.messages, m["msgs_s"], m["mb_s"], m["p50"], m["p99"], m["cpu"]))
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
