"""Account models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, extra_field

__all__ = ["Account", "Subaccount"]


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
