"""Email-to-SMS: the addresses allowed to text by email, and the strings stripped from emails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._state import SUBACCOUNT_ID
from ._common import missing, page_of

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]


def _addresses(s: Service, c: Ctx) -> Reply:
    items = list(s.world.records.table("email_sms").values())
    return ok("Here are some data.", page_of(items, c))


def _address_add(s: Service, c: Ctx) -> Reply:
    errors = missing(c.body, {"email_address": "email address"})  # "from" is optional
    address = c.field("email_address")
    if "email_address" not in errors and (not isinstance(address, str) or "@" not in address):
        errors["email_address"] = "The email address must be a valid email address."
    if errors:
        return invalid(errors)
    table = s.world.records.table("email_sms")
    if any(r["email_address"].lower() == address.lower() for r in table.values()):
        return invalid({"email_address": "The email address has already been taken."})
    email_id = s.world.records.new_id("email_sms")
    table[email_id] = {
        "email_address_id": email_id,
        "email_address": address,
        "from": None if c.field("from") is None else str(c.field("from")),
        "subaccount_id": SUBACCOUNT_ID,
        "from_fax": c.field("from_fax") or "",
        "voice": "female",
        "lang": "en-us",
        "_subaccount_name": s.world.username,
    }
    view = {k: table[email_id][k] for k in ("email_address_id", "email_address", "from")}
    return ok("New data has been saved.", view)


def _strings(s: Service, c: Ctx) -> Reply:
    items = list(s.world.records.table("stripped_strings").values())
    return ok("Here are your stripped strings.", page_of(items, c))


def _string_check(c: Ctx) -> dict[str, str]:
    value = c.field("strip_string")
    if not isinstance(value, str) or not value.strip():
        return {"strip_string": "The strip string field is required."}
    return {}


def _string_create(s: Service, c: Ctx) -> Reply:
    errors = _string_check(c)
    if errors:
        return invalid(errors)
    rule_id = s.world.records.new_id("stripped_strings")
    record = {"rule_id": rule_id, "strip_string": c.field("strip_string")}
    s.world.records.table("stripped_strings")[rule_id] = record
    return ok("Strip string has been created.", dict(record))


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    # The single-rule answers name the field stripped_string (the list and create: strip_string).
    return {"rule_id": record["rule_id"], "stripped_string": record["strip_string"]}


def _string_get(s: Service, c: Ctx) -> Reply:
    record = s.world.records.get("stripped_strings", c.params["rule_id"])
    if record is None:
        return not_found("Strip string not found.")
    return ok("Here is your result.", _shown(record))


def _string_update(s: Service, c: Ctx) -> Reply:
    record = s.world.records.get("stripped_strings", c.params["rule_id"])
    if record is None:
        return not_found("Strip string not found.")
    errors = _string_check(c)
    if errors:
        return invalid(errors)
    record["strip_string"] = c.field("strip_string")
    return ok("Strip string has been updated.", _shown(record))


def _string_delete(s: Service, c: Ctx) -> Reply:
    record = s.world.records.get("stripped_strings", c.params["rule_id"])
    if record is None:
        return not_found("Strip string not found.")
    del s.world.records.table("stripped_strings")[record["rule_id"]]
    return ok("Strip string has been deleted.", True)


def register(router: Router) -> None:
    """Add the email-to-SMS routes."""
    router.add("GET", "/sms/email-sms", _addresses)
    router.add("POST", "/sms/email-sms", _address_add)
    router.add("GET", "/sms/email-sms-stripped-strings", _strings)
    router.add("POST", "/sms/email-sms-stripped-strings", _string_create)
    router.add("GET", "/sms/email-sms-stripped-strings/{rule_id}", _string_get)
    router.add("PUT", "/sms/email-sms-stripped-strings/{rule_id}", _string_update)
    router.add("DELETE", "/sms/email-sms-stripped-strings/{rule_id}", _string_delete)
