"""Test pushes (``POST /sms/receipts`` and ``POST /sms/inbound``): a sample receipt or reply.

ClickSend posts a made-up delivery receipt or inbound message to the URL given, so that a
webhook can be tried before any real message exists; the emulator does the same, through its
push worker, and answers what it pushed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._http import Ctx, Reply, Router, invalid, ok
from .._state import SUBACCOUNT_ID, USER_ID

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

_FORMATS = {"post": "form", "form": "form", "json": "json"}


def _url(c: Ctx) -> str | dict[str, str]:
    url = c.field("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return {"url": "The url must be an http(s) URL."}
    return url


def _push(s: Service, url: str, fmt: str, payload: dict[str, Any]) -> None:
    if s.pusher is not None:
        s.pusher.schedule(0, url, fmt, lambda: payload)


def _test_receipt(s: Service, c: Ctx) -> Reply:
    url = _url(c)
    if isinstance(url, dict):
        return invalid(url)
    now = int(c.now)
    receipt = {
        "timestamp_send": now,
        "timestamp": now,
        "message_id": s.world.new_message_id(),
        # This answer's schema (unlike the polled receipts') types status_code as an integer.
        "status_code": 201,
        "status_text": "Success: Message received on handset.",
        "error_code": None,
        "error_text": None,
        "custom_string": None,
        "subaccount_id": SUBACCOUNT_ID,
        "message_type": "sms",
        "digits": None,
    }
    push = {
        k: "" if v is None else str(v)
        for k, v in (receipt | {"status": "Delivered", "user_id": USER_ID}).items()
    }
    _push(s, url, "form", push)
    return ok("Receipt has been added", receipt)


def _test_inbound(s: Service, c: Ctx) -> Reply:
    url = _url(c)
    if isinstance(url, dict):
        return invalid(url)
    kind = c.field("webhook_type") or "post"
    fmt = _FORMATS.get(str(kind).lower())
    if fmt is None:
        return invalid({"webhook_type": "The webhook type must be post or json."})
    now = int(c.now)
    inbound = {
        "timestamp_send": now,
        "from": "+61411111111",
        "body": "This is a test incoming message",
        "original_body": "This is a test outgoing message",
        "original_message_id": s.world.new_message_id(),
        "to": "+61422222222",
        "custom_string": "",
        "message_id": s.world.new_message_id(),
        "_keyword": "this",
    }
    push = {
        "timestamp": str(now),
        "from": inbound["from"],
        "body": inbound["body"],
        "message": inbound["body"],
        "to": inbound["to"],
        "original_body": inbound["original_body"],
        "original_message_id": inbound["original_message_id"],
        "custom_string": "",
        "message_id": inbound["message_id"],
        "user_id": str(USER_ID),
        "subaccount_id": str(SUBACCOUNT_ID),
    }
    _push(s, url, fmt, push)
    return ok("Inbound message has been added.", inbound)


def register(router: Router) -> None:
    """Add the test-push routes."""
    router.add("POST", "/sms/receipts", _test_receipt)
    router.add("POST", "/sms/inbound", _test_inbound)
