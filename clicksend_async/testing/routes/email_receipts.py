"""Email delivery-receipt rules (``/automations/email/receipts``): where email receipts go."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from ._common import missing, page_of

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

_TABLE: Final = "email_receipt_rules"
_ACTIONS: Final = frozenset({"URL", "EMAIL_USER", "EMAIL_FIXED", "POLL", "NONE"})
_REQUIRED: Final = {
    "rule_name": "rule name",
    "match_type": "match type",
    "action": "action",
    "action_address": "action address",
    "enabled": "enabled",
}


def _check(body: Any, *, partial: bool) -> dict[str, str]:
    data = body if type(body) is dict else {}
    errors = {} if partial else missing(body, _REQUIRED)
    for field in ("match_type", "enabled"):
        value = data.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            errors[field] = f"The {field.replace('_', ' ')} must be an integer."
    if data.get("enabled") not in (None, 0, 1):
        errors["enabled"] = "The enabled field must be 0 or 1."
    action = data.get("action")
    if action is not None and action not in _ACTIONS:
        errors["action"] = "The action must be one of: " + ", ".join(sorted(_ACTIONS)) + "."
    for field in ("rule_name", "action_address"):
        if data.get(field) is not None and not isinstance(data[field], str):
            errors[field] = f"The {field.replace('_', ' ')} must be a string."
    return errors


def _list(s: Service, c: Ctx) -> Reply:
    items = list(s.world.records.table(_TABLE).values())
    return ok("Here is your result.", page_of(items, c))


def _create(s: Service, c: Ctx) -> Reply:
    errors = _check(c.body, partial=False)
    if errors:
        return invalid(errors)
    rule_id = s.world.records.new_id(_TABLE)
    record = {"receipt_rule_id": rule_id} | {k: c.body[k] for k in _REQUIRED}
    s.world.records.table(_TABLE)[rule_id] = record
    return ok("Automation email receipt rule has been created.", dict(record))


def _found(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.records.get(_TABLE, c.params["receipt_rule_id"])


def _get(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email receipt rule not found.")
    return ok("Here is your result.", dict(record))


def _update(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email receipt rule not found.")
    errors = _check(c.body, partial=True)
    if errors:
        return invalid(errors)
    for field in _REQUIRED:
        if c.field(field) is not None:
            record[field] = c.field(field)
    return ok("Automation email receipt rule has been updated.", dict(record))


def _delete(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email receipt rule not found.")
    del s.world.records.table(_TABLE)[record["receipt_rule_id"]]
    return ok("Automation email receipt rule has been deleted.", True)


def register(router: Router) -> None:
    """Add the email receipt-rule routes."""
    router.add("GET", "/automations/email/receipts", _list)
    router.add("POST", "/automations/email/receipts", _create)
    router.add("GET", "/automations/email/receipts/{receipt_rule_id}", _get)
    router.add("PUT", "/automations/email/receipts/{receipt_rule_id}", _update)
    router.add("DELETE", "/automations/email/receipts/{receipt_rule_id}", _delete)
