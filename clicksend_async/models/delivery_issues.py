"""Delivery-issue models: reports to ClickSend support about a message that did not arrive."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["DeliveryIssue"]


@attrs.frozen(kw_only=True)
class DeliveryIssue:
    """A reported delivery issue and what support said about it.

    ``issue_id`` is an integer (the list's schema says string; its example and every other
    answer say integer: both are read).
    """

    issue_id: int
    message_id: str | None = None
    type: str | None = None
    email_address: str | None = None
    description: str | None = None
    client_comments: str | None = None
    support_comments: str | None = None
    status: str | None = None
    resolved: bool | None = None
    date_added: datetime | None = None
    user_id: int | None = None
    extra: Mapping[str, Any] = extra_field()
