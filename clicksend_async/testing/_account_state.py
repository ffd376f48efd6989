"""The emulator's account set-up state: automation rules, uploads, countries, numbers, billing.

Shared by the route modules of part A of the API (``routes/automations.py``, ``uploads.py``,
``international.py``, ``subaccounts.py``, ``billing.py``, ``numbers.py``, ``senders.py``);
reached as ``world.setup``. Pure: no I/O, ids from the world's seeded stream.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Final

__all__ = ["AccountSetup", "RuleTarget"]

#: Inbound rule ``webhook_type`` -> the Pusher's format.
PUSH_FORMATS: Final = {"post": "form", "get": "get", "json": "json"}


class RuleTarget:
    """Where one matching URL rule pushes: its URL and the Pusher's format."""

    __slots__ = ("fmt", "url")

    def __init__(self, url: str, fmt: str) -> None:
        self.url = url
        self.fmt = fmt


def _search_matches(rule: dict[str, Any], body: str) -> bool:
    kind = rule.get("message_search_type") or 0
    term = (rule.get("message_search_term") or "").lower()
    text = body.lower()
    if kind == 1:
        return text.startswith(term)
    if kind == 2:
        return term in text
    if kind == 3:
        return term not in text
    return True


class AccountSetup:
    """Hold what an account configures rather than sends: rules, files, numbers, money."""

    def __init__(self, id_rng: random.Random, clock: Callable[[], float]) -> None:
        self._rng = id_rng
        self.clock = clock
        self._next: dict[str, int] = {}
        # automation rules, by channel: "sms_receipts", "voice_receipts", "sms_inbound"
        self.rules: dict[str, dict[int, dict[str, Any]]] = {
            "sms_receipts": {},
            "voice_receipts": {},
            "sms_inbound": {},
        }
        self.uploads: dict[int, dict[str, Any]] = {}
        self.selected_countries: set[int] = set()
        self.agreed_countries: dict[int, int] = {}
        #: Whether the countries the emulator started with were entered as selected.
        self.countries_initialised = False
        self.subaccounts: dict[int, dict[str, Any]] = {}
        self.password_resets: dict[int, str] = {}
        self.account_token: str | None = None
        self.account_verified = False
        self.card: dict[str, Any] | None = None
        self.transactions: list[dict[str, Any]] = []
        self.referrals: list[dict[str, Any]] = []
        self.clients: dict[int, dict[str, Any]] = {}
        self.numbers: dict[str, dict[str, Any]] = {}
        self.registrations: list[dict[str, Any]] = []
        self.own_numbers: dict[str, dict[str, Any]] = {}
        self.verifications: dict[str, dict[str, Any]] = {}
        self.alpha_tags: dict[str, dict[str, Any]] = {}
        self.default_senders: dict[str, dict[str, Any]] = {}
        #: The account's id in the uuid-keyed endpoints (own numbers, alpha tags).
        self.owner_uuid = self.new_uuid()

    # -- ids -------------------------------------------------------------------------------

    def next_id(self, kind: str, start: int) -> int:
        """Return the next integer id of ``kind`` (the first is ``start``)."""
        value = self._next.get(kind, start)
        self._next[kind] = value + 1
        return value

    def new_uuid(self) -> str:
        """Return a fresh lower-case version-4 UUID (reproducible under a seed)."""
        h = self._rng.randbytes(16).hex()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def new_code(self, digits: int = 6) -> str:
        """Return a random numeric code (an OTP)."""
        return "".join(self._rng.choice("0123456789") for _ in range(digits))

    # -- rules -> pushes ---------------------------------------------------------------------

    def receipt_targets(self, kind: str) -> list[RuleTarget] | None:
        """Return where a receipt of ``kind`` is pushed, or None when no rule decides.

        SMS and MMS receipts follow the SMS receipt rules, voice ones the voice rules. Rules
        decide once any exists for the channel: then only enabled URL rules push (form posts).
        """
        rules = self.rules["voice_receipts" if kind == "voice" else "sms_receipts"]
        if not rules:
            return None
        return [
            RuleTarget(r["action_address"], "form")
            for r in rules.values()
            if r["enabled"] and r["action"] == "URL" and r["action_address"]
        ]

    def inbound_targets(self, to: str, body: str) -> list[RuleTarget] | None:
        """Return where an inbound SMS to ``to`` is pushed, or None when no rule decides."""
        rules = self.rules["sms_inbound"]
        if not rules:
            return None
        return [
            RuleTarget(r["action_address"], PUSH_FORMATS.get(r.get("webhook_type") or "", "form"))
            for r in rules.values()
            if r["enabled"]
            and r["action"] == "URL"
            and r["action_address"]
            and r["dedicated_number"] in ("*", to)
            and _search_matches(r, body)
        ]
