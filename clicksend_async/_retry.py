"""Retry policy: which failures are repeated, and how long to wait, on top of backoff.

The rules (see ``_sansio.may_retry``): a 429 or a connection that never opened is always safe to
repeat; a 5xx, a timeout or a lost connection is repeated only for idempotent requests, because
a send has no idempotency key and may already have texted people. Waits come from backoff's
exponential generator with full jitter, or from the server's Retry-After (capped, with a little
jitter so that many clients do not come back in the same millisecond). The total time spent
waiting is bounded.
"""

from __future__ import annotations

import inspect
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import attrs
import backoff

from ._exceptions import (
    ConnectError,
    ConnectionLostError,
    RateLimitError,
    RateLimiterUnavailableError,
    RequestTimeoutError,
    RequestVetoedError,
    ServerError,
)
from ._hooks import log_fields
from ._sansio import Failure, RequestKind, may_retry

__all__ = ["RetryEvent", "RetryPolicy", "call_with_retry", "classify_failure"]

T = TypeVar("T")

logger = logging.getLogger("clicksend_async")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How many times, after which failures, and how long to wait between attempts."""

    #: Attempts in all, the first one included (1 disables retrying).
    max_attempts: int = attrs.field(default=6, validator=attrs.validators.ge(1))
    #: First exponential wait in seconds (5xx, connect errors, a 429 without Retry-After).
    backoff_base: float = 0.5
    #: Longest single exponential wait.
    backoff_max: float = 30.0
    #: Longest wait taken from a Retry-After header; longer requests are capped to this.
    max_retry_after: float = 60.0
    #: Total seconds one call may spend waiting between attempts before giving up.
    max_total_wait: float = 300.0
    #: HTTP statuses treated as transient server failures.
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504})
    #: Opt in to repeating sends and creates after a 5xx, timeout or reset (may duplicate!).
    retry_unsafe: bool = False
    #: Randomise waits (full jitter for backoff, up to 10% extra on Retry-After).
    jitter: bool = True

    def waits(self) -> Iterator[float]:
        """Yield the exponential waits (before jitter) for successive retries."""
        gen = backoff.expo(base=2, factor=self.backoff_base, max_value=self.backoff_max)
        next(gen)  # backoff's generators are primed with one send
        return gen

    def wait_for(
        self, failure: Failure, retry_after: float | None, exponential: float, rng: random.Random
    ) -> float:
        """Return the wait before the next attempt after ``failure``."""
        if failure is Failure.RATE_LIMITED and retry_after is not None:
            wait = min(retry_after, self.max_retry_after)
            if self.jitter:
                wait += rng.uniform(0, 0.1 * wait + 0.05)
            return wait
        if self.jitter:
            return float(backoff.full_jitter(exponential)) if exponential > 0 else 0.0
        return exponential


#: The default policy: 6 attempts, 0.5 s doubling to 30 s, Retry-After capped at 60 s.
DEFAULT_RETRY = RetryPolicy()
#: No retries at all.
NO_RETRY = RetryPolicy(max_attempts=1)


@attrs.frozen(kw_only=True)
class RetryEvent:
    """What the ``on_retry`` hook is told before each wait."""

    method: str
    path: str
    attempt: int  # the attempt that failed, 1-based
    failure: str  # a Failure value: "rate_limited", "connect", "server", ...
    wait: float  # seconds we are about to wait
    error: BaseException = attrs.field(repr=False)


OnRetry = Callable[[RetryEvent], Awaitable[None] | None]


def classify_failure(
    exc: BaseException, policy: RetryPolicy
) -> tuple[Failure | None, float | None]:
    """Map an exception to a retry Failure (None when it is not transient) and a Retry-After."""
    if isinstance(exc, RateLimitError):
        return Failure.RATE_LIMITED, exc.retry_after
    if isinstance(exc, RequestVetoedError | RateLimiterUnavailableError):
        # The guard said no, or the shared limiter is away: asking again at once would not
        # change that, and the caller (a worker, a task queue) decides when to try again.
        return None, None
    if isinstance(exc, ConnectError):
        return Failure.CONNECT, None
    if isinstance(exc, ServerError):
        if exc.status_code in policy.retry_statuses:
            return Failure.SERVER, None
        return None, None
    if isinstance(exc, RequestTimeoutError):
        return Failure.TIMEOUT, None
    if isinstance(exc, ConnectionLostError):
        return Failure.CONNECTION_LOST, None
    return None, None


async def call_with_retry(
    attempt: Callable[[int], Awaitable[T]],
    *,
    policy: RetryPolicy,
    kind: RequestKind,
    method: str,
    path: str,
    sleep: Callable[[float], Awaitable[Any]],
    on_retry: OnRetry | None = None,
    rng: random.Random | None = None,
    on_wait: Callable[[Failure, float], None] | None = None,
) -> T:
    """Run ``attempt(n)`` until it succeeds or the policy says stop; re-raise the last error."""
    rng = rng or random.Random()
    waits = policy.waits()
    waited = 0.0
    number = 1
    while True:
        try:
            return await attempt(number)
        except Exception as exc:
            failure, retry_after = classify_failure(exc, policy)
            if (
                failure is None
                or number >= policy.max_attempts
                or not may_retry(kind, failure, retry_unsafe=policy.retry_unsafe)
            ):
                raise
            wait = policy.wait_for(failure, retry_after, next(waits), rng)
            if waited + wait > policy.max_total_wait:
                raise
            # INFO, not DEBUG: a wait (above all a 429) is what explains a slow campaign.
            logger.info(
                "%s %s attempt %d: %s; retrying in %.2f s",
                method,
                path,
                number,
                "rate limited (429)" if failure is Failure.RATE_LIMITED else failure.value,
                wait,
                extra=log_fields(
                    method=method,
                    path=path,
                    attempt=number,
                    failure=failure.value,
                    wait=wait,
                    status=getattr(exc, "status_code", None),
                ),
            )
            if on_wait is not None:
                on_wait(failure, wait)
            if on_retry is not None:
                event = RetryEvent(
                    method=method,
                    path=path,
                    attempt=number,
                    failure=failure.value,
                    wait=wait,
                    error=exc,
                )
                result = on_retry(event)
                if inspect.isawaitable(result):
                    await result
            await sleep(wait)
            waited += wait
            number += 1
