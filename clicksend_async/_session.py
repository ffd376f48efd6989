"""The session layer: auth, rate limiting, retries, envelope decoding, models, logging.

Every request goes through :meth:`Session.request`. Each attempt, retries included, first waits
out any server-requested cool-down (a 429 pauses every concurrent request, so a campaign slows
down instead of hammering), then passes the rate limiter (a ``RateLimiter`` from
``clicksend_async.limiters``, local or shared), then the optional ``before_send`` guard, then
goes to the transport.
"""

from __future__ import annotations

import asyncio
import functools
import json as jsonlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypeVar

from ._auth import BasicAuth, BearerAuth
from ._converter import structure
from ._exceptions import (
    APIError,
    ConfigurationError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    RateLimiterUnavailableError,
    RequestVetoedError,
    SendOutcomeUnknownError,
    ServerError,
    TransportError,
)
from ._guard import BeforeSend, RequestInfo, current_guard
from ._hooks import (
    OnRequest,
    OnResponse,
    RequestEvent,
    ResponseEvent,
    capturing,
    emit,
    log_fields,
    record_response,
    redact_headers,
)
from ._retry import DEFAULT_RETRY, CoolDown, OnRetry, RetryPolicy, call_with_retry
from ._sansio import (
    Failure,
    RequestKind,
    build_url,
    decode_envelope,
    encode_json,
    normalize_path,
    route,
)
from ._servertime import ServerClock
from ._tracing import request_span
from ._transport import Transport
from ._version import __version__
from .limiters import (
    RATE_GUARD,
    RATE_GUARD_MIN,
    AccountScoped,
    LocalRateLimiter,
    RateLimiter,
    account_key,
    limiter_spacing,
)

__all__ = ["DEFAULT_RATE_LIMIT", "RATE_GUARD", "RATE_GUARD_MIN", "Session", "limiter_spacing"]

logger = logging.getLogger("clicksend_async")

T = TypeVar("T")

#: Requests per second when the caller does not say. ClickSend publishes no numbers; live
#: probes saw windows of 6000/min and, on /account, 20/min. Five a second (each send carrying up
#: to 1000 messages) stays clear of both for ordinary use, and 429s are honoured anyway.
DEFAULT_RATE_LIMIT = 5.0

Base = Literal["api", "ctrl"]


class Session:
    """Send authenticated, rate-limited, retried requests and decode ClickSend's envelope."""

    def __init__(
        self,
        *,
        auth: BasicAuth | BearerAuth,
        base_url: str,
        ctrl_url: str | None,
        transport: Transport,
        rate_limit: float | RateLimiter | None = DEFAULT_RATE_LIMIT,
        retry: RetryPolicy = DEFAULT_RETRY,
        user_agent: str | None = None,
        on_retry: OnRetry | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_request: OnRequest | None = None,
        on_response: OnResponse | None = None,
        not_found_hint: str | None = None,
        before_send: BeforeSend | None = None,
    ) -> None:
        self.auth = auth
        self.on_request = on_request
        self.on_response = on_response
        # Said with every 404 when the base URL looks wrong (its path does not end in /v3).
        self.not_found_hint = not_found_hint
        self.base_url = base_url.rstrip("/")
        self.ctrl_url = ctrl_url.rstrip("/") if ctrl_url else None
        self.transport = transport
        self.retry = retry
        self.on_retry = on_retry
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.rate_limit = rate_limit
        self._limiter = _make_limiter(rate_limit)
        limiter: object = self._limiter
        if isinstance(limiter, AccountScoped):
            limiter.bind_account(account_key(auth))
        #: Awaited after the rate-limit permit and right before each attempt leaves; raising
        #: RequestVetoedError stops the attempt, which counts as surely not sent.
        self.before_send = before_send
        self._cooldown_until = 0.0
        #: ClickSend's clock as learnt from the ``Date`` of every answer (the bulk engine's
        #: reconciliation windows are in the server's time, never this host's).
        self.server_clock = ServerClock()
        # Without a limiter, requests leaving a 429 cool-down fan out (see CoolDown).
        self._cooldown = CoolDown(fan_out=self._limiter is None, rng=self._rng)
        ua = f"clicksend-async/{__version__}"
        self._headers = {
            **auth.headers(),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": f"{user_agent} {ua}" if user_agent else ua,
        }

    def __repr__(self) -> str:
        return f"<Session {self.auth.mode} {self.base_url} rate_limit={self.rate_limit}>"

    def _cool_down(self, failure: Failure, wait: float) -> None:
        if failure is Failure.RATE_LIMITED:
            self._cooldown.rate_limited(asyncio.get_running_loop().time(), wait)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        base: Base = "api",
        kind: RequestKind | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        """Perform one logical call (with retries) and return the decoded envelope."""
        method = method.upper()
        if base == "ctrl":
            if self.ctrl_url is None or not isinstance(self.auth, BearerAuth):
                raise ConfigurationError(
                    "Maton connections need gateway mode (ClickSendClient(maton_api_key=...))"
                )
            root = self.ctrl_url
        else:
            root = self.base_url
        url = build_url(root, path, params)
        body = content if content is not None else (None if json is None else encode_json(json))
        log_path, path_kind = route(method, path)
        call = _Call(method, url, log_path, kind or path_kind, body, timeout)
        try:
            # The first attempt runs here; the retry loop (its policy, waits and events) is
            # entered only after a failure, which most calls never have.
            try:
                return await self._attempt(call, 1)
            except Exception as exc:  # handed to the retry policy just below
                failed = exc
            return await call_with_retry(
                functools.partial(self._attempt, call),
                policy=retry or self.retry,
                kind=call.kind,
                method=method,
                path=call.path,
                sleep=self._sleep,
                on_retry=self.on_retry,
                rng=self._rng,
                on_wait=self._cool_down,
                failed=failed,
            )
        except NotFoundError as exc:
            if self.not_found_hint and base == "api":
                exc.add_note(self.not_found_hint)
            raise
        except (TransportError, APIError, DecodeError) as exc:
            # An unreadable 2xx to a send was most likely processed: its outcome is unknown too;
            # so is a 2xx whose envelope says error (the server may have committed first). A 4xx
            # is a refusal of the whole request, and a 429 was surely not processed.
            if isinstance(exc, APIError) and (
                isinstance(exc, RateLimitError)
                or not (isinstance(exc, ServerError) or 200 <= exc.wire_status < 300)
            ):
                raise
            if call.kind is RequestKind.SEND and getattr(exc, "request_sent", True):
                log_path = call.path
                logger.warning(
                    "%s %s outcome unknown after %s; not re-sent",
                    method,
                    log_path,
                    type(exc).__name__,
                    extra=log_fields(method=method, path=log_path, error=type(exc).__name__),
                )
                raise SendOutcomeUnknownError(
                    f"send outcome unknown after {type(exc).__name__}",
                    method=method,
                    url=url,
                    payload=_payload_of(json, content),
                    cause=exc,
                    window=self.server_clock.window(
                        self.server_clock.local() if call.first_sent is None else call.first_sent,
                        self.server_clock.local(),
                        1.0,
                    ),
                ) from exc
            raise

    async def _attempt(self, call: _Call, number: int) -> dict[str, Any]:
        """Make one HTTP attempt of ``call`` and return its decoded envelope (or raise)."""
        method, url, log_path = call.method, call.url, call.path
        # Each attempt first waits out a server-requested cool-down, then passes the limiter.
        loop = asyncio.get_running_loop()
        delay = self._cooldown.delay(loop.time(), retry=number > 1)
        if delay > 0:
            await self._sleep(delay)
        if self._limiter is not None:
            try:
                await self._limiter.acquire()
            except RateLimiterUnavailableError as exc:
                if not exc.method:
                    exc.method, exc.url = method, url
                raise
        if self.before_send is not None or current_guard() is not None:
            await self._guard(method, url, log_path, call.kind, number, call.timeout)
        if self.on_request is not None:
            await emit(
                self.on_request,
                RequestEvent(
                    method=method,
                    path=log_path,
                    url=url,
                    attempt=number,
                    headers=redact_headers(self._headers),
                ),
            )
        started = time.perf_counter()
        clock = self.server_clock
        sent_at = clock.local()
        if call.first_sent is None:
            call.first_sent = sent_at
        with request_span(method, log_path, attempt=number) as span:
            try:
                raw = await self.transport.request(
                    method, url, headers=self._headers, body=call.body, timeout=call.timeout
                )
            except TransportError as exc:
                duration = time.perf_counter() - started
                logger.info(
                    "%s %s failed: %s (attempt %d, %.1f ms)",
                    method,
                    log_path,
                    type(exc).__name__,
                    number,
                    duration * 1000,
                    extra=log_fields(
                        method=method,
                        path=log_path,
                        status=None,
                        attempt=number,
                        duration=duration,
                        error=type(exc).__name__,
                    ),
                )
                raise
            status = raw.status
            span.set("http.response.status_code", status)
            duration = time.perf_counter() - started
            if logger.isEnabledFor(logging.DEBUG):  # its fields are built only if logged
                logger.debug(
                    "%s %s -> %d (attempt %d, %.1f ms)",
                    method,
                    log_path,
                    status,
                    number,
                    duration * 1000,
                    extra=log_fields(
                        method=method,
                        path=log_path,
                        status=status,
                        attempt=number,
                        duration=duration,
                    ),
                )
            if status != 429:
                self._cooldown.admitted(loop.time())
            if self.on_response is not None or capturing():
                event = ResponseEvent(
                    method=method,
                    path=log_path,
                    url=url,
                    attempt=number,
                    status=status,
                    headers=raw.headers,
                    duration=duration,
                )
                record_response(event)
                await emit(self.on_response, event)
            headers = raw.headers
            clock.observe(headers.get("Date") or headers.get("date"), sent_at, clock.local())
            try:
                return decode_envelope(status, headers, raw.body, method=method, url=url)
            except RateLimitError as exc:
                if self._limiter is not None:
                    # A shared limiter pushes every process's schedule back, not just ours.
                    await self._limiter.rate_limited(exc.retry_after)
                raise

    async def _guard(
        self,
        method: str,
        url: str,
        path: str,
        kind: RequestKind,
        number: int,
        timeout: float | None,
    ) -> None:
        info = RequestInfo(
            method=method,
            path=path,
            url=url,
            kind=kind.value,
            attempt=number,
            timeout=self.transport.timeout if timeout is None else timeout,
        )
        try:
            if self.before_send is not None:
                await self.before_send(info)
            task_guard = current_guard()
            if task_guard is not None:
                await task_guard(info)
        except RequestVetoedError as exc:
            if not exc.method:
                exc.method, exc.url = method, url
            logger.info("%s %s vetoed before it left: %s", method, path, exc.reason)
            raise

    async def aclose(self) -> None:
        """Release the rate limiter's connections (a shared limiter reconnects if reused)."""
        if self._limiter is not None:
            await self._limiter.aclose()

    async def data(
        self,
        method: str,
        path: str,
        **kwargs: Any,
    ) -> Any:
        """Perform a call and return the envelope's ``data``."""
        envelope = await self.request(method, path, **kwargs)
        return envelope.get("data")

    async def call(self, method: str, path: str, *, cast_to: type[T], **kwargs: Any) -> T:
        """Perform a call and decode the envelope's ``data`` into ``cast_to``."""
        envelope = await self.request(method, path, **kwargs)
        return structure(
            envelope.get("data"),
            cast_to,
            # Named only when decoding fails.
            where=lambda: f"{method.upper()} {normalize_path(path)} data",
        )


class _Call:
    """One logical request, shared by its attempts."""

    __slots__ = ("body", "first_sent", "kind", "method", "path", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        path: str,
        kind: RequestKind,
        body: bytes | None,
        timeout: float | None,
    ) -> None:
        self.method = method
        self.url = url
        self.path = path  # normalised (no query, no trailing slash): what logs and hooks show
        self.kind = kind
        self.body = body
        self.timeout = timeout
        #: When the first attempt left (local clock): the start of a send's unknown window.
        self.first_sent: float | None = None


def _payload_of(json_body: Any, content: bytes | None) -> Mapping[str, Any]:
    if isinstance(json_body, Mapping):
        return json_body
    if content is not None:
        try:
            decoded = jsonlib.loads(content)
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}
    return {}


def _make_limiter(rate_limit: float | RateLimiter | None) -> RateLimiter | None:
    if rate_limit is None:
        return None
    if isinstance(rate_limit, bool) or not isinstance(rate_limit, int | float):
        if isinstance(rate_limit, RateLimiter):
            return rate_limit
        raise ConfigurationError(
            "rate_limit must be requests per second, a RateLimiter (clicksend_async.limiters) "
            "or None"
        )
    if rate_limit <= 0:
        raise ConfigurationError("rate_limit must be a positive number of requests per second")
    return LocalRateLimiter(rate_limit)
