"""Delivery issues: reports to ClickSend support that a message did not arrive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._http import Ctx, Reply, Router, invalid, ok
from .._state import USER_ID
from ._common import missing, page_of

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

#: The spec's types ("must be one of the following values").
_TYPES: Final = (
    "SMS",
    "MMS",
    "VOICE",
    "EMAIL_MARKETING",
    "EMAIL_TRANSACTIONAL",
    "FAX",
    "POST",
)


def _list(s: Service, c: Ctx) -> Reply:
    items = list(s.world.records.table("delivery_issues").values())
    return ok("Here is your result.", page_of(items, c))


def _create(s: Service, c: Ctx) -> Reply:
    errors = missing(
        c.body,
        {
            "message_id": "message id",
            "type": "type",
            "description": "description",
            "email_address": "email address",
        },
    )
    kind = c.field("type")
    if "type" not in errors and (not isinstance(kind, str) or kind.upper() not in _TYPES):
        errors["type"] = "The type must be one of: " + ", ".join(_TYPES) + "."
    email = c.field("email_address")
    if "email_address" not in errors and (not isinstance(email, str) or "@" not in email):
        errors["email_address"] = "The email address must be a valid email address."
    if errors:
        return invalid(errors)
    issue_id = s.world.records.new_id("delivery_issues")
    record = {
        "issue_id": issue_id,
        "user_id": USER_ID,
        "message_id": str(c.field("message_id")),
        "type": kind.upper(),
        "description": c.field("description"),
        "client_comments": c.field("client_comments"),
        "support_comments": None,
        "status": None,
        "date_added": int(c.now),
        "resolved": 0,
        "email_address": email,
    }
    s.world.records.table("delivery_issues")[issue_id] = record
    # The create answer's documented shape has no comments, status or resolved flag.
    shown = ("issue_id", "user_id", "message_id", "type", "date_added", "email_address")
    return ok("New delivery issue has been created.", {k: record[k] for k in shown})


def register(router: Router) -> None:
    """Add the delivery-issue routes."""
    router.add("GET", "/delivery-issues", _list)
    router.add("POST", "/delivery-issues", _create)
