"""Statistics models: message counts and costs per day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, extra_field

__all__ = ["Statistics", "StatisticsDay", "Tally"]


@attrs.frozen(kw_only=True)
class Tally:
    """A count of messages and what they cost."""

    count: int = 0
    price: Decimal = Decimal(0)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class StatisticsDay:
    """One day's tallies (``date`` is None on the totals)."""

    date: datetime | None = None
    outbound: Tally | None = None
    inbound: Tally | None = None
    bounced: Tally | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Statistics:
    """SMS or voice statistics: the totals and one entry per day."""

    total: StatisticsDay | None = None
    stats: list[StatisticsDay] = attrs.field(factory=list)
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()
