"""Delivery receipts into the campaign journal, so a report shows delivered vs failed.

Receipts carry the ``custom_string`` the engine gave each row, so they map back to the row
whether they are pushed to a webhook (:class:`ReceiptRecorder` as ``on_receipt``) or polled
(:func:`poll_receipts`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from .._pagination import raw_records
from .._session import Session
from ..webhooks import DeliveryReceipt, WebhookPayloadError, parse_receipt
from ._journal import Journal

__all__ = ["ReceiptRecorder", "poll_receipts", "record_receipts"]

logger = logging.getLogger("clicksend_async.bulk")


def record_receipts(journal: Journal, receipts: Iterable[DeliveryReceipt]) -> int:
    """Store each receipt's delivery state on its row; return how many rows matched."""
    return journal.record_deliveries(
        (str(r.state), r.status_code or None, r.custom_string, r.message_id) for r in receipts
    )


class ReceiptRecorder:
    """An ``on_receipt`` callback for :func:`webhook_routes` that updates a journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.matched = 0
        self.unmatched = 0

    def __call__(self, receipt: DeliveryReceipt) -> None:
        if record_receipts(self.journal, [receipt]):
            self.matched += 1
        else:
            self.unmatched += 1


async def poll_receipts(
    session: Session, journal: Journal, *, path: str = "/sms/receipts", mark_read: bool = False
) -> int:
    """Read every unread receipt from ``/sms/receipts`` into the journal; return rows matched.

    ClickSend's poll endpoints show only unread receipts; ``mark_read=True`` then marks read
    (``PUT /sms/receipts-read``) the receipts *before* the newest one recorded, so that nothing
    unseen is hidden: receipts of that same second stay unread and are read again next time
    (recording is idempotent). A record that cannot be parsed is logged, left unread, and
    holds the cut-off back to its own time. (ClickSend only marks by time: a receipt that
    reaches it during the poll, timestamped earlier than the cut-off, is still marked read.)
    """
    matched = 0
    newest: int | None = None
    hold: int | None = None
    skipped = 0
    receipts = []

    async def fetch(page: int) -> Any:
        return await session.data("GET", path, params={"page": page, "limit": 100})

    async for item in raw_records(fetch, where=path):
        try:
            receipt = parse_receipt(None, item)
        except WebhookPayloadError as exc:
            skipped += 1
            logger.warning("%s: skipped a receipt that cannot be read (%s): %r", path, exc, item)
            when = _seconds(item.get("timestamp") if isinstance(item, Mapping) else None)
            if when is not None and (hold is None or when < hold):
                hold = when
            continue
        receipts.append(receipt)
        if receipt.timestamp is not None:
            when = int(receipt.timestamp.timestamp())
            if newest is None or when > newest:
                newest = when
        if len(receipts) >= 100:
            matched += record_receipts(journal, receipts)
            receipts = []
    matched += record_receipts(journal, receipts)
    if mark_read and newest is not None:
        cutoff = newest if hold is None else min(newest, hold)
        await session.data(
            "PUT", path.replace("/receipts", "/receipts-read"), json={"date_before": cutoff}
        )
    if skipped:
        logger.warning("%s: %d receipt(s) could not be read and were left unread", path, skipped)
    return matched


def _seconds(value: Any) -> int | None:
    """Return a Unix time in whole seconds from a receipt's raw timestamp, if it has one."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None
