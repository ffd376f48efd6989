"""Message history and history exports (SMS, MMS, voice)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Handler, Reply, Router, invalid, ok
from .._numbers import CARRIERS
from .._sending import voice_view
from .._state import SUBACCOUNT_ID, USER_ID, MessageRecord, export_csv, filter_history, paginate
from .._world import ExportFile

if TYPE_CHECKING:
    from .._app import Service


def _history_sms(s: Service, m: MessageRecord, now: float) -> dict[str, Any]:
    status, code, text, error_code, error_text = m.history_status(now)
    return {
        "direction": "out",
        "date": m.date,
        "to": m.to,
        "body": m.body,
        "status": status,
        "from": m.from_,
        "schedule": str(m.date if m.schedule is None else m.schedule),
        "status_code": code,
        "status_text": text,
        "error_code": error_code,
        "error_text": error_text,
        "message_id": m.message_id,
        "message_parts": m.parts,
        "message_price": m.price_str,
        "from_email": None,
        "list_id": None if m.list_id is None else str(m.list_id),
        "custom_string": m.custom_string,
        "contact_id": None if m.contact_id is None else str(m.contact_id),
        "user_id": USER_ID,
        "subaccount_id": SUBACCOUNT_ID,
        "country": m.country,
        "carrier": _carrier(m.country),
        "first_name": m.first_name,
        "last_name": m.last_name,
        "_api_username": s.world.username,
    }


def _history_mms(s: Service, m: MessageRecord, now: float) -> dict[str, Any]:
    status, code, text, error_code, error_text = m.history_status(now)
    return {
        "direction": "out",
        "date": str(m.date),
        "to": m.to,
        "body": m.body,
        "subject": m.subject,
        "priority": 0,
        "_media_file_url": m.media_file,
        "status": status,
        "from": m.from_,
        "schedule": str(m.date if m.schedule is None else m.schedule),
        "date_added": m.date,
        "status_code": code,
        "status_text": text,
        "error_code": error_code,
        "error_text": error_text,
        "message_id": m.message_id,
        "message_parts": f"{m.parts}.00",
        "message_price": m.price_str,
        "from_email": None,
        "list_id": None if m.list_id is None else str(m.list_id),
        "custom_string": m.custom_string,
        "contact_id": m.contact_id,
        "user_id": USER_ID,
        "subaccount_id": SUBACCOUNT_ID,
        "country": m.country,
        "carrier": _carrier(m.country),
        "first_name": m.first_name,
        "last_name": m.last_name,
        "_api_username": s.world.username,
    }


def _history_voice(s: Service, m: MessageRecord, now: float) -> dict[str, Any]:
    status, code, text, _, _ = m.history_status(now)
    return voice_view(s.world, m, status, code, text)


def _carrier(iso: str) -> str:
    return CARRIERS.get(iso, "Emulator Mobile")


_HISTORY_VIEWS: Final = {"sms": _history_sms, "mms": _history_mms, "voice": _history_voice}


def _history(kind: str, msg: str) -> Handler:
    view = _HISTORY_VIEWS[kind]

    def handler(s: Service, c: Ctx) -> Reply:
        now = c.now
        # A lagging history shows a message only history_lag seconds after it was accepted.
        index = s.world.history_index(kind)
        records = index.select(c.query, now, visible_until=now - s.world.history_lag)
        return ok(msg, paginate(records, c.query, c.request.url, lambda m: view(s, m, now)))

    return handler


_FILENAME_FORBIDDEN: Final = frozenset('/\\"')


def _history_export(kind: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        filename = c.query.get("filename", "export.csv")
        stem, dot, suffix = filename.rpartition(".")
        if not (dot and stem.strip() and suffix.lower() == "csv") or any(
            ch in _FILENAME_FORBIDDEN or not ch.isprintable() for ch in filename
        ):
            return invalid({"filename": "The filename must be a .csv file name."})
        records = filter_history((m for m in s.world.messages if m.kind == kind), c.query, c.now)
        raw_limit = c.query.get("limit")
        if raw_limit is not None:
            # On an export, limit caps the records in the file (the MMS and voice examples
            # give 50000); it is not a page size.
            if not raw_limit.isdigit() or int(raw_limit) < 1:
                return invalid({"limit": "The limit must be a whole number from 1."})
            records = records[: int(raw_limit)]
        file_id = s.world.new_message_id()
        s.world.exports[file_id] = ExportFile(filename, export_csv(kind, records, c.now), c.now)
        url = c.request.url.origin().with_path(f"/files/{file_id}").with_query(filename=filename)
        return ok("Download your file here.", {"url": str(url)})

    return handler


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/sms/history", _history("sms", "Here are your history."))
    r.add("GET", "/mms/history", _history("mms", "Here are your data."))
    r.add("GET", "/voice/history", _history("voice", "Here is your history."))
    for kind in ("sms", "mms", "voice"):
        r.add("GET", f"/{kind}/history/export", _history_export(kind))
