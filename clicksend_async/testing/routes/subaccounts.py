"""Subaccounts (with their API keys) and the forgotten-username/password requests.

The account's own subaccount (``is_main``) is listed first and cannot be deleted. Passwords
are checked for presence and never stored.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._state import SUBACCOUNT_ID, paginate

if TYPE_CHECKING:
    from .._app import Service
    from .._world import World

ACCESS_FLAGS: Final = (
    "access_smpp",
    "access_users",
    "access_billing",
    "access_reporting",
    "access_contacts",
    "access_settings",
    "access_sms",
    "access_email",
    "access_voice",
    "access_fax",
    "access_post",
    "access_reseller",
    "access_global_sending",
    "access_mms",
)
_REQUIRED: Final = ("api_username", "password", "email", "phone_number", "first_name", "last_name")
_TEXT: Final = ("email", "phone_number", "first_name", "last_name", "notes")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _subaccounts(world: World) -> dict[int, dict[str, Any]]:
    table = world.setup.subaccounts
    if not table:
        table[SUBACCOUNT_ID] = {
            "subaccount_id": SUBACCOUNT_ID,
            "api_username": world.username,
            "email": f"{world.username}@example.com",
            "phone_number": "+61400000000",
            "first_name": "Emulator",
            "last_name": "User",
            "api_key": world.api_key,
            **dict.fromkeys(ACCESS_FLAGS, 1),
            "access_smpp": 0,
            "access_reseller": 0,
            "hide_pricing": 0,
            "share_campaigns": 0,
            "notes": None,
            "is_main": 1,
            "sign_up_type": None,
        }
    return table


def _check(body: Any, *, partial: bool) -> dict[str, str]:
    if type(body) is not dict:
        return {"api_username": "The api username field is required."}
    errors = {}
    if not partial:
        for field in _REQUIRED:
            if not body.get(field):
                errors[field] = f"The {field.replace('_', ' ')} field is required."
    for field in (*_REQUIRED, "notes"):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            errors[field] = f"The {field.replace('_', ' ')} must be a string."
    email = body.get("email")
    if isinstance(email, str) and email and not _EMAIL.match(email):
        errors["email"] = "The email must be a valid email address."
    for flag in ACCESS_FLAGS:
        if flag in body and body[flag] not in (0, 1):
            errors[flag] = f"The {flag.replace('_', ' ')} must be 0 or 1."
    return errors


def _list(s: Service, c: Ctx) -> Reply:
    items = list(_subaccounts(s.world).values())
    return ok("SUCCESS", paginate(items, c.query, c.request.url, dict))


def _create(s: Service, c: Ctx) -> Reply:
    errors = _check(c.body, partial=False)
    table = _subaccounts(s.world)
    if not errors and any(a["api_username"] == c.body["api_username"] for a in table.values()):
        errors["api_username"] = "The api username has already been taken."
    if errors:
        return invalid(errors)
    setup = s.world.setup
    sub_id = setup.next_id("subaccount", 126)
    record: dict[str, Any] = {
        "subaccount_id": sub_id,
        "api_username": c.body["api_username"],
        **{field: c.body[field] for field in ("email", "phone_number", "first_name", "last_name")},
        "api_key": setup.new_uuid().upper(),
        **{flag: int(c.body.get(flag, 1 if flag != "access_smpp" else 0)) for flag in ACCESS_FLAGS},
        "access_reseller": 0,
        "hide_pricing": 0,
        "share_campaigns": 0,
        "notes": c.body.get("notes"),
        "is_main": 0,
        "sign_up_type": None,
    }
    table[sub_id] = record
    return ok("New account has been created.", dict(record))


def _one(s: Service, c: Ctx) -> dict[str, Any] | None:
    sub_id = c.int_param("subaccount_id")
    return None if sub_id is None else _subaccounts(s.world).get(sub_id)


def _get(s: Service, c: Ctx) -> Reply:
    record = _one(s, c)
    if record is None:
        return not_found("Subaccount not found.")
    return ok("Here are your data.", dict(record))


def _update(s: Service, c: Ctx) -> Reply:
    record = _one(s, c)
    if record is None:
        return not_found("Subaccount not found.")
    errors = _check(c.body if c.body is not None else {}, partial=True)
    if errors:
        return invalid(errors)
    body = c.body or {}
    for field in (*_TEXT, *ACCESS_FLAGS):
        if field in body:
            record[field] = body[field]
    return ok(f"Subaccount #{record['subaccount_id']} has been updated.", dict(record))


def _delete(s: Service, c: Ctx) -> Reply:
    record = _one(s, c)
    if record is None:
        return not_found("Subaccount not found.")
    if record["is_main"]:
        return invalid({"subaccount_id": "The main subaccount cannot be deleted."})
    del _subaccounts(s.world)[record["subaccount_id"]]
    return ok(f"Subaccount #{record['subaccount_id']} has been deleted", True)


def _regen(s: Service, c: Ctx) -> Reply:
    record = _one(s, c)
    if record is None:
        return not_found("Subaccount not found.")
    if record["is_main"]:
        return invalid({"subaccount_id": "The main subaccount's key is the account's API key."})
    record["api_key"] = s.world.setup.new_uuid().upper()
    return ok("Your API Key has been regenerated.", {"api_key": record["api_key"]})


def _forgot_username(s: Service, c: Ctx) -> Reply:
    email = c.field("email")
    if not isinstance(email, str) or not _EMAIL.match(email):
        return invalid({"email": "The email must be a valid email address."})
    # Answered the same whether or not an account has this address (no account probing).
    return ok("An email notification has been sent.", [])


def _forgot_password(s: Service, c: Ctx) -> Reply:
    username = c.field("username")
    if not isinstance(username, str) or not username.strip():
        return invalid({"username": "The username field is required."})
    return ok("An email notification has been sent.", [])


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/subaccounts", _list)
    r.add("POST", "/subaccounts", _create)
    r.add("GET", "/subaccounts/{subaccount_id}", _get)
    r.add("PUT", "/subaccounts/{subaccount_id}", _update)
    r.add("DELETE", "/subaccounts/{subaccount_id}", _delete)
    r.add("PUT", "/subaccounts/{subaccount_id}/regen-api-key", _regen)
    r.add("PUT", "/forgot-username", _forgot_username)
    r.add("PUT", "/forgot-password", _forgot_password)
