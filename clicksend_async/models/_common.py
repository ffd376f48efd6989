"""Shared model pieces: currency block, message status constants, timestamp conversion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from .._exceptions import ValidationError

__all__ = ["Currency", "MessageStatus", "extra_field", "to_unix"]


def extra_field() -> Any:
    """Return the attrs field that keeps unknown keys (excluded from eq and repr)."""
    return attrs.field(factory=dict, eq=False, repr=False, kw_only=True)


def to_unix(value: datetime | int | float | None) -> int | None:
    """Convert an aware datetime or a Unix time into whole Unix seconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(
                "must be a timezone-aware datetime (or a Unix time)", field="schedule"
            )
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"must be a datetime or Unix time, got {value!r}", field="schedule")
    if not 0 <= value <= _MAX_UNIX:  # also refuses NaN (no comparison holds) and infinities
        raise ValidationError(
            f"{value!r} is not a Unix time between 1970 and 9999", field="schedule"
        )
    return int(value)


#: 9999-12-31T23:59:59Z, the last second a datetime (and ClickSend's date fields) can hold.
_MAX_UNIX = 253_402_300_799


class MessageStatus:
    """Per-message ``status`` values ClickSend documents (an open set: compare, don't enum)."""

    SUCCESS: Final = "SUCCESS"
    MISSING_CREDENTIALS: Final = "MISSING_CREDENTIALS"
    ACCOUNT_NOT_ACTIVATED: Final = "ACCOUNT_NOT_ACTIVATED"
    INVALID_RECIPIENT: Final = "INVALID_RECIPIENT"
    THROTTLED: Final = "THROTTLED"
    INVALID_SENDER_ID: Final = "INVALID_SENDER_ID"
    INSUFFICIENT_CREDIT: Final = "INSUFFICIENT_CREDIT"
    INVALID_CREDENTIALS: Final = "INVALID_CREDENTIALS"
    ALREADY_EXISTS: Final = "ALREADY_EXISTS"
    EMPTY_MESSAGE: Final = "EMPTY_MESSAGE"
    TOO_MANY_RECIPIENTS: Final = "TOO_MANY_RECIPIENTS"
    MISSING_REQUIRED_FIELDS: Final = "MISSING_REQUIRED_FIELDS"
    INVALID_SCHEDULE: Final = "INVALID_SCHEDULE"
    NOT_ENOUGH_PERMISSION_TO_LIST_ID: Final = "NOT_ENOUGH_PERMISSION_TO_LIST_ID"
    INTERNAL_ERROR: Final = "INTERNAL_ERROR"
    INVALID_LANG: Final = "INVALID_LANG"
    INVALID_VOICE: Final = "INVALID_VOICE"
    SUBJECT_REQUIRED: Final = "SUBJECT_REQUIRED"
    INVALID_MEDIA_FILE: Final = "INVALID_MEDIA_FILE"
    SOMETHING_IS_WRONG: Final = "SOMETHING_IS_WRONG"
    COUNTRY_NOT_ENABLED: Final = "COUNTRY_NOT_ENABLED"
    REGISTRATION_NEEDED: Final = "REGISTRATION_NEEDED"

    #: Statuses that mean the message was accepted for delivery.
    ACCEPTED: Final = frozenset({"SUCCESS", "QUEUED"})
    #: History statuses (``/sms/history``, in its own spelling) of messages ClickSend took and
    #: has not failed or cancelled; compared in lower case.
    ACCEPTED_HISTORY: Final = frozenset(
        {"queued", "scheduled", "waitapproval", "sent", "completed"}
    )
    #: Statuses that mean "not sent, try again shortly".
    TRANSIENT: Final = frozenset({"THROTTLED"})


@attrs.frozen(kw_only=True)
class Currency:
    """The ``_currency`` block of money-bearing responses."""

    currency_name_short: str | None = None
    currency_prefix_d: str | None = None
    currency_prefix_c: str | None = None
    currency_name_long: str | None = None
    min_recharge_amount: Decimal | None = None
    max_recharge_amount: Decimal | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def code(self) -> str | None:
        """Return the ISO currency code, e.g. "AUD"."""
        return self.currency_name_short
