"""Email campaigns: one email (a template or a body) to every contact with an email in a list.

A campaign is charged when created (one email per contact that has an email address), from a
verified allowed address; a draft (``draft=1``) is stored, not charged and not sent. Sent
campaigns keep one history entry per recipient.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._records import EMAIL_PRICE
from .._state import SUBACCOUNT_ID, USER_ID, currency_block
from ._common import export_reply, filter_records, missing, money, page_of

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

_TABLE: Final = "email_campaigns"
_EXPORT_HEADER: Final = ("message_id", "to_name", "to_address", "subject", "status", "open_count")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, int | str) else ""
    return int(text) if text.isdigit() else None


def _check(s: Service, body: Any, *, partial: bool) -> dict[str, str]:
    required = {
        "name": "name",
        "subject": "subject",
        "from_email_address_id": "from email address id",
        "list_id": "list id",
        "from_name": "from name",
    }
    errors = {} if partial else missing(body, required)
    data = body if type(body) is dict else {}
    if not partial and data.get("template_id") in (None, "") and data.get("body") in (None, ""):
        errors["body"] = "Give a body or a template id."
    if "list_id" in data and "list_id" not in errors and _int(data["list_id"]) not in s.world.lists:
        errors["list_id"] = "The selected list id is invalid."
    if "from_email_address_id" in data and "from_email_address_id" not in errors:
        address = s.world.email_addresses.get(_int(data["from_email_address_id"]) or -1)
        if address is None:
            errors["from_email_address_id"] = "The from email address id is invalid."
        elif not address["verified"]:
            errors["from_email_address_id"] = "The from email address is not verified."
    template_id = data.get("template_id")
    templates = s.world.records.table("email_templates")
    if template_id not in (None, "") and _int(template_id) not in templates:
        errors["template_id"] = "The selected template id is invalid."
    schedule = data.get("schedule")
    if schedule not in (None, "") and _int(schedule) is None:
        errors["schedule"] = "The schedule must be a unix timestamp."
    return errors


def _recipients(s: Service, list_id: int) -> list[dict[str, Any]]:
    return [c for c in s.world.list_contacts(list_id) if c["email"]]


def _body_of(s: Service, data: dict[str, Any]) -> str:
    if data.get("body") not in (None, ""):
        return str(data["body"])
    template = s.world.records.table("email_templates")[_int(data["template_id"])]
    return str(template["body"])


def _status(record: dict[str, Any], now: float) -> str:
    if record["_state"] in ("Draft", "Cancelled"):
        return str(record["_state"])
    return "Scheduled" if int(record["schedule"]) > now else "Sent"


def _view(record: dict[str, Any], now: float) -> dict[str, Any]:
    view = {k: v for k, v in record.items() if not k.startswith("_")}
    view["status"] = _status(record, now)
    return view


def _price_of(s: Service, list_id: int) -> tuple[int, Decimal]:
    count = len(_recipients(s, list_id))
    return count, EMAIL_PRICE * count


def _send(s: Service, c: Ctx) -> Reply:
    errors = _check(s, c.body, partial=False)
    if errors:
        return invalid(errors)
    data: dict[str, Any] = c.body
    list_id = _int(data["list_id"])
    assert list_id is not None
    count, price = _price_of(s, list_id)
    draft = _int(data.get("draft")) == 1
    if count == 0:
        return invalid({"list_id": "The list has no contacts with an email address."})
    if not draft:
        if price > s.world.balance:
            return invalid({"balance": "You do not have enough credit to send this campaign."})
        s.world.balance -= price
    campaign_id = s.world.records.new_id(_TABLE)
    body = _body_of(s, data)
    schedule = _int(data.get("schedule")) or int(c.now)
    template_id = _int(data.get("template_id"))
    record: dict[str, Any] = {
        "email_campaign_id": campaign_id,
        "name": data["name"],
        "user_id": USER_ID,
        "subaccount_id": SUBACCOUNT_ID,
        "subject": data["subject"],
        "list_id": list_id,
        "from_email_address_id": _int(data["from_email_address_id"]),
        "from_name": data["from_name"],
        "template_id": template_id or 0,
        # The campaign answers carry schedule and date_added as strings.
        "schedule": str(schedule),
        "date_added": str(int(c.now)),
        "custom_string": str(data.get("custom_string") or ""),
        "send_count": 0 if draft else count,
        "open_count": 0,
        "click_count": 0,
        "hard_bounce_count": 0,
        "soft_bounce_count": 0,
        "abuse_count": 0,
        "unsubscribe_count": 0,
        "body": body,
        "body_plain_text": re.sub(r"<[^>]+>", "", body),
        "_state": "Draft" if draft else "Queued",
        "_price": Decimal(0) if draft else price,
    }
    s.world.records.table(_TABLE)[campaign_id] = record
    address = s.world.email_addresses[record["from_email_address_id"]]["email_address"]
    s.world.records.campaign_emails[campaign_id] = [
        {
            "email_campaign_id": campaign_id,
            "from_name": record["from_name"],
            "from_address": address,
            "to_name": " ".join(p for p in (x["first_name"], x["last_name"]) if p) or x["email"],
            "to_address": x["email"],
            "contact_id": x["contact_id"],
            "subject": record["subject"],
            "message_id": s.world.new_message_id(),
            "processed_at": None,
            "status": "Sent",
            "open_count": 0,
            "click_count": 0,
            "hard_bounce_count": 0,
            "soft_bounce_count": 0,
        }
        for x in ([] if draft else _recipients(s, list_id))
    ]
    answer = {
        "total_count": count,
        "total_price": money(record["_price"]),
        "queued_count": 0 if draft else count,
        "data": _view(record, c.now),
        "_currency": currency_block(s.world.currency),
    }
    return ok("Email campaign has been created.", answer)


def _price(s: Service, c: Ctx) -> Reply:
    errors = _check(s, c.body, partial=False)
    if errors:
        return invalid(errors)
    data: dict[str, Any] = c.body
    list_id = _int(data["list_id"])
    assert list_id is not None
    count, price = _price_of(s, list_id)
    answer = {
        "total_count": count,
        "total_price": money(price),
        "queued_count": count,
        "data": {
            "name": data["name"],
            "subject": data["subject"],
            "from_email_address_id": _int(data["from_email_address_id"]),
            "from_name": data["from_name"],
            "body": _body_of(s, data),
            "list_id": list_id,
        },
        "_currency": currency_block(s.world.currency),
    }
    return ok("Total price for email campaign.", answer)


def _list(s: Service, c: Ctx) -> Reply:
    items = filter_records(s.world.records.table(_TABLE).values(), c.query)
    return ok("Here are your email campaigns", page_of(items, c, lambda r: _view(r, c.now)))


def _found(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.records.get(_TABLE, c.params["email_campaign_id"])


def _get(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email campaign not found.")
    return ok("Here is your email campaign.", _view(record, c.now))


def _changeable(record: dict[str, Any], now: float) -> bool:
    return _status(record, now) in ("Scheduled", "Draft")


def _update(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email campaign not found.")
    if not _changeable(record, c.now):
        return invalid({"email_campaign_id": "Only a scheduled or draft campaign can be changed."})
    errors = _check(s, c.body, partial=True)
    if errors:
        return invalid(errors)
    data = c.body if type(c.body) is dict else {}
    for field in ("name", "subject", "from_name", "body"):
        if data.get(field) is not None:
            record[field] = data[field]
    for field in ("list_id", "from_email_address_id", "template_id"):
        if data.get(field) not in (None, ""):
            record[field] = _int(data[field])
    if data.get("schedule") not in (None, ""):
        record["schedule"] = str(_int(data["schedule"]))
    if record["_state"] != "Draft":
        count, price = _price_of(s, record["list_id"])
        s.world.balance += record["_price"] - price
        record["_price"], record["send_count"] = price, count
    return ok("Email campaign has been updated.", _view(record, c.now))


def _cancel(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email campaign not found.")
    if not _changeable(record, c.now):
        return invalid(
            {"email_campaign_id": "Only a scheduled or draft campaign can be cancelled."}
        )
    s.world.balance += record["_price"]
    record["_price"] = Decimal(0)
    record["_state"] = "Cancelled"
    s.world.records.campaign_emails[record["email_campaign_id"]] = []
    return ok("Email campaign has been cancelled.", _view(record, c.now))


def _history(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email campaign not found.")
    items = s.world.records.campaign_emails.get(record["email_campaign_id"], [])
    return ok("Here is your result.", page_of(filter_records(items, c.query), c))


def _export(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Email campaign not found.")
    items = s.world.records.campaign_emails.get(record["email_campaign_id"], [])
    return export_reply(s, c, _EXPORT_HEADER, items)


def register(router: Router) -> None:
    """Add the email campaign routes."""
    router.add("POST", "/email-campaigns/send", _send)
    router.add("POST", "/email-campaigns/price", _price)
    router.add("GET", "/email-campaigns", _list)
    router.add("GET", "/email-campaigns/{email_campaign_id}", _get)
    router.add("PUT", "/email-campaigns/{email_campaign_id}", _update)
    router.add("PUT", "/email-campaigns/{email_campaign_id}/cancel", _cancel)
    router.add("GET", "/email-campaigns/{email_campaign_id}/history", _history)
    router.add("GET", "/email-campaigns/{email_campaign_id}/history/export", _export)
