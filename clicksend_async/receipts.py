"""Delivery receipts into a campaign's journal, pushed (a webhook) or polled.

Each campaign row carries the ``custom_string`` the engine gave it, so a receipt finds its row
whichever way it arrives::

    from clicksend_async.receipts import ReceiptRecorder, poll_receipts

    recorder = ReceiptRecorder(job.journal)            # a webhook's on_receipt callback
    app.mount("/clicksend", webhook_asgi_app(on_receipt=recorder, secret=SECRET))

    matched = await poll_receipts(cs, job.journal, mark_read=True)   # or poll instead
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .bulk._delivery import ReceiptRecorder, record_receipts
from .bulk._delivery import poll_receipts as _poll_receipts
from .bulk._journal import Journal

if TYPE_CHECKING:
    from ._client import ClickSendClient

__all__ = ["ReceiptRecorder", "poll_receipts", "record_receipts"]

_PATHS = {"sms": "/sms/receipts", "mms": "/mms/receipts", "voice": "/voice/receipts"}


async def poll_receipts(
    client: ClickSendClient,
    journal: Journal,
    *,
    channel: Literal["sms", "mms", "voice"] = "sms",
    mark_read: bool = False,
) -> int:
    """Read every unread receipt of ``channel`` into the journal; return how many rows matched.

    ClickSend's poll endpoints show only unread receipts. ``mark_read=True`` then marks read
    the receipts *before* the newest one recorded, so that nothing unseen is hidden (receipts
    of that same second are read again next time; recording is idempotent).
    """
    try:
        path = _PATHS[channel]
    except KeyError:
        raise ValueError(f"channel must be one of {sorted(_PATHS)}") from None
    return await _poll_receipts(client.session, journal, path=path, mark_read=mark_read)
