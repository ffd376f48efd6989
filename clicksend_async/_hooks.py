"""Request/response hooks, response capture and structured log fields.

The session calls :func:`emit` around every HTTP attempt. What a hook sees never carries a
credential: the ``Authorization`` header is replaced by ``"***"`` before any hook runs. A hook
that raises is logged and ignored, because an exception out of ``on_response`` after a send
would make a sent message look unsent (and invite a duplicate).
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "OnRequest",
    "OnResponse",
    "RequestEvent",
    "ResponseCapture",
    "ResponseEvent",
    "emit",
    "log_context",
    "log_fields",
    "record_response",
    "redact_headers",
]

logger = logging.getLogger("clicksend_async")

#: Headers whose value is a credential; hooks see ``"***"`` instead.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return a copy of ``headers`` with every credential replaced by ``"***"``."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


@attrs.frozen(kw_only=True)
class RequestEvent:
    """What ``on_request`` is told just before an HTTP attempt goes out."""

    method: str
    path: str  # relative to the base URL, without the query: "/sms/send"
    url: str  # the full URL (it never carries a credential)
    attempt: int  # 1-based; retries count up
    headers: Mapping[str, str]  # as sent, Authorization redacted


@attrs.frozen(kw_only=True)
class ResponseEvent:
    """What ``on_response`` (and :meth:`ClickSendClient.capture_response`) sees of a response."""

    method: str
    path: str
    url: str
    attempt: int
    status: int
    headers: Mapping[str, str]  # as received (case-insensitive lookups with aiohttp's)
    duration: float  # seconds from sending the request to reading the whole body

    def header(self, name: str, default: str | None = None) -> str | None:
        """Return one response header, matched case-insensitively."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default


OnRequest = Callable[[RequestEvent], Awaitable[None] | None]
OnResponse = Callable[[ResponseEvent], Awaitable[None] | None]


async def emit(hook: Callable[[Any], Awaitable[None] | None] | None, event: object) -> None:
    """Call a sync or async hook with ``event``; log (never raise) what it raises."""
    if hook is None:
        return
    try:
        result = hook(event)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("a %s hook raised; ignored", type(event).__name__)


class ResponseCapture:
    """The responses of the calls made inside ``with cs.capture_response() as captured:``.

    ``captured.response`` is the last one (status, headers, duration), ``captured.responses``
    every HTTP response in order, retried attempts included.
    """

    def __init__(self) -> None:
        self.responses: list[ResponseEvent] = []

    def __repr__(self) -> str:
        return f"<ResponseCapture {len(self.responses)} response(s)>"

    @property
    def response(self) -> ResponseEvent:
        """Return the last response captured."""
        if not self.responses:
            raise LookupError("no response was captured (no call completed inside the block)")
        return self.responses[-1]

    @property
    def headers(self) -> Mapping[str, str]:
        """Return the headers of the last response captured."""
        return self.response.headers


_CAPTURES: contextvars.ContextVar[tuple[ResponseCapture, ...]] = contextvars.ContextVar(
    "clicksend_async_captures", default=()
)
_LOG_FIELDS: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "clicksend_async_log_fields", default=MappingProxyType({})
)


@contextlib.contextmanager
def capture() -> Iterator[ResponseCapture]:
    """Collect the responses of the calls made in this block (and tasks started in it)."""
    captured = ResponseCapture()
    token = _CAPTURES.set((*_CAPTURES.get(), captured))
    try:
        yield captured
    finally:
        _CAPTURES.reset(token)


def capturing() -> bool:
    """Return True when a ``capture_response()`` block is active in the current context."""
    return bool(_CAPTURES.get())


def record_response(event: ResponseEvent) -> None:
    """Hand a response to every capture active in the current context."""
    for captured in _CAPTURES.get():
        captured.responses.append(event)


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (e.g. ``chunk=3``) to the ``extra`` of every request log in this block."""
    token = _LOG_FIELDS.set({**_LOG_FIELDS.get(), **fields})
    try:
        yield
    finally:
        _LOG_FIELDS.reset(token)


def log_fields(**fields: Any) -> dict[str, Any]:
    """Return the structured ``extra=`` of a log record: the context's fields plus ``fields``."""
    return {**_LOG_FIELDS.get(), **fields}
