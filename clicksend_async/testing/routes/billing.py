"""Statistics (from the messages the emulator took) and recharge: card, packages, payments.

A package purchase needs a card on file and adds the package's price to the balance. Only the
masked card number is kept, never the number or the CVC.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._state import USER_ID, currency_block, paginate

if TYPE_CHECKING:
    from .._app import Service
    from .._world import World

#: Package prices on offer (in the account's currency).
PACKAGE_PRICES: Final = (20, 50, 100, 250, 500, 1000)


def _day(stamp: float) -> int:
    day = dt.datetime.fromtimestamp(stamp, dt.UTC).date()
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _tally() -> dict[str, Any]:
    return {"count": 0, "price": 0}


def _statistics(world: World, kind: str) -> dict[str, Any]:
    keys = ("outbound", "inbound", "bounced") if kind == "sms" else ("outbound", "bounced")
    days: dict[int, dict[str, Any]] = {}

    def add(stamp: float, key: str, price: Decimal) -> None:
        entry = days.setdefault(_day(stamp), {k: _tally() for k in keys})
        entry[key]["count"] += 1
        entry[key]["price"] = float(Decimal(str(entry[key]["price"])) + price)

    for m in world.messages:
        if m.kind != kind or m.cancelled:
            continue
        add(m.date, "outbound", m.price)
        if not m.deliverable:
            add(m.date, "bounced", Decimal(0))
    if kind == "sms":
        for r in world.inbound:
            if r.time <= world.clock():
                add(r.time, "inbound", Decimal(0))
    total = {k: _tally() for k in keys}
    for entry in days.values():
        for k in keys:
            total[k]["count"] += entry[k]["count"]
            total[k]["price"] = float(
                Decimal(str(total[k]["price"])) + Decimal(str(entry[k]["price"]))
            )
    return {
        "total": total,
        "stats": [{"date": day, **days[day]} for day in sorted(days)],
        "_currency": currency_block(world.currency),
    }


def _sms_statistics(s: Service, c: Ctx) -> Reply:
    return ok("Here are your data.", _statistics(s.world, "sms"))


def _voice_statistics(s: Service, c: Ctx) -> Reply:
    return ok("Here are your statistics.", _statistics(s.world, "voice"))


def _card(s: Service, c: Ctx) -> Reply:
    card = s.world.setup.card
    if card is None:
        return not_found("No payment info on file.")
    return ok("Customer payment info.", {k: v for k, v in card.items() if k != "token"})


def _update_card(s: Service, c: Ctx) -> Reply:
    body = c.body if type(c.body) is dict else {}
    errors = {}
    number = body.get("number")
    if not isinstance(number, str) or not number.isdigit() or not 12 <= len(number) <= 19:
        errors["number"] = "The number must be a card number."
    month, year = body.get("expiry_month"), body.get("expiry_year")
    if type(month) is not int or not 1 <= month <= 12:
        errors["expiry_month"] = "The expiry month must be from 1 to 12."
    if type(year) is not int or not 2000 <= year <= 2099:
        errors["expiry_year"] = "The expiry year must be a four-digit year."
    cvc = body.get("cvc")
    if type(cvc) is not int or not 0 <= cvc <= 9999:
        errors["cvc"] = "The cvc must be a number."
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "The name field is required."
    if errors:
        return invalid(errors)
    assert isinstance(number, str)
    token = "cus_" + s.world.random_token(22)
    s.world.setup.card = {
        "display_number": "XXXX-XXXX-XXXX-" + number[-4:],
        "expiry_month": month,
        "expiry_year": year,
        "name": name,
        "token": token,
    }
    return ok("Your payment info has been updated.", {"token": token})


def _package(world: World, package_id: int, price: int) -> dict[str, Any]:
    def qty(unit: Decimal) -> int:
        return int(Decimal(price) / unit) if unit else 0

    sms, mms, voice = (world.price_of(k, "default") for k in ("sms", "mms", "voice"))
    return {
        "package_id": package_id,
        "package_price": str(price),
        "price_rate": 0,
        "sms_price": float(sms),
        "sms_quantity": qty(sms),
        "price_sms_carrier_fee": "0.0000",
        "voice_mobile_price": float(voice),
        "voice_mobile_quantity": qty(voice),
        "voice_landline_price": float(voice),
        "voice_landline_quantity": qty(voice),
        "mms_price": float(mms),
        "mms_quantity": qty(mms),
        "price_mms_carrier_fee": "0.0000",
        "fax_price": 0.198,
        "fax_quantity": qty(Decimal("0.198")),
        "email_price": 0.033,
        "email_quantity": qty(Decimal("0.033")),
        "post_letter_black_price": 1.397,
        "post_letter_colour_price": 1.617,
        "post_page_black_price": 0.11,
        "post_page_colour_price": 0.264,
        "post_letter_black_quantity": qty(Decimal("1.397")),
        "post_letter_colour_quantity": qty(Decimal("1.617")),
        "post_direct_mail_dl_price": 0.44,
        "post_direct_mail_a5_price": 0.44,
        "post_direct_mail_min_quantity": 5000,
        "postcard_price": 11,
        "postcard_quantity": qty(Decimal(11)),
        "automation_price": 0.0017,
    }


def _packages(s: Service, c: Ctx) -> Reply:
    packages = [_package(s.world, i, p) for i, p in enumerate(PACKAGE_PRICES, start=1)]
    return ok("List of Packages.", {"packages": packages})


def _purchase(s: Service, c: Ctx) -> Reply:
    package_id = c.int_param("package_id")
    if package_id is None or not 1 <= package_id <= len(PACKAGE_PRICES):
        return not_found("Package not found.")
    world = s.world
    if world.setup.card is None:
        return invalid({"card": "Add a payment card first (PUT /recharge/credit-card)."})
    amount = PACKAGE_PRICES[package_id - 1]
    world.balance += Decimal(amount)
    date = int(c.now)
    world.setup.transactions.append(
        {
            "invoice_number": world.setup.new_uuid(),
            "amount": amount,
            "currency": world.currency,
            "date": date,
        }
    )
    amount_aud = amount if world.currency == "AUD" else 0
    data = {
        "user_id": USER_ID,
        "amount": amount,
        "currency": world.currency,
        "amount_aud": amount_aud,
        "date": date,
    }
    return ok("Successfully purchased a package", data)


def _transactions(s: Service, c: Ctx) -> Reply:
    items = list(reversed(s.world.setup.transactions))
    return ok("Here are your transactions.", paginate(items, c.query, c.request.url, dict))


def _transaction(s: Service, c: Ctx) -> Reply:
    wanted = c.params["transaction_id"]
    for record in s.world.setup.transactions:
        if record["invoice_number"] == wanted:
            return ok("Here is your transaction.", dict(record))
    return not_found("Transaction not found.")


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/statistics/sms", _sms_statistics)
    r.add("GET", "/statistics/voice", _voice_statistics)
    r.add("GET", "/recharge/credit-card", _card)
    r.add("PUT", "/recharge/credit-card", _update_card)
    r.add("GET", "/recharge/packages", _packages)
    r.add("PUT", "/recharge/purchase/{package_id}", _purchase)
    r.add("GET", "/recharge/transactions", _transactions)
    r.add("GET", "/recharge/transactions/{transaction_id}", _transaction)
