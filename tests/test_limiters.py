"""clicksend_async.limiters: the local limiter, and the Redis and PostgreSQL GCRA limiters on real
servers (tests/servers.py): spacing, accounts, 429 push-back, failing closed, falling back."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator

import pytest
from servers import PostgresServer, RedisServer

from clicksend_async import (
    ClickSendClient,
    ConfigurationError,
    ConnectError,
    RateLimiterUnavailableError,
    SendOutcomeUnknownError,
    SmsMessage,
)
from clicksend_async._auth import BasicAuth, BearerAuth
from clicksend_async.limiters import (
    AccountScoped,
    LocalRateLimiter,
    PostgresRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    account_key,
    limiter_spacing,
)
from clicksend_async.testing import ClickSendEmulator

SLACK = 0.005  # the test process's own wake-up jitter


def _shared(backend: str, server: str, **kwargs: object) -> RedisRateLimiter | PostgresRateLimiter:
    if backend == "redis":
        return RedisRateLimiter(server, **kwargs)  # type: ignore[arg-type]
    return PostgresRateLimiter(server, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=["redis", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(backend: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("redis_url" if backend == "redis" else "postgres_dsn"))


@pytest.fixture
def stoppable(backend: str, request: pytest.FixtureRequest) -> RedisServer | PostgresServer:
    return request.getfixturevalue("redis_server" if backend == "redis" else "postgres_server")  # type: ignore[no-any-return]


@pytest.fixture
async def emu() -> AsyncIterator[ClickSendEmulator]:
    async with ClickSendEmulator() as emulator:
        yield emulator


def _sends(emu: ClickSendEmulator) -> int:
    return len([r for r in emu.requests if r.path == "/sms/send"])


async def _grant_times(limiters: list[RateLimiter], per_limiter: int) -> list[float]:
    times: list[float] = []

    async def take(limiter: RateLimiter) -> None:
        for _ in range(per_limiter):
            await limiter.acquire()
            times.append(time.monotonic())

    await asyncio.gather(*(take(limiter) for limiter in limiters))
    return sorted(times)


class TestLocalRateLimiter:
    async def test_spaces_starts_evenly(self) -> None:
        limiter = LocalRateLimiter(40)
        times = await _grant_times([limiter, limiter], 3)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= limiter_spacing(40) - 1e-3

    def test_is_a_rate_limiter_without_an_account(self) -> None:
        limiter = LocalRateLimiter(5)
        assert isinstance(limiter, RateLimiter)
        assert not isinstance(limiter, AccountScoped)

    @pytest.mark.parametrize("rate", [0, -1.0, True])
    def test_refuses_a_rate_that_is_not_positive(self, rate: float) -> None:
        with pytest.raises(ConfigurationError, match="rate"):
            LocalRateLimiter(rate)

    def test_a_float_rate_limit_keeps_building_the_local_limiter(self) -> None:
        cs = ClickSendClient(username="u", api_key="k", rate_limit=5.0)
        assert isinstance(cs.session._limiter, LocalRateLimiter)
        assert cs.session._limiter.rate == 5.0

    @pytest.mark.parametrize("rate_limit", [0, -2, "fast", True])
    def test_client_refuses_a_rate_limit_that_is_neither(self, rate_limit: object) -> None:
        with pytest.raises(ConfigurationError, match="rate_limit"):
            ClickSendClient(username="u", api_key="k", rate_limit=rate_limit)  # type: ignore[arg-type]


class UnreachableLimiter:
    """A shared limiter whose server is away: every acquire fails closed."""

    def __init__(self) -> None:
        self.acquires = 0

    async def acquire(self) -> None:
        self.acquires += 1
        raise RateLimiterUnavailableError("the redis rate limiter is unreachable", backend="redis")

    async def rate_limited(self, retry_after: float | None) -> None:
        raise AssertionError("no request left, so no 429 can come back")

    async def aclose(self) -> None:
        pass


class TestUnavailableLimiterInTheSession:
    async def test_is_surely_not_sent_not_retried_and_names_the_request(
        self, emu: ClickSendEmulator
    ) -> None:
        limiter = UnreachableLimiter()
        async with emu.client(rate_limit=limiter) as cs:
            with pytest.raises(RateLimiterUnavailableError) as caught:
                await cs.sms.send([SmsMessage(to="+61411111111", body="hi")])
        error = caught.value
        # A ConnectError with request_sent False: what the bulk engine releases back to
        # pending, never a SendOutcomeUnknownError for the reconciler.
        assert isinstance(error, ConnectError) and error.request_sent is False
        assert not isinstance(error, SendOutcomeUnknownError)
        assert error.method == "POST" and error.url == emu.url + "/sms/send"
        assert "unreachable" in str(error) and "/sms/send" in str(error)
        assert limiter.acquires == 1  # not retried: the caller decides when to try again
        assert _sends(emu) == 0


class TestAccountKey:
    def test_direct_and_gateway_accounts_are_hashed(self) -> None:
        direct = account_key(BasicAuth("alice", "secret-key"))
        gateway = account_key(BearerAuth("maton-secret", "conn-1"))
        keyless = account_key(BearerAuth("maton-secret", None))
        assert len({direct, gateway, keyless}) == 3
        for key in (direct, gateway, keyless):
            assert len(key) == 32
            assert "alice" not in key and "secret" not in key and "conn-1" not in key

    def test_same_account_same_key_whatever_the_api_key(self) -> None:
        assert account_key(BasicAuth("alice", "a")) == account_key(BasicAuth("alice", "b"))

    def test_a_shared_limiter_needs_an_account_before_use(self, redis_url: str) -> None:
        limiter = RedisRateLimiter(redis_url, rate=10)
        with pytest.raises(ConfigurationError, match="account"):
            asyncio.run(limiter.acquire())

    def test_the_client_binds_its_account_unless_one_was_given(self, redis_url: str) -> None:
        bound = RedisRateLimiter(redis_url, rate=10)
        ClickSendClient(username="alice", api_key="k", rate_limit=bound)
        assert bound.account == account_key(BasicAuth("alice", "k"))
        given = RedisRateLimiter(redis_url, rate=10, account="shop")
        ClickSendClient(username="alice", api_key="k", rate_limit=given)
        assert given.account is not None and given.account != bound.account

    async def test_redis_keys_never_hold_the_username(
        self, redis_url: str, redis_server: RedisServer
    ) -> None:
        async with ClickSendEmulator() as emu:
            limiter = RedisRateLimiter(redis_url, rate=50)
            async with emu.client(rate_limit=limiter) as cs:
                await cs.account.get()
        keys = redis_server.command("KEYS", "*")
        assert keys is not None and keys.startswith(b"*1\r\n")
        assert str(limiter.account).encode() in keys
        assert emu.username.encode() not in keys

    def test_reprs_hide_urls_and_dsns(self) -> None:
        redis = RedisRateLimiter("redis://:pa55word@127.0.0.1:1/0", rate=10)
        postgres = PostgresRateLimiter("postgresql://u:pa55word@127.0.0.1:1/db", rate=10)
        for limiter in (redis, postgres):
            assert "pa55word" not in repr(limiter)
        cs = ClickSendClient(username="u", api_key="k", rate_limit=redis)
        assert "pa55word" not in repr(cs.session)


class TestSharedLimiter:
    async def test_one_process_gets_evenly_spaced_permits(self, backend: str, server: str) -> None:
        limiters: list[RateLimiter] = [
            _shared(backend, server, rate=40, account="acct") for _ in range(3)
        ]
        times = await _grant_times(limiters, 4)
        interval = limiters[0].interval  # type: ignore[attr-defined]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= interval - SLACK
        # Three limiters, one schedule: 12 permits take 11 intervals, not 11 / 3 of them.
        assert times[-1] - times[0] >= 11 * interval - SLACK
        for limiter in limiters:
            await limiter.aclose()

    async def test_accounts_do_not_share_a_schedule(self, backend: str, server: str) -> None:
        one = _shared(backend, server, rate=2, account="one")
        two = _shared(backend, server, rate=2, account="two")
        started = time.monotonic()
        await asyncio.gather(one.acquire(), two.acquire())
        assert time.monotonic() - started < 0.4  # two first permits, no 0.5 s spacing
        await one.aclose()
        await two.aclose()

    async def test_a_429_pushes_every_limiter_of_the_account_back(
        self, backend: str, server: str
    ) -> None:
        reporter = _shared(backend, server, rate=50, account="acct")
        other = _shared(backend, server, rate=50, account="acct")
        await other.acquire()
        await reporter.rate_limited(0.6)
        started = time.monotonic()
        await other.acquire()
        assert time.monotonic() - started >= 0.6 - SLACK
        await reporter.aclose()
        await other.aclose()

    async def test_a_429_through_one_client_pauses_another(
        self, backend: str, server: str, emu: ClickSendEmulator
    ) -> None:
        first = emu.client(rate_limit=_shared(backend, server, rate=50))
        second = emu.client(rate_limit=_shared(backend, server, rate=50))
        async with first, second:
            emu.inject("429", path="/sms/send")  # Retry-After: 1
            retried = asyncio.create_task(first.sms.send([SmsMessage(to="+61411111111", body="1")]))
            while not emu.requests:
                await asyncio.sleep(0.01)
            answered = time.monotonic()
            await asyncio.sleep(0.1)  # the 429 is being reported
            await second.sms.send([SmsMessage(to="+61411111112", body="2")])
            waited = time.monotonic() - answered
            await retried
        assert waited >= 0.9

    async def test_closing_one_client_leaves_the_limiter_usable_by_another(
        self, backend: str, server: str, emu: ClickSendEmulator
    ) -> None:
        limiter = _shared(backend, server, rate=50)
        async with emu.client(rate_limit=limiter) as first:
            await first.sms.send([SmsMessage(to="+61411111111", body="first")])
        async with emu.client(rate_limit=limiter) as second:
            await second.sms.send([SmsMessage(to="+61411111112", body="second")])
        assert [m.body for m in emu.sent] == ["first", "second"]

    async def test_fails_closed_while_its_server_is_down_and_carries_on_after(
        self, server: str, stoppable: RedisServer | PostgresServer, emu: ClickSendEmulator
    ) -> None:
        limiter = _shared(
            "redis" if isinstance(stoppable, RedisServer) else "postgres", server, rate=50
        )
        async with emu.client(rate_limit=limiter) as cs:
            await cs.sms.send([SmsMessage(to="+61411111111", body="before")])
            stoppable.stop()
            for _ in range(3):
                with pytest.raises(RateLimiterUnavailableError) as caught:
                    await cs.sms.send([SmsMessage(to="+61411111112", body="during")])
                assert caught.value.request_sent is False
            assert _sends(emu) == 1  # nothing left while the limiter was away
            stoppable.start()
            await cs.sms.send([SmsMessage(to="+61411111113", body="after")])
        assert [m.body for m in emu.sent] == ["before", "after"]

    async def test_falls_back_to_a_local_rate_loudly_when_asked(
        self,
        server: str,
        stoppable: RedisServer | PostgresServer,
        emu: ClickSendEmulator,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        backend = "redis" if isinstance(stoppable, RedisServer) else "postgres"
        limiter = _shared(backend, server, rate=50, fallback_rate=20, recheck=0.05)
        async with emu.client(rate_limit=limiter) as cs:
            await cs.sms.send([SmsMessage(to="+61411111111", body="shared")])
            stoppable.stop()
            with caplog.at_level(logging.WARNING, logger="clicksend_async.limiters"):
                for n in range(3):
                    await cs.sms.send([SmsMessage(to="+61411111112", body=f"fallback {n}")])
                stoppable.start()
                await asyncio.sleep(0.1)  # past the recheck interval
                await cs.sms.send([SmsMessage(to="+61411111113", body="shared again")])
        assert len(emu.sent) == 5
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1  # once per outage, not once per request
        assert "fallback rate of 20/s" in errors[0].getMessage()
        assert any("reachable again" in r.getMessage() for r in caplog.records)

    async def test_unavailable_error_names_no_password(
        self, backend: str, redis_server: RedisServer, postgres_server: PostgresServer
    ) -> None:
        port = redis_server.port if backend == "redis" else postgres_server.port
        redis_server.stop()
        postgres_server.stop()
        scheme = "redis" if backend == "redis" else "postgresql"
        limiter = _shared(
            backend, f"{scheme}://u:pa55word@127.0.0.1:{port}/0", rate=10, account="a"
        )
        with pytest.raises(RateLimiterUnavailableError) as caught:
            await limiter.acquire()
        assert "pa55word" not in str(caught.value)
        assert caught.value.backend == backend
        await limiter.aclose()

    async def test_postgres_survives_a_crash_restart(
        self, postgres_dsn: str, postgres_server: PostgresServer
    ) -> None:
        limiter = PostgresRateLimiter(postgres_dsn, rate=50, account="acct")
        await limiter.acquire()
        postgres_server.restart()  # pg_ctl stop -m immediate, then start
        await limiter.acquire()  # a fresh connection; the old one died with the server
        await limiter.aclose()

    async def test_postgres_schedule_is_one_row_per_account(
        self, postgres_dsn: str, postgres_server: PostgresServer
    ) -> None:
        for account in ("a", "b", "a"):
            limiter = PostgresRateLimiter(postgres_dsn, rate=50, account=account)
            await limiter.acquire()
            await limiter.aclose()
        database = postgres_dsn.rsplit("/", 1)[1]
        rows = postgres_server.psql("SELECT count(*) FROM clicksend_rate_limits", database)
        assert rows.strip() == "2"
