"""Recharge models: the payment card on file, credit packages, purchases and transactions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["PackagePurchase", "PaymentCard", "RechargePackage", "Transaction"]


@attrs.frozen(kw_only=True)
class PaymentCard:
    """The card on file, as ClickSend shows it (masked: ``XXXX-XXXX-XXXX-4242``)."""

    display_number: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class RechargePackage:
    """A credit package: its price and what it buys (``extra`` has every per-channel rate)."""

    package_id: int
    package_price: Decimal | None = None
    sms_price: Decimal | None = None
    sms_quantity: int | None = None
    mms_price: Decimal | None = None
    mms_quantity: int | None = None
    voice_mobile_price: Decimal | None = None
    voice_mobile_quantity: int | None = None
    email_price: Decimal | None = None
    email_quantity: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class PackagePurchase:
    """The answer to a package purchase: what was charged."""

    user_id: int | None = None
    amount: Decimal | None = None
    currency: str | None = None
    amount_aud: Decimal | None = None
    date: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Transaction:
    """A payment on the account (a recharge), by invoice number."""

    invoice_number: str
    amount: Decimal | None = None
    currency: str | None = None
    date: datetime | None = None
    extra: Mapping[str, Any] = extra_field()
