"""The emulator's world: records, storage, pagination and history queries (pure, no I/O)."""

from __future__ import annotations

import bisect
import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs
from yarl import URL

__all__ = [
    "MessageRecord",
    "RecordedRequest",
    "SentMessage",
    "currency_block",
    "export_csv",
    "filter_history",
    "filter_templates",
    "page_params",
    "paginate",
]

T = TypeVar("T")

USER_ID: Final = 123456
SUBACCOUNT_ID: Final = 123456

_CURRENCY_NAMES: Final[dict[str, tuple[str, str, str]]] = {
    "AUD": ("$", "c", "Australian Dollars"),
    "CAD": ("$", "c", "Canadian Dollars"),
    "EUR": ("€", "c", "Euros"),
    "GBP": ("£", "p", "British Pounds"),
    "NZD": ("$", "c", "New Zealand Dollars"),
    "USD": ("$", "c", "US Dollars"),
}


def currency_block(code: str) -> dict[str, str]:
    """Return the ``_currency`` block for a currency code."""
    prefix_d, prefix_c, name = _CURRENCY_NAMES.get(code, ("", "", code))
    return {
        "currency_name_short": code,
        "currency_prefix_d": prefix_d,
        "currency_prefix_c": prefix_c,
        "currency_name_long": name,
        "min_recharge_amount": "20.00",
        "max_recharge_amount": "10000.00",
    }


@attrs.frozen(kw_only=True)
class SentMessage:
    """A message the emulator accepted (status ``SUCCESS``), as the test sees it."""

    message_id: str
    kind: str
    """``"sms"``, ``"mms"`` or ``"voice"``."""
    to: str
    """E.164 recipient."""
    body: str
    from_: str | None
    """The sender the request asked for; None when it left ``from`` out."""
    custom_string: str
    schedule: int | None
    parts: int
    price: Decimal
    country: str
    encoding: str
    """``"GSM-7"`` or ``"UCS-2"``."""
    time: float
    """Emulator clock time when it was accepted."""
    list_id: int | None = None
    contact_id: int | None = None
    subject: str | None = None
    media_file: str | None = None
    voice: str | None = None
    lang: str | None = None


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """A request the emulator received, with ``Authorization`` redacted."""

    method: str
    path: str
    """Path without the ``/v3`` or ``/clicksend/v3`` prefix (control plane: ``/ctrl/...``)."""
    query: dict[str, str]
    json: Any
    """The parsed JSON body (the same object the handler saw), or None."""
    headers: dict[str, str]
    api: str
    """``"direct"``, ``"maton"``, ``"ctrl"`` or ``"other"``."""
    time: float


class MessageRecord:
    """Hold one accepted message and its delivery state (internal, mutable)."""

    __slots__ = (
        "body",
        "cancelled",
        "contact_id",
        "country",
        "custom_string",
        "date",
        "deliverable",
        "encoding",
        "first_name",
        "from_",
        "has_receipt",
        "kind",
        "lang",
        "last_name",
        "list_id",
        "machine_detection",
        "media_file",
        "message_id",
        "parts",
        "price",
        "price_str",
        "receipt_due",
        "receipt_read",
        "requested_from",
        "require_input",
        "schedule",
        "subject",
        "time",
        "to",
        "voice",
    )

    # Positional on purpose: keyword passing of 21 arguments costs more than the rest of the
    # constructor, and a 1000-message send builds 1000 of these.
    def __init__(
        self,
        kind: str,
        message_id: str,
        to: str,
        body: str,
        from_: str,
        requested_from: str | None,
        custom_string: str,
        schedule: int | None,
        time: float,
        parts: int,
        price: Decimal,
        price_str: str,
        country: str,
        encoding: str,
        list_id: int | None,
        contact_id: int | None,
        first_name: str | None,
        last_name: str | None,
        receipt_due: float,
        has_receipt: bool,
        deliverable: bool,
        /,
    ) -> None:
        self.kind = kind
        self.message_id = message_id
        self.to = to
        self.body = body
        self.from_ = from_
        self.requested_from = requested_from
        self.custom_string = custom_string
        self.schedule = schedule
        self.time = time
        self.date = int(time)
        self.parts = parts
        self.price = price
        self.price_str = price_str
        self.country = country
        self.encoding = encoding
        self.list_id = list_id
        self.contact_id = contact_id
        self.first_name = first_name
        self.last_name = last_name
        self.receipt_due = receipt_due
        self.has_receipt = has_receipt
        self.deliverable = deliverable
        self.receipt_read = False
        self.cancelled = False
        self.subject: str | None = None
        self.media_file: str | None = None
        self.voice: str | None = None
        self.lang: str | None = None
        self.require_input = 0
        self.machine_detection = 0

    def sent(self) -> SentMessage:
        """Return the public, frozen view of this message."""
        return SentMessage(
            message_id=self.message_id,
            kind=self.kind,
            to=self.to,
            body=self.body,
            from_=self.requested_from,
            custom_string=self.custom_string,
            schedule=self.schedule,
            parts=self.parts,
            price=self.price,
            country=self.country,
            encoding=self.encoding,
            time=self.time,
            list_id=self.list_id,
            contact_id=self.contact_id,
            subject=self.subject,
            media_file=self.media_file,
            voice=self.voice,
            lang=self.lang,
        )

    def log_line(self) -> dict[str, Any]:
        """Return the JSON-lines log entry for this message."""
        line: dict[str, Any] = {
            "message_id": self.message_id,
            "kind": self.kind,
            "to": self.to,
            "body": self.body,
            "from": self.requested_from,
            "custom_string": self.custom_string,
            "schedule": self.schedule,
            "parts": self.parts,
            "price": self.price_str,
            "country": self.country,
            "encoding": self.encoding,
            "time": self.time,
        }
        if self.list_id is not None:
            line["list_id"] = self.list_id
            line["contact_id"] = self.contact_id
        if self.kind == "mms":
            line["subject"] = self.subject
            line["media_file"] = self.media_file
        elif self.kind == "voice":
            line["voice"] = self.voice
            line["lang"] = self.lang
        return line

    def pending(self, now: float) -> bool:
        """Return True while the message is scheduled in the future and not cancelled."""
        return not self.cancelled and self.schedule is not None and self.schedule > now

    def history_status(self, now: float) -> tuple[str, str, str, str | None, str | None]:
        """Return ``(status, status_code, status_text, error_code, error_text)`` at ``now``."""
        if self.cancelled:
            return "Cancelled", "200", "Cancelled by the user.", None, None
        if self.schedule is not None and self.schedule > now:
            return "Scheduled", "200", "Scheduled for delivery.", None, None
        if now < self.receipt_due:
            return "Queued", "200", "Queued for delivery.", None, None
        if self.deliverable:
            return "Sent", "201", "Success: Message received on handset.", None, None
        return "Failed", "301", "Failed: Message not delivered.", "8", "Unknown subscriber"

    def receipt_visible(self, now: float) -> bool:
        """Return True when a delivery receipt exists for polling at ``now``."""
        return self.has_receipt and not self.cancelled and now >= self.receipt_due

    def receipt(self) -> dict[str, Any]:
        """Return the receipt record (``sms_receipt`` shape; ``voice_receipt`` for voice)."""
        ok = self.deliverable
        sms_like = self.kind != "voice"
        record: dict[str, Any] = {
            "timestamp_send": self.date if sms_like else str(self.date),
            "timestamp": int(self.receipt_due) if sms_like else str(int(self.receipt_due)),
            "message_id": self.message_id,
            "status_code": "201" if ok else "301",
            "status_text": (
                "Success: Message received on handset." if ok else "Failed: Message not delivered."
            ),
            "error_code": None if ok else (8 if sms_like else "8"),
            "error_text": None if ok else "Unknown subscriber",
            "custom_string": self.custom_string,
            "subaccount_id": SUBACCOUNT_ID,
            "message_type": self.kind,
        }
        if not sms_like:
            del record["subaccount_id"]
            record["digits"] = ""
        return record

    def receipt_push(self) -> dict[str, str]:
        """Return the form fields ClickSend posts to a delivery-receipt URL (facts section 6)."""
        ok = self.deliverable
        return {
            "timestamp_send": str(self.date),
            "timestamp": str(int(self.receipt_due)),
            "message_id": self.message_id,
            "status": "Delivered" if ok else "Undelivered",
            "status_code": "201" if ok else "301",
            "status_text": (
                "Success: Message received on handset." if ok else "Failed: Message not delivered."
            ),
            "error_code": "" if ok else "8",
            "error_text": "" if ok else "Unknown subscriber",
            "custom_string": self.custom_string,
            "user_id": str(USER_ID),
            "subaccount_id": str(SUBACCOUNT_ID),
            "message_type": self.kind,
            "digits": "",
        }


def page_params(query: Mapping[str, str]) -> tuple[int, int]:
    """Return ``(page, limit)``: page >= 1 (default 1), limit clamped to 15..100 (default 15)."""
    try:
        page = max(1, int(query.get("page", 1)))
    except ValueError:
        page = 1
    try:
        limit = min(100, max(15, int(query.get("limit", 15))))
    except ValueError:
        limit = 15
    return page, limit


def paginate(
    items: Sequence[T],
    query: Mapping[str, str],
    url: URL,
    render: Callable[[T], Any],
    *,
    links: bool = False,
) -> dict[str, Any]:
    """Return the Laravel paginator ClickSend wraps list results in (facts section 4)."""
    page, limit = page_params(query)
    total = len(items)
    last_page = math.ceil(total / limit)
    start = (page - 1) * limit
    chunk = items[start : start + limit]

    def page_url(n: int) -> str:
        return str(url.update_query(page=str(n)))

    result: dict[str, Any] = {
        "total": total,
        "per_page": limit,
        "current_page": page,
        "last_page": last_page,
        "next_page_url": page_url(page + 1) if page < last_page else None,
        "prev_page_url": page_url(page - 1) if page > 1 else None,
        "from": start + 1 if chunk else None,
        "to": start + len(chunk) if chunk else None,
    }
    if links:
        result["first_page_url"] = page_url(1)
        result["last_page_url"] = page_url(max(last_page, 1))
        result["path"] = str(url.with_query(None))
        result["links"] = [
            {
                "url": result["prev_page_url"],
                "label": "&laquo; Previous",
                "page": None,
                "active": False,
            },
            *(
                {"url": page_url(n), "label": str(n), "page": n, "active": n == page}
                for n in range(1, last_page + 1)
            ),
            {
                "url": result["next_page_url"],
                "label": "Next &raquo;",
                "page": None,
                "active": False,
            },
        ]
    result["data"] = [render(x) for x in chunk]
    return result


_ORDER_KEYS: Final[dict[str, Callable[[MessageRecord], Any]]] = {
    "date": lambda m: m.time,
    "from": lambda m: m.from_,
    "to": lambda m: m.to,
    "body": lambda m: m.body,
    "message_id": lambda m: m.message_id,
    "custom_string": lambda m: m.custom_string,
    "username": lambda m: 0,
}


def _q_terms(q: str) -> list[tuple[str, str]]:
    terms = []
    for part in q.split(","):
        field, sep, value = part.partition(":")
        if not sep:
            continue
        field = field.strip().lower()
        # An unencoded "+" arrives as a space; phone numbers never start with one.
        if field in ("to", "from") and value.startswith(" "):
            value = "+" + value[1:]
        terms.append((field, value.strip().lower()))
    return terms


def filter_history(
    records: Iterable[MessageRecord], query: Mapping[str, str], now: float
) -> list[MessageRecord]:
    """Apply ``date_from``/``date_to``, ``q``/``operator`` and ``order_by`` to a history."""
    selected = list(records)
    try:
        date_from = int(query["date_from"]) if "date_from" in query else None
        date_to = int(query["date_to"]) if "date_to" in query else None
    except ValueError:
        date_from = date_to = None
    if date_from is not None:
        selected = [m for m in selected if m.date >= date_from]
    if date_to is not None:
        selected = [m for m in selected if m.date <= date_to]
    terms = _q_terms(query.get("q", ""))
    if terms:
        any_of = query.get("operator", "AND").upper() == "OR"

        def value_of(m: MessageRecord, field: str) -> str | None:
            if field == "status":
                return m.history_status(now)[0].lower()
            if field == "subaccount_id":
                return str(SUBACCOUNT_ID)
            if field in ("to", "from", "message_id", "custom_string"):
                v = m.from_ if field == "from" else getattr(m, field)
                return str(v).lower()
            return None

        def matches(m: MessageRecord) -> bool:
            hits = (value_of(m, f) == v for f, v in terms)
            return any(hits) if any_of else all(hits)

        selected = [m for m in selected if matches(m)]
    order = query.get("order_by")
    if order:
        field, _, direction = order.partition(":")
        field = field.strip().lower()
        reverse = direction.strip().lower() == "desc"
        if field == "status":
            selected.sort(key=lambda m: m.history_status(now)[0], reverse=reverse)
        elif field in _ORDER_KEYS:
            selected.sort(key=_ORDER_KEYS[field], reverse=reverse)
    return selected


_EXPORT_COLUMNS: Final = (
    "message_id",
    "date",
    "to",
    "from",
    "body",
    "status",
    "status_code",
    "message_parts",
    "message_price",
    "custom_string",
    "country",
)
_EXPORT_EXTRA_COLUMNS: Final = {
    "sms": (),
    "mms": ("subject", "media_file"),
    "voice": ("voice", "lang"),
}


def export_csv(kind: str, records: Iterable[MessageRecord], now: float) -> str:
    """Return the CSV file of a history export: a header, then one line per message."""
    extra = _EXPORT_EXTRA_COLUMNS[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_EXPORT_COLUMNS + extra)
    for m in records:
        status, code, _, _, _ = m.history_status(now)
        row: list[Any] = [
            m.message_id,
            m.date,
            m.to,
            m.from_,
            m.body,
            status,
            code,
            m.parts,
            m.price_str,
            m.custom_string,
            m.country,
        ]
        row.extend(getattr(m, column) or "" for column in extra)
        writer.writerow(row)
    return out.getvalue()


_TEMPLATE_TEXT_FIELDS: Final = ("template_name", "body")


def filter_templates(
    templates: Iterable[Mapping[str, Any]], query: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    """Apply ``q`` (``operator``) and ``order_by`` to SMS templates (``GET /sms/templates``).

    ``q`` terms: ``template_id`` matches exactly, ``template_name`` and ``body`` by keyword
    (case-insensitive substring); an empty value matches any non-empty field, as the spec says.
    ``order_by``: ``template_id`` (default, ascending), ``template_name`` or ``body``.
    """
    selected = list(templates)
    terms = _q_terms(query.get("q", ""))
    if terms:
        any_of = query.get("operator", "AND").upper() == "OR"

        def hit(t: Mapping[str, Any], field: str, value: str) -> bool:
            if field == "template_id":
                return value == "" or str(t["template_id"]) == value
            if field in _TEMPLATE_TEXT_FIELDS:
                text = str(t[field] or "").lower()
                return bool(text) and value in text
            return False

        def matches(t: Mapping[str, Any]) -> bool:
            hits = (hit(t, f, v) for f, v in terms)
            return any(hits) if any_of else all(hits)

        selected = [t for t in selected if matches(t)]
    field, _, direction = query.get("order_by", "").partition(":")
    field = field.strip().lower()
    reverse = direction.strip().lower() == "desc"
    if field in _TEMPLATE_TEXT_FIELDS:
        selected.sort(key=lambda t: (str(t[field]).lower(), t["template_id"]), reverse=reverse)
    else:
        selected.sort(key=lambda t: int(t["template_id"]), reverse=reverse)
    return selected


class HistoryIndex:
    """The history of one kind in date order, by date and by recipient, kept up to date.

    A history page then costs what the page and its window cost, not what the account's whole
    history costs: a date range is two bisections, a ``q=to:...`` search reads only those
    recipients' messages. Messages are appended as they are accepted (dates never go back;
    when one does, a fake clock stepped back, it is inserted in place).
    """

    __slots__ = ("_by_to", "_dates", "_kind", "_records", "_seen")

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._dates: list[int] = []
        self._records: list[MessageRecord] = []
        self._by_to: dict[str, list[MessageRecord]] = {}
        self._seen = 0

    def update(self, messages: Sequence[MessageRecord]) -> None:
        """Take in the messages accepted since the last update."""
        kind = self._kind
        for m in messages[self._seen :]:
            if m.kind != kind:
                continue
            if self._dates and m.date < self._dates[-1]:
                at = bisect.bisect_right(self._dates, m.date)
                self._dates.insert(at, m.date)
                self._records.insert(at, m)
            else:
                self._dates.append(m.date)
                self._records.append(m)
            self._by_to.setdefault(m.to.lower(), []).append(m)
        self._seen = len(messages)

    def select(
        self, query: Mapping[str, str], now: float, visible_until: float
    ) -> Sequence[MessageRecord]:
        """Return the records :func:`filter_history` would, without scanning the account."""
        try:
            date_from = int(query["date_from"]) if "date_from" in query else None
            date_to = int(query["date_to"]) if "date_to" in query else None
        except ValueError:
            date_from = date_to = None
        high = visible_until if date_to is None else min(visible_until, date_to)
        terms = _q_terms(query.get("q", ""))
        any_of = query.get("operator", "AND").upper() == "OR"
        order = (query.get("order_by") or "date").partition(":")
        date_order = order[0].strip().lower() == "date" and order[2].strip().lower() != "desc"
        if terms and all(f == "to" for f, _ in terms) and (any_of or len(terms) == 1):
            found: list[MessageRecord] = []
            for to in dict.fromkeys(v for _, v in terms):
                found += self._by_to.get(to, ())
            found = [
                m
                for m in found
                if (date_from is None or m.date >= date_from)
                and m.date <= high
                and m.time <= visible_until
            ]
            found.sort(key=lambda m: m.date)
            rest = {k: v for k, v in query.items() if k not in ("q", "operator", "date_from")}
            rest.pop("date_to", None)
            return filter_history(found, rest, now) if "order_by" in rest else found
        lo = 0 if date_from is None else bisect.bisect_left(self._dates, date_from)
        hi = bisect.bisect_right(self._dates, math.floor(high))
        window = self._records[lo:hi]
        if visible_until < now and window:
            # A lagging history: of the last second, only what was accepted early enough (a
            # date is whole seconds, a lag need not be).
            last = bisect.bisect_left(self._dates, math.floor(visible_until), lo, hi)
            window = self._records[lo:last] + [
                m for m in self._records[last:hi] if m.time <= visible_until
            ]
        if not terms and date_order:
            return window
        rest = {k: v for k, v in query.items() if k not in ("date_from", "date_to")}
        return filter_history(window, rest, now)
