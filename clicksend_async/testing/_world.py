"""The emulator's mutable account state, shared by every handler (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from ._account_state import AccountSetup
from ._numbers import (
    COUNTRIES,
    DEFAULT_MMS_PRICES,
    DEFAULT_SMS_PRICES,
    DEFAULT_VOICE_PRICES,
    normalize,
    price_table,
)
from ._records import Records
from ._state import SUBACCOUNT_ID, HistoryIndex, MessageRecord, currency_block

__all__ = ["CONTACT_FIELDS", "ExportFile", "InboundRecord", "World"]

# Contact fields (contact schema); the first group is non-nullable strings, the rest nullable.
CONTACT_STRING_FIELDS: Final = (
    "phone_number",
    "first_name",
    "last_name",
    "custom_1",
    "custom_2",
    "custom_3",
    "custom_4",
)
CONTACT_NULLABLE_FIELDS: Final = (
    "fax_number",
    "organization_name",
    "email",
    "address_line_1",
    "address_line_2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
)
CONTACT_FIELDS: Final = CONTACT_STRING_FIELDS + CONTACT_NULLABLE_FIELDS

_THROTTLE_PRUNE_AT: Final = 100_000
# RFC 4122 variant: the first hex digit of the fourth group is 8, 9, A or B.
_VARIANT: Final = {d: "89AB"[int(d, 16) & 3] for d in "0123456789ABCDEF"}


class InboundRecord:
    """Hold one inbound SMS (a reply) and whether it has been read."""

    __slots__ = ("data", "read", "time")

    def __init__(self, data: dict[str, Any], time: float) -> None:
        self.data = data
        self.time = time
        self.read = False


class ExportFile:
    """Hold one history export: its file name, its CSV text and when it was made."""

    __slots__ = ("content", "created", "filename")

    def __init__(self, filename: str, content: str, created: float) -> None:
        self.filename = filename
        self.content = content
        self.created = created


#: Channels of ``GET /account/usage/{year}/{month}/subaccount``, in the spec's order.
USAGE_CHANNELS: Final = (
    "sms",
    "mms",
    "voice",
    "fax",
    "post",
    "email",
    "email_transactional",
    "postcards",
)


class World:
    """Hold the account: balance, messages, lists, templates, inbound, connections."""

    def __init__(
        self,
        *,
        username: str,
        api_key: str,
        maton_api_key: str,
        balance: Decimal,
        currency: str,
        prices: Mapping[str, Any] | None,
        mms_prices: Mapping[str, Any] | None,
        voice_prices: Mapping[str, Any] | None,
        throttle_window: float,
        enabled_countries: Iterable[str] | None,
        receipt_delay: float,
        free_test_numbers: bool,
        schedule_grace: float,
        clock: Callable[[], float],
        seed: int | str | None,
    ) -> None:
        self.username = username
        self.api_key = api_key
        self.maton_api_key = maton_api_key
        self.balance = balance
        self.currency = currency
        self.sms_prices = price_table(prices, DEFAULT_SMS_PRICES)
        self.mms_prices = price_table(mms_prices, DEFAULT_MMS_PRICES)
        self.voice_prices = price_table(voice_prices, DEFAULT_VOICE_PRICES)
        self.throttle_window = throttle_window
        self.enabled_countries = (
            None if enabled_countries is None else frozenset(c.upper() for c in enabled_countries)
        )
        self.receipt_delay = receipt_delay
        self.free_test_numbers = free_test_numbers
        self.schedule_grace = schedule_grace
        self.clock = clock
        #: Seconds between a message's acceptance and its appearance in the history.
        self.history_lag = 0.0
        # Separate streams so that fault draws do not shift message ids and vice versa.
        self.fault_rng = random.Random(seed)
        self.id_rng = random.Random(None if seed is None else f"{seed}/ids")

        self.messages: list[MessageRecord] = []
        self._history: dict[str, HistoryIndex] = {}
        self.by_id: dict[str, MessageRecord] = {}
        self.throttle: dict[str, float] = {}
        self._prune_at = _THROTTLE_PRUNE_AT
        self.lists: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.templates: dict[int, dict[str, Any]] = {}
        self.email_addresses: dict[int, dict[str, Any]] = {}
        self.activation_tokens: dict[int, str] = {}
        self.inbound: list[InboundRecord] = []
        self.exports: dict[str, ExportFile] = {}
        self.connections: dict[str, dict[str, Any]] = {}
        #: Campaigns, email, post and fax (the route modules of ``routes/``).
        self.records = Records()
        self._next_list = 100_001
        self._next_contact = 5_000_001
        self._next_template = 600_001
        self._next_email = 1_001
        #: Rules, uploads, countries, numbers, subaccounts and billing (part A of the API).
        self.setup = AccountSetup(self.id_rng, clock)
        self.new_connection()

    # -- ids -------------------------------------------------------------------------------

    def history_index(self, kind: str) -> HistoryIndex:
        """Return the history of ``kind`` indexed by date and recipient, brought up to date."""
        index = self._history.get(kind)
        if index is None:
            index = self._history[kind] = HistoryIndex(kind)
        index.update(self.messages)
        return index

    def new_message_id(self) -> str:
        """Return a fresh upper-case version-4 UUID (reproducible under a seed)."""
        h = self.id_rng.randbytes(16).hex().upper()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"

    def new_list_id(self) -> int:
        """Return the next contact-list id."""
        self._next_list += 1
        return self._next_list - 1

    def new_contact_id(self) -> int:
        """Return the next contact id."""
        self._next_contact += 1
        return self._next_contact - 1

    def new_template_id(self) -> int:
        """Return the next template id."""
        self._next_template += 1
        return self._next_template - 1

    def new_email_id(self) -> int:
        """Return the next allowed-email-address id."""
        self._next_email += 1
        return self._next_email - 1

    def random_token(self, length: int = 16) -> str:
        """Return a random upper-case alphanumeric token."""
        alphabet = string.ascii_uppercase + string.digits
        return "".join(self.id_rng.choice(alphabet) for _ in range(length))

    # -- Maton connections -------------------------------------------------------------------

    def new_connection(self) -> dict[str, Any]:
        """Create an ACTIVE Maton connection and return it."""
        stamp = dt.datetime.fromtimestamp(self.clock(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        connection_id = str(uuid.UUID(int=self.id_rng.getrandbits(128), version=4))
        connection = {
            "connection_id": connection_id,
            "status": "ACTIVE",
            "creation_time": stamp,
            "last_updated_time": stamp,
            "url": f"https://connect.maton.ai/?session_token={connection_id}",
            "app": "clicksend",
            "metadata": {},
        }
        self.connections[connection_id] = connection
        return connection

    def active_connection(self, connection_id: str | None) -> dict[str, Any] | None:
        """Return the named ACTIVE connection, or the oldest ACTIVE one when None is named."""
        if connection_id is not None:
            found = self.connections.get(connection_id)
            return found if found is not None and found["status"] == "ACTIVE" else None
        for connection in self.connections.values():
            if connection["status"] == "ACTIVE":
                return connection
        return None

    # -- lists and contacts ------------------------------------------------------------------

    def list_view(self, list_id: int) -> dict[str, Any]:
        """Return a contact list in the ``contact_list`` shape."""
        stored = self.lists[list_id]
        return {
            "list_id": list_id,
            "list_name": stored["list_name"],
            "list_email_id": stored["list_email_id"],
            "_contacts_count": sum(1 for c in self.contacts.values() if c["list_id"] == list_id),
            "_import_in_progress": 0,
            "_optout_in_progress": 0,
        }

    def list_contacts(self, list_id: int) -> list[dict[str, Any]]:
        """Return the contacts of a list, oldest first."""
        return [c for c in self.contacts.values() if c["list_id"] == list_id]

    def contact_view(self, contact: dict[str, Any]) -> dict[str, Any]:
        """Return a contact in the ``contact`` shape."""
        view = dict(contact)
        view["_list_name"] = self.lists[contact["list_id"]]["list_name"]
        return view

    def country_name(self, iso: str) -> str:
        """Return the English name of a country code."""
        entry = COUNTRIES.get(iso)
        return entry[0] if entry else iso

    def price_of(self, kind: str, iso: str) -> Decimal:
        """Return the per-part (SMS, voice) or per-message (MMS) price for a country."""
        table = (
            self.sms_prices
            if kind == "sms"
            else self.mms_prices
            if kind == "mms"
            else self.voice_prices
        )
        price = table.get(iso)
        return table["default"] if price is None else price

    def prune_throttle(self, now: float) -> None:
        """Forget throttle entries older than the window once the table grows large.

        The next prune waits until the table has doubled, so a busy window (every entry still
        young) does not rebuild the table on every send: amortised O(1) per message.
        """
        if len(self.throttle) >= self._prune_at:
            horizon = now - self.throttle_window
            self.throttle = {k: t for k, t in self.throttle.items() if t > horizon}
            self._prune_at = max(_THROTTLE_PRUNE_AT, 2 * len(self.throttle))

    def make_contact(self, list_id: int, body: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Return a new stored contact for ``list_id`` from a request body."""
        contact: dict[str, Any] = {"contact_id": self.new_contact_id(), "list_id": list_id}
        for field in CONTACT_STRING_FIELDS:
            value = body.get(field)
            contact[field] = "" if value is None else str(value)
        for field in CONTACT_NULLABLE_FIELDS:
            value = body.get(field)
            contact[field] = None if value is None else str(value)
        normalized = normalize(contact["phone_number"], contact["address_country"])
        if normalized is not None:
            contact["phone_number"] = normalized[0]
        contact["date_added"] = contact["date_updated"] = int(now)
        return contact

    def remove_opted_out(self, list_id: int, opt_out_list_id: int) -> int:
        """Delete the contacts of ``list_id`` whose number or email is in the opt-out list."""
        opted_out = self.list_contacts(opt_out_list_id)
        numbers = {c["phone_number"] for c in opted_out if c["phone_number"]}
        emails = {c["email"].lower() for c in opted_out if c["email"]}
        doomed = [
            c["contact_id"]
            for c in self.list_contacts(list_id)
            if (c["phone_number"] and c["phone_number"] in numbers)
            or (c["email"] and c["email"].lower() in emails)
        ]
        for contact_id in doomed:
            del self.contacts[contact_id]
        return len(doomed)

    def search(self, q: str) -> list[dict[str, Any]]:
        """Return the contacts, then the lists, that contain keyword ``q`` (case-insensitive).

        Contacts match on their name, phone number, email, fax number or organisation; lists
        on their name. Records have the shape of the 2021 docs' example.
        """
        needle = q.strip().lower()
        if q.startswith(" ") and needle.isdigit():
            needle = "+" + needle  # an unencoded "+" arrives as a space
        hits: list[dict[str, Any]] = []
        for contact in self.contacts.values():
            name = " ".join(p for p in (contact["first_name"], contact["last_name"]) if p)
            fields = (
                name,
                contact["phone_number"],
                contact["email"],
                contact["fax_number"],
                contact["organization_name"],
            )
            if any(needle in f.lower() for f in fields if f):
                hits.append(
                    {
                        "contact": contact["phone_number"]
                        or contact["email"]
                        or contact["fax_number"]
                        or "",
                        "contacts_count": None,
                        "id": contact["contact_id"],
                        "name": name,
                        "type": "contact",
                    }
                )
        for list_id, stored in self.lists.items():
            if needle in stored["list_name"].lower():
                view = self.list_view(list_id)
                hits.append(
                    {
                        "contact": stored["list_email_id"],
                        "contacts_count": view["_contacts_count"],
                        "id": list_id,
                        "name": stored["list_name"],
                        "type": "list",
                    }
                )
        return hits

    def usage(self, year: int, month: int) -> dict[str, Any]:
        """Return a month's usage (UTC) per channel, from the messages accepted in it.

        Cancelled messages were refunded and do not count; ``total_count`` counts billed parts
        (an MMS is one), as a string with two decimals like the spec's SMS example.
        """
        sums: dict[str, list[Any]] = {}
        for m in self.messages:
            if m.cancelled:
                continue
            when = dt.datetime.fromtimestamp(m.date, dt.UTC)
            if (when.year, when.month) != (year, month):
                continue
            entry = sums.setdefault(m.kind, [0, Decimal(0)])
            entry[0] += m.parts
            entry[1] += m.price
        data: dict[str, Any] = {}
        for channel in USAGE_CHANNELS:
            count, price = sums.get(channel, (0, Decimal(0)))
            data[channel] = (
                [
                    {
                        "subaccount_id": SUBACCOUNT_ID,
                        "username": self.username,
                        "total_count": f"{count}.00",
                        "total_price": float(price),
                        "notes": None,
                    }
                ]
                if channel in sums
                else []
            )
        for channel in USAGE_CHANNELS:
            count, price = sums.get(channel, (0, Decimal(0)))
            data[f"{channel}_total"] = {"count": count, "price": float(price)}
        data["_currency"] = currency_block(self.currency)
        return data
