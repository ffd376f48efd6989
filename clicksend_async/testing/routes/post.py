"""Post: letters, postcards, direct mail and address detection (ClickSend's 2021 API).

These operations come from the 2021 spec; the current spec dropped them. The emulator never
fetches the PDF at ``file_url``: it counts one page per file, which is what it charges
(:data:`~clicksend_async.testing._records.LETTER_PAGE_PRICE` a page, colour and priority post
double it; :data:`~clicksend_async.testing._records.POSTCARD_PRICE` a card).
"""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, ok
from .._numbers import COUNTRIES
from .._records import LETTER_PAGE_PRICE, POSTCARD_PRICE
from .._state import SUBACCOUNT_ID, USER_ID, currency_block
from ._common import export_reply, filter_records, missing, page_of, unix_or
from .post_addresses import ADDRESS_FIELDS

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

_RECIPIENT_REQUIRED: Final = {
    "address_name": "address name",
    "address_line_1": "address line 1",
    "address_city": "address city",
    "address_postal_code": "address postal code",
    "address_country": "address country",
}
_SIZES: Final = frozenset({"A5", "DL", "A4"})
_FLAGS: Final = ("colour", "duplex", "priority_post", "template_used")
_EXPORT_HEADER: Final = ("message_id", "date_added", "address_name", "address_country", "status")
#: Direct-mail delivery areas: location id -> (country, place, postal code, price per item).
_LOCATIONS: Final = {
    1: ("AU", "Perth", "6000", Decimal("0.40")),
    2: ("AU", "Fremantle", "6160", Decimal("0.40")),
    3: ("AU", "Sydney", "2000", Decimal("0.45")),
    21: ("GB", "London", "EC1A", Decimal("0.55")),
    22: ("US", "Denver", "80202", Decimal("0.50")),
}


def _recipients(s: Service, value: Any) -> list[dict[str, Any]] | dict[str, str]:
    if not isinstance(value, list) or not value:
        return {"recipients": "The recipients field must be a non-empty list."}
    errors: dict[str, str] = {}
    out = []
    for i, item in enumerate(value):
        if type(item) is not dict:
            errors[f"recipients.{i}"] = "Each recipient must be an object."
            continue
        for field, message in missing(item, _RECIPIENT_REQUIRED).items():
            errors[f"recipients.{i}.{field}"] = message
        country = str(item.get("address_country") or "").upper()
        if country and country not in COUNTRIES:
            errors[f"recipients.{i}.address_country"] = "The address country is not ISO-2."
        return_id = item.get("return_address_id")
        if (
            return_id is not None
            and s.world.records.get("return_addresses", str(return_id)) is None
        ):
            errors[f"recipients.{i}.return_address_id"] = "The return address id is invalid."
        out.append(item)
    return errors or out


def _base(s: Service, c: Ctx, item: dict[str, Any], file_url: str) -> dict[str, Any]:
    record: dict[str, Any] = {f: str(item.get(f) or "") for f in ADDRESS_FIELDS}
    record["address_country"] = record["address_country"].upper()
    return_id = item.get("return_address_id")
    address = s.world.records.get("return_addresses", str(return_id)) if return_id else None
    schedule = item.get("schedule")
    record |= {
        "_api_username": s.world.username,
        "_file_url": file_url,
        "_return_address": dict(address) if address else None,
        "custom_string": item.get("custom_string"),
        "date_added": int(c.now),
        "message_id": s.world.new_message_id(),
        "return_address_id": int(return_id) if return_id else None,
        "schedule": unix_or(schedule, c.now),
        "source": ".rest.v3",
        "status": "SUCCESS",
        "subaccount_id": SUBACCOUNT_ID,
        "user_id": USER_ID,
        "list_id": None,
    }
    return record


def _letters(send: bool) -> Any:
    def handler(s: Service, c: Ctx) -> Reply:
        errors = missing(c.body, {"file_url": "file url"})
        for flag in _FLAGS:
            if c.field(flag) not in (None, 0, 1, True, False):
                errors[flag] = f"The {flag.replace('_', ' ')} must be 0 or 1."
        file_url = c.field("file_url")
        if not errors and (not isinstance(file_url, str) or not file_url.startswith("http")):
            errors["file_url"] = "The file url must be an http(s) URL."
        recipients = _recipients(s, c.field("recipients"))
        if isinstance(recipients, dict):
            errors |= recipients
        if errors:
            return invalid(errors)
        assert isinstance(recipients, list)
        colour, duplex, priority = (int(c.field(f) or 0) for f in _FLAGS[:3])
        page_price = LETTER_PAGE_PRICE * (2 if colour else 1) * (2 if priority else 1)
        letters = []
        for item in recipients:
            letter = _base(s, c, item, file_url)
            letter |= {
                "colour": colour,
                "duplex": duplex,
                "priority_post": priority,
                "post_pages": 1,
                "post_price": f"{page_price:.4f}",
                "status_code": "",
                "status_text": "",
            }
            letters.append(letter)
        total = page_price * len(letters)
        if send:
            if total > s.world.balance:
                return invalid({"balance": "You do not have enough credit to send these letters."})
            s.world.balance -= total
            for letter in letters:
                letter["status"] = "Queued"
            s.world.records.letters.extend(letters)
        data = {
            "_currency": currency_block(s.world.currency),
            "queued_count": len(letters) if send else 0,
            "recipients": letters,
            "total_count": len(letters),
            "total_price": float(total),
        }
        if not send:
            data["total_cost"] = len(letters)  # the price answer's name for the count
        return ok("Letters queued for delivery." if send else "Here are some results.", data)

    return handler


def _postcards(send: bool) -> Any:
    def handler(s: Service, c: Ctx) -> Reply:
        errors: dict[str, str] = {}
        files = c.field("file_urls")
        if (
            not isinstance(files, list)
            or not 1 <= len(files) <= 2
            or not all(isinstance(f, str) and f.startswith("http") for f in files)
        ):
            errors["file_urls"] = "Give one or two http(s) file URLs (front, then back)."
        recipients = _recipients(s, c.field("recipients"))
        if isinstance(recipients, dict):
            errors |= recipients
        if errors:
            return invalid(errors)
        assert isinstance(recipients, list)
        assert isinstance(files, list)
        cards = []
        for item in recipients:
            card = _base(s, c, item, files[0])
            card |= {
                "ip_address": "127.0.0.1",
                "letter_file_name": files[0].rsplit("/", 1)[-1],
                "post_price": float(POSTCARD_PRICE),
                "priority": 32,
            }
            cards.append(card)
        total = POSTCARD_PRICE * len(cards)
        if send:
            if total > s.world.balance:
                return invalid({"balance": "You do not have enough credit to send these cards."})
            s.world.balance -= total
            for card in cards:
                card["status"] = "Queued"
            s.world.records.postcards.extend(cards)
        data = {
            "_currency": currency_block(s.world.currency),
            "queued_count": len(cards) if send else 0,
            "recipients": cards,
            "total_count": len(cards),
            "total_price": float(total),
        }
        return ok("Postcards queued for delivery." if send else "Here are some results.", data)

    return handler


def _postcard_history(card: dict[str, Any]) -> dict[str, Any]:
    # The history shows a postcard with string price and schedule, and the supplier's fields.
    return card | {
        "post_price": f"{Decimal(str(card['post_price'])):.6f}",
        "schedule": str(card["schedule"]),
        "message_id_supplier": card["message_id"].replace("-", "")[:28],
        "post_price_supplier": "0.000000",
    }


def _history(kind: str) -> Any:
    render = _postcard_history if kind == "postcards" else dict

    def handler(s: Service, c: Ctx) -> Reply:
        items = filter_records(getattr(s.world.records, kind), c.query)
        return ok("Here is your history.", page_of(items, c, render))

    return handler


def _export(kind: str) -> Any:
    def handler(s: Service, c: Ctx) -> Reply:
        items = filter_records(getattr(s.world.records, kind), c.query)
        return export_reply(s, c, _EXPORT_HEADER, items)

    return handler


_POSTCODE: Final = re.compile(r"^(?P<city>.*?)[\s,]+(?P<state>[A-Z]{2,3})?[\s,]*(?P<code>\d{4,5})$")


def _detect(s: Service, c: Ctx) -> Reply:
    text = c.field("address")
    content = c.field("content")
    if not isinstance(text, str) and isinstance(content, str):
        try:
            text = base64.b64decode(content, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return invalid({"content": "The content must be base64."})
    if not isinstance(text, str) or not text.strip():
        return invalid({"content": "Give the file content (base64) or the address text."})
    lines = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
    country = "AU"
    if lines and lines[-1].upper() in COUNTRIES:
        country = lines.pop().upper()
    data = dict.fromkeys(ADDRESS_FIELDS, "")
    data["address_country"] = country
    for i, line in enumerate(lines):
        found = _POSTCODE.match(line)
        if found and i >= 1:
            data["address_city"] = found["city"].strip()
            data["address_state"] = found["state"] or ""
            data["address_postal_code"] = found["code"]
            head = lines[:i]
            data["address_name"] = head[0] if len(head) > 1 else ""
            street = head[1:] if len(head) > 1 else head
            data["address_line_1"] = street[0] if street else ""
            data["address_line_2"] = " ".join(street[1:])
            break
    else:
        return invalid({"content": "No postal address found in the content."})
    return ok("Here is your result.", data)


def _areas(value: Any) -> list[tuple[int, int]] | None:
    if not isinstance(value, list) or not value:
        return None
    out = []
    for item in value:
        if type(item) is not dict:
            return None
        location, quantity = item.get("location_id"), item.get("quantity")
        if (
            location not in _LOCATIONS
            or isinstance(quantity, bool)
            or not isinstance(quantity, int)
        ):
            return None
        if quantity < 1:
            return None
        out.append((location, quantity))
    return out


def _direct_mail(send: bool) -> Any:
    def handler(s: Service, c: Ctx) -> Reply:
        errors = missing(c.body, {"name": "name", "size": "size", "file_urls": "file urls"})
        files = c.field("file_urls")
        if "file_urls" not in errors and (
            not isinstance(files, list)
            or not all(isinstance(f, str) and f.startswith("http") for f in files)
        ):
            errors["file_urls"] = "The file urls must be a list of http(s) URLs."
        if "size" not in errors and c.field("size") not in _SIZES:
            errors["size"] = "The size must be one of: " + ", ".join(sorted(_SIZES)) + "."
        areas = _areas(c.field("areas"))
        if areas is None:
            errors["areas"] = "Give areas as [{location_id, quantity}] of known locations."
        if errors:
            return invalid(errors)
        assert areas is not None
        campaign_id = s.world.records.new_id("direct_mail") if send else None
        priced = []
        for location, quantity in areas:
            iso, place, code, each = _LOCATIONS[location]
            priced.append(
                {
                    "campaign_id": campaign_id,
                    "location_id": location,
                    "country_code": iso,
                    "country_name": s.world.country_name(iso),
                    "place_name": place.upper(),
                    "postal_code": code,
                    "quantity": quantity,
                    # The send answer writes the price as a string, the price answer as a number.
                    "price": f"{each * quantity:.2f}" if send else float(each * quantity),
                    "status": "Scheduled" if send else "Queued",
                }
            )
        total = sum((Decimal(str(a["price"])) for a in priced), Decimal(0))
        quantity = sum(q for _, q in areas)
        schedule = c.field("schedule")
        record: dict[str, Any] = {
            "_areas": priced,
            "_total_quantity": str(quantity),
            "campaign_id": campaign_id,
            "custom_string": c.field("custom_string"),
            "date_added": int(c.now),
            "file_name": str(c.field("file_urls")[0]).rsplit("/", 1)[-1],
            "message_id": None,
            "name": c.field("name"),
            "schedule": unix_or(schedule, c.now),
            "size": c.field("size"),
            "source": c.field("source"),
            "status": "Scheduled" if send else "Queued",
            "user_id": USER_ID,
        }
        if send:
            if total > s.world.balance:
                return invalid({"balance": "You do not have enough credit for this campaign."})
            s.world.balance -= total
            s.world.records.table("direct_mail")[campaign_id] = record
        data = {
            "currency": currency_block(s.world.currency),
            "data": record,
            "total_price": float(total),
            "total_quantity": quantity,
        }
        return ok("New direct mail campaign created." if send else "Here is your price.", data)

    return handler


def _direct_mail_list(s: Service, c: Ctx) -> Reply:
    items = list(s.world.records.table("direct_mail").values())
    return ok("Here are your campaigns.", page_of(items, c))


def _locations(s: Service, c: Ctx) -> Reply:
    country = c.params["country"].upper()
    q = c.query.get("q", "").strip().lower()
    items = [
        {
            "accuracy": 6,
            "admin_code1": "",
            "admin_code2": "",
            "admin_code3": "",
            "admin_name1": "",
            "admin_name2": "",
            "admin_name3": "",
            "country_code": iso,
            "latitude": "0.000000",
            "location_id": location,
            "longitude": "0.000000",
            "place_name": place,
            "postal_code": code,
        }
        for location, (iso, place, code, _) in _LOCATIONS.items()
        if iso == country and (q in place.lower() or q in code.lower())
    ]
    return ok("Here's your result.", page_of(items, c))


def register(router: Router) -> None:
    """Add the post routes (letters, postcards, direct mail, address detection)."""
    router.add("POST", "/post/letters/send", _letters(True))
    router.add("POST", "/post/letters/price", _letters(False))
    router.add("GET", "/post/letters/history", _history("letters"))
    router.add("GET", "/post/letters/history/export", _export("letters"))
    router.add("POST", "/post/letters/detect-address", _detect)
    router.add("POST", "/post/postcards/send", _postcards(True))
    router.add("POST", "/post/postcards/price", _postcards(False))
    router.add("GET", "/post/postcards/history", _history("postcards"))
    router.add("GET", "/post/postcards/export", _export("postcards"))
    router.add("GET", "/post/direct-mail/campaigns", _direct_mail_list)
    router.add("POST", "/post/direct-mail/campaigns/send", _direct_mail(True))
    router.add("POST", "/post/direct-mail/campaigns/price", _direct_mail(False))
    router.add("GET", "/post/direct-mail/locations/search/{country}", _locations)
