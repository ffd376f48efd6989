"""Delivery receipts into the campaign journal, so a report shows delivered vs failed.

Receipts carry the ``custom_string`` the engine gave each row, so they map back to the row
whether they are pushed to a webhook (:class:`ReceiptRecorder` as ``on_receipt``) or polled
(:func:`poll_receipts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._pagination import raw_records
from .._session import Session
from ..webhooks import DeliveryReceipt, WebhookPayloadError, parse_receipt
from ._journal import Journal

__all__ = ["ReceiptRecorder", "poll_receipts", "record_receipts"]


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

    ClickSend's poll endpoints show only unread receipts; ``mark_read=True`` marks them read
    afterwards (``PUT /sms/receipts-read``) so the next poll sees only new ones.
    """
    matched = 0
    started = None
    receipts = []

    async def fetch(page: int) -> Any:
        return await session.data("GET", path, params={"page": page, "limit": 100})

    async for item in raw_records(fetch, where=path):
        try:
            receipt = parse_receipt(None, item)
        except WebhookPayloadError:
            continue
        receipts.append(receipt)
        if receipt.timestamp is not None and (started is None or receipt.timestamp > started):
            started = receipt.timestamp
        if len(receipts) >= 100:
            matched += record_receipts(journal, receipts)
            receipts = []
    matched += record_receipts(journal, receipts)
    if mark_read and started is not None:
        await session.data(
            "PUT",
            path.replace("/receipts", "/receipts-read"),
            json={"date_before": int(started.timestamp()) + 1},
        )
    return matched
