"""SMS models beyond sending: delivery receipts, inbound messages, templates.

One model per concept, however it arrived: :class:`DeliveryReceipt` and
:class:`InboundMessage` are what ``GET /sms/receipts`` and ``GET /sms/inbound`` return (polling)
*and* what :mod:`clicksend_async.webhooks` parses from a pushed webhook. ``SmsReceipt`` and
``InboundSms`` are the older names of the same classes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from ._common import extra_field

__all__ = [
    "DeliveryReceipt",
    "DeliveryState",
    "InboundMessage",
    "InboundSms",
    "ReceiptStatus",
    "SmsReceipt",
    "SmsTemplate",
]


class ReceiptStatus:
    """Delivery-receipt ``status_code`` values ClickSend documents (an open set of strings)."""

    #: Sent or queued: a temporary success.
    SENT: Final = "200"
    #: Received on the handset: final.
    DELIVERED: Final = "201"
    #: Temporary failure; ClickSend retries.
    TEMPORARY_FAILURE: Final = "300"
    #: Permanent failure: final.
    PERMANENT_FAILURE: Final = "301"
    #: Temporary failure at the supplier (routing).
    ROUTING_FAILURE: Final = "302"

    #: Codes after which no further receipt is expected.
    FINAL: Final = frozenset({"201", "301"})


class DeliveryState(enum.StrEnum):
    """Say where a message stands, as derived from a delivery receipt."""

    DELIVERED = "delivered"
    FAILED = "failed"
    PENDING = "pending"


_STATE_BY_STATUS_CODE: Final[Mapping[str, DeliveryState]] = {
    "200": DeliveryState.PENDING,
    "201": DeliveryState.DELIVERED,
    "300": DeliveryState.PENDING,
    "301": DeliveryState.FAILED,
    "302": DeliveryState.PENDING,
}
_STATE_BY_STATUS_WORD: Final[Mapping[str, DeliveryState]] = {
    "delivered": DeliveryState.DELIVERED,
    "undelivered": DeliveryState.FAILED,
    # MMS receipts carry a word in status_code (apiary ``GET /mms/receipts``: "Completed").
    "completed": DeliveryState.DELIVERED,
    "failed": DeliveryState.FAILED,
}


@attrs.frozen(kw_only=True)
class DeliveryReceipt:
    """A delivery receipt (DLR) for an SMS, MMS or voice message, polled or pushed.

    ``status_code`` stays a string (``"201"``); compare it with :class:`ReceiptStatus`, or use
    :attr:`state`, :attr:`delivered` and :attr:`is_final`. ``error_code`` is ``None`` when
    there was no error. A webhook receipt always has ``message_id``; ``status_code`` is ``""``
    when the webhook carried only a ``status`` word. The 2021 API spelled ``message_type`` as
    ``_message_type``; both are read. ``extra`` keeps unknown keys (webhook values as text) and
    takes no part in equality or ``repr``.
    """

    message_id: str | None = None
    status_code: str | None = None
    status: str | None = None
    status_text: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    custom_string: str | None = None
    timestamp_send: datetime | None = None
    timestamp: datetime | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    message_type: str | None = attrs.field(default=None, metadata={"aliases": ("_message_type",)})
    digits: str | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def state(self) -> DeliveryState:
        """Map ``status_code`` (or, for an unknown code, the ``status`` word) to a state."""
        code = (self.status_code or "").strip()
        state = _STATE_BY_STATUS_CODE.get(code) or _STATE_BY_STATUS_WORD.get(code.lower())
        if state is None and self.status is not None:
            state = _STATE_BY_STATUS_WORD.get(self.status.strip().lower())
        return DeliveryState.PENDING if state is None else state

    @property
    def delivered(self) -> bool:
        """Return True when the message reached the handset."""
        return self.state is DeliveryState.DELIVERED

    @property
    def is_final(self) -> bool:
        """Return True when no further receipt is expected (delivered or permanently failed)."""
        return self.state is not DeliveryState.PENDING


@attrs.frozen(kw_only=True)
class InboundMessage:
    """A message someone sent to you (usually a reply), polled or pushed.

    ``from_`` is the handset that wrote, ``to`` your number; ``original_message_id`` and
    ``original_body`` describe the outbound message being replied to. One documented example
    carries ``timestamp_send`` instead of ``timestamp``; both are read into ``timestamp``. A
    webhook message always has ``message_id`` and ``body`` (which may be ``""``).
    """

    message_id: str | None = None
    body: str | None = None
    from_: str | None = None
    to: str | None = None
    timestamp: datetime | None = attrs.field(
        default=None, metadata={"aliases": ("timestamp_send",)}
    )
    original_message_id: str | None = None
    original_body: str | None = None
    custom_string: str | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    keyword: str | None = attrs.field(default=None, metadata={"wire": "_keyword"})
    extra: Mapping[str, Any] = extra_field()


#: The older name of :class:`DeliveryReceipt` (polled receipts); the same class.
SmsReceipt = DeliveryReceipt
#: The older name of :class:`InboundMessage` (polled inbound messages); the same class.
InboundSms = InboundMessage


@attrs.frozen(kw_only=True)
class SmsTemplate:
    """A saved SMS template."""

    template_id: int | None = None
    template_name: str | None = None
    body: str | None = None
    extra: Mapping[str, Any] = extra_field()
