"""Post models: return addresses, letters, postcards and direct mail.

Letters, postcards and direct mail come from ClickSend's 2021 spec (the current spec dropped
them); return addresses are in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, extra_field

__all__ = [
    "DetectedAddress",
    "DirectMailArea",
    "DirectMailCampaign",
    "DirectMailLocation",
    "DirectMailResult",
    "Letter",
    "LetterResult",
    "PostRecipient",
    "Postcard",
    "PostcardResult",
    "ReturnAddress",
]


@attrs.frozen(kw_only=True)
class ReturnAddress:
    """A sender address printed on your letters and postcards."""

    return_address_id: int
    address_name: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_postal_code: str | None = None
    address_country: str | None = None
    user_id: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class PostRecipient:
    """Where one letter or postcard goes, and which return address it carries."""

    address_name: str
    address_line_1: str
    address_city: str
    address_postal_code: str
    address_country: str
    address_line_2: str | None = None
    address_state: str | None = None
    return_address_id: int | None = None
    schedule: datetime | None = None
    custom_string: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Letter:
    """A letter as priced, sent or shown in the letter history."""

    message_id: str | None = None
    status: str | None = None
    address_name: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_postal_code: str | None = None
    address_country: str | None = None
    return_address_id: int | None = None
    post_pages: int | None = None
    post_price: Decimal | None = None
    colour: bool | None = None
    duplex: bool | None = None
    priority_post: bool | None = None
    schedule: datetime | None = None
    date_added: datetime | None = None
    custom_string: str | None = None
    source: str | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    file_url: str | None = attrs.field(default=None, metadata={"wire": "_file_url"})
    return_address: ReturnAddress | None = attrs.field(
        default=None, metadata={"wire": "_return_address"}
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Postcard:
    """A postcard as priced, sent or shown in the postcard history."""

    message_id: str | None = None
    status: str | None = None
    address_name: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_postal_code: str | None = None
    address_country: str | None = None
    return_address_id: int | None = None
    post_price: Decimal | None = None
    schedule: datetime | None = None
    date_added: datetime | None = None
    custom_string: str | None = None
    letter_file_name: str | None = None
    source: str | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    file_url: str | None = attrs.field(default=None, metadata={"wire": "_file_url"})
    return_address: ReturnAddress | None = attrs.field(
        default=None, metadata={"wire": "_return_address"}
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class LetterResult:
    """The answer to sending or pricing letters: one :class:`Letter` per recipient."""

    recipients: tuple[Letter, ...] = ()
    total_count: int = 0
    queued_count: int = 0
    total_price: Decimal = Decimal(0)
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class PostcardResult:
    """The answer to sending or pricing postcards: one :class:`Postcard` per recipient."""

    recipients: tuple[Postcard, ...] = ()
    total_count: int = 0
    queued_count: int = 0
    total_price: Decimal = Decimal(0)
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DetectedAddress:
    """The postal address ClickSend read from a letter (``/post/letters/detect-address``)."""

    address_name: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_postal_code: str | None = None
    address_country: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DirectMailArea:
    """How many flyers go to one delivery area (a location id from ``locations()``).

    A request needs ``quantity``; the send answer's areas leave it out.
    """

    location_id: int
    quantity: int | None = None
    campaign_id: int | None = None
    price: Decimal | None = None
    status: str | None = None
    country_code: str | None = None
    place_name: str | None = None
    postal_code: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DirectMailCampaign:
    """A direct-mail campaign: flyers delivered to every letterbox of some areas."""

    campaign_id: int | None = None
    name: str | None = None
    status: str | None = None
    size: str | None = None
    schedule: datetime | None = None
    date_added: datetime | None = None
    custom_string: str | None = None
    source: str | None = None
    user_id: int | None = None
    areas: tuple[DirectMailArea, ...] = attrs.field(default=(), metadata={"wire": "_areas"})
    total_quantity: int | None = attrs.field(default=None, metadata={"wire": "_total_quantity"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DirectMailResult:
    """The answer to sending or pricing a direct-mail campaign."""

    campaign: DirectMailCampaign | None = attrs.field(default=None, metadata={"wire": "data"})
    total_price: Decimal = Decimal(0)
    total_quantity: int = 0
    currency: Currency | None = attrs.field(
        default=None, metadata={"wire": "currency", "aliases": ("_currency",)}
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DirectMailLocation:
    """A place direct mail can be delivered to."""

    location_id: int
    place_name: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy: int | None = None
    extra: Mapping[str, Any] = extra_field()
