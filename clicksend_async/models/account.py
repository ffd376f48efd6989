"""Account models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, extra_field

__all__ = ["Account", "AccountUsage", "Subaccount", "SubaccountUsage", "UsageTotal"]


@attrs.frozen(kw_only=True)
class Subaccount:
    """The ``_subaccount`` block; ``api_key`` is a live credential and never shown in reprs."""

    subaccount_id: int | None = None
    api_username: str | None = None
    email: str | None = None
    phone_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    access_users: int | None = None
    access_billing: int | None = None
    access_reporting: int | None = None
    access_contacts: int | None = None
    access_settings: int | None = None
    access_smpp: int | None = None
    sms_deidentify_message: int | None = None
    access_sms: int | None = None
    access_mms: int | None = None
    access_voice: int | None = None
    access_email: int | None = None
    access_fax: int | None = None
    access_post: int | None = None
    access_reseller: int | None = None
    access_global_sending: int | None = None
    hide_pricing: int | None = None
    share_campaigns: int | None = None
    notes: str | None = None
    is_main: int | None = None
    api_key: str | None = attrs.field(default=None, repr=False)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Account:
    """The account behind the credentials (``GET /account``)."""

    user_id: int | None = None
    username: str | None = None
    user_email: str | None = None
    balance: Decimal | None = None
    user_phone: str | None = None
    user_first_name: str | None = None
    user_last_name: str | None = None
    account_name: str | None = None
    active: int | None = None
    banned: int | None = None
    date_sign_up: datetime | None = None
    country: str | None = None
    default_country_sms: str | None = None
    timezone: str | None = None
    setting_unicode_sms: int | None = None
    setting_sms_message_char_limit: int | None = None
    auto_recharge: int | None = None
    low_credit_amount: Decimal | None = None
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    subaccount: Subaccount | None = attrs.field(
        default=None, repr=False, metadata={"wire": "_subaccount"}
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SubaccountUsage:
    """One sub-account's use of one channel in the month.

    ``total_count`` arrives as ``"29.00"`` for SMS and as ``3992`` for email; both are read as
    whole numbers.
    """

    subaccount_id: int | None = None
    username: str | None = None
    total_count: int = 0
    total_price: Decimal = Decimal(0)
    notes: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class UsageTotal:
    """One channel's total for the month, over every sub-account."""

    count: int = 0
    price: Decimal = Decimal(0)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AccountUsage:
    """A month's usage per channel and sub-account (``GET /account/usage/{y}/{m}/subaccount``).

    Each channel (``sms``, ``mms``, ``voice`` ...) lists the sub-accounts that used it; its
    ``*_total`` sums them (None when ClickSend leaves it out).
    """

    sms: list[SubaccountUsage] = attrs.field(factory=list)
    mms: list[SubaccountUsage] = attrs.field(factory=list)
    voice: list[SubaccountUsage] = attrs.field(factory=list)
    fax: list[SubaccountUsage] = attrs.field(factory=list)
    post: list[SubaccountUsage] = attrs.field(factory=list)
    email: list[SubaccountUsage] = attrs.field(factory=list)
    email_transactional: list[SubaccountUsage] = attrs.field(factory=list)
    postcards: list[SubaccountUsage] = attrs.field(factory=list)
    sms_total: UsageTotal | None = None
    mms_total: UsageTotal | None = None
    voice_total: UsageTotal | None = None
    fax_total: UsageTotal | None = None
    post_total: UsageTotal | None = None
    email_total: UsageTotal | None = None
    email_transactional_total: UsageTotal | None = None
    postcards_total: UsageTotal | None = None
    currency: Currency | None = attrs.field(
        default=None, metadata={"wire": "_currency", "aliases": ("currency",)}
    )
    extra: Mapping[str, Any] = extra_field()
