"""Voice: send and price, receipts, languages, cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import Ctx, Reply, Router, ok
from .._numbers import VOICE_LANGUAGES
from ._messages import cancel_all, cancel_one, receipts, sender

if TYPE_CHECKING:
    from .._app import Service


def _voice_lang(s: Service, c: Ctx) -> Reply:
    data = [
        {"code": code, "country": label, "gender": voices[0] if len(voices) == 1 else list(voices)}
        for code, (label, voices) in VOICE_LANGUAGES.items()
    ]
    return ok("Here are the possible languages.", data)


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("POST", "/voice/send", sender("voice", True))
    r.add("POST", "/voice/price", sender("voice", False))
    r.add("GET", "/voice/receipts", receipts("voice"))
    r.add("PUT", "/voice/cancel-all", cancel_all("voice"))
    r.add("PUT", "/voice/{message_id}/cancel", cancel_one("voice"))
    r.add("GET", "/voice/lang", _voice_lang)
