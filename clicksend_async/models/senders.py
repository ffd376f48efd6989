"""Sender models: own numbers, alpha tags, default senders and compliant sender types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from ._common import extra_field

__all__ = [
    "AllowedSenderCountries",
    "AllowedSenderType",
    "AlphaTag",
    "CompliantSenderTypes",
    "DefaultSender",
    "OwnNumber",
    "OwnNumberVerification",
    "SenderStrategy",
    "SenderType",
]


class SenderType:
    """``sender_type`` values of a default sender strategy."""

    ALPHA_TAG: Final = "alpha_tag"
    TEN_DLC: Final = "10DLC"
    TOLLFREE: Final = "tollfree"
    OWN_NUMBER: Final = "own_number"
    SHORTCODE: Final = "shortcode"
    LONGCODE: Final = "longcode"
    SHARED_LONGCODE: Final = "shared_longcode"
    ALL: Final = frozenset(
        {"alpha_tag", "10DLC", "tollfree", "own_number", "shortcode", "longcode", "shared_longcode"}
    )


@attrs.frozen(kw_only=True)
class OwnNumber:
    """A number of your own (a mobile you verified) usable as a sender ID."""

    id: str
    phone_number: str | None = None
    country: str | None = None
    label: str | None = None
    status: str | None = None
    verified_timestamp: datetime | None = None
    is_nearing_expiration: bool | None = None
    created_timestamp: datetime | None = None
    updated_timestamp: datetime | None = None
    account_id: str | None = None
    workspace_id: str | None = None
    user_id: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class OwnNumberVerification:
    """A one-time code sent to an own number, awaiting :meth:`verify`."""

    id: str
    own_number_id: str | None = None
    status: str | None = None
    expires_timestamp: datetime | None = None
    remaining_attempts: int | None = None
    created_timestamp: datetime | None = None
    updated_timestamp: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AlphaTag:
    """An alphanumeric sender ID (``MyCompany``) and its approval ``status``."""

    id: str
    alpha_tag: str | None = None
    status: str | None = None
    reason: str | None = None
    countries: tuple[str, ...] = ()
    created_timestamp: datetime | None = None
    updated_timestamp: datetime | None = None
    account_id: str | None = None
    workspace_id: str | None = None
    user_id: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SenderStrategy:
    """One way a default sender sends: which sender (``sender_id``) of which type."""

    sender_type: str
    sender_id: str
    sender_country_code: str | None = None
    priority: int | None = None
    status: str | None = None
    note: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DefaultSender:
    """The sender used for a country and product when a message names none."""

    id: str
    country_code: str | None = None
    product_type: str | None = None
    default_sender_strategies: list[SenderStrategy] = attrs.field(factory=list)
    status: str | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    created_timestamp: datetime | None = None
    updated_timestamp: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AllowedSenderCountries:
    """Where senders of one type may come from: anywhere (``global_``) or these countries."""

    global_: bool | None = None
    country_codes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AllowedSenderType:
    """A sender type allowed towards a country."""

    sender_type: str
    allowed_sender_countries: AllowedSenderCountries | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CompliantSenderTypes:
    """The sender types allowed and blocked towards one recipient country."""

    recipient_country_code: str
    allowed_sender_types: list[AllowedSenderType] = attrs.field(factory=list)
    blocked_sender_types: tuple[str, ...] = ()
    extra: Mapping[str, Any] = extra_field()
