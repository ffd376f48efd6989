"""Fax (ClickSend's 2021 API): send and price, history and export, delivery receipts.

These operations come from the 2021 spec; the current spec dropped them. The emulator never
fetches the PDF at ``file_url``: it counts one page per fax and charges
:data:`~clicksend_async.testing._records.FAX_PAGE_PRICE` for it. A fax's receipt is due
``receipt_delay`` seconds after its schedule, like an SMS's, and stays unread until marked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._numbers import normalize
from .._records import FAX_PAGE_PRICE
from .._state import SUBACCOUNT_ID, USER_ID, currency_block
from ._common import export_reply, filter_records, page_of, unix_or

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

_EXPORT_HEADER: Final = ("message_id", "date_added", "to", "from", "status", "message_price")


def _message(s: Service, c: Ctx, item: Any, file_url: str, send: bool) -> dict[str, Any]:
    data = item if type(item) is dict else {}
    found = normalize(data.get("to"), data.get("country"))
    to = data.get("to")
    return {
        "_api_username": s.world.username,
        "_file_url": file_url,
        "carrier": "",
        "country": found[1] if found else "",
        "custom_string": data.get("custom_string") or "",
        "date": None,
        "date_added": int(c.now),
        "from": data.get("from") or "",
        "from_email": data.get("from_email"),
        "list_id": None,
        "message_id": s.world.new_message_id(),
        "message_pages": 1 if send and found else 0,
        "message_price": f"{FAX_PAGE_PRICE if found else 0:.4f}",
        "schedule": str(unix_or(data.get("schedule"), c.now)),
        # A refused fax is reported in the same shape, with ClickSend's per-message status.
        "status": "SUCCESS" if found else "INVALID_RECIPIENT",
        "status_code": None,
        "status_text": None,
        "subaccount_id": SUBACCOUNT_ID,
        "to": found[0] if found else (to if isinstance(to, str) else ""),
        "user_id": USER_ID,
        "_read": False,
    }


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "_read"}


def _send(send: bool) -> Any:
    def handler(s: Service, c: Ctx) -> Reply:
        file_url = c.field("file_url")
        messages = c.field("messages")
        errors = {}
        if not isinstance(file_url, str) or not file_url.startswith("http"):
            errors["file_url"] = "The file url must be an http(s) URL."
        if not isinstance(messages, list) or not messages:
            errors["messages"] = "The messages field must be a non-empty list."
        if errors:
            return invalid(errors)
        assert isinstance(file_url, str)
        assert isinstance(messages, list)
        records = [_message(s, c, m, file_url, send) for m in messages]
        accepted = [r for r in records if r["status"] == "SUCCESS"]
        total = FAX_PAGE_PRICE * len(accepted)
        if send:
            if total > s.world.balance:
                return invalid({"balance": "You do not have enough credit to send these faxes."})
            s.world.balance -= total
            s.world.records.faxes.extend(accepted)
        data = {
            "_currency": currency_block(s.world.currency),
            "messages": [_public(r) for r in records],
            "queued_count": len(accepted),
            "total_count": len(records),
            "total_price": float(total),
        }
        return ok("Messages queued for delivery." if send else "Here is your price.", data)

    return handler


def _due(s: Service, record: dict[str, Any]) -> float:
    return int(record["schedule"]) + s.world.receipt_delay


def _history_view(s: Service, now: float) -> Any:
    def render(record: dict[str, Any]) -> dict[str, Any]:
        view = _public(record)
        done = now >= _due(s, record)
        view["status"] = "Sent" if done else "Scheduled"
        view["status_code"] = "201" if done else None
        view["status_text"] = "Sent" if done else None
        view["message_pages"] = f"{Decimal(record['message_pages']):.2f}"
        return view

    return render


def _history(s: Service, c: Ctx) -> Reply:
    items = filter_records(s.world.records.faxes, c.query)
    return ok("Here is your history.", page_of(items, c, _history_view(s, c.now)))


def _export(s: Service, c: Ctx) -> Reply:
    render = _history_view(s, c.now)
    rows = [render(r) for r in filter_records(s.world.records.faxes, c.query)]
    return export_reply(s, c, _EXPORT_HEADER, rows)


def _receipt(s: Service, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "custom_string": record["custom_string"],
        "error_code": "",
        "error_text": "",
        "message_id": record["message_id"],
        "message_type": "fax",
        "status_code": "201",
        "status_text": "Success: Fax delivered.",
        "subaccount_id": SUBACCOUNT_ID,
        "timestamp": str(int(_due(s, record))),
        "timestamp_send": record["schedule"],
    }


def _receipts(s: Service, c: Ctx) -> Reply:
    items = [r for r in s.world.records.faxes if not r["_read"] and c.now >= _due(s, r)]
    return ok("Here are your delivery receipts.", page_of(items, c, lambda r: _receipt(s, r)))


def _receipt_one(s: Service, c: Ctx) -> Reply:
    wanted = c.params["message_id"].upper()
    for record in s.world.records.faxes:
        if record["message_id"] == wanted:
            return ok("Here is your fax receipt.", _history_view(s, c.now)(record))
    return not_found("Fax not found.")


def _receipts_read(s: Service, c: Ctx) -> Reply:
    before = c.field("date_before")
    if before is not None and (isinstance(before, bool) or not isinstance(before, int | float)):
        return invalid({"date_before": "The date before must be a unix timestamp."})
    for record in s.world.records.faxes:
        if c.now >= _due(s, record) and (before is None or _due(s, record) < before):
            record["_read"] = True
    return ok("Receipts has been marked as read.", [])


def _test_receipt(s: Service, c: Ctx) -> Reply:
    url = c.field("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return invalid({"url": "The url must be an http(s) URL."})
    receipt = {
        "custom_string": None,
        "error_code": None,
        "error_text": None,
        "message_id": s.world.new_message_id(),
        "status_code": "201",
        "status_text": "Success: Fax delivered.",
        "timestamp": str(int(c.now)),
    }
    if s.pusher is not None:
        push = {k: "" if v is None else v for k, v in receipt.items()} | {"message_type": "fax"}
        s.pusher.schedule(0, url, "form", lambda: push)
    return ok("Receipt has been added", receipt)


def register(router: Router) -> None:
    """Add the fax routes."""
    router.add("POST", "/fax/send", _send(True))
    router.add("POST", "/fax/price", _send(False))
    router.add("GET", "/fax/history", _history)
    router.add("GET", "/fax/history/export", _export)
    router.add("GET", "/fax/receipts", _receipts)
    router.add("POST", "/fax/receipts", _test_receipt)
    router.add("PUT", "/fax/receipts-read", _receipts_read)
    router.add("GET", "/fax/receipts/{message_id}", _receipt_one)
