"""Helpers shared by the route modules of part B: filters, exports, prices, field checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...segments import count_segments
from .._http import Ctx, Reply, invalid, ok
from .._numbers import normalize
from .._records import csv_text
from .._world import ExportFile

if TYPE_CHECKING:
    from .._app import Service

__all__ = [
    "export_reply",
    "filter_records",
    "list_numbers",
    "missing",
    "money",
    "page_of",
    "sms_parts",
    "unix_or",
]


def missing(body: Any, fields: Mapping[str, str]) -> dict[str, str]:
    """Return ``{field: message}`` for each field of ``fields`` the body lacks or leaves empty."""
    data = body if type(body) is dict else {}
    return {
        name: f"The {label} field is required."
        for name, label in fields.items()
        if data.get(name) in (None, "", [], {})
    }


def unix_or(value: Any, default: float) -> int:
    """Return ``value`` as Unix seconds when it is one (an int or digits), else ``default``."""
    if isinstance(value, bool):
        return int(default)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    return int(default)


def money(value: Decimal) -> str:
    """Return a price the way ClickSend writes it (four decimals, as a string)."""
    return f"{value:.4f}"


def sms_parts(body: str) -> int:
    """Return how many SMS parts ``body`` is sent in."""
    return count_segments(body).segments


def list_numbers(s: Service, list_id: int) -> list[tuple[str, str]]:
    """Return ``(e164, iso2)`` of each contact of a list that has a usable phone number."""
    out = []
    for contact in s.world.list_contacts(list_id):
        found = normalize(contact["phone_number"], contact["address_country"])
        if found is not None:
            out.append(found)
    return out


def filter_records(
    items: Iterable[dict[str, Any]], query: Mapping[str, str], *, date_field: str = "date_added"
) -> list[dict[str, Any]]:
    """Apply ClickSend's list filters: ``q`` (``field:value,...``), dates and ``order_by``."""
    out = list(items)
    q = query.get("q", "")
    for term in filter(None, (t.strip() for t in q.split(","))):
        field, sep, value = term.partition(":")
        if sep:
            out = [r for r in out if value.lower() in str(r.get(field, "")).lower()]
        else:
            out = [r for r in out if any(term.lower() in str(v).lower() for v in r.values())]
    for name, keep in (("date_from", int.__ge__), ("date_to", int.__le__)):
        raw = query.get(name)
        if raw is not None and raw.isdigit():
            out = [r for r in out if keep(int(r.get(date_field) or 0), int(raw))]
    order = query.get("order_by")
    if order:
        field, _, direction = order.partition(":")
        out.sort(key=lambda r: str(r.get(field, "")), reverse=direction.lower() == "desc")
    return out


def page_of(items: Sequence[Any], c: Ctx, render: Callable[[Any], Any] = dict) -> dict[str, Any]:
    """Return the Laravel page of ``items`` the query asks for."""
    from .._state import paginate

    return paginate(items, c.query, c.request.url, render)


def export_reply(
    s: Service, c: Ctx, header: Sequence[str], rows: Iterable[dict[str, Any]]
) -> Reply:
    """Store a CSV export of ``rows`` and answer its download link (``?filename=`` kept)."""
    filename = c.query.get("filename", "export.csv")
    if not filename.lower().endswith(".csv") or "/" in filename or not filename[:-4].strip():
        return invalid({"filename": "The filename must be a .csv file name."})
    file_id = s.world.new_message_id()
    s.world.exports[file_id] = ExportFile(filename, csv_text(header, rows), c.now)
    url = c.request.url.origin().with_path(f"/files/{file_id}").with_query(filename=filename)
    return ok("Download your file here.", {"url": str(url)})
