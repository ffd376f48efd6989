"""Message models: what we send (SmsMessage, MmsMessage, VoiceMessage) and what comes back.

Request models accept an aware ``datetime`` or a Unix time for ``schedule`` and carry any field
we do not model in ``extra`` (sent as is). Result models keep unknown response fields in
``extra``. ``status`` is an open string: compare it with :class:`MessageStatus` constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from ._common import Currency, MessageStatus, extra_field, to_unix

__all__ = [
    "HistoryExport",
    "MessageResult",
    "MmsMessage",
    "SendResult",
    "SmsMessage",
    "SmsSender",
    "VoiceMessage",
]


def _opt_str(value: str | int | None) -> str | None:
    return None if value is None else str(value)


@attrs.frozen(kw_only=True)
class SmsMessage:
    """One SMS to send (``messages[]`` item of ``POST /sms/send`` and ``/sms/price``)."""

    body: str
    to: str | None = None
    from_: str | None = None
    list_id: str | None = attrs.field(default=None, converter=_opt_str)
    schedule: int | None = attrs.field(default=None, converter=to_unix)
    custom_string: str | None = None
    country: str | None = None
    source: str | None = None
    from_email: str | None = None
    exclude_no_sender_id_recipients: bool | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class MmsMessage:
    """One MMS to send; the media file URL goes on the request, not the message."""

    body: str
    subject: str
    to: str | None = None
    from_: str | None = None
    list_id: str | None = attrs.field(default=None, converter=_opt_str)
    schedule: int | None = attrs.field(default=None, converter=to_unix)
    custom_string: str | None = None
    country: str | None = None
    source: str | None = None
    from_email: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class VoiceMessage:
    """One text-to-speech call to make."""

    body: str
    to: str | None = None
    voice: str = attrs.field(default="female", metadata={"send_default": True})
    lang: str = attrs.field(default="en-us", metadata={"send_default": True})
    from_: str | None = None
    list_id: str | None = attrs.field(default=None, converter=_opt_str)
    schedule: int | None = attrs.field(default=None, converter=to_unix)
    custom_string: str | None = None
    country: str | None = None
    source: str | None = None
    require_input: int | None = None
    machine_detection: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SmsSender:
    """A per-country sender override for ``senders=`` ("Smart Assign")."""

    recipient_country_code: str
    sender_id: str | None = None
    sender_type: str | None = None
    sender_country_code: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class MessageResult:
    """One message as ClickSend reports it: in send/price results and in history."""

    status: str = ""
    message_id: str | None = None
    to: str | None = None
    body: str | None = None
    from_: str | None = None
    custom_string: str | None = None
    message_parts: int | None = None
    message_price: Decimal | None = None
    schedule: datetime | None = None
    date: datetime | None = None
    date_added: datetime | None = None
    direction: str | None = None
    country: str | None = None
    carrier: str | None = None
    list_id: str | None = None
    contact_id: str | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    is_shared_system_number: bool | None = None
    from_email: str | None = None
    status_code: str | None = None
    status_text: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    subject: str | None = None
    media_file_url: str | None = attrs.field(default=None, metadata={"wire": "_media_file_url"})
    voice: str | None = None
    lang: str | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def accepted(self) -> bool:
        """Return True when ClickSend accepted the message for delivery.

        A send or price result says ``SUCCESS`` (or ``QUEUED``); a history record has its own
        words: ``Queued``, ``Scheduled``, ``WaitApproval``, ``Sent`` and ``Completed`` count,
        ``Failed`` and the cancelled ones do not.
        """
        status = self.status or ""
        return status in MessageStatus.ACCEPTED or status.lower() in MessageStatus.ACCEPTED_HISTORY


@attrs.frozen(kw_only=True)
class SendResult:
    """The ``data`` of a send or price call: totals, currency and per-message results."""

    total_price: Decimal = Decimal(0)
    total_count: int = 0
    queued_count: int = 0
    blocked_count: int | None = None
    messages: list[MessageResult] = attrs.field(factory=list)
    currency: Currency | None = attrs.field(
        default=None, metadata={"wire": "_currency", "aliases": ("currency",)}
    )
    summary: Any = attrs.field(default=None, repr=False, metadata={"wire": "_summary"})
    extra: Mapping[str, Any] = extra_field()

    @property
    def accepted(self) -> list[MessageResult]:
        """Return the messages ClickSend accepted."""
        return [m for m in self.messages if m.accepted]

    @property
    def rejected(self) -> list[MessageResult]:
        """Return the messages ClickSend refused, each with its ``status``."""
        return [m for m in self.messages if not m.accepted]


@attrs.frozen(kw_only=True, repr=False)
class HistoryExport:
    """A history export ready to download (``GET /sms|mms|voice/history/export``).

    ``url`` is the CSV file's download link. ClickSend answers a pre-signed link that expires
    after a while (20 minutes in the spec's example) and needs no credentials: anyone holding it
    can read your message history, so the repr shows only the file name.
    """

    url: str
    extra: Mapping[str, Any] = extra_field()

    def __repr__(self) -> str:
        return f"HistoryExport(filename={self.filename!r})"

    @property
    def filename(self) -> str | None:
        """Return the file name the link downloads as, when the link says (None when the link
        names none, or is not a URL urllib can split: ``http://[`` is a string the spec allows)."""
        try:
            query = parse_qs(urlsplit(self.url).query)
        except ValueError:
            return None
        names = query.get("filename")
        if names:
            return names[0]
        # A pre-signed S3 link names it in response-content-disposition instead.
        for disposition in query.get("response-content-disposition", []):
            for part in disposition.split(";"):
                key, _, value = part.strip().partition("=")
                if key.lower() == "filename" and value:
                    return value.strip('"')
        return None
