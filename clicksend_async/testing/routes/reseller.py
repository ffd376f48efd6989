"""Reseller client accounts (credit moves from the account's balance to a client's) and referrals.

Referred accounts are scripted from tests (``ClickSendEmulator.add_referral``): nobody signs
up through an emulator.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._numbers import COUNTRIES
from .._state import currency_block, paginate

if TYPE_CHECKING:
    from .._app import Service
    from .._world import World

_FIELDS: Final = (
    "username",
    "password",
    "user_email",
    "user_phone",
    "user_first_name",
    "user_last_name",
    "account_name",
    "country",
)
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check(body: Any, *, partial: bool) -> dict[str, str]:
    if type(body) is not dict:
        return {"username": "The username field is required."}
    errors = {}
    for field in _FIELDS:
        value = body.get(field)
        if value is None:
            if not partial:
                errors[field] = f"The {field.replace('_', ' ')} field is required."
        elif not isinstance(value, str) or not value.strip():
            errors[field] = f"The {field.replace('_', ' ')} must be a non-empty string."
    email = body.get("user_email")
    if isinstance(email, str) and not _EMAIL.match(email):
        errors["user_email"] = "The user email must be a valid email address."
    country = body.get("country")
    if isinstance(country, str) and country.upper() not in COUNTRIES:
        errors["country"] = "The selected country is invalid."
    return errors


def _view(world: World, client: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in client.items() if k != "_balance"}
    view["balance"] = f"{client['_balance']:.6f}"
    view["_currency"] = currency_block(world.currency)
    return view


def _list(s: Service, c: Ctx) -> Reply:
    items = list(s.world.setup.clients.values())
    return ok(
        "Here are you data.", paginate(items, c.query, c.request.url, lambda x: _view(s.world, x))
    )


def _create(s: Service, c: Ctx) -> Reply:
    errors = _check(c.body, partial=False)
    clients = s.world.setup.clients
    if not errors and any(x["username"] == c.body["username"] for x in clients.values()):
        errors["username"] = "The username has already been taken."
    if errors:
        return invalid(errors)
    body = c.body
    user_id = s.world.setup.next_id("client", 200_001)
    country = body["country"].upper()
    client = {
        "user_id": user_id,
        "username": body["username"],
        "user_email": body["user_email"],
        "active": 1,
        "banned": 0,
        "_balance": Decimal(0),
        "user_phone": body["user_phone"],
        "reply_to": "originalemail",
        "delivery_to": None,
        "user_first_name": body["user_first_name"],
        "user_last_name": body["user_last_name"],
        "account": 0,
        "account_name": body["account_name"],
        "account_billing_email": body["user_email"],
        "account_billing_mobile": body["user_phone"],
        "country": country,
        "default_country_sms": country,
        "auto_recharge": 0,
        "auto_recharge_amount": "20.00",
        "low_credit_amount": "0.00",
        "setting_unicode_sms": 0,
        "setting_email_sms_subject": 0,
        "setting_fix_sender_id": 0,
        "setting_sms_message_char_limit": 6,
        "old_dashboard": 0,
        "balance_commission": "0.000000",
        "timezone": "Australia/Melbourne",
    }
    clients[user_id] = client
    return ok("New reseller has been added.", _view(s.world, client))


def _one(s: Service, c: Ctx, user_id: Any) -> dict[str, Any] | None:
    return s.world.setup.clients.get(user_id) if type(user_id) is int else None


def _get(s: Service, c: Ctx) -> Reply:
    client = _one(s, c, c.int_param("client_user_id"))
    if client is None:
        return not_found("Client account not found.")
    return ok("Here are your data.", _view(s.world, client))


def _update(s: Service, c: Ctx) -> Reply:
    client = _one(s, c, c.int_param("client_user_id"))
    if client is None:
        return not_found("Client account not found.")
    errors = _check(c.body if c.body is not None else {}, partial=True)
    if errors:
        return invalid(errors)
    for field in _FIELDS:
        if field != "password" and c.body and field in c.body:
            client[field] = c.body[field].upper() if field == "country" else c.body[field]
    return ok("Reseller account has been updated.", _view(s.world, client))


def _transfer(s: Service, c: Ctx) -> Reply:
    world = s.world
    client = _one(s, c, c.field("client_user_id"))
    if client is None:
        return not_found("Client account not found.")
    amount, currency = c.field("balance"), c.field("currency")
    if type(amount) is not int or amount <= 0:
        return invalid({"balance": "The balance must be a positive whole amount."})
    if currency != world.currency:
        return invalid({"currency": f"The currency must be {world.currency}."})
    if Decimal(amount) > world.balance:
        return invalid({"balance": "Your balance is too low for this transfer."})
    world.balance -= Decimal(amount)
    client["_balance"] += Decimal(amount)
    return ok("Your balance has been successfully transferred.", _view(world, client))


def _referrals(s: Service, c: Ctx) -> Reply:
    items = s.world.setup.referrals
    return ok("Here are your referrals.", paginate(items, c.query, c.request.url, dict))


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/reseller/accounts", _list)
    r.add("POST", "/reseller/accounts", _create)
    r.add("GET", "/reseller/accounts/{client_user_id}", _get)
    r.add("PUT", "/reseller/accounts/{client_user_id}", _update)
    r.add("PUT", "/reseller/transfer-credit", _transfer)
    r.add("GET", "/referral/accounts", _referrals)
