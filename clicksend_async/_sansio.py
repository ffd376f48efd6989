"""The I/O-free core: request building, envelope decoding, Retry-After parsing, retry classes.

Nothing here touches asyncio or aiohttp, so all of it is tested with plain values: a status,
a header mapping and body bytes go in, data or a typed error comes out.
"""

from __future__ import annotations

import enum
import functools
import json
import math
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from itertools import accumulate, compress
from typing import Any
from urllib.parse import quote, urlencode

from ._exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
    ValidationError,
)

SUCCESS_CODES = frozenset({"SUCCESS", "CREATED", "NO_CONTENT"})
RATE_LIMIT_CODES = frozenset({"TOO_MANY_REQUESTS", "HTTP_TOO_MANY_REQUESTS"})
#: Requests that send something to people (and bill for it): never repeated after they may have
#: reached ClickSend, and an unknown outcome raises SendOutcomeUnknownError.
SEND_PATHS = frozenset(
    {
        "/sms/send",
        "/mms/send",
        "/voice/send",
        "/sms-campaigns/send",
        "/mms-campaigns/send",
        "/email/send",
        "/email-campaigns/send",
        "/fax/send",
        "/post/letters/send",
        "/post/postcards/send",
        "/post/direct-mail/campaigns/send",
    }
)

_STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


class RequestKind(enum.Enum):
    """How safe a request is to repeat."""

    #: GET, PUT/DELETE on a resource, POST */price: repeating it changes nothing.
    IDEMPOTENT = "idempotent"
    #: A message send: repeating it may text people twice and bill twice.
    SEND = "send"
    #: Any other POST (create a list, a contact ...): repeating it may create duplicates.
    UNSAFE = "unsafe"


class Failure(enum.Enum):
    """Why an attempt failed, as far as retrying is concerned."""

    RATE_LIMITED = "rate_limited"  # 429: surely not processed
    CONNECT = "connect"  # no connection opened: surely not sent
    SERVER = "server"  # 5xx: may have been processed
    TIMEOUT = "timeout"  # no answer in time: may have been processed
    CONNECTION_LOST = "connection_lost"  # reset after sending: may have been processed


#: Failures after which the server surely did not act on the request.
SAFE_FAILURES = frozenset({Failure.RATE_LIMITED, Failure.CONNECT})


def normalize_path(path: str) -> str:
    """Return ``path`` with one leading slash, no query and no trailing slash."""
    path = path.split("?", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    return path.rstrip("/") or "/"


def request_kind(method: str, path: str) -> RequestKind:
    """Classify a request by how safe it is to repeat."""
    method = method.upper()
    norm = normalize_path(path)
    if norm in SEND_PATHS:
        return RequestKind.SEND
    if method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE"):
        return RequestKind.IDEMPOTENT
    if method == "POST" and norm.endswith("/price"):
        return RequestKind.IDEMPOTENT
    return RequestKind.UNSAFE


@functools.lru_cache(maxsize=1024)
def route(method: str, path: str) -> tuple[str, RequestKind]:
    """Return ``path`` normalised and the request's kind (remembered: calls repeat paths)."""
    return normalize_path(path), request_kind(method, path)


def may_retry(kind: RequestKind, failure: Failure, *, retry_unsafe: bool = False) -> bool:
    """Decide whether a failed attempt may be repeated.

    429 and connect failures are always safe. After a 5xx, a timeout or a lost connection the
    request may have been processed, so only idempotent requests are repeated, unless the
    caller explicitly opted in with ``retry_unsafe``.
    """
    if failure in SAFE_FAILURES:
        return True
    return kind is RequestKind.IDEMPOTENT or retry_unsafe


def build_url(base_url: str, path: str, params: Mapping[str, Any] | None = None) -> str:
    """Join ``base_url`` and ``path`` and append the non-None ``params`` as a query string."""
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    if params:
        query = encode_params(params)
        if query:
            url = f"{url}{'&' if '?' in url else '?'}{query}"
    return url


def encode_params(params: Mapping[str, Any]) -> str:
    """Encode query parameters, dropping None and spelling booleans as 0/1."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = int(value)
        pairs.append((key, str(value)))
    # ``+`` in phone numbers must become %2B, ``:`` and ``,`` in q= may stay as they are.
    return urlencode(pairs, quote_via=quote, safe=":,")


def encode_json(payload: Any) -> bytes:
    """Serialise a request body compactly as UTF-8 JSON.

    Raises:
        ValidationError: a string in the body holds a lone UTF-16 surrogate (text decoded
            with the wrong codec): it cannot be sent, and nothing is.
    """
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"holds {exc.object[exc.start]!r}: a lone UTF-16 surrogate is not text (was the "
            "input decoded with the wrong codec?)",
            field=_surrogate_path(payload) or "body",
        ) from None


def _surrogate_path(value: Any) -> str:
    """Return where in ``value`` the first string with a lone surrogate is (``messages[0].x``)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if not node.isascii():
                try:
                    node.encode()
                except UnicodeEncodeError:
                    return where
        elif isinstance(node, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in node.items())
            stack.extend((k, where) for k in node if isinstance(k, str))
        elif isinstance(node, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(node))
    return ""


#: Deepest JSON nesting accepted from the server. ClickSend's answers nest four or five levels;
#: a body nested hundreds deep is garbage, and past about a thousand it would end in a
#: RecursionError in the decoder, or later in anything that walks or prints it.
MAX_JSON_DEPTH = 64


def clean_text(text: str) -> str:
    """Return ``text`` as text that UTF-8 can carry: each lone surrogate (what a JSON escape
    such as ``\\ud800`` decodes to) becomes ``?``.

    Text from ClickSend's answers (statuses, ids, messages) goes through this before it is
    stored, written to a file or put in an error: SQLite, PostgreSQL and a UTF-8 file refuse
    a lone surrogate, which would fail the write of an outcome the server already committed.
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as inf
        raise ValueError(f"{text[:20]} is out of range for a number")
    return value


_CONTAINERS = frozenset({dict, list})
#: Every byte but a quote and the four brackets, deleted to see a body's bare structure.
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'"[]{}')
#: Opening brackets to +1 and closing ones to -1 (signed bytes), to sum the nesting in C.
_NESTING = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def _too_deep(value: Any, limit: int) -> bool:
    """Return True when ``value`` nests lists and objects more than ``limit`` deep."""
    level = [value]
    depth = 1
    while level:
        if depth > limit:
            return True
        children: list[Any] = []
        for node in level:
            children.extend(node.values() if type(node) is dict else node)
        # The containers among the children, picked out in C (no bytecode per value).
        level = list(compress(children, map(_CONTAINERS.__contains__, map(type, children))))
        depth += 1
    return False


def _body_too_deep(body: bytes, value: Any, limit: int) -> bool:
    """Return True when a parsed JSON ``body`` (decoded as ``value``) nests more than
    ``limit`` deep, from its bytes when its strings hold no quote or bracket.

    Escaped backslashes and quotes are dropped, then everything but quotes and brackets:
    strings with nothing else in them leave ``""`` pairs. When every quote is in such a pair,
    the brackets' running sum is the nesting (summed in C); a string that held a quote or a
    bracket leaves a quote out of pairs, and ``value`` is walked instead.
    """
    bare = body.translate(None, _NOT_STRUCTURE)
    if len(bare) - bare.count(b'"') <= limit:
        # Fewer brackets than the limit (escapes hold none): cannot nest deeper.
        return False
    if b"\\" in body:
        bare = body.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    quotes = bare.count(b'"')
    # Counted left to right, the pairs are the strings; a quote left over was inside one.
    if bare.count(b'""') * 2 != quotes:
        return _too_deep(value, limit)
    return max(accumulate(memoryview(bare.translate(_NESTING, b'"')).cast("b"))) > limit


#: One decoder for every body: ``json.loads`` with hooks would build one (and its scanner) per
#: call. The scanner keeps no state between calls that matters (only a cache of keys).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _loads(body: bytes | bytearray | str) -> Any:
    """Parse like ``json.loads(body, parse_constant=..., parse_float=...)`` (same errors)."""
    if isinstance(body, str):
        if body.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", body, 0)
        return _DECODER.decode(body)
    if not isinstance(body, bytes | bytearray):
        raise TypeError(
            f"the JSON object must be str, bytes or bytearray, not {type(body).__name__}"
        )
    # A body that opens an object with a non-NUL byte next is UTF-8 by detect_encoding's rules
    # (no BOM, no UTF-16/32 NULs); asking it costs more than the test.
    utf8 = body[:1] == b"{" and body[1:2] != b"\x00"
    encoding = "utf-8" if utf8 else json.detect_encoding(body)
    return _DECODER.decode(body.decode(encoding, "surrogatepass"))


def decode_body(
    body: bytes, *, method: str | None = None, url: str | None = None, status: int | None = None
) -> Any:
    """Parse a response body as JSON or raise a DecodeError that says why and where.

    Refused as well as malformed JSON: ``NaN``, ``Infinity`` and numbers out of float range,
    integers of thousands of digits, nesting deeper than :data:`MAX_JSON_DEPTH`.
    """
    try:
        value = _loads(body)
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"response body is not UTF-8 ({exc.reason} at byte {exc.start})",
            method=method,
            url=url,
            status=status,
        ) from None
    except json.JSONDecodeError as exc:
        snippet = body[:80].decode("utf-8", "replace")
        raise DecodeError(
            f"response body is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            f"it starts with {snippet!r}",
            method=method,
            url=url,
            status=status,
        ) from None
    except RecursionError:
        raise DecodeError(
            f"response body nests deeper than {MAX_JSON_DEPTH} levels",
            method=method,
            url=url,
            status=status,
        ) from None
    except ValueError as exc:  # parse_constant, parse_float, int digit limit
        raise DecodeError(
            f"response body holds a number JSON cannot carry: {str(exc)[:120]}",
            method=method,
            url=url,
            status=status,
        ) from None
    if _body_too_deep(body, value, MAX_JSON_DEPTH):
        raise DecodeError(
            f"response body nests deeper than {MAX_JSON_DEPTH} levels",
            method=method,
            url=url,
            status=status,
        )
    return value


def decode_envelope(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    url: str,
) -> dict[str, Any]:
    """Turn one HTTP response into the decoded envelope, or raise the matching error.

    A 2xx whose ``response_code`` is not SUCCESS/CREATED/NO_CONTENT, or whose envelope
    ``http_code`` says 4xx/5xx, is an error too. A 204 or an empty 2xx body is an empty envelope.
    """
    if 200 <= status < 300 and not body.strip():
        return {
            "http_code": status,
            "response_code": "NO_CONTENT",
            "response_msg": "",
            "data": None,
        }
    try:
        envelope = decode_body(body, method=method, url=url, status=status)
    except DecodeError:
        if status >= 400:
            # A proxy's HTML error page: the status says more than the body.
            raise _status_error(status, headers, None, None, None, method, url) from None
        raise
    if not isinstance(envelope, dict):
        if status >= 400:
            raise _status_error(status, headers, None, None, envelope, method, url)
        raise DecodeError(
            f"expected a JSON object envelope, got {type(envelope).__name__}",
            method=method,
            url=url,
            status=status,
        )
    code = envelope.get("response_code")
    response_code = clean_text(code) if isinstance(code, str) else None
    msg = envelope.get("response_msg")
    response_msg = clean_text(msg) if isinstance(msg, str) else None
    data = envelope.get("data")
    effective = status
    if 200 <= status < 300:
        env_status = envelope.get("http_code")
        if isinstance(env_status, int) and env_status >= 400:
            effective = env_status  # seen on ClickSend's legacy host: 200 carrying an error
        elif response_code in RATE_LIMIT_CODES:
            effective = 429
        elif response_code is None or response_code in SUCCESS_CODES:
            return envelope
        else:
            raise APIError(
                status_code=status,
                response_code=response_code,
                response_msg=response_msg,
                data=data,
                method=method,
                url=url,
                headers=headers,
            )
    elif status < 400:
        raise DecodeError(f"unexpected HTTP status {status}", method=method, url=url, status=status)
    if response_code in RATE_LIMIT_CODES:
        effective = 429
    raise _status_error(
        effective, headers, response_code, response_msg, data, method, url, wire=status
    )


def _status_error(
    status: int,
    headers: Mapping[str, str],
    response_code: str | None,
    response_msg: str | None,
    data: Any,
    method: str,
    url: str,
    wire: int | None = None,
) -> APIError:
    kwargs: dict[str, Any] = {
        "wire_status": wire,
        "status_code": status,
        "response_code": response_code,
        "response_msg": response_msg,
        "data": data,
        "method": method,
        "url": url,
        "headers": headers,
    }
    if status == 429:
        return RateLimitError(retry_after=parse_retry_after(headers), **kwargs)
    if status >= 500:
        return ServerError(**kwargs)
    return _STATUS_ERRORS.get(status, APIError)(**kwargs)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    for key, val in headers.items():
        if key.lower() == name:
            return val
    return None


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Return how many seconds the server asks us to wait, or None if it does not say.

    Looks at ``retry-after-ms``, then ``Retry-After`` (seconds or an HTTP date), then
    ClickSend's ``ratelimit-reset`` (seconds until the window resets; a value that looks like a
    Unix time is read as one). Negative and unparsable values are ignored.
    """
    raw_ms = _header(headers, "retry-after-ms")
    if raw_ms is not None:
        seconds = _parse_seconds(raw_ms)
        if seconds is not None:
            return seconds / 1000.0
    raw = _header(headers, "retry-after")
    if raw is not None:
        seconds = _parse_seconds(raw)
        if seconds is not None:
            return seconds
        try:
            when = parsedate_to_datetime(raw.strip())
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            current = time.time() if now is None else now
            return max(0.0, when.timestamp() - current)
    raw_reset = _header(headers, "ratelimit-reset")
    if raw_reset is not None:
        seconds = _parse_seconds(raw_reset)
        if seconds is not None:
            if seconds > 1_000_000_000:  # an epoch timestamp, not a delta
                current = time.time() if now is None else now
                return max(0.0, seconds - current)
            return seconds
    return None


def _parse_seconds(raw: str) -> float | None:
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value
