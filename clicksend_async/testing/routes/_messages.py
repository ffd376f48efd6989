"""Handlers shared by the SMS, MMS and voice routes: send and price, receipts, cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import Ctx, Handler, Reply, invalid, not_found, ok
from .._sending import SendOutcome, process
from .._state import MessageRecord, paginate
from .._world import World

if TYPE_CHECKING:
    from .._app import Service


def sender(kind: str, commit: bool) -> Handler:
    """Return the send (``commit``) or price handler of a channel."""

    def handler(s: Service, c: Ctx) -> SendOutcome:
        return process(s.world, kind, c.body, commit=commit, now=c.now)

    return handler


def receipts(kind: str) -> Handler:
    """Return the handler listing a channel's unread, visible receipts."""

    def handler(s: Service, c: Ctx) -> Reply:
        now = c.now
        records = [
            m
            for m in s.world.messages
            if m.kind == kind and not m.receipt_read and m.receipt_visible(now)
        ]
        data = paginate(records, c.query, c.request.url, MessageRecord.receipt)
        return ok("Here are your delivery receipts.", data)

    return handler


def cancel_one(kind: str) -> Handler:
    """Return the handler cancelling one scheduled message of a channel."""

    def handler(s: Service, c: Ctx) -> Reply:
        m = s.world.by_id.get(c.params["message_id"].upper())
        if m is None or m.kind != kind:
            return not_found("Message not found.")
        if not m.pending(c.now):
            return invalid(
                {"message_id": "Only scheduled messages that are not yet due can be cancelled."},
                "This message cannot be cancelled.",
            )
        cancel(s.world, m)
        if kind == "sms":
            return ok("Scheduled sms message has been cancelled.", None)
        return ok("Voice have been cancelled.", [])

    return handler


def cancel(world: World, m: MessageRecord) -> None:
    """Cancel a scheduled message and refund it."""
    m.cancelled = True
    # Scheduled messages are charged when accepted; cancelling refunds them.
    world.balance += m.price


def cancel_all(kind: str) -> Handler:
    """Return the handler cancelling a channel's scheduled messages."""

    def handler(s: Service, c: Ctx) -> Reply:
        custom = c.field("custom_string")
        count = 0
        for m in s.world.messages:
            if (
                m.kind == kind
                and m.pending(c.now)
                and (custom is None or m.custom_string == custom)
            ):
                cancel(s.world, m)
                count += 1
        noun = "sms messages" if kind == "sms" else "messages"
        return ok(f"{count} {noun} have been cancelled.", {"count": count})

    return handler


def date_before(c: Ctx) -> float | None:
    """Return the body's ``date_before`` as a number, or None."""
    raw = c.field("date_before")
    try:
        return None if raw is None or raw == "" else float(raw)
    except (TypeError, ValueError):
        return None
