"""Fax models (ClickSend's 2021 spec; the current spec dropped fax)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, MessageStatus, extra_field

__all__ = ["Fax", "FaxMessage", "FaxReceipt", "FaxResult"]


@attrs.frozen(kw_only=True)
class FaxMessage:
    """One fax to send: the recipient's fax number and optional sender, schedule and tag.

    The document itself is the request's ``file_url`` (a PDF), shared by every message.
    """

    to: str
    from_: str | None = None
    country: str | None = None
    schedule: datetime | None = None
    custom_string: str | None = None
    from_email: str | None = None
    source: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Fax:
    """A fax as priced, sent, or shown in the history and receipts."""

    message_id: str | None = None
    status: str = ""
    to: str | None = None
    from_: str | None = None
    country: str | None = None
    message_pages: Decimal | None = None
    message_price: Decimal | None = None
    schedule: datetime | None = None
    date_added: datetime | None = None
    custom_string: str | None = None
    from_email: str | None = None
    status_code: str | None = None
    status_text: str | None = None
    carrier: str | None = None
    list_id: str | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    file_url: str | None = attrs.field(default=None, metadata={"wire": "_file_url"})
    extra: Mapping[str, Any] = extra_field()

    @property
    def accepted(self) -> bool:
        """Return True when ClickSend accepted the fax (``SUCCESS``, or a history status)."""
        status = self.status or ""
        return status in MessageStatus.ACCEPTED or status.lower() in MessageStatus.ACCEPTED_HISTORY


@attrs.frozen(kw_only=True)
class FaxResult:
    """The answer to sending or pricing faxes: totals and one :class:`Fax` per message."""

    messages: tuple[Fax, ...] = ()
    total_count: int = 0
    queued_count: int = 0
    total_price: Decimal = Decimal(0)
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()

    @property
    def rejected(self) -> list[Fax]:
        """Return the faxes ClickSend refused, each with its ``status``."""
        return [m for m in self.messages if not m.accepted]


@attrs.frozen(kw_only=True)
class FaxReceipt:
    """A fax delivery receipt (``status_code`` a string: ``"201"`` is delivered)."""

    message_id: str | None = None
    status_code: str | None = None
    status_text: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    custom_string: str | None = None
    timestamp: datetime | None = None
    timestamp_send: datetime | None = None
    message_type: str | None = None
    subaccount_id: int | None = None
    extra: Mapping[str, Any] = extra_field()
