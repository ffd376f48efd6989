"""Rate limiters: the protocol the session calls, a local one, and two shared across processes.

Every attempt of every request first waits for a permit (:meth:`RateLimiter.acquire`). A 429 is
reported back (:meth:`RateLimiter.rate_limited`) so that a shared limiter can push the schedule
back for every process that uses it: one 429 pauses every worker of the account.

- :class:`LocalRateLimiter`: evenly spaced starts inside one process (what
  ``ClickSendClient(rate_limit=5.0)`` builds).
- :class:`RedisRateLimiter` (extra ``redis``): GCRA with a capacity of one request, in one Lua
  script that reads Redis's own clock, keyed by a hash of the account.
- :class:`PostgresRateLimiter` (extra ``postgres``): the same on one row, in the database's clock.

Both shared limiters fail closed: when their server cannot be reached, :meth:`acquire` raises
:class:`~clicksend_async.RateLimiterUnavailableError` and nothing is sent, unless a
``fallback_rate`` was given, in which case this process paces itself locally at that rate (and
says so loudly in the log) until the server answers again.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from aiolimiter import AsyncLimiter

from ._auth import BasicAuth, BearerAuth
from ._exceptions import ConfigurationError, RateLimiterUnavailableError

if TYPE_CHECKING:
    import redis.asyncio

__all__ = [
    "RATE_GUARD",
    "RATE_GUARD_MIN",
    "AccountScoped",
    "LocalRateLimiter",
    "PostgresRateLimiter",
    "RateLimiter",
    "RedisRateLimiter",
    "account_key",
    "limiter_spacing",
]

logger = logging.getLogger("clicksend_async.limiters")

#: How much wider than the nominal window the limiter keeps it: 1 % of the window, at least
#: 10 ms. Measured against the emulator (100 ms latency, 10 per 1 s fixed window, 1000-message
#: sends): no guard gave 14 429s in 200 requests, 1 % gave none (benchmarks/README.md).
RATE_GUARD = 0.01
RATE_GUARD_MIN = 0.01

#: The shared limiters' guard: processes wake on their own clocks and the machine may be busy,
#: so starts drift by a few milliseconds more than inside one event loop.
SHARED_RATE_GUARD = 0.02
SHARED_RATE_GUARD_MIN = 0.02

#: Longest pause one 429 imposes on the shared schedule (RetryPolicy caps its waits the same).
MAX_PAUSE = 60.0
#: Pause after a 429 that carried no Retry-After: ClickSend counts in windows of one second.
DEFAULT_PAUSE = 1.0


def limiter_spacing(
    rate_limit: float, *, guard: float = RATE_GUARD, guard_min: float = RATE_GUARD_MIN
) -> float:
    """Return the seconds between request starts for ``rate_limit`` requests per second.

    Servers count requests in windows (ClickSend answers with ``ratelimit-reset`` and
    ``x-ratelimit-remaining``). A bucket that admits its whole capacity at once, then refills,
    lets up to ``2 * rate - 1`` requests into one window and earns 429s; starts spaced evenly by
    ``(window + guard) / count`` never put more than ``count`` into any window of that length.
    ``rate`` becomes whole requests per window: 10 -> 10 per 1 s, 2.5 -> 2 per 0.8 s.
    """
    if rate_limit >= 1:
        count = int(rate_limit)
        window = count / rate_limit
    else:
        count, window = 1, 1.0 / rate_limit
    return (window + max(window * guard, guard_min)) / count


def account_key(auth: BasicAuth | BearerAuth) -> str:
    """Return a stable, hashed name for the account behind ``auth`` (never a secret in clear)."""
    if isinstance(auth, BasicAuth):
        raw = f"direct:{auth.username}"
    elif auth.connection_id:
        raw = f"maton-connection:{auth.connection_id}"
    else:
        raw = f"maton-key:{auth.maton_api_key}"
    return _hash(raw)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@runtime_checkable
class RateLimiter(Protocol):
    """What the session needs from a rate limiter."""

    async def acquire(self) -> None:
        """Wait until one more request may start (raise RateLimiterUnavailableError if unsure)."""
        ...

    async def rate_limited(self, retry_after: float | None) -> None:
        """Take note of a 429 (with the server's Retry-After, if any) before the retry."""
        ...

    async def aclose(self) -> None:
        """Release connections (the limiter reconnects if it is used again)."""
        ...


@runtime_checkable
class AccountScoped(Protocol):
    """A shared limiter that needs to know which account it paces (the client tells it)."""

    def bind_account(self, key: str) -> None:
        """Pace the account named by ``key`` (from :func:`account_key`)."""
        ...


class LocalRateLimiter:
    """Space request starts evenly inside this process (aiolimiter with a capacity of one).

    A 429 is left to the session's own cool-down, which already pauses every request of the
    client; two clients sharing this object share the spacing but not the pause.
    """

    def __init__(self, rate: float) -> None:
        if isinstance(rate, bool) or not rate > 0:
            raise ConfigurationError("rate must be a positive number of requests per second")
        self.rate = float(rate)
        # A leaky bucket holding one request: no burst, even spacing.
        self._limiter = AsyncLimiter(1, limiter_spacing(self.rate))

    def __repr__(self) -> str:
        return f"<LocalRateLimiter rate={self.rate:g}/s>"

    async def acquire(self) -> None:
        """Wait until the next evenly spaced start."""
        await self._limiter.acquire()

    async def rate_limited(self, retry_after: float | None) -> None:
        """Do nothing: the session's cool-down pauses this process already."""

    async def aclose(self) -> None:
        """Do nothing: there is nothing to release."""


class _SharedRateLimiter(abc.ABC):
    """GCRA with a capacity of one request on a server's clock, and the fail-closed rule.

    The server keeps one number per account, the theoretical arrival time (TAT) of the next
    request. A call grants the slot ``max(TAT, now)`` and moves TAT one interval on, but only
    when that slot is at most one interval ahead: a permit is never reserved far in the future,
    so that a 429 pushing TAT back stops every process almost at once. A process sleeps until
    its slot on its own clock (the server answers with a duration, not a time), and only one
    task per process talks to the server at a time.
    """

    backend = "shared"

    def __init__(
        self,
        *,
        rate: float,
        account: str | None,
        fallback_rate: float | None,
        recheck: float,
    ) -> None:
        if isinstance(rate, bool) or not rate > 0:
            raise ConfigurationError("rate must be a positive number of requests per second")
        if fallback_rate is not None and not fallback_rate > 0:
            raise ConfigurationError("fallback_rate must be a positive number or None")
        self.rate = float(rate)
        self.interval = limiter_spacing(
            self.rate, guard=SHARED_RATE_GUARD, guard_min=SHARED_RATE_GUARD_MIN
        )
        self.fallback_rate = fallback_rate
        self._fallback = None if fallback_rate is None else LocalRateLimiter(fallback_rate)
        self._recheck = recheck
        self._account = None if account is None else _hash(f"given:{account}")
        self._lock = asyncio.Lock()
        self._down_since: float | None = None
        self._skip_until = 0.0

    def __repr__(self) -> str:
        # No URL or DSN: either may carry a password.
        fallback = "" if self.fallback_rate is None else f" fallback={self.fallback_rate:g}/s"
        return f"<{type(self).__name__} rate={self.rate:g}/s{fallback}>"

    @property
    def account(self) -> str | None:
        """Return the hashed account name this limiter paces (None until bound)."""
        return self._account

    def bind_account(self, key: str) -> None:
        """Pace the account named by ``key``, unless an account was given explicitly."""
        if self._account is None:
            self._account = key

    def _key(self) -> str:
        if self._account is None:
            raise ConfigurationError(
                f"{type(self).__name__} does not know its account: pass account=... or give it "
                "to ClickSendClient(rate_limit=...)"
            )
        return self._account

    async def acquire(self) -> None:
        """Wait for this account's next slot, shared by every process using the same server."""
        key = self._key()
        if self._fallback is not None and time.monotonic() < self._skip_until:
            await self._fallback.acquire()
            return
        try:
            wait = await self._reserve(key)
        except RateLimiterUnavailableError as exc:
            self._went_down(exc)
            if self._fallback is None:
                raise
            self._skip_until = time.monotonic() + self._recheck
            await self._fallback.acquire()
            return
        self._came_back()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _reserve(self, key: str) -> float:
        async with self._lock:
            while True:
                wait = await self._call(lambda: self._server_acquire(key))
                if wait >= 0:
                    return wait
                await asyncio.sleep(-wait)

    async def rate_limited(self, retry_after: float | None) -> None:
        """Push the shared schedule back by the server's Retry-After (capped), for everyone."""
        key = self._key()
        pause = DEFAULT_PAUSE if retry_after is None else retry_after
        pause = min(max(pause, 0.0), MAX_PAUSE)
        try:
            await self._call(lambda: self._server_pause(key, pause))
        except RateLimiterUnavailableError as exc:
            # The retry's own acquire will fail closed (or fall back); this process cools down.
            logger.warning("could not share a 429 pause of %.1f s: %s", pause, exc)

    async def _call(self, op: Callable[[], Awaitable[float]]) -> float:
        try:
            try:
                return await op()
            except Exception as exc:
                if not self._is_unavailable(exc):
                    raise
                # A connection left over from before a server restart fails once; a fresh one
                # tells whether the server is really away.
                await self._drop_connection()
                return await op()
        except Exception as exc:
            if not self._is_unavailable(exc):
                raise
            await self._drop_connection()
            raise RateLimiterUnavailableError(
                f"the {self.backend} rate limiter is unreachable ({type(exc).__name__}: {exc}); "
                "nothing was sent",
                backend=self.backend,
            ) from exc

    def _went_down(self, exc: RateLimiterUnavailableError) -> None:
        if self._down_since is not None:
            return
        self._down_since = time.monotonic()
        if self._fallback is not None:
            logger.error(
                "%s; pacing THIS PROCESS ALONE at the fallback rate of %g/s until it is back "
                "(other processes are not counted)",
                exc,
                self.fallback_rate,
            )
        else:
            logger.error("%s; requests fail until it is back (no fallback_rate)", exc)

    def _came_back(self) -> None:
        if self._down_since is None:
            return
        logger.warning(
            "the %s rate limiter is reachable again after %.1f s; sharing the rate again",
            self.backend,
            time.monotonic() - self._down_since,
        )
        self._down_since = None
        self._skip_until = 0.0

    # -- what a backend provides -------------------------------------------------------------

    @abc.abstractmethod
    async def _server_acquire(self, key: str) -> float:
        """Return seconds until the granted slot (>= 0), or minus the seconds to ask again."""

    @abc.abstractmethod
    async def _server_pause(self, key: str, pause: float) -> float:
        """Push the account's schedule to at least ``pause`` seconds from the server's now."""

    def _is_unavailable(self, exc: Exception) -> bool:
        return isinstance(exc, OSError | TimeoutError)

    @abc.abstractmethod
    async def _drop_connection(self) -> None:
        """Forget a broken connection so that the next call opens a fresh one."""


# KEYS[1]: the account's key. ARGV: interval and horizon in microseconds. Redis's own TIME is the
# only clock, so the processes' clocks never need to agree. Lua numbers are doubles: epoch
# microseconds (about 2**51) are exact, and '%.0f' keeps every digit when stored.
_ACQUIRE_LUA = """
local interval = tonumber(ARGV[1])
local horizon = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat - now > horizon then
  return -(tat - horizon - now)
end
local slot = math.max(tat, now)
local nxt = slot + interval
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX',
           string.format('%.0f', math.ceil((nxt - now) / 1000) + 60000))
return slot - now
"""

# KEYS[1]: the account's key. ARGV[1]: the pause in microseconds.
_PAUSE_LUA = """
local pause = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local resume = now + pause
if resume > tat then
  redis.call('SET', KEYS[1], string.format('%.0f', resume), 'PX',
             string.format('%.0f', math.ceil(pause / 1000) + 60000))
end
return 0
"""


class RedisRateLimiter(_SharedRateLimiter):
    """Share one account's rate across processes and hosts through Redis (extra ``redis``).

    Args:
        server: a ``redis://`` URL, or a ``redis.asyncio.Redis`` of yours (then never closed
            by us).
        rate: requests per second for the whole account, every process together.
        account: any name for the account (it is hashed); by default the client's username or
            Maton connection.
        fallback_rate: requests per second for THIS process while Redis is unreachable; None
            (the default) fails closed with RateLimiterUnavailableError instead.
        prefix: the Redis key prefix.
        timeout: seconds to wait for Redis (connecting, and each command).
        recheck: while falling back, seconds between attempts to reach Redis again.
    """

    backend = "redis"

    def __init__(
        self,
        server: str | redis.asyncio.Redis,
        *,
        rate: float,
        account: str | None = None,
        fallback_rate: float | None = None,
        prefix: str = "clicksend_async:rate:",
        timeout: float = 1.0,
        recheck: float = 1.0,
    ) -> None:
        super().__init__(rate=rate, account=account, fallback_rate=fallback_rate, recheck=recheck)
        try:
            import redis.asyncio as aioredis
            import redis.exceptions
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
        except ImportError as exc:  # pragma: no cover (the test extra installs it)
            raise ConfigurationError(
                "RedisRateLimiter needs the redis package: pip install 'clicksend-async[redis]'"
            ) from exc
        self._redis_errors: tuple[type[Exception], ...] = (redis.exceptions.RedisError,)
        if isinstance(server, str):
            # redis-py retries a failed command ten times by default, for seconds; we retry
            # ourselves, once, and then fail closed promptly.
            self._client = aioredis.Redis.from_url(
                server,
                socket_connect_timeout=timeout,
                socket_timeout=timeout,
                retry=Retry(NoBackoff(), 0),
            )
            self._owns_client = True
        else:
            self._client = server
            self._owns_client = False
        self._prefix = prefix
        self._acquire_script = self._client.register_script(_ACQUIRE_LUA)
        self._pause_script = self._client.register_script(_PAUSE_LUA)

    async def _server_acquire(self, key: str) -> float:
        micros = await self._acquire_script(
            keys=[self._prefix + key],
            args=[round(self.interval * 1e6), round(self.interval * 1e6)],
        )
        return int(micros) / 1e6

    async def _server_pause(self, key: str, pause: float) -> float:
        await self._pause_script(keys=[self._prefix + key], args=[round(pause * 1e6)])
        return 0.0

    def _is_unavailable(self, exc: Exception) -> bool:
        return isinstance(exc, self._redis_errors) or super()._is_unavailable(exc)

    async def _drop_connection(self) -> None:
        # The pool reconnects by itself; stale sockets are dropped so a restart is seen at once.
        try:
            await self._client.connection_pool.disconnect()
        except Exception:  # pragma: no cover (best effort on an already broken pool)
            logger.debug("disconnecting the Redis pool failed", exc_info=True)

    async def aclose(self) -> None:
        """Close our connections (a client you passed in stays open); reusable afterwards."""
        if self._owns_client:
            await self._client.connection_pool.disconnect()


_PG_SETUP = """
CREATE TABLE IF NOT EXISTS {table} (
    account text PRIMARY KEY,
    tat double precision NOT NULL
);
CREATE OR REPLACE FUNCTION {function}(
    p_account text, p_interval double precision, p_horizon double precision
) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    v_tat double precision;
    v_now double precision;
    v_slot double precision;
BEGIN
    INSERT INTO {table} (account, tat) VALUES (p_account, 0) ON CONFLICT (account) DO NOTHING;
    SELECT tat INTO v_tat FROM {table} WHERE account = p_account FOR UPDATE;
    -- Read the clock after the row lock: a waiter must not use the time it started waiting.
    v_now := extract(epoch FROM clock_timestamp());
    IF v_tat - v_now > p_horizon THEN
        RETURN -(v_tat - p_horizon - v_now);
    END IF;
    v_slot := greatest(v_tat, v_now);
    UPDATE {table} SET tat = v_slot + p_interval WHERE account = p_account;
    RETURN v_slot - v_now;
END $$;
"""

_PG_PAUSE = """
INSERT INTO {table} AS r (account, tat)
VALUES ($1, extract(epoch FROM clock_timestamp()) + $2)
ON CONFLICT (account) DO UPDATE
SET tat = greatest(r.tat, extract(epoch FROM clock_timestamp()) + $2)
"""


class PostgresRateLimiter(_SharedRateLimiter):
    """Share one account's rate across processes and hosts through PostgreSQL (extra
    ``postgres``).

    One row per account holds the schedule, moved by one function call per permit under a row
    lock, on the database's clock. The table and function are created on first use.

    Args:
        dsn: a ``postgresql://`` DSN.
        rate, account, fallback_rate, timeout, recheck: as for :class:`RedisRateLimiter`.
        table: the table's name (the function is named after it).
    """

    backend = "postgres"

    def __init__(
        self,
        dsn: str,
        *,
        rate: float,
        account: str | None = None,
        fallback_rate: float | None = None,
        table: str = "clicksend_rate_limits",
        timeout: float = 2.0,
        recheck: float = 1.0,
    ) -> None:
        super().__init__(rate=rate, account=account, fallback_rate=fallback_rate, recheck=recheck)
        try:
            import asyncpg
        except ImportError as exc:  # pragma: no cover (the test extra installs it)
            raise ConfigurationError(
                "PostgresRateLimiter needs asyncpg: pip install 'clicksend-async[postgres]'"
            ) from exc
        if not table.replace("_", "").isalnum() or table[0].isdigit():
            raise ConfigurationError("table must be a plain SQL identifier")
        self._asyncpg: Any = asyncpg
        self._dsn = dsn
        self._timeout = timeout
        self._table = table
        self._function = f"{table}_acquire"
        self._conn: Any = None
        self._ready = False

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            self._conn = await self._asyncpg.connect(
                self._dsn, timeout=self._timeout, command_timeout=self._timeout
            )
        if not self._ready:
            async with self._conn.transaction():
                # Many processes start at once; CREATE OR REPLACE FUNCTION is not safe in
                # parallel, so the first one sets up while the others wait.
                await self._conn.execute("SELECT pg_advisory_xact_lock(7215917013)")
                await self._conn.execute(
                    _PG_SETUP.format(table=self._table, function=self._function)
                )
            self._ready = True
        return self._conn

    async def _server_acquire(self, key: str) -> float:
        pg = self._asyncpg
        query = f"SELECT {self._function}($1, $2, $3)"
        conn = await self._connection()
        try:
            wait = await conn.fetchval(query, key, self.interval, self.interval)
        except (pg.UndefinedFunctionError, pg.UndefinedTableError):
            # Someone dropped the table or function (or restored an old backup): set up again.
            self._ready = False
            conn = await self._connection()
            wait = await conn.fetchval(query, key, self.interval, self.interval)
        return float(wait)

    async def _server_pause(self, key: str, pause: float) -> float:
        conn = await self._connection()
        await conn.execute(_PG_PAUSE.format(table=self._table), key, pause)
        return 0.0

    def _is_unavailable(self, exc: Exception) -> bool:
        pg = self._asyncpg
        return isinstance(exc, pg.PostgresError | pg.InterfaceError) or super()._is_unavailable(exc)

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def aclose(self) -> None:
        """Close the connection; the limiter reconnects if it is used again."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=self._timeout)
            except Exception:
                conn.terminate()
