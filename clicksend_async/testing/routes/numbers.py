"""Dedicated numbers: a deterministic stock per country to search and buy, and the owned list.

Buying charges ``price_total`` (set-up plus the first month) to the balance and moves the
number from the stock to ``GET /numbers``.
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

#: Numbers for sale per country.
STOCK_SIZE: Final = 40
_MONTHLY: Final = {"AU": Decimal("20.71"), "US": Decimal("11.11"), "GB": Decimal("9.50")}
_DEFAULT_MONTHLY: Final = Decimal("15.00")
_REQUIRED_REGISTRATION: Final = (
    "area_code",
    "company_name",
    "company_number",
    "email",
    "full_name",
    "primary_use_case",
    "sample_message",
    "website_url",
)
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _stock(iso: str) -> list[str]:
    """Return the numbers ClickSend would sell in ``iso`` (the same every run)."""
    dial = COUNTRIES[iso][1]
    base = 280_662_200 if iso == "AU" else 228_206_0500
    return [f"+{dial}{base + i}" for i in range(STOCK_SIZE)]


def _available(world: World, iso: str, number: str) -> dict[str, Any]:
    monthly = _MONTHLY.get(iso, _DEFAULT_MONTHLY)
    return {
        "country": iso,
        "country_name": COUNTRIES[iso][0],
        "dedicated_number": number,
        "price_setup": "0.0000",
        "price_monthly": f"{monthly:.4f}",
        "price_total": f"{monthly:.4f}",
        "address_requirement": "none",
    }


def _search(s: Service, c: Ctx) -> Reply:
    iso = c.params["country"].upper()
    if iso not in COUNTRIES:
        return invalid({"country": "The selected country is invalid."})
    pattern = c.query.get("search", "")
    raw_type = c.query.get("search_type", "0")
    if not pattern.isdigit() and pattern:
        return invalid({"search": "The search must be digits."})
    if raw_type not in ("0", "1", "2"):
        return invalid({"search_type": "The search type must be 0, 1 or 2."})
    owned = s.world.setup.numbers
    numbers = [n for n in _stock(iso) if n not in owned]
    if pattern:
        digits = [n.lstrip("+") for n in numbers]
        numbers = [
            n
            for n, d in zip(numbers, digits, strict=True)
            if (raw_type == "0" and d.startswith(pattern))
            or (raw_type == "1" and pattern in d)
            or (raw_type == "2" and d.endswith(pattern))
        ]
    data = paginate(numbers, c.query, c.request.url, lambda n: _available(s.world, iso, n))
    data["_currency"] = currency_block(s.world.currency)
    return ok("Here are some numbers.", data)


def _buy(s: Service, c: Ctx) -> Reply:
    number = c.params["dedicated_number"]
    if not number.startswith("+"):
        number = "+" + number.strip()
    world = s.world
    iso = next((i for i in COUNTRIES if number in _stock(i)), None)
    if iso is None or number in world.setup.numbers:
        return not_found("This number is not available.")
    body = c.body if type(c.body) is dict else {}
    service = body.get("type") or c.query.get("type") or "sms"
    if service not in ("sms", "mms"):
        return invalid({"type": "The type must be sms or mms."})
    registration = body.get("registration_data")
    if registration is not None and type(registration) is not dict:
        return invalid({"registration_data": "The registration data must be an object."})
    offer = _available(world, iso, number)
    price = Decimal(offer["price_total"])
    if price > world.balance:
        return invalid({"balance": "Your balance is too low to buy this number."})
    world.balance -= price
    world.setup.numbers[number] = {
        "dedicated_number": number,
        "country": iso,
        "price": f"{price:.2f}",
        "_country_name": COUNTRIES[iso][0],
        "notes": None,
        "type": service,
        "number_type": "longcode",
        "number_category": None,
        "number_guid": world.setup.new_uuid().upper(),
        "form_submission_id": None,
        "status": {
            "value": 0,
            "label": "REGISTRATION_NOT_REQUIRED",
            "description": "Your number is ready to go.",
            "name": "Ready to use",
        },
    }
    data = {
        "dedicated_number": number,
        "country": iso,
        "price_total": f"{price:.2f}",
        "_price_setup": offer["price_setup"],
        "_price_monthly": offer["price_monthly"],
        "_currency": currency_block(world.currency),
    }
    return ok("Here is your new number.", data)


def _matches(record: dict[str, Any], q: str) -> bool:
    for pair in q.split(","):
        key, _, value = pair.partition(":")
        if (
            key.strip() in ("type", "number_type", "country")
            and value
            and str(record.get(key.strip(), "")).lower() != value.strip().lower()
        ):
            return False
    return True


def _owned(s: Service, c: Ctx) -> Reply:
    items = list(s.world.setup.numbers.values())
    for name in ("q", "q2"):  # the spec's second filter has the first one's form
        q = c.query.get(name)
        if q:
            items = [x for x in items if _matches(x, q)]
    excluded = c.query.get("excluding_number_type")
    if excluded:
        items = [x for x in items if x["number_type"] != excluded]
    return ok("Here are you dedicated numbers.", paginate(items, c.query, c.request.url, dict))


def _register(s: Service, c: Ctx) -> Reply:
    body = c.body if type(c.body) is dict else {}
    errors = {
        field: f"The {field.replace('_', ' ')} field is required."
        for field in _REQUIRED_REGISTRATION
        if not isinstance(body.get(field), str) or not body[field].strip()
    }
    if isinstance(body.get("email"), str) and not _EMAIL.match(body["email"]):
        errors["email"] = "The email must be a valid email address."
    if errors:
        return invalid(errors)
    s.world.setup.registrations.append(
        {
            "number_type": c.params["number_type"],
            "country_code": c.params["country_code"].upper(),
            **{k: body[k] for k in _REQUIRED_REGISTRATION},
        }
    )
    # The schema says an object (its example shows the string "{}").
    return ok("10DLC number registration notification sent successfully.", {})


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/numbers", _owned)
    r.add("GET", "/numbers/search/{country}", _search)
    r.add("POST", "/numbers/buy/{dedicated_number}", _buy)
    r.add(
        "POST",
        "/numbers/registrations/number-types/{number_type}/country/{country_code}",
        _register,
    )
