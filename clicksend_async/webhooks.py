"""Receive ClickSend delivery receipts (DLRs) and inbound messages.

Two layers, in the manner of gidgethub's sans-I/O core and its aiohttp adapter:

* `parse_receipt` and `parse_inbound` are pure functions. They take whatever arrived (a
  form-encoded, multipart or JSON body, a GET query string, or a decoded mapping such as
  ``request.query``) and return a frozen `DeliveryReceipt` or `InboundMessage`, or raise
  `WebhookPayloadError`. No I/O, so any framework can call them.
* `webhook_routes` and `webhook_app` are a thin ``aiohttp.web`` adapter: read the request, check an
  optional shared secret, parse, call your callback, answer.

Parsing is lenient on purpose. ClickSend documents the field names but not their types, and the
same field shows up as ``201`` and ``"201"``, ``null``, ``0`` and ``""`` depending on the source
(api-facts §6, §10.2). Timestamps accept ``int``, numeric ``str``, ISO 8601 and ``""``; identifiers
accept numbers or numeric strings; unknown keys are kept in ``extra``. What is rejected: a payload
that cannot be decoded at all, one without ``message_id``, and a typed field that holds something
that cannot be that type. Error messages name the field and never echo the payload, which carries
phone numbers and message text.

How the aiohttp adapter answers:

* **200** ``OK`` once the payload parsed and your callback ran, **even if the callback raised**.
  A non-2xx answer tells ClickSend the delivery failed, and a sender that redelivers failed
  webhooks (ClickSend's retry policy is not documented) would turn a bug in your callback into an
  endless redelivery storm. The exception goes to the ``clicksend_async.webhooks`` logger with its
  traceback (``logger.exception``), so it is not lost. Pass ``raise_handler_errors=True`` to
  answer 500 instead and ask for a retry; then make the callback idempotent, because a retry
  redelivers the same ``message_id``.
* **400** with a one-line reason when the payload is not a receipt or inbound message.
* **403** with no details when a ``secret`` is configured and the request does not carry it.

ClickSend documents no signature on its webhooks, so the only authentication available is a
hard-to-guess value in the URL you register: either the last path segment
(``/clicksend/receipts/<secret>``) or a ``?secret=`` / ``?token=`` query parameter. It is
compared in constant time and never logged here, but it travels in the URL, so web-server access
logs (``aiohttp.access``, your reverse proxy) may record it.

Callbacks may be plain functions or coroutine functions. Plain functions run on the event loop,
so keep them quick; ClickSend also waits for the answer, so hand long work to a queue or task.
"""

import email
import email.policy
import enum
import hmac
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from clicksend_async._exceptions import WebhookPayloadError
from clicksend_async.models.sms import DeliveryReceipt, DeliveryState, InboundMessage

__all__ = [
    "DeliveryReceipt",
    "DeliveryState",
    "InboundCallback",
    "InboundMessage",
    "ReceiptCallback",
    "ReceiptStatusCode",
    "WebhookASGIApp",
    "WebhookPayloadError",
    "parse_inbound",
    "parse_receipt",
    "webhook_app",
    "webhook_asgi_app",
    "webhook_routes",
]

logger = logging.getLogger(__name__)

Payload = bytes | str | Mapping[str, Any]
"""What the parsers accept: a raw body, a query string, or a decoded mapping."""


class ReceiptStatusCode(enum.StrEnum):
    """Name the documented DLR ``status_code`` values, to compare ``receipt.status_code`` with."""

    SENT = "200"
    """Sent or queued; a temporary success."""
    DELIVERED = "201"
    """Received on the handset; final."""
    TEMPORARY_FAILURE = "300"
    """Temporary failure; ClickSend retries."""
    PERMANENT_FAILURE = "301"
    """Permanent failure; final."""
    ROUTING_FAILURE = "302"
    """Temporary failure at the supplier (routing)."""


# --- decoding the container --------------------------------------------------------------------

_JSON_MEDIA_TYPES: Final = frozenset({"application/json", "text/json"})
_MAX_FORM_FIELDS: Final = 1000


def _media_type(content_type: str | None) -> tuple[str, str]:
    """Split a Content-Type into (media type, charset); the charset defaults to utf-8."""
    if not content_type:
        return "", "utf-8"
    media_type, _, rest = content_type.partition(";")
    charset = "utf-8"
    for param in rest.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            candidate = value.strip().strip('"').lower()
            try:
                b"x".decode(candidate)  # LookupError for unknown names and bytes-to-bytes codecs
            except LookupError:
                continue
            except UnicodeError:  # a real text encoding (utf-16, punycode) that wants more bytes
                pass
            charset = candidate
    return media_type.strip().lower(), charset


def _first_wins(items: Iterable[tuple[Any, Any]]) -> dict[str, object]:
    """Collapse repeated keys the way MultiDict lookups do: the first value wins."""
    result: dict[str, object] = {}
    for key, value in items:
        if isinstance(key, str):
            result.setdefault(key, value)
    return result


def _from_json(text: str) -> dict[str, object]:
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError):
        raise WebhookPayloadError("payload is not valid JSON") from None
    if not isinstance(decoded, dict):
        kind = "array" if isinstance(decoded, list) else type(decoded).__name__
        raise WebhookPayloadError(f"payload must be a JSON object, not {kind}")
    return _first_wins(decoded.items())


def _from_form(text: str, charset: str) -> dict[str, object]:
    try:
        pairs = parse_qsl(
            text.removeprefix("?"),
            keep_blank_values=True,
            encoding=charset,
            errors="strict",
            max_num_fields=_MAX_FORM_FIELDS,
        )
    except ValueError:  # includes UnicodeDecodeError from %-escapes
        raise WebhookPayloadError("payload is not valid form data") from None
    return _first_wins(pairs)


def _from_multipart(content_type: str, body: bytes) -> dict[str, object]:
    header = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = email.message_from_bytes(header + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        raise WebhookPayloadError("payload is not valid multipart form data")
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        raw = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(raw, bytes):
            continue
        try:
            pairs.append((name, raw.decode(part.get_content_charset() or "utf-8")))
        except (LookupError, UnicodeError):  # UnicodeError: punycode, idna ... refuse it too
            raise WebhookPayloadError(f"form field {name!r} is not valid text") from None
    return _first_wins(pairs)


def _decode(content_type: str | None, payload: Payload) -> dict[str, object]:
    """Turn any accepted payload shape into a plain dict of raw values."""
    if isinstance(payload, Mapping):
        return _first_wins(payload.items())
    media_type, charset = _media_type(content_type)
    if isinstance(payload, bytes | bytearray | memoryview):
        raw = bytes(payload)
        if media_type == "multipart/form-data" and content_type is not None:
            return _from_multipart(content_type, raw)
        try:
            text = raw.decode(charset)
        except (LookupError, UnicodeError):  # not UnicodeDecodeError only: punycode raises this
            raise WebhookPayloadError(f"payload is not valid {charset} text") from None
    elif isinstance(payload, str):
        text = payload
    else:
        raise TypeError(f"expected bytes, str or a mapping, not {type(payload).__name__}")
    text = text.lstrip("\ufeff").strip()
    # Sniff as well as trust the header: senders that post JSON as form data are common.
    if media_type in _JSON_MEDIA_TYPES or media_type.endswith("+json") or text[:1] in ("{", "["):
        return _from_json(text)
    return _from_form(text, charset)


# --- reading fields ------------------------------------------------------------------------------


class _Fields:
    """Read typed fields out of a raw payload by their wire names, remembering what was used."""

    def __init__(self, raw: Mapping[str, object], what: str) -> None:
        self._raw = raw
        self._what = what
        self._used: set[str] = set()

    def _pick(self, keys: tuple[str, ...]) -> tuple[str, object] | None:
        """Return the first of ``keys`` (canonical name first, then aliases) holding a value.

        A key holding ``None`` or ``""`` loses to a later alias with a value; if none has one,
        the first key present wins, so ``""`` can still be told apart from absent.
        """
        present = [key for key in keys if key in self._raw]
        self._used.update(present)
        for key in present:
            value = self._raw[key]
            if value is not None and value != "":
                return key, value
        return (present[0], self._raw[present[0]]) if present else None

    def _bad(self, key: str, expected: str) -> WebhookPayloadError:
        return WebhookPayloadError(f"{self._what} field {key!r} is not {expected}", field=key)

    def text(self, *keys: str, blank_is_none: bool = True) -> str | None:
        picked = self._pick(keys)
        if picked is None:
            return None
        key, value = picked
        if value is None:
            return None
        if isinstance(value, str):
            text = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = _number_text(value)
        elif isinstance(value, bytes):
            try:
                text = value.decode()
            except UnicodeDecodeError:
                raise self._bad(key, "valid UTF-8 text") from None
        else:
            raise self._bad(key, "text")
        return None if blank_is_none and text == "" else text

    def required(self, *keys: str, blank_ok: bool = False) -> str:
        value = self.text(*keys, blank_is_none=not blank_ok)
        if value is None or (not blank_ok and not value.strip()):
            raise WebhookPayloadError(f"{self._what} has no {keys[0]!r}", field=keys[0])
        return value if blank_ok else value.strip()

    def code(self, *keys: str) -> str | None:
        """Read an error code: ``null``, ``""`` and zero all mean "no error"."""
        value = self.text(*keys)
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            if float(value) == 0:
                return None
        except ValueError:
            pass
        return value

    def integer(self, *keys: str) -> int | None:
        picked = self._pick(keys)
        if picked is None:
            return None
        key, value = picked
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self._bad(key, "an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise self._bad(key, "an integer")

    def timestamp(self, *keys: str) -> datetime | None:
        """Read Unix seconds (int, float or numeric str) or ISO 8601; ``""``, null and 0 → None."""
        picked = self._pick(keys)
        if picked is None:
            return None
        key, value = picked
        if value is None or value == "":
            return None
        seconds: float
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value
        elif isinstance(value, str):
            try:
                seconds = float(value.strip())
            except ValueError:
                return self._iso(key, value.strip())
        else:
            raise self._bad(key, "a timestamp")
        if seconds == 0:
            return None  # 1970-01-01 is never a real ClickSend time; it means "not set"
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise self._bad(key, "a timestamp") from None

    def _iso(self, key: str, value: str) -> datetime:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._bad(key, "a timestamp") from None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)

    def extra(self) -> Mapping[str, str]:
        """Return every key not read so far, its value rendered as text."""
        return MappingProxyType(
            {key: _extra_text(value) for key, value in self._raw.items() if key not in self._used}
        )


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _extra_text(value: object) -> str:
    """Render an unknown value as text, the way it would have looked in a form post."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


# --- the parsers ---------------------------------------------------------------------------------


def parse_receipt(content_type: str | None, body_or_query: Payload) -> DeliveryReceipt:
    """Parse a delivery receipt from a webhook body, query string or decoded mapping.

    Args:
        content_type: the request's Content-Type header, or ``None``; JSON is also recognised by
            a leading ``{``, anything else is read as form data / a query string.
        body_or_query: the raw body (``bytes``), a query string (``str``, leading ``?`` optional)
            or a mapping such as ``request.query`` or an already decoded JSON object.

    Raises:
        WebhookPayloadError: the payload cannot be decoded, has no ``message_id``, has neither
            ``status_code`` nor ``status``, or holds a typed field of the wrong type.
    """
    fields = _Fields(_decode(content_type, body_or_query), "delivery receipt")
    message_id = fields.required("message_id")
    status_code = (fields.text("status_code") or "").strip()
    status = fields.text("status")
    if not status_code and status is None:
        raise WebhookPayloadError("delivery receipt has no 'status_code'", field="status_code")
    return DeliveryReceipt(
        message_id=message_id,
        status_code=status_code,
        status=status,
        status_text=fields.text("status_text"),
        error_code=fields.code("error_code"),
        error_text=fields.text("error_text"),
        custom_string=fields.text("custom_string", "customstring"),
        timestamp_send=fields.timestamp("timestamp_send"),
        timestamp=fields.timestamp("timestamp"),
        user_id=fields.integer("user_id"),
        subaccount_id=fields.integer("subaccount_id"),
        message_type=fields.text("message_type", "_message_type"),
        digits=fields.text("digits"),
        extra=fields.extra(),
    )


def parse_inbound(content_type: str | None, body_or_query: Payload) -> InboundMessage:
    """Parse an inbound message from a webhook body, query string or decoded mapping.

    Reads the documented keys and their legacy aliases: ``from``/``sms``, ``to``/
    ``originalsenderid``, ``body``/``message``, ``original_message_id``/``originalmessageid``,
    ``original_body``/``originalmessage``, ``custom_string``/``customstring``,
    ``timestamp``/``timestamp_send`` and ``_keyword``. Arguments as for `parse_receipt`.

    Raises:
        WebhookPayloadError: the payload cannot be decoded, has no ``message_id`` or no ``body``
            (an empty body is fine), or holds a typed field of the wrong type.
    """
    fields = _Fields(_decode(content_type, body_or_query), "inbound message")
    return InboundMessage(
        message_id=fields.required("message_id"),
        body=fields.required("body", "message", blank_ok=True),
        from_=fields.text("from", "sms"),
        to=fields.text("to", "originalsenderid"),
        original_message_id=fields.text("original_message_id", "originalmessageid"),
        original_body=fields.text("original_body", "originalmessage"),
        custom_string=fields.text("custom_string", "customstring"),
        timestamp=fields.timestamp("timestamp", "timestamp_send"),
        user_id=fields.integer("user_id"),
        subaccount_id=fields.integer("subaccount_id"),
        keyword=fields.text("_keyword"),
        extra=fields.extra(),
    )


# --- the framework-free core ---------------------------------------------------------------------

ReceiptCallback = Callable[[DeliveryReceipt], Awaitable[None] | None]
"""A plain or ``async`` function that takes a `DeliveryReceipt`."""
InboundCallback = Callable[[InboundMessage], Awaitable[None] | None]
"""A plain or ``async`` function that takes an `InboundMessage`."""

_T = TypeVar("_T", DeliveryReceipt, InboundMessage)
_SECRET_PARAMS: Final = ("secret", "token")
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: The largest body accepted (aiohttp's default ``client_max_size``); larger ones get 413.
MAX_BODY: Final = 1024**2


class _Endpoint:
    """One webhook endpoint's policy: secret check, parsing, callback, status; no framework."""

    def __init__(
        self,
        kind: str,
        parse: Callable[[str | None, Payload], _T],
        callback: Callable[[_T], Awaitable[None] | None],
        secret: str | None,
        *,
        raise_handler_errors: bool,
    ) -> None:
        self.kind = kind
        self._parse: Callable[[str | None, Payload], Any] = parse
        self._callback: Callable[[Any], Awaitable[None] | None] = callback
        self.secret = secret
        self.raise_handler_errors = raise_handler_errors
        self._callback_name = getattr(callback, "__qualname__", None) or repr(callback)

    async def handle(
        self,
        *,
        method: str,
        path_secret: str | None,
        query: Iterable[tuple[str, str]],
        content_type: str | None,
        read_body: Callable[[], Awaitable[bytes]],
        remote: str | None,
    ) -> tuple[int, str]:
        """Answer one request: return (status, text)."""
        pairs = list(query)
        secret = self.secret
        if secret is not None and not _secret_matches(path_secret, pairs, secret):
            # Never log the path or the URL here: they hold the (wrong) secret.
            logger.warning(
                "Rejected ClickSend %s webhook from %s: missing or wrong secret", self.kind, remote
            )
            return 403, "Forbidden"
        payload_query = _first_wins(
            (key, value)
            for key, value in pairs
            if not (secret is not None and key in _SECRET_PARAMS)
        )
        payload: Payload
        if method == "GET":
            content_type, payload = None, payload_query
        else:
            body = await read_body()
            if not body.strip():
                content_type, payload = None, payload_query
            else:
                payload = body
        try:
            item = self._parse(content_type, payload)
        except WebhookPayloadError as exc:
            logger.warning(
                "Rejected malformed ClickSend %s webhook from %s: %s", self.kind, remote, exc
            )
            return 400, f"Bad Request: {exc}"
        try:
            result = self._callback(item)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception(
                "ClickSend %s callback %s raised for message_id %s; answering %s",
                self.kind,
                self._callback_name,
                item.message_id,
                500 if self.raise_handler_errors else "200 so ClickSend does not redeliver",
            )
            if self.raise_handler_errors:
                return 500, "Internal Server Error"
        return 200, "OK"


def _endpoints(
    *,
    on_receipt: ReceiptCallback | None,
    on_inbound: InboundCallback | None,
    secret: str | None,
    insecure: bool,
    path_prefix: str,
    receipt_path: str,
    inbound_path: str,
    raise_handler_errors: bool,
) -> dict[str, _Endpoint]:
    """Check the arguments and return the endpoints by path; warn once if there is no secret."""
    if on_receipt is None and on_inbound is None:
        raise ValueError("pass on_receipt, on_inbound or both")
    if secret is not None and not secret:
        raise ValueError("secret must not be empty; pass None to accept unauthenticated webhooks")
    receipt_url = _join_path(path_prefix, receipt_path)
    inbound_url = _join_path(path_prefix, inbound_path)
    if on_receipt is not None and on_inbound is not None and receipt_url == inbound_url:
        raise ValueError("receipt_path and inbound_path must differ")
    if secret is None and not insecure:
        logger.warning(
            "ClickSend webhook routes without a secret: anyone who finds the URL can post fake "
            "receipts and messages. Pass secret=secrets.token_urlsafe(32) and register the URL "
            "with it, or insecure=True to silence this warning."
        )
    endpoints: dict[str, _Endpoint] = {}
    if on_receipt is not None:
        endpoints[receipt_url] = _Endpoint(
            "receipt", parse_receipt, on_receipt, secret, raise_handler_errors=raise_handler_errors
        )
    if on_inbound is not None:
        endpoints[inbound_url] = _Endpoint(
            "inbound", parse_inbound, on_inbound, secret, raise_handler_errors=raise_handler_errors
        )
    return endpoints


def _join_path(*parts: str) -> str:
    return "/" + "/".join(part.strip("/") for part in parts if part.strip("/"))


def _secret_matches(path_secret: str | None, query: Iterable[tuple[str, str]], secret: str) -> bool:
    expected = secret.encode()
    offered = [path_secret]
    offered += [value for key, value in query if key in _SECRET_PARAMS]
    matched = False
    for value in offered:
        # Check every candidate, so timing does not tell which place held the secret.
        if value is not None and hmac.compare_digest(value.encode(), expected):
            matched = True
    return matched


# --- aiohttp.web adapter -------------------------------------------------------------------------


def webhook_routes(
    *,
    on_receipt: ReceiptCallback | None = None,
    on_inbound: InboundCallback | None = None,
    secret: str | None = None,
    insecure: bool = False,
    path_prefix: str = "/clicksend",
    receipt_path: str = "receipts",
    inbound_path: str = "inbound",
    raise_handler_errors: bool = False,
) -> list[web.RouteDef]:
    """Build GET and POST routes that hand ClickSend webhooks to your callbacks.

    Add them with ``app.add_routes(webhook_routes(on_receipt=..., on_inbound=...))``. Only the
    routes for the callbacks you pass are created: ``{path_prefix}/{receipt_path}`` and
    ``{path_prefix}/{inbound_path}``, plus ``.../{secret}`` variants when ``secret`` is set.
    See the module docstring for the status codes answered.

    Args:
        secret: if set, every request must carry it as the last path segment or as a
            ``secret``/``token`` query parameter; use e.g. ``secrets.token_urlsafe(32)``.
            Without one a warning is logged once, when the routes are built.
        insecure: accept webhooks without a secret and do not warn about it.
        raise_handler_errors: answer 500 (so ClickSend retries) when a callback raises, instead
            of logging the error and answering 200.

    Raises:
        ValueError: no callback given, an empty ``secret``, or both paths the same.
    """
    endpoints = _endpoints(
        on_receipt=on_receipt,
        on_inbound=on_inbound,
        secret=secret,
        insecure=insecure,
        path_prefix=path_prefix,
        receipt_path=receipt_path,
        inbound_path=inbound_path,
        raise_handler_errors=raise_handler_errors,
    )
    routes: list[web.RouteDef] = []
    for path, endpoint in endpoints.items():
        routes += _routes(path, _aiohttp_handler(endpoint), with_secret_segment=secret is not None)
    return routes


def webhook_app(
    *,
    on_receipt: ReceiptCallback | None = None,
    on_inbound: InboundCallback | None = None,
    secret: str | None = None,
    insecure: bool = False,
    receipt_path: str = "receipts",
    inbound_path: str = "inbound",
    raise_handler_errors: bool = False,
) -> web.Application:
    """Build an application to mount with ``app.add_subapp("/clicksend", webhook_app(...))``.

    Same arguments as `webhook_routes`, without a path prefix: the mount point is the prefix.
    """
    app = web.Application()
    app.add_routes(
        webhook_routes(
            on_receipt=on_receipt,
            on_inbound=on_inbound,
            secret=secret,
            insecure=insecure,
            path_prefix="",
            receipt_path=receipt_path,
            inbound_path=inbound_path,
            raise_handler_errors=raise_handler_errors,
        )
    )
    return app


def _routes(path: str, handler: _Handler, *, with_secret_segment: bool) -> list[web.RouteDef]:
    paths = [path]
    if with_secret_segment:
        paths.append(path.rstrip("/") + "/{secret}")
    # No HEAD: a probe must not count as a delivery.
    return [
        route
        for p in paths
        for route in (web.get(p, handler, allow_head=False), web.post(p, handler))
    ]


def _aiohttp_handler(endpoint: _Endpoint) -> _Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        status, text = await endpoint.handle(
            method=request.method,
            path_secret=request.match_info.get("secret"),
            query=request.query.items(),
            content_type=request.headers.get("Content-Type"),
            read_body=request.read,
            remote=request.remote,
        )
        return web.Response(status=status, text=text)

    return handle


# --- ASGI adapter (FastAPI, Starlette, any ASGI server) ------------------------------------------

_AsgiScope = Mapping[str, Any]
_AsgiReceive = Callable[[], Awaitable[Mapping[str, Any]]]
_AsgiSend = Callable[[Mapping[str, Any]], Awaitable[None]]


class WebhookASGIApp:
    """A framework-free ASGI 3 application serving ClickSend webhooks.

    Build it with :func:`webhook_asgi_app`. Mount it under a prefix
    (``fastapi_app.mount("/clicksend", webhook_asgi_app(...))``, the same with Starlette), or
    serve it on its own (``uvicorn module:app``). It answers exactly as `webhook_routes`
    does; an unknown path is 404, a method other than GET or POST is 405, a body over 1 MiB 413.
    """

    def __init__(self, endpoints: Mapping[str, _Endpoint], *, with_secret_segment: bool) -> None:
        self._endpoints = dict(endpoints)
        self._with_secret_segment = with_secret_segment

    def __repr__(self) -> str:
        return f"<WebhookASGIApp paths={sorted(self._endpoints)}>"

    async def __call__(self, scope: _AsgiScope, receive: _AsgiReceive, send: _AsgiSend) -> None:
        """Serve one ASGI connection (``http``; ``lifespan`` is acknowledged)."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"WebhookASGIApp serves HTTP, not {scope['type']!r}")
        endpoint, path_secret = self._route(_route_path(scope))
        if endpoint is None:
            await _respond(send, 404, "Not Found")
            return
        method = scope.get("method", "GET").upper()
        if method not in ("GET", "POST"):
            await _respond(send, 405, "Method Not Allowed", allow="GET, POST")
            return
        headers = {
            bytes(key).decode("latin-1").lower(): bytes(value).decode("latin-1")
            for key, value in scope.get("headers", ())
        }
        too_big = False

        async def read_body() -> bytes:
            nonlocal too_big
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_BODY:
                    too_big = True
                    return b""
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            return b"".join(chunks)

        query_string = bytes(scope.get("query_string", b"")).decode("latin-1")
        query = parse_qsl(query_string, keep_blank_values=True, encoding="utf-8", errors="replace")
        remote = scope.get("client")
        status, text = await endpoint.handle(
            method=method,
            path_secret=path_secret,
            query=query,
            content_type=headers.get("content-type"),
            read_body=read_body,
            remote=str(remote[0]) if remote else None,
        )
        if too_big:
            status, text = 413, "Payload Too Large"
        await _respond(send, status, text)

    def _route(self, path: str) -> tuple[_Endpoint | None, str | None]:
        path = "/" + path.strip("/")
        endpoint = self._endpoints.get(path)
        if endpoint is not None:
            return endpoint, None
        if self._with_secret_segment:
            parent, _, last = path.rpartition("/")
            endpoint = self._endpoints.get(parent or "/")
            if endpoint is not None and last:
                return endpoint, unquote(last)
        return None, None


def webhook_asgi_app(
    *,
    on_receipt: ReceiptCallback | None = None,
    on_inbound: InboundCallback | None = None,
    secret: str | None = None,
    insecure: bool = False,
    path_prefix: str = "",
    receipt_path: str = "receipts",
    inbound_path: str = "inbound",
    raise_handler_errors: bool = False,
) -> WebhookASGIApp:
    """Build an ASGI app serving ClickSend webhooks, for FastAPI, Starlette or any ASGI server.

    ``app.mount("/clicksend", webhook_asgi_app(on_receipt=..., secret=...))`` serves
    ``/clicksend/receipts`` (and ``/clicksend/receipts/<secret>``). Arguments, secret check,
    status codes and callback-error policy are those of `webhook_routes`; ``path_prefix`` is
    empty because the mount point is the prefix.
    """
    endpoints = _endpoints(
        on_receipt=on_receipt,
        on_inbound=on_inbound,
        secret=secret,
        insecure=insecure,
        path_prefix=path_prefix,
        receipt_path=receipt_path,
        inbound_path=inbound_path,
        raise_handler_errors=raise_handler_errors,
    )
    return WebhookASGIApp(endpoints, with_secret_segment=secret is not None)


def _route_path(scope: _AsgiScope) -> str:
    """Return the path below the mount point, as Starlette's own routing computes it."""
    path: str = scope.get("path", "/")
    root_path: str = scope.get("root_path", "")
    # Starlette >= 0.33 keeps the full path and puts the mount point in root_path; older
    # versions (and other frameworks) strip it from path themselves.
    if root_path and (path == root_path or path.startswith(root_path.rstrip("/") + "/")):
        return path[len(root_path.rstrip("/")) :] or "/"
    return path


async def _respond(send: _AsgiSend, status: int, text: str, *, allow: str | None = None) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if allow is not None:
        headers.append((b"allow", allow.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: _AsgiReceive, send: _AsgiSend) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
