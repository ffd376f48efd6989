"""SMS and MMS campaigns: ClickSend's server-side sends of one message to a contact list.

A campaign charges the account when it is created (every contact of the list, priced per part
for SMS and per message for MMS), is ``Scheduled`` until its schedule passes and ``Sent`` after;
only a scheduled campaign can be updated or cancelled, and a cancel refunds it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._numbers import FREE_TEST_NUMBERS
from .._state import SUBACCOUNT_ID, USER_ID, currency_block
from ._common import filter_records, list_numbers, missing, money, page_of, sms_parts

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

_KINDS = {"sms": ("sms_campaigns", "sms_campaign_id"), "mms": ("mms_campaigns", "mms_campaign_id")}


def _list_id(s: Service, value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, int | str) else ""
    return int(text) if text.isdigit() and int(text) in s.world.lists else None


def _price(s: Service, kind: str, list_id: int, body: str) -> tuple[int, Decimal]:
    """Return (recipients, total price) of sending ``body`` to every usable number of a list."""
    numbers = list_numbers(s, list_id)
    parts = sms_parts(body) if kind == "sms" else 1
    # ClickSend's test numbers are free, like single sends to them (free_test_numbers).
    free = FREE_TEST_NUMBERS if s.world.free_test_numbers else frozenset()
    total = sum(
        (s.world.price_of(kind, iso) * parts for e164, iso in numbers if e164 not in free),
        Decimal(0),
    )
    return len(numbers), total


def _check(s: Service, kind: str, body: Any, *, partial: bool = False) -> dict[str, str]:
    required = {"list_id": "list id", "name": "name", "body": "body"}
    if kind == "mms":
        required |= {"subject": "subject", "media_file": "media file"}
    errors = {} if partial else missing(body, required)
    data = body if type(body) is dict else {}
    if "list_id" in data and "list_id" not in errors and _list_id(s, data["list_id"]) is None:
        errors["list_id"] = "The selected list id is invalid."
    for field in ("name", "body", "from", "subject"):
        if field in data and data[field] is not None and not isinstance(data[field], str):
            errors[field] = f"The {field} must be a string."
    schedule = data.get("schedule")
    if schedule not in (None, "") and not str(schedule).isdigit():
        errors["schedule"] = "The schedule must be a unix timestamp."
    return errors


def _status(record: dict[str, Any], now: float) -> str:
    if record["_cancelled"]:
        return "Cancelled"
    return "Scheduled" if record["schedule"] > now else "Sent"


def _view(s: Service, kind: str, now: float) -> Any:
    def render(record: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in record.items() if not k.startswith("_") or k in _PUBLIC}
        view["status"] = _status(record, now)
        view["_list_name"] = s.world.lists.get(record["list_id"], {}).get("list_name", "")
        return view

    return render


_PUBLIC = frozenset({"_total_count", "_list_name", "_media_file_url"})


def _send(kind: str) -> Any:
    table, id_field = _KINDS[kind]

    def handler(s: Service, c: Ctx) -> Reply:
        errors = _check(s, kind, c.body)
        if errors:
            return invalid(errors)
        body = c.body
        list_id = _list_id(s, body["list_id"])
        assert list_id is not None
        count, price = _price(s, kind, list_id, body["body"])
        if count == 0:
            return invalid({"list_id": "The list has no contacts with a phone number."})
        if price > s.world.balance:
            return invalid({"balance": "You do not have enough credit to send this campaign."})
        s.world.balance -= price
        campaign_id = s.world.records.new_id(table)
        schedule = int(body.get("schedule") or 0) or int(c.now)
        record: dict[str, Any] = {
            id_field: campaign_id,
            "name": body["name"],
            "user_id": USER_ID,
            "subaccount_id": SUBACCOUNT_ID,
            "list_id": list_id,
            "from": body.get("from") or "",
            "body": body["body"],
            "schedule": schedule,
            "date_added": int(c.now),
            "_total_count": count,
            "_price": price,
            "_cancelled": False,
        }
        if kind == "sms":
            record |= {
                "custom_string": None,
                "url_to_shorten": body.get("url_to_shorten") or "",
                "unsubscribe_link": 0,
                "source": body.get("source"),
                "senders": list(body.get("senders") or []),
            }
            msg = "Your new campaign has been added."
        else:
            media = str(body["media_file"])
            record |= {
                "subject": body["subject"],
                "file_name": media.rsplit("/", 1)[-1],
                "_media_file_url": media,
            }
            msg = "MMS campaign has been created."
        s.world.records.table(table)[campaign_id] = record
        return ok(msg, _view(s, kind, c.now)(record))

    return handler


def _campaign_price(kind: str) -> Any:
    def handler(s: Service, c: Ctx) -> Reply:
        errors = _check(s, kind, c.body)
        if errors:
            return invalid(errors)
        list_id = _list_id(s, c.body["list_id"])
        assert list_id is not None
        count, price = _price(s, kind, list_id, c.body["body"])
        schedule = int(c.body.get("schedule") or 0) or int(c.now)
        data = {
            "total_count": count,
            "total_price": money(price),
            "data": {
                "from": c.body.get("from") or "",
                "body": c.body["body"],
                # The SMS schema types schedule as an integer, the MMS one as a string.
                "schedule": schedule if kind == "sms" else str(schedule),
            },
            "_currency": currency_block(s.world.currency),
        }
        return ok("Here is your price.", data)

    return handler


def _one(kind: str, action: str) -> Any:
    table, id_field = _KINDS[kind]

    def handler(s: Service, c: Ctx) -> Reply:
        record = s.world.records.get(table, c.params["campaign_id"])
        if record is None:
            return not_found("Campaign not found.")
        render = _view(s, kind, c.now)
        if action == "get":
            return ok("Your campaign.", render(record))
        if _status(record, c.now) != "Scheduled":
            return invalid({id_field: "Only a scheduled campaign can be changed or cancelled."})
        if action == "cancel":
            record["_cancelled"] = True
            s.world.balance += record["_price"]
            return ok("Scheduled campaign has been cancelled.", render(record))
        errors = _check(s, kind, c.body, partial=True)
        if errors:
            return invalid(errors)
        body = c.body if type(c.body) is dict else {}
        for field in ("name", "from", "body", "subject"):
            if body.get(field) is not None and field in record:
                record[field] = body[field]
        if body.get("list_id") not in (None, ""):
            record["list_id"] = _list_id(s, body["list_id"])
        if body.get("schedule") not in (None, ""):
            record["schedule"] = int(body["schedule"])
        count, price = _price(s, kind, record["list_id"], record["body"])
        s.world.balance += record["_price"] - price
        record["_price"], record["_total_count"] = price, count
        return ok("Your campaign has been updated.", render(record))

    return handler


def _list(kind: str) -> Any:
    table, _ = _KINDS[kind]

    def handler(s: Service, c: Ctx) -> Reply:
        items = filter_records(s.world.records.table(table).values(), c.query)
        return ok("Here are your campaigns.", page_of(items, c, _view(s, kind, c.now)))

    return handler


def register(router: Router) -> None:
    """Add the SMS and MMS campaign routes."""
    for kind in ("sms", "mms"):
        base = f"/{kind}-campaigns"
        router.add("POST", f"{base}/send", _send(kind))
        router.add("POST", f"{base}/price", _campaign_price(kind))
        router.add("GET", base, _list(kind))
        router.add("GET", base + "/{campaign_id}", _one(kind, "get"))
        router.add("PUT", base + "/{campaign_id}", _one(kind, "update"))
        router.add("PUT", base + "/{campaign_id}/cancel", _one(kind, "cancel"))
