"""python_decode_errors: the generated module rejects what the C decoder
rejects, and accepts what it accepts, for a sample of documents per type
(the full verdict agreement is the shared vectors' test).  No known
differences today (docs/languages.md, "Python"): a verdict "differ" would
mark one, so that a fix on either side fails this test and updates it.
Duplicate keys (anywhere: unknown members and json values too), a uuid
without dashes and base64 with nonzero bits before its padding, which
msgspec alone accepts, are refused as C refuses them; and
check_duplicates=False is shown to let a duplicate through."""
from __future__ import annotations

import sys

import msgspec

import tgpy

TS = '"2024-01-31T10:00:00Z"'
ORDER = ('{"order_id":"o","created_at":%s,"customer_name":"A","line_items":[{"line_item_id":"l",'
         '"product_id":"p","product_title":"","quantity":%s,"price":%s}],"total_price":"1"%s}')
WF = ('{"event_id":%s,"event_type":"step.failed","source":"api","workflow_id":"w",'
      '"workflow_run_id":"r","timestamp":"2024-01-01T00:00:00Z","payload":{"data":%s}%s}')
UUID = '"123e4567-e89b-12d3-a456-426614174000"'
CRM = ('{"message_type":%s,"message_id":"m","customer_id":"c","received_at":"2024-01-01T00:00:00Z",'
       '"customer":{},"form_id":"f","fields":{}%s}')

CASES: list[tuple[str, str, str]] = [  # (type, verdict, document); verdict "ok", "err" or "differ"
    ("orders.OrderEvent", "ok", ORDER % (TS, "1", '"1.50"', "")),
    ("orders.OrderEvent", "ok", ORDER % (TS, "1", "1.50", "")),
    ("orders.OrderEvent", "ok", ORDER % ('"2024-02-29T23:59:60.123456789+23:59"', "1", '"-0.5e-3"', "")),
    ("orders.OrderEvent", "err", ORDER % ('"2023-02-29T00:00:00Z"', "1", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % ('"2024-01-01 00:00:00Z"', "1", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % ('"2024-01-01T00:00:00.1234567890Z"', "1", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % ('"2024-01-01T24:00:00Z"', "1", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % ('"2024-01-01T00:00:00+24:00"', "1", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % ('"2024-01-01T00:00:00"', "1", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "0", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "10001", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "1.0", '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, '"1"', '"1"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"01"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"1."', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"+1"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"123456789012345678901"', "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", "true", "")),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"1"', ',"status":"lost"')),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"1"', ',"currency":"EURO"')),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"1"', ',"note":null')),
    ("orders.OrderEvent", "ok", ORDER % (TS, "1", '"1"', ',"unknown":[1,{"a":null}]')),
    ("orders.OrderEvent", "err", '{"order_id":"o"}'),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"1"', "") + " x"),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"1"', ',"currency":"EUR","currency":"USD"')),
    ("orders.OrderEvent", "err", ORDER % (TS, "1", '"1"', ',"unknown":{"a":1,"\\u0061":2}')),
    ("workflow.WorkflowEvent", "err", WF % (UUID, '{"a":[{"b":1,"b":2}]}', "")),
    ("orders.OrderTotal", "err", '{"order_id":"o","item_count":0,"total_cents":-1,"currency":"EUR"}'),
    ("orders.OrderTotal", "ok", '{"order_id":"o","item_count":2147483647,"total_cents":9223372036854775807,"currency":"EUR"}'),
    ("orders.OrderTotal", "err", '{"order_id":"o","item_count":2147483648,"total_cents":0,"currency":"EUR"}'),
    ("workflow.WorkflowEvent", "ok", WF % (UUID, "[1, {\"a\": 2}]", ',"step_name":null')),
    ("workflow.WorkflowEvent", "ok", WF % (UUID.upper(), "null", ',"duration_ms":0')),
    ("workflow.WorkflowEvent", "err", WF % (UUID, "[1,", "")),
    ("workflow.WorkflowEvent", "err", WF % ('"123e4567e89b12d3a456426614174000x"', "1", "")),
    ("workflow.WorkflowEvent", "err", WF % ('"123e4567e89b12d3a456426614174000"', "1", "")),
    ("workflow.WorkflowEvent", "err", WF % (UUID, "1", ',"duration_ms":-1')),
    ("workflow.WorkflowEvent", "err", WF % (UUID, "1", ',"payload":{"data":1,"metadata":{"attempt":0}}')),
    ("crm.InboundMessage", "ok", CRM % ('"form_submitted"', ',"score":1')),
    ("crm.InboundMessage", "ok", CRM % ('"form_submitted"', ',"score":0.25e0')),
    ("crm.InboundMessage", "err", CRM % ('"form_submitted"', ',"score":1.0000001')),
    ("crm.InboundMessage", "err", CRM % ('"form_submitted"', ',"score":1e400')),
    ("crm.InboundMessage", "err", CRM % ('"fax_received"', "")),
    ("crm.InboundMessage", "err", CRM % ("1", "")),
    ("crm.InboundMessage", "err", '{"message_id":"m"}'),
    ("crm.EmailReceived", "err", '{"message_id":"m","customer_id":"c","received_at":"2024-01-01T00:00:00Z",'
     '"customer":{},"subject":"","body_text":"","extra":1}'),
    ("crm.Attachment", "ok", '{"file_name":"","content_type":"","size_bytes":1,"content":"AA=="}'),
    ("crm.Attachment", "err", '{"file_name":"","content_type":"","size_bytes":1,"content":"AB=="}'),
    ("crm.Attachment", "err", '{"file_name":"","content_type":"","size_bytes":1,"content":"AAF="}'),
    ("crm.Attachment", "ok", '{"file_name":"","content_type":"","size_bytes":1,"content":"AAE="}'),
    ("crm.Attachment", "err", '{"file_name":"","content_type":"","size_bytes":1,"content":"AA"}'),
    ("crm.Attachment", "err", '{"file_name":"","content_type":"","size_bytes":26214401}'),
    ("common.CustomerIdentity", "ok", '{"name":null}'),
    ("common.CustomerIdentity", "err", '{"email":null}'),
    ("common.CustomerIdentity", "err", '{"name":"\\ud800"}'),
    ("common.CustomerIdentity", "err", '[]'),
    ("pynames.Decimal", "ok", '{"True":"k","match":{"from":"a","list":[],"encode":"1"},"values":{"a":"medium"}}'),
    ("pynames.Decimal", "err", '{"True":"k","match":{"list":[],"encode":"1","type":"medium"}}'),
    ("pynames.Decimal", "err", '{"True":"k","match":{"list":[],"encode":"1234567890123"}}'),
    ("pynames.Decimal", "err", '{"True":"k","match":{"list":[],"encode":""}}'),
    ("pynames.lambda", "ok", '{"def":"import","list":[1e-7],"encode":"-0","_hidden":false}'),
    ("pynames.lambda", "err", '{"def":"yield","list":[],"encode":"1"}'),
    ("pynames.lambda", "ok", '{"def":"import","list":[],"encode":"1","Level":"low","after":"x"}'),
    ("pynames.lambda", "err", '{"def":"import","list":[],"encode":"-0","type":"nope"}'),
    ("pynames.str_", "ok", '{"str_":[{"str_":[],"raw":[1]}],"raw":null,"json":{"x":1,"Kind":"b","kind":"a"}}'),
    ("pynames.str_", "err", '{"str_":[],"raw":null,"json":{"x":1,"Kind":"c"}}'),
    ("pynames.lambda_import", "ok", '{}'),
    ("from.json", "err", '{"Kind":"a"}'),
    ("from.json", "ok", '{"x":-0,"Kind":"a"}'),
]


def main() -> int:
    mods = tgpy.import_modules(tgpy.generate("errors"))
    c = tgpy.c_roundtrip([(t + "\t" + d).encode() for t, _, d in CASES])
    bad = 0
    for (tname, verdict, doc), c_line in zip(CASES, c):
        schema, name = tname.split(".")
        mod = mods[schema]
        try:
            mod.decode(doc.encode(), mod.TYPES[name])
            py_ok, why = True, ""
        except (msgspec.ValidationError, msgspec.DecodeError) as e:
            py_ok, why = False, str(e)
        c_ok = c_line.startswith(b"OK\t")
        agree = py_ok == c_ok
        expect_ok = verdict == "ok"
        right = (not agree) if verdict == "differ" else (agree and c_ok == expect_ok)
        print("%-5s %-24s C %-3s Python %-3s %s %s" % ("ok" if right else "WRONG", tname,
              "ok" if c_ok else "err", "ok" if py_ok else "err", doc[:60], why[:60]))
        bad += not right
    # check_duplicates=False: msgspec alone, the last of the keys wins; the
    # check's error names the second key's path, as C does
    dup = ORDER % (TS, "1", '"1"', ',"currency":"EUR","currency":"USD"')
    last = mods["orders"].decode_OrderEvent(dup.encode(), check_duplicates=False).currency
    try:
        mods["workflow"].decode_WorkflowEvent(WF % (UUID, '{"a":[{"b":1,"b":2}]}', ""))
        where = "accepted"
    except msgspec.ValidationError as e:
        where = str(e)
    print("check_duplicates=False keeps %r; a nested duplicate: %s" % (last, where))
    if last != "USD" or not where.endswith("at `$.payload.data.a[0].b`"):
        print("WRONG: the duplicate check or its switch")
        bad += 1
    print("%d documents: %d as expected (%d known differences)"
          % (len(CASES), len(CASES) - bad, sum(v == "differ" for _, v, _ in CASES)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
