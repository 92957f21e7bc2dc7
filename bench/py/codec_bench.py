#!/usr/bin/env python3
"""Python side of the codec benchmark: msgspec and orjson on the same corpora.

    codec_bench.py --impl msgspec --corpus orders5 --file orders5.jsonl
                   [--trials 7] [--min-ms 200] [--reps N]

The corpus file is what `codec_bench --dump CORPUS` writes (one message per
line, same seed as the C runs).  Output lines have the same columns as the C
benchmark ("result impl corpus mode count avg_bytes ns_median ns_min MB/s
allocs/msg peak_rss_kb msgs_timed"); allocations are not counted here ("-").

Implementations:
  msgspec          msgspec.json.Decoder(type) into Struct types mirroring the
                   schema, constraints via msgspec.Meta (lengths in code
                   points, ranges, item counts, enums as Literal); encode with
                   msgspec.json.Encoder.  Timestamps decode to datetime,
                   decimals to Decimal, uuids to UUID (more work than keeping
                   the text, as topicgen does).  Less than topicgen: duplicate
                   keys are not rejected (the last one wins).
  orjson           orjson.loads to dicts (no schema validation at all) and
                   orjson.dumps of those dicts.
  orjson+convert   orjson.loads then msgspec.convert into the same Structs
                   (the same checks as msgspec).
"""
import argparse
import datetime
import decimal
import resource
import sys
import time
import uuid
from typing import Annotated, Dict, List, Literal, Union

import msgspec
import orjson
from msgspec import UNSET, Meta, Struct, UnsetType, field


def S(lo=0, hi=None):
    return Annotated[str, Meta(min_length=lo, max_length=hi)] if hi is not None else \
        Annotated[str, Meta(min_length=lo)]


# ---- orders.yaml ----------------------------------------------------------------
class LineItem(Struct):
    line_item_id: S(1, 64)
    product_id: S(1, 64)
    product_title: S(0, 256)
    quantity: Annotated[int, Meta(ge=1, le=10000)]
    price: decimal.Decimal


class OrderEvent(Struct):
    order_id: S(1, 64)
    created_at: datetime.datetime
    customer_name: S(1, 200)
    line_items: Annotated[List[LineItem], Meta(min_length=1, max_length=500)]
    total_price: decimal.Decimal
    currency: S(3, 3) = "EUR"
    status: Literal["pending", "paid", "shipped", "delivered", "cancelled"] = "pending"
    note: Union[S(0, 1000), UnsetType] = UNSET


# ---- workflow.yaml --------------------------------------------------------------
class EventMetadata(Struct):
    correlation_id: Union[S(0, 128), UnsetType] = UNSET
    attempt: Annotated[int, Meta(ge=1, le=2**32 - 1)] = 1
    tags: Union[Annotated[Dict[str, str], Meta(max_length=64)], UnsetType] = UNSET


class EventPayload(Struct):
    data: msgspec.Raw
    metadata: Union[EventMetadata, UnsetType] = UNSET


class WorkflowEvent(Struct):
    event_id: uuid.UUID
    event_type: Literal["workflow.started", "workflow.completed", "workflow.failed",
                        "step.started", "step.completed", "step.failed"]
    source: Literal["scheduler", "worker", "api", "manual"]
    workflow_id: S(1, 128)
    workflow_run_id: S(1, 128)
    timestamp: datetime.datetime
    payload: EventPayload
    step_name: Union[S(0, 128), None, UnsetType] = UNSET
    duration_ms: Union[Annotated[int, Meta(ge=0, le=2**63 - 1)], UnsetType] = UNSET


# ---- crm.yaml (and CustomerIdentity from common.yaml, which it imports) --------
class CustomerIdentity(Struct):
    email: Union[S(0, 320), UnsetType] = UNSET
    phone: Union[S(0, 32), UnsetType] = UNSET
    name: Union[S(0, 200), None, UnsetType] = UNSET
    external_id: Union[S(0, 128), UnsetType] = UNSET


class Attachment(Struct):
    file_name: S(0, 255)
    content_type: S(0, 127)
    size_bytes: Annotated[int, Meta(ge=0, le=26214400)]
    content: Union[bytes, UnsetType] = UNSET


class EmailReceived(Struct, tag_field="message_type", tag="email_received",
                    forbid_unknown_fields=True):
    message_id: S(1, 256)
    customer_id: S(1, 128)
    received_at: datetime.datetime
    customer: CustomerIdentity
    subject: S(0, 998)
    body_text: str
    attachments: Union[Annotated[List[Attachment], Meta(max_length=20)], UnsetType] = UNSET


class WhatsappReceived(Struct, tag_field="message_type", tag="whatsapp_received"):
    message_id: S(1, 256)
    customer_id: S(1, 128)
    received_at: datetime.datetime
    customer: CustomerIdentity
    wa_id: S(0, 32) = field(name="waId")
    text: str = ""
    is_reply: bool = False


class FormSubmitted(Struct, tag_field="message_type", tag="form_submitted"):
    message_id: S(1, 256)
    customer_id: S(1, 128)
    received_at: datetime.datetime
    customer: CustomerIdentity
    form_id: S(0, 128)
    fields: Annotated[Dict[str, str], Meta(max_length=200)]
    score: Union[Annotated[float, Meta(ge=0, le=1)], UnsetType] = UNSET


InboundMessage = Union[EmailReceived, WhatsappReceived, FormSubmitted]

TYPES = {"orders": OrderEvent, "workflow": WorkflowEvent, "crm": InboundMessage}


def schema_of(corpus):
    for s in TYPES:
        if corpus.startswith(s):
            return s
    raise SystemExit("unknown corpus " + corpus)


def make(impl, typ):
    """(decode, encode, prepare) callables for one implementation."""
    if impl == "msgspec":
        dec = msgspec.json.Decoder(typ)
        enc = msgspec.json.Encoder()
        return dec.decode, enc.encode, dec.decode
    if impl == "orjson":
        return orjson.loads, orjson.dumps, orjson.loads
    if impl == "orjson+convert":
        dec = msgspec.json.Decoder(typ)

        def decode(b):
            return msgspec.convert(orjson.loads(b), typ)
        enc = msgspec.json.Encoder()
        return decode, enc.encode, dec.decode
    raise SystemExit("unknown impl " + impl)


def measure(fn, items, trials, min_ms, reps):
    fn_items = items
    t0 = time.perf_counter_ns()
    for x in fn_items:
        fn(x)
    took = time.perf_counter_ns() - t0
    if not reps:
        reps = max(1, int(min_ms * 1e6 / max(took, 1)) + 1)
    times = []
    for _ in range(trials):
        t0 = time.perf_counter_ns()
        for _ in range(reps):
            for x in fn_items:
                fn(x)
        times.append((time.perf_counter_ns() - t0) / (reps * len(items)))
    times.sort()
    return times[len(times) // 2], times[0], reps * len(items) * trials


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--trials", type=int, default=7)
    ap.add_argument("--min-ms", type=float, default=200)
    ap.add_argument("--reps", type=int, default=0)
    a = ap.parse_args()

    with open(a.file, "rb") as f:
        msgs = [line.rstrip(b"\n") for line in f if line.strip()]
    schema = schema_of(a.corpus)
    if a.impl == "orjson+convert" and schema == "workflow":
        # msgspec.convert cannot fill msgspec.Raw (the `json` field) from
        # already-decoded Python objects.
        print("skip\t%s\t%s\tmsgspec.convert has no Raw from objects" % (a.impl, a.corpus))
        return
    decode, encode, prepare = make(a.impl, TYPES[schema])
    # Every message must pass (the corpus is valid for the schema).
    objs = [prepare(m) for m in msgs]
    for m in msgs:
        decode(m)
    total = sum(len(m) for m in msgs)
    out_total = sum(len(encode(o)) for o in objs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for mode, fn, items, nbytes in (("decode", decode, msgs, total),
                                    ("encode", encode, objs, out_total)):
        med, best, n = measure(fn, items, a.trials, a.min_ms, a.reps)
        avg = nbytes / len(msgs)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("result\t%s\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t-\t%d\t%d" % (
            a.impl, a.corpus, mode, len(msgs), avg, med, best, avg / med * 1e3, rss, n))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
