"""The emulator's aiohttp.web application: dispatch, auth, rate limit, faults and handlers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from email.utils import formatdate
from typing import IO, Any, Final

from aiohttp import web

from ._faults import Fault, FaultPlan
from ._http import (
    NOT_FOUND_ENDPOINT,
    SERVER_ERROR,
    TOO_MANY,
    UNAUTHORIZED,
    Ctx,
    Handler,
    Reply,
    Router,
    envelope,
    invalid,
    not_found,
    ok,
)
from ._numbers import CARRIERS, COUNTRIES, VOICE_LANGUAGES, normalize
from ._ratelimit import RateLimiter
from ._sending import SendOutcome, dumps, process, shared_sender, voice_view
from ._state import (
    SUBACCOUNT_ID,
    USER_ID,
    MessageRecord,
    RecordedRequest,
    currency_block,
    export_csv,
    filter_history,
    filter_templates,
    paginate,
)
from ._webhooks import Pusher
from ._world import CONTACT_FIELDS, CONTACT_NULLABLE_FIELDS, ExportFile, InboundRecord, World
from .routes import register_all

__all__ = ["Service"]

logger = logging.getLogger("clicksend_async.testing")

_JSON_HEADERS: Final = {"Content-Type": "application/json"}
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CLIENT_MAX_SIZE: Final = 32 * 1024 * 1024
#: How long a history export's download link works (the spec's example link: X-Amz-Expires=1200).
EXPORT_LINK_SECONDS: Final = 1200.0


class Service:
    """Serve the emulated API from a :class:`World`; owns faults, rate limit, log and pushes."""

    def __init__(
        self,
        world: World,
        *,
        latency_ms: float | Mapping[str, float],
        rate_limiter: RateLimiter | None,
        faults: FaultPlan,
        hang_seconds: float,
        record_requests: bool,
        log_path: str | None,
        receipt_url: str | None,
        inbound_url: str | None,
        inbound_format: str,
        auto_reply: str | None,
    ) -> None:
        self.world = world
        self.latency = latency_ms
        self.rate_limiter = rate_limiter
        self.faults = faults
        self.hang_seconds = hang_seconds
        self.record_requests = record_requests
        self.requests: list[RecordedRequest] = []
        self.log_path = log_path
        self.log_file: IO[str] | None = None
        self.receipt_url = receipt_url
        self.inbound_url = inbound_url
        self.inbound_format = inbound_format
        self.auto_reply = auto_reply
        self.pusher: Pusher | None = None
        self.closing = asyncio.Event()
        self._basic = "Basic " + base64.b64encode(
            f"{world.username}:{world.api_key}".encode()
        ).decode("ascii")
        self._bearer = "Bearer " + world.maton_api_key
        self.api = _api_router()
        self.ctrl = _ctrl_router()

    # -- application ---------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """Return a new aiohttp application serving this service."""
        app = web.Application(client_max_size=_CLIENT_MAX_SIZE)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _on_startup(self, app: web.Application) -> None:
        self.closing = asyncio.Event()
        self.pusher = Pusher()
        if self.log_path is not None and self.log_file is None:
            # A one-off open at startup; the file stays open for line-by-line appends.
            self.log_file = open(self.log_path, "a", encoding="utf-8")  # noqa: ASYNC230, SIM115

    async def _on_cleanup(self, app: web.Application) -> None:
        if self.pusher is not None:
            await self.pusher.close()
            self.pusher = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    # -- auth ----------------------------------------------------------------------------

    def _basic_ok(self, header: str) -> bool:
        if header == self._basic:
            return True
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode()
        except ValueError:
            return False
        return decoded == f"{self.world.username}:{self.world.api_key}"

    def _bearer_ok(self, header: str) -> bool:
        if header == self._bearer:
            return True
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.world.maton_api_key

    # -- dispatch ------------------------------------------------------------------------

    def _record(self, request: web.Request, api: str, path: str, body: Any, now: float) -> None:
        if not self.record_requests:
            return
        headers = {
            k: ("REDACTED" if k.lower() == "authorization" else v)
            for k, v in request.headers.items()
        }
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=path,
                query=dict(request.query),
                json=body,
                headers=headers,
                api=api,
                time=now,
            )
        )

    def _latency_for(self, path: str, pattern: str) -> float:
        latency = self.latency
        if not isinstance(latency, Mapping):
            return float(latency)
        value = latency.get(path)
        if value is None:
            value = latency.get(pattern)
        if value is None:
            value = latency.get("*", 0)
        return float(value)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Serve one request (every path goes through here), dated by the emulated clock."""
        response = await self._dispatch(request)
        if not response.prepared:
            # ClickSend's own clock, which may be off from the client's (clock_offset).
            response.headers["Date"] = formatdate(self.world.clock(), usegmt=True)
        return response

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = request.path
        if raw.startswith("/v3/"):
            api, path = "direct", raw[3:]
        elif raw.startswith("/clicksend/v3/"):
            api, path = "maton", raw[13:]
        elif raw.startswith("/ctrl/"):
            api, path = "ctrl", raw[5:]
        else:
            api, path = "other", raw
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        now = self.world.clock()
        router = self.ctrl if api == "ctrl" else self.api
        found = router.match(request.method, path) if api != "other" else None
        shown_path = "/ctrl" + path if api == "ctrl" else path
        limiter = self.rate_limiter if api in ("direct", "maton") else None
        if api == "other" and request.method == "GET" and path.startswith("/files/"):
            # History exports download from outside the API, with no credentials (a link).
            self._record(request, api, shown_path, None, now)
            return self._download(path.removeprefix("/files/"), now)
        if found is None:
            self._record(request, api, shown_path, None, now)
            return _respond(404, NOT_FOUND_ENDPOINT, limiter.peek() if limiter else None)
        route, params = found

        latency = self._latency_for(path, route.pattern)
        if latency > 0:
            await asyncio.sleep(latency / 1000.0)
            now = self.world.clock()

        headers: dict[str, str] | None = None
        authenticated = False
        if not route.public:
            header = request.headers.get("Authorization", "")
            authed = self._basic_ok(header) if api == "direct" else self._bearer_ok(header)
            if not authed:
                self._record(request, api, shown_path, None, now)
                return _respond(401, UNAUTHORIZED, limiter.peek() if limiter else None)
            authenticated = api != "ctrl"
        if limiter is not None:
            if authenticated:
                allowed, headers = limiter.consume()
                if not allowed:
                    self._record(request, api, shown_path, None, now)
                    return _respond(429, TOO_MANY, headers)
            else:
                headers = limiter.peek()
        if api == "maton":
            connection_id = request.headers.get("Maton-Connection")
            if self.world.active_connection(connection_id) is None:
                self._record(request, api, shown_path, None, now)
                return _respond(
                    400,
                    envelope(
                        400,
                        "BAD_REQUEST",
                        "Maton connection not found or not active.",
                        {"Maton-Connection": connection_id or ""},
                    ),
                    headers,
                )

        fault = None
        if not self.faults.empty:
            fault = self.faults.draw(
                shown_path, route.pattern, self.world.fault_rng, eligible=authenticated
            )
        if fault is Fault.TOO_MANY_REQUESTS:
            self._record(request, api, shown_path, None, now)
            fault_headers = dict(headers or {})
            fault_headers["Retry-After"] = "1"
            return _respond(429, TOO_MANY, fault_headers)
        if fault is Fault.SERVER_ERROR:
            self._record(request, api, shown_path, None, now)
            return _respond(500, SERVER_ERROR, headers)

        body: Any = None
        if request.method in _BODY_METHODS and request.can_read_body:
            try:
                raw_body = await request.read()
            except ConnectionResetError:
                # The client gave up (a cancelled task, a timeout) before its body arrived:
                # nothing to process, and no traceback for what is routine in a test suite.
                logger.debug(
                    "%s %s: the client disconnected mid-request", request.method, shown_path
                )
                return web.Response(status=499)
            if raw_body.strip():
                try:
                    body = json.loads(raw_body)
                except ValueError:
                    self._record(request, api, shown_path, None, now)
                    _, error = invalid({"body": "The request body is not valid JSON."})
                    return _respond(400, error, headers)
        self._record(request, api, shown_path, body, now)

        ctx = Ctx(request, params, dict(request.query) if request.query else {}, body, now)
        result = route.handler(self, ctx)
        payload: Any
        if isinstance(result, SendOutcome):
            if result.accepted:
                self._accepted(result.accepted, now)
            status, payload = result.status, result.encode()
        else:
            status, payload = result

        if fault is not None:
            if fault is Fault.COMMIT_500:
                return _respond(500, SERVER_ERROR, headers)
            if fault is Fault.COMMIT_DROP:
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=500)
            if fault is Fault.COMMIT_HANG:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closing.wait(), self.hang_seconds)
            garbled = _garble(fault, status, payload)
            if garbled is not None:
                return _respond(200, garbled, headers)
        return _respond(status, payload, headers)

    def _download(self, file_id: str, now: float) -> web.Response:
        export = self.world.exports.get(file_id.upper())
        if export is None or now - export.created > EXPORT_LINK_SECONDS:
            return _respond(
                404, envelope(404, "NOT_FOUND", "File not found or the link has expired."), None
            )
        return web.Response(
            body=export.content.encode("utf-8"),
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{export.filename}"',
            },
        )

    # -- accepted-message side effects -----------------------------------------------------

    def _accepted(self, records: list[MessageRecord], now: float) -> None:
        log = self.log_file
        if log is not None:
            log.write("".join([dumps(r.log_line()) + "\n" for r in records]))
            log.flush()
        pusher = self.pusher
        if pusher is None:
            return
        if self.receipt_url is not None:
            url = self.receipt_url
            for record in records:
                if record.has_receipt:
                    pusher.schedule(record.receipt_due - now, url, "form", _receipt_payload(record))
        if self.auto_reply is not None:
            for record in records:
                if record.kind == "sms" and record.has_receipt and record.deliverable:
                    self.add_inbound(
                        record.to,
                        self.auto_reply,
                        original=record,
                        custom_string=record.custom_string,
                        at=record.receipt_due,
                    )

    def add_inbound(
        self,
        from_: str,
        body: str,
        *,
        to: str | None = None,
        original: MessageRecord | None = None,
        custom_string: str = "",
        at: float | None = None,
    ) -> dict[str, Any]:
        """Record an inbound SMS (visible from ``at``) and push it when an inbound URL is set."""
        world = self.world
        now = world.clock()
        when = now if at is None else at
        normalized = normalize(from_)
        sender = normalized[0] if normalized else from_
        if to is None:
            if original is not None:
                to = original.from_
            else:
                to = shared_sender(normalized[1]) if normalized else "+61400000000"
        data = {
            "timestamp": int(when),
            "from": sender,
            "body": body,
            "original_body": original.body if original is not None else "",
            "original_message_id": original.message_id if original is not None else "",
            "to": to,
            "custom_string": custom_string,
            "message_id": world.new_message_id(),
            "_keyword": body.split()[0].lower() if body.split() else "",
        }
        world.inbound.append(InboundRecord(data, when))
        if self.inbound_url is not None and self.pusher is not None:
            self.pusher.schedule(
                when - now,
                self.inbound_url,
                self.inbound_format,
                _inbound_payload(data, self.inbound_format),
            )
        return dict(data)


def _receipt_payload(record: MessageRecord) -> Callable[[], dict[str, str] | None]:
    def make() -> dict[str, str] | None:
        return None if record.cancelled else record.receipt_push()

    return make


def _inbound_payload(data: dict[str, Any], fmt: str) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        # Keys of ClickSend's inbound push (facts section 6); form posts add legacy aliases.
        payload: dict[str, Any] = {
            "originalsenderid": data["to"],
            "body": data["body"],
            "message": data["body"],
            "sms": data["from"],
            "from": data["from"],
            "to": data["to"],
            "timestamp": data["timestamp"],
            "message_id": data["message_id"],
            "original_message_id": data["original_message_id"],
            "original_body": data["original_body"],
            "user_id": USER_ID,
            "subaccount_id": SUBACCOUNT_ID,
            "custom_string": data["custom_string"],
        }
        if fmt == "json":
            return payload
        payload["originalmessageid"] = data["original_message_id"]
        payload["customstring"] = data["custom_string"]
        payload["originalmessage"] = data["original_body"]
        return {k: str(v) for k, v in payload.items()}

    return make


def _garble(fault: Fault, status: int, payload: Any) -> bytes | None:
    """Return the untrustworthy 200 body of a ``commit-*`` fault (None: not such a fault)."""
    if fault is Fault.COMMIT_GARBLED:
        text = payload if type(payload) is bytes else dumps(payload).encode()
        return text[: max(1, len(text) // 2)]
    if fault is Fault.COMMIT_ERROR_ENVELOPE:
        return dumps(envelope(500, "INTERNAL_SERVER_ERROR", "Something went wrong.")).encode()
    if fault is Fault.COMMIT_UNLISTED:
        return dumps(
            envelope(200, "SUCCESS", "Messages queued for delivery.", {"messages": []})
        ).encode()
    if fault is Fault.COMMIT_NESTED:
        depth = 100_000
        return (
            b'{"http_code":200,"response_code":"SUCCESS","data":'
            + b"[" * depth
            + b"]" * depth
            + b"}"
        )
    if fault is Fault.COMMIT_NONFINITE:
        data = payload if isinstance(payload, dict) else json.loads(payload)
        for message in (data.get("data") or {}).get("messages") or []:
            message["message_parts"] = "inf"
            message["message_price"] = "NaN"
        return dumps(data).encode()
    return None


def _respond(status: int, payload: Any, headers: Mapping[str, str] | None) -> web.Response:
    hdrs = dict(_JSON_HEADERS)
    if headers:
        hdrs.update(headers)
    body = payload if type(payload) is bytes else dumps(payload).encode()
    return web.Response(body=body, status=status, headers=hdrs)


# ---------------------------------------------------------------------------------------------
# Handlers: (service, ctx) -> Reply | SendOutcome
# ---------------------------------------------------------------------------------------------


def _countries(s: Service, c: Ctx) -> Reply:
    data = [{"code": code, "value": name} for code, (name, _) in sorted(COUNTRIES.items())]
    return ok("List of Countries.", data)


def _usage(s: Service, c: Ctx) -> Reply:
    year, month = c.int_param("year"), c.int_param("month")
    errors = {}
    if year is None or not 1000 <= year <= 9999:
        errors["year"] = "The year must be a four-digit number."
    if month is None or not 1 <= month <= 12:
        errors["month"] = "The month must be a number from 1 to 12."
    if errors or year is None or month is None:
        return invalid(errors)
    return ok("Here is your usage for this month.", s.world.usage(year, month))


def _account(s: Service, c: Ctx) -> Reply:
    w = s.world
    data = {
        "user_id": USER_ID,
        "username": w.username,
        "user_email": f"{w.username}@example.com",
        "active": 1,
        "banned": 0,
        "date_sign_up": 1_700_000_000,
        "balance": f"{w.balance:.6f}",
        "user_phone": "+61400000000",
        "reply_to": "originalemail",
        "delivery_to": None,
        "user_first_name": "Emulator",
        "user_last_name": "User",
        "account": 1,
        "account_name": "ClickSend Emulator",
        "account_billing_email": f"{w.username}@example.com",
        "account_billing_mobile": "+61400000000",
        "priority": 0,
        "country": "AU",
        "country_ip": "AU",
        "default_country_sms": "AU",
        "auto_recharge": 0,
        "auto_recharge_amount": "20.00",
        "low_credit_amount": "0.00",
        "setting_unicode_sms": 0,
        "setting_email_sms_subject": 0,
        "setting_fix_sender_id": 0,
        "setting_sms_message_char_limit": 6,
        "old_dashboard": 0,
        "balance_commission": "0.000000",
        "timezone": "Australia/Melbourne",
        "price_rate": 0,
        "private_uploads": 0,
        "fax_quality": 0,
        "setting_sms_hide_your_number": 0,
        "setting_sms_hide_business_name": 0,
        "pricing_variant": 0,
        "on_trial": 0,
        "trial_expiry": None,
        "_currency": currency_block(w.currency),
        "_subaccount": {
            "subaccount_id": SUBACCOUNT_ID,
            "api_username": w.username,
            "email": f"{w.username}@example.com",
            "phone_number": "+61400000000",
            "first_name": "Emulator",
            "last_name": "User",
            "api_key": w.api_key,
            "access_smpp": 0,
            "access_users": 1,
            "access_billing": 1,
            "access_reporting": 1,
            "access_contacts": 1,
            "access_settings": 1,
            "access_sms": 1,
            "access_email": 1,
            "access_voice": 1,
            "access_fax": 1,
            "access_post": 1,
            "access_reseller": 0,
            "access_global_sending": 1,
            "access_mms": 1,
            "hide_pricing": 0,
            "share_campaigns": 0,
            "notes": None,
            "is_main": 1,
            "sign_up_type": None,
        },
        "_referrer_chosen": None,
    }
    return ok("Here's your account.", data)


# -- sending ----------------------------------------------------------------------------------


def _sender(kind: str, commit: bool) -> Handler:
    def handler(s: Service, c: Ctx) -> SendOutcome:
        return process(s.world, kind, c.body, commit=commit, now=c.now)

    return handler


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
        visible = now - s.world.history_lag
        records = filter_history(
            (m for m in s.world.messages if m.kind == kind and m.date <= visible), c.query, now
        )
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


def _receipts(kind: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        now = c.now
        records = [
            m
            for m in s.world.messages
            if m.kind == kind and not m.receipt_read and m.receipt_visible(now)
        ]
        data = paginate(records, c.query, c.request.url, MessageRecord.receipt)
        return ok("Here are your delivery receipts.", data)

    return handler


def _receipt_one(s: Service, c: Ctx) -> Reply:
    m = s.world.by_id.get(c.params["message_id"].upper())
    if m is None or m.kind != "sms" or not m.receipt_visible(c.now):
        return not_found("Receipt record not found.")
    return ok("Here is your receipt.", m.receipt())


def _date_before(c: Ctx) -> float | None:
    raw = c.field("date_before")
    try:
        return None if raw is None or raw == "" else float(raw)
    except (TypeError, ValueError):
        return None


def _receipts_read(s: Service, c: Ctx) -> Reply:
    before = _date_before(c)
    for m in s.world.messages:
        if (
            m.kind == "sms"
            and m.receipt_visible(c.now)
            and (before is None or m.receipt_due < before)
        ):
            m.receipt_read = True
    return ok("Receipts have been marked as read.", None)


def _inbound(s: Service, c: Ctx) -> Reply:
    now = c.now
    records = [r for r in s.world.inbound if not r.read and r.time <= now]
    data = paginate(records, c.query, c.request.url, lambda r: dict(r.data))
    return ok("Here are your data.", data)


def _inbound_one(s: Service, c: Ctx) -> Reply:
    # By the id of YOUR outbound message: the reply to it, read or not.
    wanted = c.params["original_message_id"].upper()
    for r in s.world.inbound:
        if r.time <= c.now and str(r.data.get("original_message_id", "")).upper() == wanted:
            return ok("Here is your inbound message.", dict(r.data))
    return not_found("Inbound message not found.")


def _inbound_read(s: Service, c: Ctx) -> Reply:
    before = _date_before(c)
    for r in s.world.inbound:
        if r.time <= c.now and (before is None or r.time < before):
            r.read = True
    return ok("Inbound messages have been marked as read.", None)


def _inbound_read_one(s: Service, c: Ctx) -> Reply:
    wanted = c.params["message_id"].upper()
    count = 0
    for r in s.world.inbound:
        if r.data["message_id"] == wanted and r.time <= c.now and not r.read:
            r.read = True
            count += 1
    if not count and not any(r.data["message_id"] == wanted for r in s.world.inbound):
        return not_found("Message not found.")
    return ok("Inbound messages have been marked as read.", count)


def _cancel_one(kind: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        m = s.world.by_id.get(c.params["message_id"].upper())
        if m is None or m.kind != kind:
            return not_found("Message not found.")
        if not m.pending(c.now):
            return invalid(
                {"message_id": "Only scheduled messages that are not yet due can be cancelled."},
                "This message cannot be cancelled.",
            )
        _cancel(s.world, m)
        if kind == "sms":
            return ok("Scheduled sms message has been cancelled.", None)
        return ok("Voice have been cancelled.", [])

    return handler


def _cancel(world: World, m: MessageRecord) -> None:
    m.cancelled = True
    # Scheduled messages are charged when accepted; cancelling refunds them.
    world.balance += m.price


def _cancel_all(kind: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        custom = c.field("custom_string")
        count = 0
        for m in s.world.messages:
            if (
                m.kind == kind
                and m.pending(c.now)
                and (custom is None or m.custom_string == custom)
            ):
                _cancel(s.world, m)
                count += 1
        noun = "sms messages" if kind == "sms" else "messages"
        return ok(f"{count} {noun} have been cancelled.", {"count": count})

    return handler


def _voice_lang(s: Service, c: Ctx) -> Reply:
    data = [
        {"code": code, "country": label, "gender": voices[0] if len(voices) == 1 else list(voices)}
        for code, (label, voices) in VOICE_LANGUAGES.items()
    ]
    return ok("Here are the possible languages.", data)


# -- templates --------------------------------------------------------------------------------


def _templates(s: Service, c: Ctx) -> Reply:
    items = filter_templates(s.world.templates.values(), c.query)
    return ok("Here are your templates.", paginate(items, c.query, c.request.url, dict))


def _template_create(s: Service, c: Ctx) -> Reply:
    name, body = c.field("template_name"), c.field("body")
    errors = {}
    if not isinstance(name, str) or not name:
        errors["template_name"] = "The template name field is required."
    if not isinstance(body, str) or not body:
        errors["body"] = "The body field is required."
    if errors:
        return invalid(errors)
    template_id = s.world.new_template_id()
    template = {"template_id": template_id, "body": body, "template_name": name}
    s.world.templates[template_id] = template
    return ok("New template has been saved.", dict(template))


def _template_get(s: Service, c: Ctx) -> Reply:
    template = s.world.templates.get(c.int_param("template_id") or -1)
    if template is None:
        return not_found("Template not found.")
    return ok("Here is your template.", dict(template))


def _template_update(s: Service, c: Ctx) -> Reply:
    template = s.world.templates.get(c.int_param("template_id") or -1)
    if template is None:
        return not_found("Template not found.")
    for field in ("template_name", "body"):
        value = c.field(field)
        if value is not None:
            if not isinstance(value, str) or not value:
                return invalid(
                    {field: f"The {field.replace('_', ' ')} must be a non-empty string."}
                )
            template[field] = value
    return ok("Your template has been updated.", dict(template))


def _template_delete(s: Service, c: Ctx) -> Reply:
    if s.world.templates.pop(c.int_param("template_id") or -1, None) is None:
        return not_found("Template not found.")
    return ok("Your template has been deleted.", [])


# -- lists and contacts -----------------------------------------------------------------------


def _lists(s: Service, c: Ctx) -> Reply:
    ids = list(s.world.lists)
    data = paginate(ids, c.query, c.request.url, s.world.list_view, links=True)
    return ok("Here are your data.", data)


def _list_create(s: Service, c: Ctx) -> Reply:
    name = c.field("list_name")
    if not isinstance(name, str) or not name:
        return invalid({"list_name": "The list name field is required."})
    list_id = s.world.new_list_id()
    s.world.lists[list_id] = {"list_name": name, "list_email_id": s.world.random_token()}
    return ok("New list has been created.", s.world.list_view(list_id))


def _list_id(s: Service, c: Ctx, name: str = "list_id") -> int | None:
    list_id = c.int_param(name)
    return list_id if list_id is not None and list_id in s.world.lists else None


def _list_get(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    return ok("Here are your data.", s.world.list_view(list_id))


def _list_update(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    name = c.field("list_name")
    if not isinstance(name, str) or not name:
        return invalid({"list_name": "The list name field is required."})
    s.world.lists[list_id]["list_name"] = name
    return ok(f"List #{list_id} has been updated.", s.world.list_view(list_id))


def _list_delete(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    del s.world.lists[list_id]
    for contact_id in [k for k, v in s.world.contacts.items() if v["list_id"] == list_id]:
        del s.world.contacts[contact_id]
    return ok(f"List #{list_id} has been deleted.", [])


def _remove_duplicates(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    raw = c.field("fields")
    # The schema has an object whose keys name the fields; the docs' curl sample sends a list.
    fields = list(raw) if isinstance(raw, dict | list) else ["phone_number"]
    fields = [f for f in fields if f in CONTACT_FIELDS] or ["phone_number"]
    seen: set[tuple[Any, ...]] = set()
    deleted = 0
    for contact in s.world.list_contacts(list_id):
        key = tuple(contact[f] for f in fields)
        if key in seen:
            del s.world.contacts[contact["contact_id"]]
            deleted += 1
        else:
            seen.add(key)
    return ok("Your list duplicate contacts has been deleted.", {"deleted": deleted})


def _remove_opted_out(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    opt_out_list_id = _list_id(s, c, "opt_out_list_id")
    if list_id is None or opt_out_list_id is None:
        return not_found("List not found.")
    deleted = s.world.remove_opted_out(list_id, opt_out_list_id)
    return ok("Optout contacts has been deleted.", {"deleted": deleted})


def _search(s: Service, c: Ctx) -> Reply:
    q = c.query.get("q", "")
    if not q.strip():
        return invalid({"q": "The q field is required."})
    data = paginate(s.world.search(q), c.query, c.request.url, dict)
    return ok("Here are some search result.", data)


def _list_import(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    errors = {}
    file_url = c.field("file_url")
    if not isinstance(file_url, str) or not file_url:
        errors["file_url"] = "The file url field is required."
    if c.field("field_order") in (None, "", []):
        errors["field_order"] = "The field order field is required."
    if errors:
        return invalid(errors)
    # The emulator never fetches URLs: the import is acknowledged and imports nothing.
    job = str(s.world.id_rng.getrandbits(62))
    return ok(
        "Your file is now queued.", {"msg": "Messages put on queue.", "ids": [job], "id": job}
    )


def _contact_in(s: Service, c: Ctx) -> dict[str, Any] | Reply:
    """Return the contact named by the path, or a 404 reply."""
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    contact = s.world.contacts.get(c.int_param("contact_id") or -1)
    if contact is None or contact["list_id"] != list_id:
        return not_found("Contact not found.")
    return contact


def _contacts(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    contacts = s.world.list_contacts(list_id)
    after = c.query.get("updated_after")
    if after is not None:
        try:
            threshold = int(after)
        except ValueError:
            return invalid({"updated_after": "The updated after must be a unix timestamp."})
        contacts = [x for x in contacts if x["date_updated"] > threshold]
    data = paginate(contacts, c.query, c.request.url, s.world.contact_view)
    return ok("Here's your list of contacts.", data)


def _contact_check(body: Any) -> dict[str, str]:
    errors = {}
    if type(body) is not dict:
        return {"phone_number": "The phone number, email or fax number field is required."}
    if not any(body.get(f) for f in ("phone_number", "email", "fax_number")):
        errors["phone_number"] = "The phone number, email or fax number field is required."
    for field, value in body.items():
        if field in CONTACT_FIELDS and value is not None and not isinstance(value, str):
            errors[field] = f"The {field.replace('_', ' ')} must be a string."
    return errors


def _contact_create(s: Service, c: Ctx) -> Reply:
    list_id = _list_id(s, c)
    if list_id is None:
        return not_found("List not found.")
    errors = _contact_check(c.body)
    if errors:
        return invalid(errors)
    contact = s.world.make_contact(list_id, c.body, c.now)
    s.world.contacts[contact["contact_id"]] = contact
    return ok("New contact has been created.", s.world.contact_view(contact))


def _contact_get(s: Service, c: Ctx) -> Reply:
    found = _contact_in(s, c)
    if isinstance(found, tuple):
        return found
    return ok("Here are your data.", s.world.contact_view(found))


def _contact_update(s: Service, c: Ctx) -> Reply:
    contact = _contact_in(s, c)
    if isinstance(contact, tuple):
        return contact
    body = c.body if type(c.body) is dict else {}
    for field, value in body.items():
        if field in CONTACT_FIELDS and value is not None and not isinstance(value, str):
            return invalid({field: f"The {field.replace('_', ' ')} must be a string."})
    for field in CONTACT_FIELDS:
        if field in body:
            value = body[field]
            if value is None and field not in CONTACT_NULLABLE_FIELDS:
                value = ""
            contact[field] = value
    if "phone_number" in body:
        normalized = normalize(contact["phone_number"], contact["address_country"])
        if normalized is not None:
            contact["phone_number"] = normalized[0]
    contact["date_updated"] = int(c.now)
    return ok(
        f"Contact #{contact['contact_id']} has been updated successfully.",
        s.world.contact_view(contact),
    )


def _contact_delete(s: Service, c: Ctx) -> Reply:
    found = _contact_in(s, c)
    if isinstance(found, tuple):
        return found
    contact_id = found["contact_id"]
    del s.world.contacts[contact_id]
    return ok(f"Contact #{contact_id} has been deleted.", [])


def _contact_move(copy: bool) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        from_list = _list_id(s, c, "from_list_id")
        to_list = _list_id(s, c, "to_list_id")
        if from_list is None or to_list is None:
            return not_found("List not found.")
        contact = s.world.contacts.get(c.int_param("contact_id") or -1)
        if contact is None or contact["list_id"] != from_list:
            return not_found("Contact not found.")
        if copy:
            clone = dict(contact)
            clone["contact_id"] = s.world.new_contact_id()
            clone["list_id"] = to_list
            clone["date_added"] = clone["date_updated"] = int(c.now)
            s.world.contacts[clone["contact_id"]] = clone
            msg = f"Contact #{contact['contact_id']} has been copied to List #{to_list}"
            return ok(msg, s.world.contact_view(clone))
        contact["list_id"] = to_list
        contact["date_updated"] = int(c.now)
        msg = f"Contact #{contact['contact_id']} has been transferred to List #{to_list}"
        return ok(msg, s.world.contact_view(contact))

    return handler


# -- email addresses --------------------------------------------------------------------------


def _emails(s: Service, c: Ctx) -> Reply:
    items = list(s.world.email_addresses.values())
    return ok("Here are your email addresses", paginate(items, c.query, c.request.url, dict))


def _email_create(s: Service, c: Ctx) -> Reply:
    address = c.field("email_address")
    if not isinstance(address, str) or "@" not in address:
        return invalid({"email_address": "The email address field must be a valid email address."})
    email_id = s.world.new_email_id()
    record = {
        "email_address_id": email_id,
        "email_address": address,
        "verified": 0,
        "date_added": str(int(c.now)),
    }
    s.world.email_addresses[email_id] = record
    s.world.activation_tokens[email_id] = s.world.random_token(32)
    return ok("Email address has been created.", dict(record))


def _email(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.email_addresses.get(c.int_param("email_address_id") or -1)


def _email_get(s: Service, c: Ctx) -> Reply:
    record = _email(s, c)
    if record is None:
        return not_found("Email address not found.")
    return ok("Here is your email address.", dict(record))


def _email_delete(s: Service, c: Ctx) -> Reply:
    record = _email(s, c)
    if record is None:
        return not_found("Email address not found.")
    del s.world.email_addresses[record["email_address_id"]]
    return ok("Email address deleted.", None)


def _email_send_token(s: Service, c: Ctx) -> Reply:
    if _email(s, c) is None:
        return not_found("Email address not found.")
    return ok("Verification email has been sent.", None)


def _email_verify(s: Service, c: Ctx) -> Reply:
    record = _email(s, c)
    if record is None:
        return not_found("Email address not found.")
    if c.params["activation_token"] != s.world.activation_tokens.get(record["email_address_id"]):
        return invalid({"activation_token": "The activation token is invalid."})
    record["verified"] = 1
    return ok("Email address verified.", dict(record))


# -- Maton control plane ----------------------------------------------------------------------


def _connections(s: Service, c: Ctx) -> Reply:
    app, status = c.query.get("app"), c.query.get("status")
    items = [
        dict(x)
        for x in s.world.connections.values()
        if (app is None or x["app"] == app) and (status is None or x["status"] == status)
    ]
    return 200, {"connections": items}


def _connection_create(s: Service, c: Ctx) -> Reply:
    app = c.field("app")
    if app != "clicksend":
        return invalid({"app": "Only the clicksend app is emulated."})
    return 200, {"connection": dict(s.world.new_connection())}


def _connection_get(s: Service, c: Ctx) -> Reply:
    connection = s.world.connections.get(c.params["connection_id"])
    if connection is None:
        return not_found("Connection not found.")
    return 200, {"connection": dict(connection)}


def _connection_delete(s: Service, c: Ctx) -> Reply:
    connection = s.world.connections.pop(c.params["connection_id"], None)
    if connection is None:
        return not_found("Connection not found.")
    connection["status"] = "DELETED"
    return 200, {"connection": dict(connection)}


def _api_router() -> Router:
    r = Router()
    r.add("GET", "/countries", _countries, public=True)
    r.add("GET", "/account", _account)
    for kind in ("sms", "mms", "voice"):
        r.add("POST", f"/{kind}/send", _sender(kind, True))
        r.add("POST", f"/{kind}/price", _sender(kind, False))
        r.add("GET", f"/{kind}/receipts", _receipts(kind))
    r.add("GET", "/sms/history", _history("sms", "Here are your history."))
    r.add("GET", "/mms/history", _history("mms", "Here are your data."))
    r.add("GET", "/voice/history", _history("voice", "Here is your history."))
    for kind in ("sms", "mms", "voice"):
        r.add("GET", f"/{kind}/history/export", _history_export(kind))
    r.add("GET", "/account/usage/{year}/{month}/subaccount", _usage)
    r.add("GET", "/sms/inbound", _inbound)
    r.add("GET", "/sms/inbound/{original_message_id}", _inbound_one)
    r.add("PUT", "/sms/inbound-read", _inbound_read)
    r.add("PUT", "/sms/inbound-read/{message_id}", _inbound_read_one)
    r.add("GET", "/sms/receipts/{message_id}", _receipt_one)
    r.add("PUT", "/sms/receipts-read", _receipts_read)
    r.add("PUT", "/sms/cancel-all", _cancel_all("sms"))
    r.add("PUT", "/sms/{message_id}/cancel", _cancel_one("sms"))
    r.add("PUT", "/voice/cancel-all", _cancel_all("voice"))
    r.add("PUT", "/voice/{message_id}/cancel", _cancel_one("voice"))
    r.add("GET", "/voice/lang", _voice_lang)
    r.add("GET", "/sms/templates", _templates)
    r.add("POST", "/sms/templates", _template_create)
    r.add("GET", "/sms/templates/{template_id}", _template_get)
    r.add("PUT", "/sms/templates/{template_id}", _template_update)
    r.add("DELETE", "/sms/templates/{template_id}", _template_delete)
    r.add("GET", "/lists", _lists)
    r.add("POST", "/lists", _list_create)
    r.add("GET", "/lists/{list_id}", _list_get)
    r.add("PUT", "/lists/{list_id}", _list_update)
    r.add("DELETE", "/lists/{list_id}", _list_delete)
    r.add("PUT", "/lists/{list_id}/remove-duplicates", _remove_duplicates)
    r.add("POST", "/lists/{list_id}/import", _list_import)
    r.add("PUT", "/lists/{list_id}/remove-opted-out-contacts/{opt_out_list_id}", _remove_opted_out)
    r.add("GET", "/search/contacts-lists", _search)
    r.add("GET", "/lists/{list_id}/contacts", _contacts)
    r.add("POST", "/lists/{list_id}/contacts", _contact_create)
    r.add("GET", "/lists/{list_id}/contacts/{contact_id}", _contact_get)
    r.add("PUT", "/lists/{list_id}/contacts/{contact_id}", _contact_update)
    r.add("DELETE", "/lists/{list_id}/contacts/{contact_id}", _contact_delete)
    r.add(
        "PUT", "/lists/{from_list_id}/contacts/{contact_id}/copy/{to_list_id}", _contact_move(True)
    )
    r.add(
        "PUT",
        "/lists/{from_list_id}/contacts/{contact_id}/transfer/{to_list_id}",
        _contact_move(False),
    )
    r.add("GET", "/email/addresses", _emails)
    r.add("POST", "/email/addresses", _email_create)
    r.add("GET", "/email/addresses/{email_address_id}", _email_get)
    r.add("DELETE", "/email/addresses/{email_address_id}", _email_delete)
    r.add("PUT", "/email/address-verify/{email_address_id}/send", _email_send_token)
    r.add(
        "PUT",
        "/email/address-verify/{email_address_id}/verify/{activation_token}",
        _email_verify,
    )
    register_all(r)
    return r


def _ctrl_router() -> Router:
    r = Router()
    r.add("GET", "/connections", _connections)
    r.add("POST", "/connections", _connection_create)
    r.add("GET", "/connections/{connection_id}", _connection_get)
    r.add("DELETE", "/connections/{connection_id}", _connection_delete)
    return r
