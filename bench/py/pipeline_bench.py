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


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one_run(bootstrap, objs, n, rate, tag):
    topic = "py.bench.%s" % tag
    enc = msgspec.json.Encoder()
    dec = msgspec.json.Decoder(OrderEvent)
    cons = Consumer(dict(FETCH, **{"bootstrap.servers": bootstrap, "group.id": "py-" + tag,
                                   "enable.auto.commit": False, "enable.auto.offset.store": False,
                                   "auto.offset.reset": "earliest", "log_level": 3}))
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
        raise SystemExit("pipeline_bench.py: no assignment")
    state = {"t0": 0.0, "c0": 0.0}

    def produce():
        state["t0"], state["c0"] = time.perf_counter(), cpu_s()
        t_start = time.perf_counter()
        for i in range(n):
            if rate:
                due = t_start + i / rate
                while time.perf_counter() < due:
                    time.sleep(0.00005)
            m = objs[i % len(objs)]
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
        prod.flush(60)

    th = threading.Thread(target=produce)
    th.start()
    lat = []
    got = 0
    nbytes = 0
    last_commit = time.time()
    deadline = time.time() + 600
    t_end = c_end = None
    while got < n and time.time() < deadline:
        msg = cons.poll(0.1)
        if msg is None or msg.error():
            continue
        obj = dec.decode(msg.value())  # validated OrderEvent
        nbytes += len(msg.value())
        assert obj.line_items
        for k, v in msg.headers() or ():
            if k == "bench-ts":
                lat.append(time.monotonic_ns() - struct.unpack("<Q", v)[0])
        cons.store_offsets(msg)
        got += 1
        if got == n:
            t_end, c_end = time.perf_counter(), cpu_s()
        if time.time() - last_commit > 5:
            cons.commit(asynchronous=True)
            last_commit = time.time()
    th.join()
    if got < n:
        raise SystemExit("pipeline_bench.py: only %d of %d messages arrived" % (got, n))
    cons.commit(asynchronous=False)
    cons.close()
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
    a = ap.parse_args()

    corpus = subprocess.run([a.codec_bin, "--dump", "orders5", "--count", "1000", "--seed", "42"],
                            check=True, capture_output=True).stdout.splitlines()
    dec = msgspec.json.Decoder(OrderEvent)
    objs = [dec.decode(line) for line in corpus if line]
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
            t = one_run(bootstrap, objs, a.messages, 0, "t%d" % k)
            l = one_run(bootstrap, objs, a.lat_messages, a.lat_rate, "l%d" % k)
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
