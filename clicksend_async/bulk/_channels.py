"""Channels (SMS, MMS, voice: how a message is built, checked, sent, priced and looked up) and
the lenient readers of ClickSend's numbers and prices that every stage shares."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from .._validation import (
    Limits,
    check_row_fields,
    mms_body_info,
    mms_static_checks,
    sms_body_info,
    sms_static_checks,
    voice_body_info,
    voice_static_checks,
)
from ..models.messages import MmsMessage, SmsMessage, VoiceMessage
from ..segments import SegmentInfo

__all__ = ["SMS", "VOICE", "Channel", "mms_channel"]


StaticCheck = Callable[[Any, int | None, Limits, float], None]
BodyInfo = Callable[[str, str, int | None, Limits], SegmentInfo]


@attrs.frozen
class Channel:
    """How one kind of message is built, validated, sent, priced and looked up.

    Validation comes in the three parts every message validator is made of
    (``_validation.validate_sms`` ...): :func:`check_row_fields` (body and recipient, which
    change per row), ``check_static`` (the fields a campaign's rows share) and ``body_info``
    (length and segments). The engine checks the shared part once per campaign.
    """

    name: str
    message_cls: type[Any]
    send_path: str
    price_path: str
    history_path: str
    check_static: StaticCheck = attrs.field(repr=False)
    body_info: BodyInfo = attrs.field(repr=False)

    def validate(self, message: Any, row: int, limits: Limits, now: float) -> SegmentInfo:
        """Check one whole message (all three parts) and return its segment count."""
        body = check_row_fields(
            message.body, message.to, message.list_id, message.country, "message", row
        )
        self.check_static(message, row, limits, now)
        return self.body_info(body, "message", row, limits)


SMS = Channel(
    "sms",
    SmsMessage,
    "/sms/send",
    "/sms/price",
    "/sms/history",
    lambda m, row, limits, now: sms_static_checks(m, "message", row, limits, now),
    sms_body_info,
)
VOICE = Channel(
    "voice",
    VoiceMessage,
    "/voice/send",
    "/voice/price",
    "/voice/history",
    lambda m, row, limits, now: voice_static_checks(m, "message", row, limits, now),
    voice_body_info,
)


def mms_channel(media_file: str) -> Channel:
    """Return the MMS channel for one media file."""
    return Channel(
        "mms",
        MmsMessage,
        "/mms/send",
        "/mms/price",
        "/mms/history",
        lambda m, row, limits, now: mms_static_checks(m, media_file, "message", row, limits, now),
        mms_body_info,
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        price = Decimal(str(value))
    except ArithmeticError:
        return None
    return price if price.is_finite() else None  # "inf" / "NaN" are no price


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_compact_json() -> Callable[[Any], str]:
    """Return ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)`` for one payload.

    ``JSONEncoder.encode`` builds a new C encoder on every call, which is half the cost of
    encoding a message payload; this builds it once. The planning loop calls it once per row.
    Without the C accelerator (not CPython) it falls back to ``JSONEncoder``.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    chunks = make(
        None,  # markers: payloads are trees of plain values, never cyclic
        _not_serializable,
        json.encoder.encode_basestring,  # ensure_ascii=False
        None,  # indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )
    join = "".join
    return lambda value: join(chunks(value, 0))


_compact_json = _make_compact_json()


def payload_writer(base: dict[str, Any]) -> Callable[[str | None, str, str | None, str], str]:
    """Return ``write(to, body, country, custom_string)``: ``_compact_json`` of a row's payload.

    That payload is ``base`` (the campaign's fields, without ``to`` and ``body``), then ``to``,
    ``body``, the row's own ``country`` (None: it has none) and ``custom_string``, in that order:
    what planning builds and encodes for each dict row. The campaign's part is encoded once and
    each row's strings are added to it with the encoder's own string function, so the text is
    the same, byte for byte, for less work. ``base`` must hold no ``custom_string``.
    """
    head = _compact_json(base)[:-1]  # "{...}" without its closing brace
    if head != "{":
        head += ","
    has_country = "country" in base
    string = json.encoder.encode_basestring  # what _compact_json encodes strings with

    def write(to: str | None, body: str, country: str | None, custom: str) -> str:
        if to is not None:
            if country is None:
                return (
                    f'{head}"to":{string(to)},"body":{string(body)},'
                    f'"custom_string":{string(custom)}}}'
                )
            if not has_country:
                return (
                    f'{head}"to":{string(to)},"body":{string(body)},"country":{string(country)},'
                    f'"custom_string":{string(custom)}}}'
                )
        # The row's country replaces the campaign's in its place (or there is no number).
        payload = base.copy()
        payload["to"] = to
        payload["body"] = body
        if country is not None:
            payload["country"] = country
        payload["custom_string"] = custom
        return _compact_json(payload)

    return write


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):  # "inf" is a float, not a part count
        return None


#: The most a message can cost (in the account's currency) for its price to be believed: an
#: answer's price past it, or below zero, is no price (the row's estimate stands in), and
#: never an amount a sum could overflow on.
_PRICE_LIMIT = Decimal(1_000_000)


def _price(value: Any) -> Decimal | None:
    """Return a message's price read leniently, or None when there is none to believe."""
    price = _decimal(value)
    if price is None or not 0 <= price <= _PRICE_LIMIT:
        return None
    return price


def _price_of(
    value: Any, cache: dict[str, tuple[Decimal | None, str | None]]
) -> tuple[Decimal | None, str | None]:
    """Return ``_price(value)`` and its text; a price string is parsed once per ``cache``."""
    if type(value) is str:
        found = cache.get(value)
        if found is None:
            price = _price(value)
            found = cache[value] = (price, None if price is None else str(price))
        return found
    price = _price(value)
    return price, None if price is None else str(price)


#: The most parts a message is believed to have. ClickSend's longest messages have a few dozen;
#: a count past this is no count, and every store column (PostgreSQL's are 32-bit) holds it,
#: summed over a chunk too.
_MAX_PARTS = 100_000


def _parts_of(value: Any) -> int | None:
    """Return a message's part count read leniently (``_int``), or None when it is not one a
    message can have (below zero, or past ``_MAX_PARTS``)."""
    if type(value) is int:
        return value if 0 <= value <= _MAX_PARTS else None
    parts = _int(value)
    return parts if parts is not None and 0 <= parts <= _MAX_PARTS else None
