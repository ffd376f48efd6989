"""The emulator's records beyond messages and contacts: campaigns, email, post, fax (pure, no I/O).

One :class:`Records` hangs off the shared :class:`~clicksend_async.testing._world.World` as
``world.records``; every route module of ``routes/`` keeps its state in one of its tables, so the
whole account stays in one place and a test can look at it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "EMAIL_PRICE",
    "FAX_PAGE_PRICE",
    "LETTER_PAGE_PRICE",
    "POSTCARD_PRICE",
    "Records",
    "csv_text",
]

#: Prices the emulator charges (per email recipient, fax page, letter page and postcard).
EMAIL_PRICE: Final = Decimal("0.0050")
FAX_PAGE_PRICE: Final = Decimal("0.2200")
LETTER_PAGE_PRICE: Final = Decimal("1.1000")
POSTCARD_PRICE: Final = Decimal("1.9900")

#: Where each table's ids start (ClickSend's ids are small integers per account).
_FIRST_ID: Final = {
    "sms_campaigns": 7_001,
    "mms_campaigns": 8_001,
    "email_campaigns": 9_001,
    "email_templates": 290_001,
    "email_sms": 101,
    "stripped_strings": 18,
    "email_receipt_rules": 1,
    "delivery_issues": 1,
    "return_addresses": 4,
    "direct_mail": 34,
}


class Records:
    """Hold id-keyed tables of records (dicts in the answer's shape) and their id counters."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, dict[str, Any]]] = {}
        self._next: dict[str, int] = {}
        #: Sent transactional emails, faxes, letters and postcards, oldest first.
        self.emails: list[dict[str, Any]] = []
        self.faxes: list[dict[str, Any]] = []
        self.letters: list[dict[str, Any]] = []
        self.postcards: list[dict[str, Any]] = []
        #: Emails sent by email campaigns, keyed by campaign id.
        self.campaign_emails: dict[int, list[dict[str, Any]]] = {}
        #: Short-URL clicks, keyed by long_url_id.
        self.link_opens: dict[str, list[dict[str, Any]]] = {}

    def table(self, name: str) -> dict[Any, dict[str, Any]]:
        """Return the table ``name`` (created empty on first use)."""
        return self.tables.setdefault(name, {})

    def new_id(self, name: str) -> int:
        """Return the next id of table ``name``."""
        value = self._next.get(name, _FIRST_ID.get(name, 1))
        self._next[name] = value + 1
        return value

    def get(self, name: str, raw_id: str) -> dict[str, Any] | None:
        """Return the record of table ``name`` whose id is the path segment ``raw_id``."""
        return self.table(name).get(int(raw_id)) if raw_id.isdigit() else None


def csv_text(header: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """Return a CSV file of ``rows`` under ``header`` (missing keys empty), CRLF like ClickSend."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(col) is None else row.get(col) for col in header])
    return out.getvalue()
