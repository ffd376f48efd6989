"""The emulator's aiohttp.web service: dispatch, auth, rate limit, faults, pushes (not handlers)."""

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
    Router,
    envelope,
    invalid,
)
from ._numbers import normalize
from ._ratelimit import RateLimiter
from ._sending import SendOutcome, dumps, shared_sender
from ._state import (
    SUBACCOUNT_ID,
    USER_ID,
    MessageRecord,
    RecordedRequest,
)
from ._webhooks import Pusher
from ._world import InboundRecord, World
from .routes import connections, register_all

__all__ = ["Service"]

logger = logging.getLogger("clicksend_async.testing")

_JSON_HEADERS: Final = {"Content-Type": "application/json"}
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CLIENT_MAX_SIZE: Final = 32 * 1024 * 1024
#: How long a history export's download link works (the spec's example link: X-Amz-Expires=1200).
EXPORT_LINK_SECONDS: Final = 1200.0
#: What an uploaded file is served as (the emulator keeps the bytes it got, unconverted).
_UPLOAD_TYPES: Final = {
    "mms": "application/octet-stream",
    "fax": "application/octet-stream",
    "csv": "text/csv",
    "post": "application/octet-stream",
    "postcard": "application/octet-stream",
}


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
        if file_id.startswith("uploads/"):
            return self._download_upload(file_id.removeprefix("uploads/"), now)
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

    def _download_upload(self, file_name: str, now: float) -> web.Response:
        for upload in self.world.setup.uploads.values():
            if upload["file_name"] == file_name and now < upload["date_delete"]:
                return web.Response(
                    body=upload["content"], content_type=_UPLOAD_TYPES[upload["convert"]]
                )
        return _respond(
            404, envelope(404, "NOT_FOUND", "File not found or the link has expired."), None
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
        for record in records:
            if record.has_receipt:
                for url, fmt in self._receipt_targets(record.kind):
                    pusher.schedule(record.receipt_due - now, url, fmt, _receipt_payload(record))
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
        if self.pusher is not None:
            for url, fmt in self._inbound_targets(to, body):
                self.pusher.schedule(when - now, url, fmt, _inbound_payload(data, fmt))
        return dict(data)

    def _receipt_targets(self, kind: str) -> list[tuple[str, str]]:
        """Return (url, format) pairs a receipt goes to: the rules', else ``receipt_url``'s."""
        targets = self.world.setup.receipt_targets(kind)
        if targets is None:
            return [] if self.receipt_url is None else [(self.receipt_url, "form")]
        return [(t.url, t.fmt) for t in targets]

    def _inbound_targets(self, to: str, body: str) -> list[tuple[str, str]]:
        """Return (url, format) pairs a reply goes to: the rules', else ``inbound_url``'s."""
        targets = self.world.setup.inbound_targets(to, body)
        if targets is None:
            return [] if self.inbound_url is None else [(self.inbound_url, self.inbound_format)]
        return [(t.url, t.fmt) for t in targets]


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
    if fault is Fault.COMMIT_ABSURD:
        data = payload if isinstance(payload, dict) else json.loads(payload)
        for message in (data.get("data") or {}).get("messages") or []:
            message["message_parts"] = 10**30
            message["message_price"] = "1e999999999"
        return dumps(data).encode()
    if fault is Fault.COMMIT_SURROGATE:
        data = payload if isinstance(payload, dict) else json.loads(payload)
        messages = (data.get("data") or {}).get("messages") or []
        for message in messages:
            message["message_id"] = f"{message.get('message_id')}\udfff"
        if messages:
            messages[0]["status"] = "SUCCESS\ud800"
        return dumps(data).encode()
    return None


def _respond(status: int, payload: Any, headers: Mapping[str, str] | None) -> web.Response:
    hdrs = dict(_JSON_HEADERS)
    if headers:
        hdrs.update(headers)
    body = payload if type(payload) is bytes else dumps(payload).encode()
    return web.Response(body=body, status=status, headers=hdrs)


def _api_router() -> Router:
    r = Router()
    register_all(r)
    return r


def _ctrl_router() -> Router:
    r = Router()
    connections.register(r)
    return r
