"""Checks of caller input shared by the campaign, email, post and fax resources.

Each raises :class:`~clicksend_async._exceptions.ValidationError` naming the argument, before any
request is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import attrs

from .._exceptions import ValidationError
from .._validation import (
    DEFAULT_LIMITS,
    MMS_SUBJECT_MAX,
    check_email_address,
    check_sender,
    check_text,
    mms_body_info,
    sms_body_info,
)
from ._base import coerce, unix_or_none

__all__ = [
    "check_id",
    "check_mms_body",
    "check_sms_body",
    "check_subject",
    "email_list",
    "renamed",
    "sender",
    "unix",
    "update_payload",
]

T = TypeVar("T")


def renamed(field: str, check: Callable[[], T]) -> T:
    """Run ``check`` and report any ValidationError it raises under ``field``."""
    try:
        return check()
    except ValidationError as exc:
        raise ValidationError(exc.reason, field=field) from None


def check_id(value: Any, field: str) -> int:
    """Require a ClickSend id (a whole number from 1, or its digits as a string)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"must be an id (a whole number from 1), got {value!r}", field=field)
    return value


def sender(value: str | None) -> str | None:
    """Check a sender (``from``): a phone number or a 3-11 character alphanumeric ID."""
    if value is not None:
        renamed("from_", lambda: check_sender(value, "message"))
    return value


def check_sms_body(body: Any) -> str:
    """Require an SMS body within the part limit."""
    text = check_text(body, "body")
    renamed("body", lambda: sms_body_info(text, "message", None, DEFAULT_LIMITS))
    return text


def check_mms_body(body: Any) -> str:
    """Require an MMS body within MMS's length cap."""
    text = check_text(body, "body")
    renamed("body", lambda: mms_body_info(text, "message", None, DEFAULT_LIMITS))
    return text


def check_subject(subject: Any) -> str:
    """Require an MMS subject of at most 20 characters."""
    text = check_text(subject, "subject")
    if len(text) > MMS_SUBJECT_MAX:
        raise ValidationError(
            f"is {len(text)} characters; at most {MMS_SUBJECT_MAX}", field="subject"
        )
    return text


def unix(value: datetime | int | None, field: str = "schedule") -> int | None:
    """Return a datetime or Unix time as Unix seconds (None stays None)."""
    return unix_or_none(value, field)


def update_payload(**fields: Any) -> dict[str, Any]:
    """Return the given (non-None) fields; refuse an update that changes nothing."""
    payload = {k.rstrip("_"): v for k, v in fields.items() if v is not None}
    if not payload:
        raise ValidationError("nothing to update: give at least one field")
    return payload


def email_list(values: Any, cls: type[T], field: str) -> list[T]:
    """Coerce addresses (``"a@example.com"``, dicts or models) into ``cls`` and check each."""
    if values is None:
        return []
    if isinstance(values, str | Mapping) or not isinstance(values, Iterable):
        values = [values]
    out = []
    for i, value in enumerate(values):
        where = f"{field}[{i}]"
        item = coerce({"email": value} if isinstance(value, str) else value, cls, field=where)
        email = check_email_address(getattr(item, "email", None), f"{where}.email")
        out.append(attrs.evolve(item, email=email))
    return out
