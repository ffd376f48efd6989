"""SMS: send and price, receipts, inbound replies, cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import Ctx, Reply, Router, not_found, ok
from .._state import paginate
from ._messages import cancel_all, cancel_one, date_before, receipts, sender

if TYPE_CHECKING:
    from .._app import Service


def _receipt_one(s: Service, c: Ctx) -> Reply:
    m = s.world.by_id.get(c.params["message_id"].upper())
    if m is None or m.kind != "sms" or not m.receipt_visible(c.now):
        return not_found("Receipt record not found.")
    return ok("Here is your receipt.", m.receipt())


def _receipts_read(s: Service, c: Ctx) -> Reply:
    before = date_before(c)
    for m in s.world.messages:
        if (
            m.kind == "sms"
            and m.receipt_visible(c.now)
            and (before is None or m.receipt_due < before)
        ):
            m.receipt_read = True
    return ok("Receipts have been marked as read.", None)


def _inbound(s: Service, c: Ctx) -> Reply:
    now = c.now
    records = [r for r in s.world.inbound if not r.read and r.time <= now]
    data = paginate(records, c.query, c.request.url, lambda r: dict(r.data))
    return ok("Here are your data.", data)


def _inbound_one(s: Service, c: Ctx) -> Reply:
    # By the id of YOUR outbound message: the reply to it, read or not.
    wanted = c.params["original_message_id"].upper()
    for r in s.world.inbound:
        if r.time <= c.now and str(r.data.get("original_message_id", "")).upper() == wanted:
            return ok("Here is your inbound message.", dict(r.data))
    return not_found("Inbound message not found.")


def _inbound_read(s: Service, c: Ctx) -> Reply:
    before = date_before(c)
    for r in s.world.inbound:
        if r.time <= c.now and (before is None or r.time < before):
            r.read = True
    return ok("Inbound messages have been marked as read.", None)


def _inbound_read_one(s: Service, c: Ctx) -> Reply:
    wanted = c.params["message_id"].upper()
    count = 0
    for r in s.world.inbound:
        if r.data["message_id"] == wanted and r.time <= c.now and not r.read:
            r.read = True
            count += 1
    if not count and not any(r.data["message_id"] == wanted for r in s.world.inbound):
        return not_found("Message not found.")
    return ok("Inbound messages have been marked as read.", count)


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("POST", "/sms/send", sender("sms", True))
    r.add("POST", "/sms/price", sender("sms", False))
    r.add("GET", "/sms/receipts", receipts("sms"))
    r.add("GET", "/sms/inbound", _inbound)
    r.add("GET", "/sms/inbound/{original_message_id}", _inbound_one)
    r.add("PUT", "/sms/inbound-read", _inbound_read)
    r.add("PUT", "/sms/inbound-read/{message_id}", _inbound_read_one)
    r.add("GET", "/sms/receipts/{message_id}", _receipt_one)
    r.add("PUT", "/sms/receipts-read", _receipts_read)
    r.add("PUT", "/sms/cancel-all", cancel_all("sms"))
    r.add("PUT", "/sms/{message_id}/cancel", cancel_one("sms"))
