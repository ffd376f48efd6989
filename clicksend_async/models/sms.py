"""SMS models beyond sending: polled inbound messages, delivery receipts, templates.

Receipts and inbound messages here are what ``GET /sms/receipts`` and ``GET /sms/inbound``
return (polling). Pushed webhooks are parsed by :mod:`clicksend_async.webhooks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from ._common import extra_field

__all__ = ["InboundSms", "ReceiptStatus", "SmsReceipt", "SmsTemplate"]


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


@attrs.frozen(kw_only=True)
class SmsReceipt:
    """A delivery receipt for an SMS or MMS (``message_type`` says which).

    ``status_code`` stays a string (``"201"``); compare it with :class:`ReceiptStatus`.
    The 2021 API spelled ``message_type`` as ``_message_type``; both are read.
    """

    message_id: str | None = None
    status_code: str | None = None
    status_text: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    custom_string: str | None = None
    timestamp_send: datetime | None = None
    timestamp: datetime | None = None
    status: str | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    message_type: str | None = attrs.field(default=None, metadata={"aliases": ("_message_type",)})
    digits: str | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def delivered(self) -> bool:
        """Return True when the message reached the handset."""
        return self.status_code == ReceiptStatus.DELIVERED

    @property
    def is_final(self) -> bool:
        """Return True when no further receipt is expected (delivered or permanently failed)."""
        return self.status_code in ReceiptStatus.FINAL


@attrs.frozen(kw_only=True)
class InboundSms:
    """An SMS someone sent to you (usually a reply), as ``GET /sms/inbound`` lists it.

    ``from_`` is the handset that wrote, ``to`` your number; ``original_message_id`` and
    ``original_body`` describe the outbound message being replied to. One documented example
    carries ``timestamp_send`` instead of ``timestamp``; both are read into ``timestamp``.
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
    keyword: str | None = attrs.field(default=None, metadata={"wire": "_keyword"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SmsTemplate:
    """A saved SMS template."""

    template_id: int | None = None
    template_name: str | None = None
    body: str | None = None
    extra: Mapping[str, Any] = extra_field()
