"""Referral models: the accounts that signed up through your referral."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["Referral"]


@attrs.frozen(kw_only=True)
class Referral:
    """A referred account and the commission it earns you (``refered_user_id``: sic)."""

    referral_rule_id: int
    refered_user_id: int | None = attrs.field(
        default=None, metadata={"aliases": ("referred_user_id",)}
    )
    date_referred: datetime | None = None
    percentage_referral: Decimal | None = None
    extra: Mapping[str, Any] = extra_field()
