"""ClickSendClient and the session layer, against the built-in emulator and a capture server."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from clicksend_async import (
    AuthenticationError,
    ClickSendClient,
    ClientStateError,
    ConfigurationError,
    ConnectError,
    RateLimitError,
    RetryEvent,
    RetryPolicy,
    SendOutcomeUnknownError,
    ServerError,
    SmsMessage,
)
from clicksend_async._client import DIRECT_BASE_URL, MATON_BASE_URL, MATON_CTRL_URL
from clicksend_async.testing import ClickSendEmulator

SECRET = "S3CRET-API-KEY-0001"
MATON_SECRET = "MATON-S3CRET-0002"


class Sleeps:
    """A fake sleep that records waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def capture() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start a tiny server with a given handler; yields a factory returning its base URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/v3"

    yield start
    for runner in runners:
        await runner.cleanup()


def ok(data: Any = None) -> web.Response:
    return web.json_response(
        {"http_code": 200, "response_code": "SUCCESS", "response_msg": "ok", "data": data}
    )


class TestConfiguration:
    def test_direct_mode_defaults(self) -> None:
        client = ClickSendClient(username="u", api_key=SECRET)
        assert client.mode == "direct"
        assert client.base_url == DIRECT_BASE_URL

    def test_gateway_mode_defaults(self) -> None:
        client = ClickSendClient(maton_api_key=MATON_SECRET)
        assert client.mode == "gateway"
        assert client.base_url == MATON_BASE_URL
        assert client.session.ctrl_url == MATON_CTRL_URL

    def test_both_modes_at_once_is_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="not both"):
            ClickSendClient(username="u", api_key="k", maton_api_key="m")

    def test_no_credentials_is_a_clear_error(self) -> None:
        with pytest.raises(ConfigurationError, match="from_env"):
            ClickSendClient()

    def test_half_direct_credentials_are_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="both"):
            ClickSendClient(username="u")

    @pytest.mark.parametrize(
        ("env", "mode"),
        [
            ({"MATON_API_KEY": MATON_SECRET}, "gateway"),
            ({"MATON_API_KEY": MATON_SECRET, "CLICKSEND_USERNAME": "u"}, "gateway"),
            ({"CLICKSEND_USERNAME": "u", "CLICKSEND_API_KEY": SECRET}, "direct"),
        ],
    )
    def test_from_env(self, env: dict[str, str], mode: str) -> None:
        assert ClickSendClient.from_env(env).mode == mode

    def test_from_env_reads_the_connection(self) -> None:
        client = ClickSendClient.from_env({"MATON_API_KEY": "k", "MATON_CONNECTION": "c-1"})
        assert client.session.auth.headers()["Maton-Connection"] == "c-1"

    def test_from_env_without_credentials_names_the_variables(self) -> None:
        with pytest.raises(ConfigurationError) as info:
            ClickSendClient.from_env({})
        assert "MATON_API_KEY" in str(info.value)
        assert "CLICKSEND_USERNAME" in str(info.value)

    def test_from_env_with_half_direct_credentials(self) -> None:
        with pytest.raises(ConfigurationError, match="CLICKSEND_API_KEY"):
            ClickSendClient.from_env({"CLICKSEND_USERNAME": "u"})


class TestAuthOnTheWire:
    async def test_direct_mode_sends_http_basic(self, capture: Any) -> None:
        seen: list[Any] = []

        async def handler(request: web.Request) -> web.Response:
            seen.append(dict(request.headers))
            return ok({"user_id": 1})

        base = await capture(handler)
        async with ClickSendClient(username="alice", api_key=SECRET, base_url=base) as cs:
            await cs.account.get()
        token = base64.b64encode(f"alice:{SECRET}".encode()).decode()
        assert seen[0]["Authorization"] == f"Basic {token}"
        assert "Maton-Connection" not in seen[0]
        assert seen[0]["Content-Type"] == "application/json"
        assert seen[0]["User-Agent"].startswith("clicksend-async/")

    async def test_gateway_mode_sends_bearer_and_connection(self, capture: Any) -> None:
        seen: list[Any] = []

        async def handler(request: web.Request) -> web.Response:
            seen.append(dict(request.headers))
            return ok({"user_id": 1})

        base = await capture(handler)
        async with ClickSendClient(
            maton_api_key=MATON_SECRET, connection_id="conn-7", base_url=base, user_agent="app/1"
        ) as cs:
            await cs.account.get()
        assert seen[0]["Authorization"] == f"Bearer {MATON_SECRET}"
        assert seen[0]["Maton-Connection"] == "conn-7"
        assert seen[0]["User-Agent"].startswith("app/1 clicksend-async/")

    async def test_both_modes_work_against_the_emulator(self) -> None:
        async with ClickSendEmulator() as emu:
            async with emu.client() as direct:
                assert (await direct.account.get()).username
            async with emu.maton_client() as gateway:
                assert (await gateway.account.get()).username
            apis = {r.api for r in emu.requests if r.path == "/account"}
            assert apis == {"direct", "maton"}

    async def test_wrong_key_is_authentication_error(self) -> None:
        async with ClickSendEmulator() as emu:
            async with ClickSendClient(
                username=emu.username, api_key="wrong", base_url=emu.url
            ) as cs:
                with pytest.raises(AuthenticationError) as info:
                    await cs.account.get()
        assert info.value.response_msg == "Authorization failed."
        assert "wrong" not in str(info.value)


class TestRetries:
    async def test_429_then_success_honours_retry_after(self) -> None:
        sleeps = Sleeps()
        events: list[RetryEvent] = []
        async with ClickSendEmulator() as emu:
            emu.inject("429", path="/account", times=2)
            async with emu.client(sleep=sleeps, on_retry=events.append, rate_limit=None) as cs:
                account = await cs.account.get()
        assert account.username
        assert len(sleeps.waits) == 2
        for wait in sleeps.waits:  # Retry-After: 1, plus at most 10% + 50 ms of jitter
            assert 1.0 <= wait <= 1.15
        assert [e.failure for e in events] == ["rate_limited", "rate_limited"]
        assert [e.attempt for e in events] == [1, 2]

    async def test_429_is_retried_even_for_a_send(self) -> None:
        sleeps = Sleeps()
        async with ClickSendEmulator() as emu:
            emu.inject("429", path="/sms/send")
            async with emu.client(sleep=sleeps, rate_limit=None) as cs:
                result = await cs.sms.send([SmsMessage(to="+61411111111", body="hi")])
            assert result.messages[0].status == "SUCCESS"
            assert len(emu.sent) == 1
        assert len(sleeps.waits) == 1

    async def test_retry_after_is_capped(self) -> None:
        sleeps = Sleeps()

        calls = 0

        async def handler(request: web.Request) -> web.Response:
            nonlocal calls
            calls += 1
            if calls == 1:
                return web.json_response(
                    {
                        "http_code": 429,
                        "response_code": "HTTP_TOO_MANY_REQUESTS",
                        "response_msg": "Too many attempts.",
                        "data": None,
                    },
                    status=429,
                    headers={"Retry-After": "3600"},
                )
            return ok({"user_id": 1})

        async with aiohttp.ClientSession() as raw:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", handler)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            base = f"http://127.0.0.1:{runner.addresses[0][1]}/v3"
            try:
                policy = RetryPolicy(max_retry_after=5, jitter=False)
                async with ClickSendClient(
                    username="u",
                    api_key="k",
                    base_url=base,
                    session=raw,
                    retry=policy,
                    sleep=sleeps,
                    rate_limit=None,
                ) as cs:
                    await cs.account.get()
            finally:
                await runner.cleanup()
        assert sleeps.waits == [5]

    async def test_persistent_429_gives_up_with_rate_limit_error(self) -> None:
        sleeps = Sleeps()
        async with ClickSendEmulator() as emu:
            emu.inject("429", path="/account", times=10)
            policy = RetryPolicy(max_attempts=3)
            async with emu.client(sleep=sleeps, retry=policy, rate_limit=None) as cs:
                with pytest.raises(RateLimitError) as info:
                    await cs.account.get()
        assert info.value.retry_after == 1
        assert len(sleeps.waits) == 2

    async def test_get_503_twice_then_200_succeeds(self, capture: Any) -> None:
        calls = 0

        async def handler(request: web.Request) -> web.Response:
            nonlocal calls
            calls += 1
            if calls <= 2:
                return web.Response(status=503, text="<html>unavailable</html>")
            return ok({"user_id": 9})

        sleeps = Sleeps()
        base = await capture(handler)
        async with ClickSendClient(
            username="u", api_key="k", base_url=base, sleep=sleeps, rate_limit=None
        ) as cs:
            account = await cs.account.get()
        assert account.user_id == 9
        assert calls == 3
        assert len(sleeps.waits) == 2

    async def test_send_that_times_out_is_not_resent(self) -> None:
        async with ClickSendEmulator(hang_seconds=5) as emu:
            emu.inject("commit-hang", path="/sms/send")
            async with emu.client(timeout=0.3, rate_limit=None) as cs:
                message = SmsMessage(to="+61411111111", body="once", custom_string="ref-1")
                with pytest.raises(SendOutcomeUnknownError) as info:
                    await cs.sms.send([message])
            sends = [r for r in emu.requests if r.path == "/sms/send"]
            assert len(sends) == 1
            assert len(emu.sent) == 1  # it was processed: a retry would have texted twice
        err = info.value
        assert err.custom_strings == ["ref-1"]
        assert err.payload["messages"][0]["body"] == "once"

    @pytest.mark.parametrize("fault", ["commit-500", "commit-drop"])
    async def test_send_after_server_failure_is_not_resent(self, fault: str) -> None:
        async with ClickSendEmulator() as emu:
            emu.inject(fault, path="/sms/send")
            async with emu.client(rate_limit=None) as cs:
                with pytest.raises(SendOutcomeUnknownError) as info:
                    await cs.sms.send([SmsMessage(to="+61411111111", body="x")])
            assert len([r for r in emu.requests if r.path == "/sms/send"]) == 1
            assert len(emu.sent) == 1
        assert isinstance(info.value.cause, Exception)

    async def test_get_after_a_500_is_retried(self) -> None:
        sleeps = Sleeps()
        async with ClickSendEmulator() as emu:
            emu.inject("500", path="/account", times=1)
            async with emu.client(sleep=sleeps, rate_limit=None) as cs:
                assert (await cs.account.get()).username
        assert len(sleeps.waits) == 1

    async def test_retry_unsafe_opt_in_repeats_a_send(self) -> None:
        async with ClickSendEmulator() as emu:
            emu.inject("500", path="/sms/send", times=1)
            policy = RetryPolicy(retry_unsafe=True, backoff_base=0)
            async with emu.client(retry=policy, rate_limit=None) as cs:
                result = await cs.sms.send([SmsMessage(to="+61411111111", body="x")])
        assert result.messages[0].status == "SUCCESS"

    async def test_send_to_a_closed_port_is_retried_then_connect_error(self) -> None:
        sleeps = Sleeps()
        events: list[RetryEvent] = []
        policy = RetryPolicy(max_attempts=3)
        async with ClickSendClient(
            username="u",
            api_key="k",
            base_url="http://127.0.0.1:9/v3",
            sleep=sleeps,
            retry=policy,
            on_retry=events.append,
            rate_limit=None,
        ) as cs:
            with pytest.raises(ConnectError):
                await cs.sms.send([SmsMessage(to="+61411111111", body="x")])
        assert [e.failure for e in events] == ["connect", "connect"]

    async def test_async_on_retry_hook_is_awaited(self) -> None:
        seen: list[str] = []

        async def hook(event: RetryEvent) -> None:
            seen.append(event.path)

        async with ClickSendEmulator() as emu:
            emu.inject("429", path="/account")
            async with emu.client(sleep=Sleeps(), on_retry=hook, rate_limit=None) as cs:
                await cs.account.get()
        assert seen == ["/account"]

    async def test_server_error_on_a_create_is_not_retried(self) -> None:
        async with ClickSendEmulator() as emu:
            emu.inject("500", path="/lists", times=1)
            async with emu.client(sleep=Sleeps(), rate_limit=None) as cs:
                with pytest.raises(ServerError):
                    await cs.request("POST", "/lists", json={"list_name": "x"})
            assert len([r for r in emu.requests if r.path == "/lists"]) == 1


class TestLifecycle:
    async def test_callers_session_is_left_open(self) -> None:
        async with ClickSendEmulator() as emu, aiohttp.ClientSession() as raw:
            async with emu.client(session=raw) as cs:
                await cs.account.get()
            assert cs.closed
            assert not raw.closed

    async def test_closed_client_cannot_be_reopened_or_used(self) -> None:
        async with ClickSendEmulator() as emu:
            cs = emu.client()
            async with cs:
                await cs.account.get()
            with pytest.raises(ClientStateError):
                await cs.account.get()
            with pytest.raises(ClientStateError):
                async with cs:
                    pass

    async def test_explicit_aclose(self) -> None:
        async with ClickSendEmulator() as emu:
            cs = emu.client()
            await cs.account.get()
            await cs.aclose()
            await cs.aclose()  # idempotent
            assert cs.closed

    async def test_escape_hatch_returns_the_envelope(self) -> None:
        async with ClickSendEmulator() as emu, emu.client() as cs:
            envelope = await cs.request("GET", "/account")
        assert envelope["response_code"] == "SUCCESS"
        assert envelope["data"]["username"]


class TestNoCredentialLeaks:
    async def test_logs_and_reprs_never_show_keys(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG, logger="clicksend_async")
        texts: list[str] = []
        async with ClickSendEmulator(api_key=SECRET, maton_api_key=MATON_SECRET) as emu:
            emu.inject("429", path="/account")
            emu.inject("commit-500", path="/sms/send")
            for client in (emu.client(sleep=Sleeps()), emu.maton_client(sleep=Sleeps())):
                async with client as cs:
                    texts += [repr(cs), str(cs), repr(cs.session), repr(cs.session.auth)]
                    account = await cs.account.get()
                    texts.append(repr(account))
                    try:
                        await cs.sms.send([SmsMessage(to="+61411111111", body="x")])
                    except SendOutcomeUnknownError as exc:
                        texts += [str(exc), repr(exc), str(exc.cause)]
            async with ClickSendClient(
                username=emu.username, api_key="bad" + SECRET, base_url=emu.url
            ) as bad:
                with pytest.raises(AuthenticationError) as info:
                    await bad.account.get()
                texts += [str(info.value), repr(info.value), repr(bad)]
        texts += [r.getMessage() for r in caplog.records]
        assert any("GET /account" in t for t in texts)  # logging did happen
        blob = "\n".join(texts)
        assert SECRET not in blob
        assert MATON_SECRET not in blob
        assert base64.b64encode(f"emulator:{SECRET}".encode()).decode() not in blob


class TestUnreadableAnswers:
    async def test_unreadable_200_to_a_send_is_an_unknown_outcome(self, capture: Any) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=200, text="<html>proxy ate it</html>")

        base = await capture(handler)
        async with ClickSendClient(username="u", api_key="k", base_url=base, rate_limit=None) as cs:
            with pytest.raises(SendOutcomeUnknownError) as info:
                await cs.sms.send([SmsMessage(to="+61411111111", body="x", custom_string="r")])
        assert info.value.custom_strings == ["r"]
        assert "not JSON" in str(info.value.cause)
