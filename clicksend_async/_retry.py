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
import math
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

__all__ = ["CoolDown", "RetryEvent", "RetryPolicy", "call_with_retry", "classify_failure"]

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


class CoolDown:
    """The 429 cool-down every request of one client shares (pure: times in, delays out).

    A 429 pauses every request until the server's Retry-After has passed. With a client rate
    limit, the limiter then spaces the requests out again. Without one (``fan_out``), everyone
    who waited would come back in the same instant and most would earn another 429: a burst of
    2,000 calls used up its attempts that way and 40% gave up.

    So, without a limiter, requests leaving a cool-down (retries included) queue for slots
    spaced at the rate the server let through before the 429: the responses counted by
    :meth:`admitted` since the last cool-down, over that time plus the server's wait (its
    window). Each slot has up to one spacing of jitter. A rate guessed too high earns 429s in
    the next server window, whose cool-down measures it again (nothing got through: the
    spacing doubles); a whole window without a 429 halves the spacing, so a low guess does not
    stick. Once the queue has drained, requests go straight out again.
    """

    #: Slots are never closer than this many seconds, nor further apart than MAX_SPACING.
    MIN_SPACING = 0.0005
    MAX_SPACING = 5.0
    #: A delay shorter than this is not slept (timers are not that precise anyway).
    MIN_DELAY = 0.005

    def __init__(self, *, fan_out: bool, rng: random.Random) -> None:
        self.fan_out = fan_out
        self._rng = rng
        self._until = -math.inf
        #: When the server last started letting requests through (a cool-down's end, or the
        #: first response), and how many it let through since.
        self._since = -math.inf
        self._admitted = 0
        self._spacing = 0.0
        self._next = -math.inf
        self._window = 0.0
        self._quiet_since = -math.inf

    @property
    def until(self) -> float:
        """Return when the current cool-down ends (loop time)."""
        return self._until

    @property
    def spacing(self) -> float:
        """Return the seconds between queued requests after a cool-down (0 with a limiter)."""
        return self._spacing if self.fan_out else 0.0

    def admitted(self, now: float) -> None:
        """Record a response that was not a 429 (the server let the request through)."""
        if self._since == -math.inf:
            self._since = now
        self._admitted += 1

    def rate_limited(self, now: float, wait: float) -> None:
        """Record a 429 at ``now`` whose retry waits ``wait`` seconds."""
        if not self.fan_out:
            self._until = max(self._until, now + wait)
            return
        self._quiet_since = now
        if now >= self._until:
            # A new cool-down, not a straggler answered inside the current one. The server
            # let ``admitted`` through in a window from ``since`` to the end of this wait.
            window = now + wait - self._since
            if self._admitted and 0 < window < math.inf:
                spacing = window / self._admitted
            else:
                # Nothing got through: slower than before; with no guess yet, all at once
                # (the next window then measures the server).
                spacing = 2 * self._spacing
            self._spacing = min(max(spacing, self.MIN_SPACING), self.MAX_SPACING)
            self._window = max(wait, self.MIN_DELAY)
            self._until = now + wait
            self._since, self._admitted = self._until, 0
        elif now + wait > self._until + self._window:
            # A straggler asking for a longer pause (the server's window grew): honour it.
            # Shorter waits differ only by their retries' jitter: they must not push it on.
            self._until = now + wait
            self._since = max(self._since, self._until)

    def delay(self, now: float, *, retry: bool) -> float:
        """Return how long a request starting at ``now`` waits first (a retry after its wait)."""
        if not self.fan_out:
            # The limiter spaces requests; a retry has just waited out its own 429.
            return 0.0 if retry else max(0.0, self._until - now)
        if not self._spacing and now >= self._until and now >= self._next:
            self._next = now  # no cool-down and no queue (the common case): go at once
            return 0.0
        # A retry has waited out the cool-down already: it only queues.
        start = now if retry else max(now, self._until)
        if self._spacing and now - self._quiet_since > self._window:
            # A whole server window went by without a 429: the server can take more. Below
            # the narrowest spacing the queue is off.
            self._spacing /= 2
            if self._spacing < self.MIN_SPACING:
                self._spacing = 0.0
            self._quiet_since = now
        free = self._next + self._spacing
        if start >= free:
            self._next = start  # no queue: go at once (or when the cool-down ends)
            return self._sleep_for(start - now)
        self._next = free
        return self._sleep_for(free + self._rng.uniform(0.0, self._spacing) - now)

    def _sleep_for(self, delay: float) -> float:
        return delay if delay >= self.MIN_DELAY else 0.0


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
    failed: Exception | None = None,
) -> T:
    """Run ``attempt(n)`` until it succeeds or the policy says stop; re-raise the last error.

    ``failed`` is the error of a first attempt the caller already made itself (the session
    does, so that a call that succeeds at once never enters this loop): the loop starts by
    deciding whether to repeat it.
    """
    rng = rng or random.Random()
    waits: Iterator[float] | None = None  # made on the first failure: most calls have none
    waited = 0.0
    number = 1
    while True:
        if failed is None:
            try:
                return await attempt(number)
            except Exception as exc:
                failed = exc
        error, failed = failed, None
        failure, retry_after = classify_failure(error, policy)
        if (
            failure is None
            or number >= policy.max_attempts
            or not may_retry(kind, failure, retry_unsafe=policy.retry_unsafe)
        ):
            raise error
        if waits is None:
            waits = policy.waits()
        wait = policy.wait_for(failure, retry_after, next(waits), rng)
        if waited + wait > policy.max_total_wait:
            raise error
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
                status=getattr(error, "status_code", None),
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
                error=error,
            )
            result = on_retry(event)
            if inspect.isawaitable(result):
                await result
        del error  # not kept alive (with its traceback's frames) across the wait
        await sleep(wait)
        waited += wait
        number += 1
