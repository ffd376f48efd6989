"""Allowed email address models (the senders of email-to-SMS and email)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["EmailAddress"]


@attrs.frozen(kw_only=True)
class EmailAddress:
    """An allowed email address and whether it is verified."""

    email_address_id: int
    email_address: str | None = None
    verified: bool | None = None
    date_added: datetime | None = None
    extra: Mapping[str, Any] = extra_field()
