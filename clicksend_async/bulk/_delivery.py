"""Delivery receipts into the campaign journal, so a report shows delivered vs failed.

Receipts carry the ``custom_string`` the engine gave each row, so they map back to the row
whether they are pushed to a webhook (:class:`ReceiptRecorder` as ``on_receipt``) or polled
(:func:`poll_receipts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
    page = 1
    started = None
    while True:
        data = await session.data("GET", path, params={"page": page, "limit": 100})
        items = data.get("data") if isinstance(data, Mapping) else data
        if not isinstance(items, list) or not items:
            break
        receipts = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            try:
                receipts.append(parse_receipt(None, item))
            except WebhookPayloadError:
                continue
            stamp = receipts[-1].timestamp
            if stamp is not None and (started is None or stamp > started):
                started = stamp
        matched += record_receipts(journal, receipts)
        last = data.get("last_page") if isinstance(data, Mapping) else None
        current = data.get("current_page") if isinstance(data, Mapping) else None
        if last is None or current is None or int(current) >= int(last):
            break
        page = int(current) + 1
    if mark_read and started is not None:
        await session.data(
            "PUT",
            path.replace("/receipts", "/receipts-read"),
            json={"date_before": int(started.timestamp()) + 1},
        )
    return matched
