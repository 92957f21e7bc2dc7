"""C <-> Python on one topic, on the real broker (issue 17; CMakeLists.txt here).

    crosslang.py py_to_c|py_to_c_faults|c_to_py TOPICGEN CRM_PEER SCHEMAS_DIR OUT_DIR

Generates the Python module of SCHEMAS_DIR/crm.yaml with `TOPICGEN --emit
python` into OUT_DIR and imports it; the broker's address comes from the file
named by TOPICGEN_BROKER_BOOTSTRAP_FILE (cmake/KafkaBroker.cmake).  Every run
uses a topic and group of its own.

py_to_c: 10,000 InboundMessage records (ids 0..9999 in message_id "msg-<id>",
the three variants in turn, seeded random contents within the schema's
constraints) built from the generated classes, encoded with the module's
encode, keyed with kafka_key and sent by an idempotent confluent-kafka
producer with the module's headers plus a traceparent; CRM_PEER consume
(the generated typed consumer, topicgen.schema.check=require) handles them
and writes each one's id, trace id, key check and re-encoding.

c_to_py: the same kind of records, as JSON lines, go to CRM_PEER produce,
which decodes each into the C struct and sends it with
crm_InboundMessage_send (a form's score replaced by a double of its own);
a confluent-kafka consumer decodes each record with the generated module.

py_to_c_faults: py_to_c on 2,000 records with known faults injected (see
FAULT_EXPECTED): passes only when the counts find exactly those.

All: counted by id (lost = 0; duplicates reported, 0 expected), 0 decode
errors, 0 dead letters, the headers and key as sent, and the other side's
re-encoding equal to the bytes sent, byte for byte.  Exit 0 only then.
Bounded: every wait has a deadline.
"""

from __future__ import annotations

import collections
import importlib
import os
import random
import subprocess
import sys
import time
from typing import Any, Callable

COUNT = 10_000
DEADLINE_S = 90.0

# Text the generator draws from: ASCII, JSON's escapes, control characters,
# DEL, 2-, 3- and 4-byte UTF-8, U+2028 (JavaScript's line separator).
ALPHABET = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_@+:/")
            + ['"', "\\", "\n", "\t", "\r", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f",
               "é", "ß", "€", "日", "本", "😀", "\u2028", "\ufeff"])
# Scores a C or Python float printer may get wrong: exponents, subnormals, ends.
EDGE_SCORES = [0.0, 1.0, 0.1, 0.5, 1e-7, 1.5e-5, 5e-324, 2.2250738585072014e-308,
               0.30000000000000004, 1e-16, 0.9999999999999999]


def text(rng: random.Random, max_bytes: int, min_len: int = 0) -> str:
    """Random text of at least min_len characters and at most max_bytes UTF-8 bytes."""
    out: list[str] = []
    size = 0
    target = rng.randint(min_len, max(min_len, min(max_bytes // 2, 40)))
    while len(out) < target:
        ch = rng.choice(ALPHABET)
        n = len(ch.encode())
        if size + n > max_bytes:
            ch, n = "x", 1
            if size + n > max_bytes:
                break
        out.append(ch)
        size += n
    return "".join(out)


def timestamp(rng: random.Random) -> str:
    """A random RFC 3339 date-time the decoders accept, as a writer might spell it."""
    year, month = rng.randint(1970, 2099), rng.randint(1, 12)
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    s = (f"{year:04d}-{month:02d}-{rng.randint(1, days):02d}{rng.choice('TTTt')}"
         f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}")
    digits = rng.choice([0, 0, 3, 6, 9, 1, 2, 7])
    if digits:
        s += "." + "".join(rng.choice("0123456789") for _ in range(digits))
    zone = rng.randint(0, 3)
    if zone == 0:
        s += "Z"
    elif zone == 1:
        s += "z"
    else:
        s += f"{rng.choice('+-')}{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    return s


class Generator:
    """Seeded random InboundMessage values, built from the generated classes
    (a union's variant is the class <Union>_<variant>, docs/languages.md)."""

    def __init__(self, crm: Any, common: Any, seed: int) -> None:
        self.crm, self.common, self.rng = crm, common, random.Random(seed)

    @staticmethod
    def make(cls: Any, **wire: Any) -> Any:
        """cls(...) from the fields' wire names (the module may rename attributes)."""
        import msgspec
        attr = {f.encode_name: f.name for f in msgspec.structs.fields(cls)}
        return cls(**{attr[k]: v for k, v in wire.items()})

    def maybe(self, make: Callable[[], Any]) -> dict[str, Any]:
        return {} if self.rng.random() < 0.3 else {"v": make()}

    def customer(self) -> Any:
        r, fields = self.rng, {}
        for wire, cap in (("email", 320), ("phone", 32), ("external_id", 128)):
            if r.random() < 0.6:
                fields[wire] = text(r, cap)
        pick = r.randint(0, 2)
        if pick == 1:
            fields["name"] = None
        elif pick == 2:
            fields["name"] = text(r, 200)
        return self.make(self.common.CustomerIdentity, **fields)

    def attachment(self) -> Any:
        r = self.rng
        extra = {"content": r.randbytes(r.randint(0, 48))} if r.random() < 0.5 else {}
        return self.make(self.crm.Attachment, file_name=text(r, 255), content_type=text(r, 127),
                         size_bytes=r.choice([0, 26214400, r.randint(0, 26214400)]), **extra)

    def message(self, ident: int) -> Any:
        r, crm = self.rng, self.crm
        common = dict(message_id=f"msg-{ident}", customer_id=text(r, 128, 1),
                      received_at=crm.Timestamp(timestamp(r)), customer=self.customer())
        variant = ident % 3
        if variant == 0:
            extra = ({"attachments": [self.attachment() for _ in range(r.randint(0, 3))]}
                     if r.random() < 0.6 else {})
            return self.make(crm.InboundMessage_email_received, subject=text(r, 998), body_text=text(r, 400),
                             **common, **extra)
        if variant == 1:
            return self.make(crm.InboundMessage_whatsapp_received, waId=text(r, 32), text=text(r, 300),
                             is_reply=r.random() < 0.5, **common)
        fields = {text(r, 40, 1): text(r, 80) for _ in range(r.randint(0, 6))}
        extra = {}
        if r.random() < 0.7:
            extra["score"] = r.choice(EDGE_SCORES) if r.random() < 0.3 else r.random()
        return self.make(crm.InboundMessage_form_submitted, form_id=text(r, 128), fields=fields, **common,
                         **extra)


def traceparent(rng: random.Random) -> tuple[str, str]:
    """A W3C traceparent and its trace id (never all zero)."""
    trace = f"{rng.getrandbits(128) | 1:032x}"
    return f"00-{trace}-{rng.getrandbits(64) | 1:016x}-01", trace


def id_of(message_id: str) -> int:
    return int(message_id[4:]) if message_id.startswith("msg-") else -1


class Verdict:
    """Counts by id, and every failure with its first examples."""

    def __init__(self) -> None:
        self.seen: collections.Counter[int] = collections.Counter()
        self.problems: collections.Counter[str] = collections.Counter()
        self.examples: list[str] = []

    def problem(self, kind: str, detail: str) -> None:
        self.problems[kind] += 1
        if len(self.examples) < 8:
            self.examples.append(f"{kind}: {detail}")

    def finish(self, label: str, count: int, extra: dict[str, int]) -> dict[str, int]:
        """Print and return the counts: by id, extra's, and the problems'."""
        lost = [i for i in range(count) if self.seen[i] == 0]
        summary = {"sent": count, "received": sum(self.seen.values()),
                   "distinct": len(self.seen), "lost": len(lost),
                   "duplicates": sum(n - 1 for n in self.seen.values() if n > 1),
                   "stray": sum(n for i, n in self.seen.items() if not 0 <= i < count)}
        summary.update(extra)
        summary.update(self.problems)
        print(f"{label}: " + " ".join(f"{k}={v}" for k, v in summary.items()))
        for e in self.examples:
            print("  " + e)
        if lost:
            print(f"  lost ids (first 10): {lost[:10]}")
        return summary


def judge(summary: dict[str, int], expected: dict[str, int]) -> bool:
    """Every count in `expected` as given, every other problem count 0."""
    ok = True
    for key, value in summary.items():
        want = expected.get(key, 0 if key in ZERO_KEYS or key in PROBLEMS else value)
        if value != want:
            print(f"  {key}={value}, expected {want}")
            ok = False
    for key, want in expected.items():
        if key not in summary and want != 0:
            print(f"  {key} missing, expected {want}")
            ok = False
    return ok


ZERO_KEYS = {"lost", "duplicates", "stray", "dead_lettered", "decode_errors", "encode_errors",
             "dlq_records", "failed", "undelivered", "retried", "c_decode_errors"}
PROBLEMS = {"bytes_differ", "trace_differs", "key_differs", "headers_differ", "decode_error",
            "consumer_error"}


def bootstrap() -> str:
    path = os.environ.get("TOPICGEN_BROKER_BOOTSTRAP_FILE")
    if not path:
        sys.exit("crosslang: TOPICGEN_BROKER_BOOTSTRAP_FILE is not set (run under ctest)")
    with open(path) as f:
        return f.read().strip()


def dlq_records(brokers: str, topic: str) -> int:
    """Records in topic's dead-letter topic <topic>.dlq (0 when it does not exist)."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": brokers, "group.id": topic + ".dlq-check",
                  "allow.auto.create.topics": False})
    try:
        meta = c.list_topics(timeout=10).topics.get(topic + ".dlq")
        if meta is None or meta.error is not None:
            return 0
        total = 0
        for p in meta.partitions:
            lo, hi = c.get_watermark_offsets(TopicPartition(topic + ".dlq", p), timeout=10)
            total += hi - lo
        return total
    finally:
        c.close()


# The faults py_to_c_faults injects, and what the counts must then say: a
# proof that each check can fail.  Ids 10..19 are sent with a space after
# the opening '{' (C reads them and re-encodes without), 20..24 without the
# topicgen headers (dead-lettered: schema.check=require), id 30 twice, id 50
# with another key.
FAULT_COUNT = 2_000
FAULT_SPACED = range(10, 20)
FAULT_HEADERLESS = range(20, 25)
FAULT_TWICE = 30
FAULT_KEY = 50
FAULT_EXPECTED = {"received": FAULT_COUNT - 5 + 1, "distinct": FAULT_COUNT - 5, "lost": 5,
                  "duplicates": 1, "bytes_differ": 10, "key_differs": 1, "dead_lettered": 5,
                  "dlq_records": 5, "delivered": FAULT_COUNT + 1,
                  "c_handled": FAULT_COUNT - 5 + 1}


def py_to_c(crm: Any, gen: Generator, peer: str, brokers: str, topic: str, out: str,
            faults: bool) -> bool:
    from confluent_kafka import Producer
    binding = crm.InboundMessage_KAFKA
    count = FAULT_COUNT if faults else COUNT
    sent: dict[int, tuple[bytes, str]] = {}
    reports = {"ok": 0, "failed": 0}

    def on_delivery(err: Any, _msg: Any) -> None:
        reports["failed" if err else "ok"] += 1

    p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all",
                  "linger.ms": 5, "client.id": "crosslang-python"})
    records = 0
    t0 = time.monotonic()
    for ident in range(count):
        msg = gen.message(ident)
        value = crm.encode(msg)
        tp, trace = traceparent(gen.rng)
        headers = crm.kafka_headers(binding) + [(crm.HEADER_TRACEPARENT, tp.encode())]
        key = crm.kafka_key(msg, binding)
        if faults and ident in FAULT_SPACED:
            value = b"{ " + value[1:]
        if faults and ident in FAULT_HEADERLESS:
            headers = []
        if faults and ident == FAULT_KEY:
            key = b"not-the-customer-id"
        sent[ident] = (value, trace)
        for _ in range(2 if faults and ident == FAULT_TWICE else 1):
            while True:
                try:
                    p.produce(topic, value=value, key=key, headers=headers,
                              on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.1)
            records += 1
        p.poll(0)
    left = p.flush(60)
    t_produce = time.monotonic() - t0
    print(f"python producer: {records} sent, {reports['ok']} delivered, {reports['failed']} "
          f"failed, {left} undelivered in {t_produce:.1f} s")

    lines = os.path.join(out, "c_handled.txt")
    t0 = time.monotonic()
    run = subprocess.run([peer, "consume", brokers, topic, topic + ".c", str(records), lines],
                         capture_output=True, text=True, timeout=DEADLINE_S + 30)
    t_consume = time.monotonic() - t0
    sys.stderr.write(run.stderr[-4000:])
    counts = dict(kv.split("=") for kv in run.stdout.split())
    print(f"C consumer (exit {run.returncode}, {t_consume:.1f} s): {run.stdout.strip()}")

    v = Verdict()
    handled = 0
    with open(lines, "rb") as f:
        for line in f:
            ident_s, trace, key_ok, value = line.rstrip(b"\n").split(b"\t", 3)
            ident = int(ident_s)
            handled += 1
            v.seen[ident] += 1
            if ident not in sent:
                continue
            want, want_trace = sent[ident]
            if value != want:
                v.problem("bytes_differ", f"id {ident}: python {want[:160]!r} c {value[:160]!r}")
            if trace.decode() != want_trace:
                v.problem("trace_differs", f"id {ident}: {trace!r}")
            if key_ok != b"1":
                v.problem("key_differs", f"id {ident}")
    extra = {"delivered": reports["ok"], "failed": reports["failed"], "undelivered": left,
             "c_handled": handled, "c_processed": int(counts.get("processed", -1)),
             "dead_lettered": int(counts.get("dead_lettered", -1)),
             "retried": int(counts.get("retried", -1)),
             "encode_errors": int(counts.get("encode_errors", -1)),
             "dlq_records": dlq_records(brokers, topic)}
    summary = v.finish("python -> C", count, extra)
    if faults:
        return judge(summary, FAULT_EXPECTED) and run.returncode == 0
    expected = {"received": count, "distinct": count, "delivered": count, "c_handled": count,
                "c_processed": count}
    return judge(summary, expected) and run.returncode == 0


def c_to_py(crm: Any, gen: Generator, peer: str, brokers: str, topic: str, out: str) -> bool:
    import msgspec
    from confluent_kafka import Consumer
    binding = crm.InboundMessage_KAFKA
    traces: dict[int, str] = {}
    src = os.path.join(out, "to_send.txt")
    with open(src, "wb") as f:
        for ident in range(COUNT):
            tp, traces[ident] = traceparent(gen.rng)
            f.write(tp.encode() + b"\t" + crm.encode(gen.message(ident)) + b"\n")

    t0 = time.monotonic()
    run = subprocess.run([peer, "produce", brokers, topic, src, "20261205"],
                         capture_output=True, text=True, timeout=120)
    t_produce = time.monotonic() - t0
    sys.stderr.write(run.stderr[-4000:])
    counts = dict(kv.split("=") for kv in run.stdout.split())
    print(f"C producer (exit {run.returncode}, {t_produce:.1f} s): {run.stdout.strip()}")

    want_headers = [(k, val) for k, val in crm.kafka_headers(binding)]
    v = Verdict()
    decode_errors = 0
    c = Consumer({"bootstrap.servers": brokers, "group.id": topic + ".py",
                  "auto.offset.reset": "earliest", "enable.auto.commit": True,
                  "session.timeout.ms": 6000})
    c.subscribe([topic])
    t0 = time.monotonic()
    deadline = t0 + DEADLINE_S
    received = 0
    try:
        while received < COUNT and time.monotonic() < deadline:
            for rec in c.consume(num_messages=500, timeout=0.5):
                if rec.error():
                    v.problem("consumer_error", str(rec.error()))
                    continue
                received += 1
                value = rec.value()
                try:
                    msg = crm.decode(value, crm.InboundMessage)
                except (msgspec.ValidationError, msgspec.DecodeError) as e:
                    decode_errors += 1
                    v.problem("decode_error", f"{e}: {value[:160]!r}")
                    continue
                ident = id_of(msg.message_id)
                v.seen[ident] += 1
                again = crm.encode(msg)
                if again != value:
                    v.problem("bytes_differ", f"id {ident}: c {value[:160]!r} python {again[:160]!r}")
                headers = rec.headers() or []
                tp = [val for k, val in headers if k == crm.HEADER_TRACEPARENT]
                if headers[:3] != want_headers or len(tp) != 1 or len(headers) != 4:
                    v.problem("headers_differ", f"id {ident}: {headers!r}")
                elif tp[0].decode().split("-")[1] != traces.get(ident):
                    v.problem("trace_differs", f"id {ident}: {tp[0]!r}")
                if rec.key() != crm.kafka_key(msg, binding):
                    v.problem("key_differs", f"id {ident}: {rec.key()!r}")
    finally:
        c.close()
    t_consume = time.monotonic() - t0
    print(f"python consumer: {received} records in {t_consume:.1f} s")
    extra = {"c_sent": int(counts.get("sent", -1)), "delivered": int(counts.get("delivered", -1)),
             "failed": int(counts.get("failed", -1)),
             "undelivered": int(counts.get("undelivered", -1)),
             "c_decode_errors": int(counts.get("decode_errors", -1)),
             "decode_errors": decode_errors, "c_scores": int(counts.get("c_scores", -1))}
    summary = v.finish("C -> python", COUNT, extra)
    expected = {"received": COUNT, "distinct": COUNT, "c_sent": COUNT, "delivered": COUNT}
    if summary["c_scores"] < COUNT // 10:  # the C double printer must be exercised
        print(f"  c_scores={summary['c_scores']}: too few of C's own doubles")
        return False
    return judge(summary, expected) and run.returncode == 0


def main() -> int:
    if len(sys.argv) != 6 or sys.argv[1] not in ("py_to_c", "py_to_c_faults", "c_to_py"):
        print(__doc__, file=sys.stderr)
        return 2
    direction, topicgen, peer, schemas, out = sys.argv[1:]
    brokers = bootstrap()
    os.makedirs(out, exist_ok=True)
    gen_dir = os.path.join(out, "py")
    subprocess.run([topicgen, "--emit", f"python={gen_dir}", "-o", gen_dir,
                    os.path.join(schemas, "crm.yaml")], check=True)
    sys.path.insert(0, gen_dir)
    crm = importlib.import_module("crm")
    common = importlib.import_module("common")
    topic = f"crosslang.{direction}.{os.getpid()}.{int(time.time())}"
    seed = 71 if direction == "c_to_py" else 17
    gen = Generator(crm, common, seed)
    print(f"topic {topic}, brokers {brokers}, seed {seed}")
    if direction == "c_to_py":
        ok = c_to_py(crm, gen, peer, brokers, topic, out)
    else:
        ok = py_to_c(crm, gen, peer, brokers, topic, out, direction == "py_to_c_faults")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
