"""Allowed email addresses and their verification."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._state import paginate

if TYPE_CHECKING:
    from .._app import Service


def _emails(s: Service, c: Ctx) -> Reply:
    items = list(s.world.email_addresses.values())
    return ok("Here are your email addresses", paginate(items, c.query, c.request.url, dict))


def _email_create(s: Service, c: Ctx) -> Reply:
    address = c.field("email_address")
    if not isinstance(address, str) or "@" not in address:
        return invalid({"email_address": "The email address field must be a valid email address."})
    email_id = s.world.new_email_id()
    record = {
        "email_address_id": email_id,
        "email_address": address,
        "verified": 0,
        "date_added": str(int(c.now)),
    }
    s.world.email_addresses[email_id] = record
    s.world.activation_tokens[email_id] = s.world.random_token(32)
    return ok("Email address has been created.", dict(record))


def _email(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.email_addresses.get(c.int_param("email_address_id") or -1)


def _email_get(s: Service, c: Ctx) -> Reply:
    record = _email(s, c)
    if record is None:
        return not_found("Email address not found.")
    return ok("Here is your email address.", dict(record))


def _email_delete(s: Service, c: Ctx) -> Reply:
    record = _email(s, c)
    if record is None:
        return not_found("Email address not found.")
    del s.world.email_addresses[record["email_address_id"]]
    return ok("Email address deleted.", None)


def _email_send_token(s: Service, c: Ctx) -> Reply:
    if _email(s, c) is None:
        return not_found("Email address not found.")
    return ok("Verification email has been sent.", None)


def _email_verify(s: Service, c: Ctx) -> Reply:
    record = _email(s, c)
    if record is None:
        return not_found("Email address not found.")
    if c.params["activation_token"] != s.world.activation_tokens.get(record["email_address_id"]):
        return invalid({"activation_token": "The activation token is invalid."})
    record["verified"] = 1
    return ok("Email address verified.", dict(record))


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/email/addresses", _emails)
    r.add("POST", "/email/addresses", _email_create)
    r.add("GET", "/email/addresses/{email_address_id}", _email_get)
    r.add("DELETE", "/email/addresses/{email_address_id}", _email_delete)
    r.add("PUT", "/email/address-verify/{email_address_id}/send", _email_send_token)
    r.add(
        "PUT", "/email/address-verify/{email_address_id}/verify/{activation_token}", _email_verify
    )
