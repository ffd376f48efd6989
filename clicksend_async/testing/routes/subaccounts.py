"""Subaccounts (with their API keys), forgotten username/password, account verification.

The account's own subaccount (``is_main``) is listed first and cannot be deleted. Passwords
are checked for presence and never stored. ``/forgot-password/verify`` and
``/account-verify/...`` come from the 2021 spec (the current one dropped them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._numbers import COUNTRIES, normalize
from .._state import SUBACCOUNT_ID, paginate
from .account import _account as account_view

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
#: The 0/1 flags a request may set: the permissions and the de-identification of SMS text.
_FLAGS: Final = (*ACCESS_FLAGS, "sms_deidentify_message")
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
            "sms_deidentify_message": 0,
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
    for flag in _FLAGS:
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
        "sms_deidentify_message": int(c.body.get("sms_deidentify_message", 0)),
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
    for field in (*_TEXT, *_FLAGS):
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
    setup = s.world.setup
    for record in _subaccounts(s.world).values():
        if record["api_username"] == username.strip():
            # The token the reset email would carry (ClickSendEmulator.password_reset_token).
            setup.password_resets[record["subaccount_id"]] = setup.new_uuid().upper()
    return ok("An email notification has been sent.", [])


def _reset_password(s: Service, c: Ctx) -> Reply:
    body = c.body if type(c.body) is dict else {}
    sub_id, token, password = (
        body.get(k) for k in ("subaccount_id", "activation_token", "password")
    )
    if not isinstance(password, str) or not password:
        return invalid({"password": "The password field is required."})
    resets = s.world.setup.password_resets
    if type(sub_id) is not int or not isinstance(token, str) or resets.get(sub_id) != token:
        return invalid({"activation_token": "The activation token is invalid."})
    del resets[sub_id]  # a reset link works once
    return ok("Your password has been updated.", [])


def _send_account_verification(s: Service, c: Ctx) -> Reply:
    body = c.body if type(c.body) is dict else {}
    country, kind, phone = (body.get(k) for k in ("country", "type", "user_phone"))
    if not isinstance(country, str) or country.upper() not in COUNTRIES:
        return invalid({"country": "The country must be an ISO country code."})
    if kind not in ("sms", "call"):
        return invalid({"type": "The type must be sms or call."})
    number = normalize(phone, country.upper()) if isinstance(phone, str) else None
    if number is None:
        return invalid({"user_phone": "The user phone is not a valid number."})
    setup = s.world.setup
    setup.account_token = setup.new_code()
    # The 2021 example echoes the token in the answer; the emulator keeps it to the "phone"
    # (ClickSendEmulator.account_verification_token), as a verification should.
    return ok(
        "Verification sent.", {"country": country.upper(), "type": kind, "user_phone": number[0]}
    )


def _verify_account(s: Service, c: Ctx) -> Reply:
    setup = s.world.setup
    if setup.account_token is None or c.params["activation_token"] != setup.account_token:
        return invalid({"activation_token": "The activation token is invalid."})
    setup.account_token = None
    setup.account_verified = True
    status, envelope = account_view(s, c)
    return (
        ok("You're account has been verified.", envelope["data"])
        if status == 200
        else (status, envelope)
    )


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
    # 2021 spec only (the current one dropped them).
    r.add("PUT", "/forgot-password/verify", _reset_password)
    r.add("PUT", "/account-verify/send", _send_account_verification)
    r.add("PUT", "/account-verify/verify/{activation_token}", _verify_account)
