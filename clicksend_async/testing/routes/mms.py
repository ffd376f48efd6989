"""MMS: send and price."""

from __future__ import annotations

from .._http import Router
from ._messages import receipts, sender


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("POST", "/mms/send", sender("mms", True))
    r.add("POST", "/mms/price", sender("mms", False))
    # The spec's MMS group has no receipts endpoint; the emulator serves the 2021 one.
    r.add("GET", "/mms/receipts", receipts("mms"))
