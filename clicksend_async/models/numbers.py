"""Dedicated number models: numbers you rent, numbers for sale, and a purchase."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, extra_field

__all__ = ["AvailableNumber", "DedicatedNumber", "NumberPurchase", "NumberStatus"]


@attrs.frozen(kw_only=True)
class NumberStatus:
    """A dedicated number's registration status (``label`` e.g. REGISTRATION_NOT_REQUIRED)."""

    value: int | None = None
    label: str | None = None
    name: str | None = None
    description: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DedicatedNumber:
    """A dedicated number on the account (``GET /numbers``)."""

    dedicated_number: str
    country: str | None = None
    country_name: str | None = attrs.field(default=None, metadata={"wire": "_country_name"})
    price: Decimal | None = None
    type: str | None = None
    number_type: str | None = None
    number_category: str | None = None
    number_guid: str | None = None
    notes: str | None = None
    status: NumberStatus | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AvailableNumber:
    """A number for sale (``GET /numbers/search/{country}``): what it costs to set up and keep."""

    dedicated_number: str
    country: str | None = None
    country_name: str | None = None
    price_setup: Decimal | None = None
    price_monthly: Decimal | None = None
    price_total: Decimal | None = None
    address_requirement: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class NumberPurchase:
    """The number just bought and what it cost."""

    dedicated_number: str
    country: str | None = None
    price_total: Decimal | None = None
    price_setup: Decimal | None = attrs.field(default=None, metadata={"wire": "_price_setup"})
    price_monthly: Decimal | None = attrs.field(default=None, metadata={"wire": "_price_monthly"})
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()
