"""python_shared_support: the support code of --emit python is written once
per folder (_topicgen_support.py) and shared: every schema's module
re-exports the same Timestamp, Decimal, KafkaBinding, UNSET, encode,
decode, kafka_key and kafka_headers objects (orders.Timestamp is
crm.Timestamp), a value of one module's type is one of every module's, and
no module carries a copy of the support code."""
from __future__ import annotations

import os
import sys

import tgpy

SHARED = ["Timestamp", "Decimal", "KafkaBinding", "UNSET", "UnsetType", "encode", "decode",
          "kafka_key", "kafka_headers", "HEADER_SCHEMA", "HEADER_SCHEMA_VERSION",
          "HEADER_TRACEPARENT", "HEADER_CONTENT_TYPE", "CONTENT_TYPE"]
SUPPORT_ONLY = ["class Timestamp(", "class Decimal(", "class KafkaBinding", "def encode(",
                "def decode(", "def _tg_tree(", "def _tg_enc_hook("]


def main() -> int:
    out = tgpy.generate("shared")
    mods = tgpy.import_modules(out)
    problems = []
    support = [f for f in sorted(os.listdir(out)) if not any(
        f == tgpy.module_name(s) + ".py" for s in tgpy.SCHEMAS)]
    if support != ["_topicgen_support.py"]:
        problems.append("files beside the modules: %s, not ['_topicgen_support.py']" % support)
    first = mods["orders"]
    checks = 0
    for sname, mod in mods.items():
        for name in SHARED:
            checks += 1
            if getattr(mod, name) is not getattr(first, name):
                problems.append("%s.%s is not orders.%s" % (sname, name, name))
        with open(mod.__file__, encoding="utf-8") as f:
            source = f.read()
        for text in SUPPORT_ONLY:
            checks += 1
            if text in source:
                problems.append("%s.py repeats the support code (%r)" % (sname, text))
    # a value made with one module's class is taken by another's message
    ts = mods["orders"].Timestamp("2024-05-01T12:00:00Z")
    crm, common = mods["crm"], mods["common"]
    msg = crm.InboundMessage_email_received(
        message_id="m", customer_id="c", received_at=ts,
        customer=common.CustomerIdentity(email="a@b.c"), subject="s", body_text="b")
    back = common.decode(crm.encode(msg), crm.InboundMessage)
    checks += 2
    if type(back.received_at) is not crm.Timestamp or not isinstance(back.received_at, common.Timestamp):
        problems.append("a decoded crm timestamp is a %r, not common.Timestamp" % type(back.received_at))
    if back != msg:
        problems.append("crm message through common.decode: %r != %r" % (back, msg))
    for p in problems:
        print("FAIL", p)
    print("%d modules, %d checks of the shared support module: %d failed"
          % (len(mods), checks, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
