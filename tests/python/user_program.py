"""A user of the generated modules (python_mypy): its types must be useful."""
from __future__ import annotations

import uuid

import common
import crm
import from_
import orders
import pynames
import workflow

order = orders.OrderEvent(
    order_id="o-1", created_at=orders.Timestamp("2024-05-01T12:00:00Z"), customer_name="Ann",
    line_items=[orders.LineItem(line_item_id="l1", product_id="p1", product_title="Tea",
                                quantity=2, price=orders.Decimal("3.50"))],
    total_price=orders.Decimal("7.00"))
data: bytes = orders.encode(order)
back = orders.decode_OrderEvent(data)
reveal_type(back)  # noqa: F821
reveal_type(back.order_id)  # noqa: F821
reveal_type(back.total_price)  # noqa: F821
reveal_type(back.status)  # noqa: F821
key: bytes | None = orders.kafka_key(back, orders.OrderEvent_KAFKA)
headers: list[tuple[str, bytes]] = orders.kafka_headers(orders.OrderEvent_KAFKA)
msg = crm.InboundMessage_email_received(
    message_id="m", customer_id="c", received_at=crm.Timestamp("2024-05-01T12:00:00.5+02:00"),
    customer=common.CustomerIdentity(email="a@b.c"), subject="hi", body_text="hello")
inbound = crm.decode_InboundMessage(crm.encode(msg))
if isinstance(inbound, crm.InboundMessage_email_received):
    reveal_type(inbound)  # noqa: F821
event = workflow.decode_WorkflowEvent(b"{}")
reveal_type(event.event_id)  # noqa: F821
attachment = crm.Attachment(file_name="a", content_type="b", size_bytes=1, content=b"\x00")
reveal_type(attachment.content)  # noqa: F821
event.event_id = uuid.uuid4()
names = pynames.str__(encode=pynames.Decimal("1"), list=[], Level_=pynames.Level.LOW)
reveal_type(names.Level_)  # noqa: F821
reveal_type(pynames.str_(str___=[], raw=None).json)  # noqa: F821
reveal_type(pynames.str_(str___=[], raw=None).raw)  # noqa: F821
