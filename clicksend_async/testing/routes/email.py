"""Transactional email (send, price, history, export), email templates and master templates.

An email is sent from an allowed address (``/email/addresses``) that has been verified; the
emulator charges :data:`~clicksend_async.testing._records.EMAIL_PRICE` per recipient (to, cc and
bcc) and keeps the email in the history. Master templates are a small fixed catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._records import EMAIL_PRICE
from .._state import SUBACCOUNT_ID, USER_ID, currency_block
from ._common import export_reply, filter_records, missing, money, page_of

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["MASTER_CATEGORIES", "MASTER_TEMPLATES", "register"]

_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_THUMBS: Final = "https://s3-ap-southeast-2.amazonaws.com/clicksend-api-downloads/_email-marketing"

#: ClickSend's master-template categories (a few of them).
MASTER_CATEGORIES: Final = {2: "Alerts/Notifications", 4: "Birthday", 23: "Blank Template"}
#: Master templates: id -> (name, category id, date added, HTML body).
MASTER_TEMPLATES: Final = {
    1: ("Minty", 2, 1445848821, "<html><body><h1>{{subject}}</h1><p>{{body}}</p></body></html>"),
    57: ("Welcome Email", 23, 1436157486, "<html><body><p>Welcome!</p></body></html>"),
    64: ("Happy Birthday", 4, 1445848900, "<html><body><p>Happy birthday!</p></body></html>"),
}
_EXPORT_HEADER: Final = (
    "message_id",
    "date_added",
    "from_name",
    "to",
    "subject",
    "status",
    "price",
    "custom_string",
)


def _master_view(template_id: int, *, body: bool) -> dict[str, Any]:
    name, category_id, added, html = MASTER_TEMPLATES[template_id]
    slug = name.lower().replace(" ", "")
    view: dict[str, Any] = {
        "template_id_master": template_id,
        "template_name": name,
        "date_added": added,
        "thumbnail": {
            "small": f"{_THUMBS}/_templates-master/{slug}/thumb-small.jpg",
            "large": f"{_THUMBS}/_templates-master/{slug}/thumb-large.jpg",
        },
    }
    if body:
        view["body"] = html
    view["category_id"] = category_id
    return view


def _recipients(value: Any, field: str, errors: dict[str, str]) -> list[dict[str, str]]:
    if value is None and field != "to":
        return []
    if not isinstance(value, list) or (field == "to" and not value):
        errors[field] = f"The {field} field must be a list of recipients."
        return []
    out = []
    for i, item in enumerate(value):
        email = item.get("email") if isinstance(item, dict) else None
        if not isinstance(email, str) or _EMAIL.fullmatch(email.strip()) is None:
            errors[f"{field}.{i}.email"] = "The email must be a valid email address."
            continue
        entry = {"email": email.strip()}
        if isinstance(item.get("name"), str):
            entry["name"] = item["name"]
        out.append(entry)
    return out


def _attachments(value: Any, errors: dict[str, str]) -> None:
    """Check the attachments: the spec's table requires each one's content, type, filename and
    disposition (its ``content_id`` too, which nothing but an inline image can use: not checked).
    """
    if value is None:
        return
    if not isinstance(value, list):
        errors["attachments"] = "The attachments field must be a list of attachments."
        return
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            errors[f"attachments.{i}"] = "Each attachment must be an object."
            continue
        for key in ("content", "type", "filename"):
            if not isinstance(item.get(key), str) or not item[key]:
                errors[f"attachments.{i}.{key}"] = f"The attachment {key} field is required."
        if item.get("disposition") not in ("attachment", "inline"):
            errors[f"attachments.{i}.disposition"] = (
                "The attachment disposition must be attachment or inline."
            )


def _prepare(s: Service, c: Ctx) -> dict[str, Any] | Reply:
    """Check an email request; return its parts or a 400 reply."""
    errors = missing(c.body, {"to": "to", "from": "from", "subject": "subject", "body": "body"})
    data = c.body if type(c.body) is dict else {}
    to = _recipients(data.get("to"), "to", errors) if "to" not in errors else []
    cc = _recipients(data.get("cc"), "cc", errors)
    bcc = _recipients(data.get("bcc"), "bcc", errors)
    _attachments(data.get("attachments"), errors)
    sender = data.get("from")
    address = None
    if "from" not in errors:
        raw = sender.get("email_address_id") if isinstance(sender, dict) else None
        address = s.world.email_addresses.get(int(str(raw))) if str(raw).isdigit() else None
        if address is None:
            errors["from.email_address_id"] = "The from email address id is invalid."
        elif not address["verified"]:
            errors["from.email_address_id"] = "The from email address is not verified."
    if errors:
        return invalid(errors)
    assert address is not None
    assert isinstance(sender, dict)
    return {
        "address": address,
        "from_name": sender.get("name") or "",
        "to": to,
        "cc": cc,
        "bcc": bcc,
        "price": EMAIL_PRICE * (len(to) + len(cc) + len(bcc)),
    }


def _send(s: Service, c: Ctx) -> Reply:
    prepared = _prepare(s, c)
    if isinstance(prepared, tuple):
        return prepared
    price = prepared["price"]
    if price > s.world.balance:
        return invalid({"balance": "You do not have enough credit to send this email."})
    s.world.balance -= price
    schedule = c.field("schedule")
    attachments = c.field("attachments") or []
    email = {
        "user_id": USER_ID,
        "subaccount_id": SUBACCOUNT_ID,
        "from_email_address_id": prepared["address"]["email_address_id"],
        "from_name": prepared["from_name"],
        "to": prepared["to"],
        "cc": prepared["cc"],
        "bcc": prepared["bcc"],
        "subject": c.field("subject"),
        "body": c.field("body"),
        "body_plain_text": re.sub(r"<[^>]+>", "", str(c.field("body"))),
        "schedule": int(schedule) if str(schedule).isdigit() else int(c.now),
        "message_id": s.world.new_message_id(),
        "status": "Sent",
        "status_text": "Accepted for delivery",
        "soft_bounce_count": 0,
        "hard_bounce_count": 0,
        "price": money(price),
        "date_added": int(c.now),
        "custom_string": None,
        "_attachments": [
            {
                "file_name": str(a.get("filename", "")),
                "content_type": str(a.get("type", "")),
                "content_disposition": str(a["disposition"]),
                "content_id": str(a.get("content_id", "")),
                "_attachment_file_url": f"https://rest.clicksend.com/files/{a.get('filename', '')}",
            }
            for a in attachments
            if isinstance(a, dict)
        ],
        "_currency": currency_block(s.world.currency),
    }
    s.world.records.emails.append(email)
    _push_receipts(s, email)
    return ok("Transactional email queued for delivery.", email)


def _constant(payload: dict[str, str]) -> Callable[[], dict[str, str]]:
    return lambda: payload


def _push_receipts(s: Service, email: dict[str, Any]) -> None:
    """Post a delivery receipt per recipient to every enabled URL rule, as ClickSend does."""
    if s.pusher is None:
        return
    rules = s.world.records.table("email_receipt_rules").values()
    urls = [r["action_address"] for r in rules if r["enabled"] == 1 and r["action"] == "URL"]
    for url in urls:
        for recipient in email["to"] + email["cc"] + email["bcc"]:
            # The shape of ClickSend's email receipt (the 2021 docs' POST /email/receipts).
            payload = {
                "email": recipient["email"],
                "message_id": email["message_id"],
                "status": "Delivered",
                "timestamp": str(email["date_added"] + int(s.world.receipt_delay)),
                "custom_string": email["custom_string"] or "",
            }
            s.pusher.schedule(s.world.receipt_delay, url, "form", _constant(payload))


def _price(s: Service, c: Ctx) -> Reply:
    prepared = _prepare(s, c)
    if isinstance(prepared, tuple):
        return prepared
    data = {
        "to_array": prepared["to"],
        "cc_array": prepared["cc"] or None,
        "bcc_array": prepared["bcc"] or None,
        "subject": c.field("subject"),
        "body": c.field("body"),
        "price": float(prepared["price"]),
        "_currency": currency_block(s.world.currency),
    }
    return ok("Here's the email price.", data)


def _history(s: Service, c: Ctx) -> Reply:
    items = filter_records(s.world.records.emails, c.query)
    return ok("Here is your result.", page_of(items, c))


def _export(s: Service, c: Ctx) -> Reply:
    rows = [
        {**e, "to": ";".join(r["email"] for r in e["to"])}
        for e in filter_records(s.world.records.emails, c.query)
    ]
    return export_reply(s, c, _EXPORT_HEADER, rows)


def _masters(s: Service, c: Ctx) -> Reply:
    data = [_master_view(t, body=False) for t in MASTER_TEMPLATES]
    return ok("List of Email Master Templates", data)


def _master(s: Service, c: Ctx) -> Reply:
    template_id = c.int_param("template_id")
    if template_id not in MASTER_TEMPLATES:
        return not_found("Master template not found.")
    return ok("Here is your email template", _master_view(template_id, body=True))


def _categories(s: Service, c: Ctx) -> Reply:
    data = [{"category_id": k, "category_name": v} for k, v in MASTER_CATEGORIES.items()]
    return ok("List of Email Categories", data)


def _category(s: Service, c: Ctx) -> Reply:
    category_id = c.int_param("category_id")
    if category_id not in MASTER_CATEGORIES:
        return not_found("Category not found.")
    return ok(
        "Here are your data.", {"category_id": category_id, "name": MASTER_CATEGORIES[category_id]}
    )


def _category_templates(s: Service, c: Ctx) -> Reply:
    category_id = c.int_param("category_id")
    if category_id not in MASTER_CATEGORIES:
        return not_found("Category not found.")
    data = [_master_view(t, body=True) for t, v in MASTER_TEMPLATES.items() if v[1] == category_id]
    return ok("List of Email Templates By Category", data)


def _template_summary(record: dict[str, Any]) -> dict[str, Any]:
    return {"template_id": record["template_id"], "template_name": record["template_name"]}


def _templates(s: Service, c: Ctx) -> Reply:
    items = list(s.world.records.table("email_templates").values())
    return ok("Here are your email templates.", page_of(items, c, _template_summary))


def _template_create(s: Service, c: Ctx) -> Reply:
    errors = missing(c.body, {"template_name": "template name", "template_id_master": "master"})
    master = c.field("template_id_master")
    if "template_id_master" not in errors and (
        isinstance(master, bool) or not str(master).isdigit() or int(master) not in MASTER_TEMPLATES
    ):
        errors["template_id_master"] = "The selected template id master is invalid."
    name = c.field("template_name")
    if "template_name" not in errors and not isinstance(name, str):
        errors["template_name"] = "The template name must be a string."
    if errors:
        return invalid(errors)
    template_id = s.world.records.new_id("email_templates")
    record = {
        "template_id": template_id,
        "template_id_master": int(master),
        "template_name": name,
        "body": MASTER_TEMPLATES[int(master)][3],
    }
    s.world.records.table("email_templates")[template_id] = record
    return ok("New email template has been saved.", dict(record))


def _template(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.records.get("email_templates", c.params["template_id"])


def _template_get(s: Service, c: Ctx) -> Reply:
    record = _template(s, c)
    if record is None:
        return not_found("Email template not found.")
    return ok("Here is your email template.", dict(record))


def _template_update(s: Service, c: Ctx) -> Reply:
    record = _template(s, c)
    if record is None:
        return not_found("Email template not found.")
    errors = {}
    for field in ("body", "template_name"):
        value = c.field(field)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            errors[field] = f"The {field.replace('_', ' ')} must be a non-empty string."
    if c.field("body") is None and c.field("template_name") is None:
        errors["body"] = "The body field is required."
    if errors:
        return invalid(errors)
    for field in ("body", "template_name"):
        if c.field(field) is not None:
            record[field] = c.field(field)
    return ok("Your email template has been updated.", dict(record))


def _template_delete(s: Service, c: Ctx) -> Reply:
    record = _template(s, c)
    if record is None:
        return not_found("Email template not found.")
    del s.world.records.table("email_templates")[record["template_id"]]
    return ok("Your email template has been deleted.", [])


def register(router: Router) -> None:
    """Add the transactional email, template and master-template routes."""
    router.add("POST", "/email/send", _send)
    router.add("POST", "/email/price", _price)
    router.add("GET", "/email/history", _history)
    router.add("GET", "/email/history/export", _export)
    router.add("GET", "/email/master-templates", _masters)
    router.add("GET", "/email/master-templates/{template_id}", _master)
    router.add("GET", "/email/master-templates-categories", _categories)
    router.add("GET", "/email/master-templates-categories/{category_id}", _category)
    router.add(
        "GET",
        "/email/master-templates-categories/{category_id}/master-templates",
        _category_templates,
    )
    router.add("GET", "/email/templates", _templates)
    router.add("POST", "/email/templates", _template_create)
    router.add("GET", "/email/templates/{template_id}", _template_get)
    router.add("PUT", "/email/templates/{template_id}", _template_update)
    router.add("DELETE", "/email/templates/{template_id}", _template_delete)
