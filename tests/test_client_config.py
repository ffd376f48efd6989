"""Building a client: base URLs, the environment, header values, event loops, with_options."""

from __future__ import annotations

import asyncio
import logging

import pytest

from clicksend_async import (
    ClickSendClient,
    ClientStateError,
    ConfigurationError,
    NotFoundError,
    RequestBuildError,
    RetryPolicy,
    SendOutcomeUnknownError,
)
from clicksend_async._transport import Transport
from clicksend_async.testing import ClickSendEmulator

SECRET = "S3CRET-KEY-0042"


class TestBaseUrl:
    @pytest.mark.parametrize(
        "url", ["127.0.0.1:18091/v3", "localhost/v3", "ftp://example.com/v3", "http:///v3"]
    )
    def test_url_without_scheme_or_host_is_refused(self, url: str) -> None:
        with pytest.raises(ConfigurationError, match=r"scheme and a host|no host"):
            ClickSendClient(username="u", api_key="k", base_url=url)

    def test_url_with_credentials_is_refused_without_echoing_them(self) -> None:
        with pytest.raises(ConfigurationError) as info:
            ClickSendClient(username="u", api_key="k", base_url=f"https://u:{SECRET}@h/v3")
        assert SECRET not in str(info.value)

    def test_url_with_a_query_is_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="query"):
            ClickSendClient(username="u", api_key="k", base_url="https://h/v3?x=1")

    def test_trailing_slash_is_dropped(self) -> None:
        cs = ClickSendClient(username="u", api_key="k", base_url="https://h.example/v3/")
        assert cs.base_url == "https://h.example/v3"

    def test_path_without_v3_logs_a_hint(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.WARNING, logger="clicksend_async"):
            ClickSendClient(username="u", api_key="k", base_url="http://127.0.0.1:9")
        assert any("does not end in /v3" in r.getMessage() for r in caplog.records)

    async def test_404_through_a_url_without_v3_carries_the_hint(self) -> None:
        async with ClickSendEmulator() as emu:
            async with emu.client(base_url=emu.base, rate_limit=None) as cs:
                with pytest.raises(NotFoundError) as info:
                    await cs.account.get()
        assert any("does not end in /v3" in note for note in info.value.__notes__)

    async def test_url_that_cannot_be_built_is_not_an_unknown_outcome(self) -> None:
        # The constructor refuses such URLs; the transport still says "not sent" for one.
        transport = Transport()
        try:
            with pytest.raises(RequestBuildError) as info:
                await transport.request("POST", "127.0.0.1:1/v3/sms/send", headers={})
        finally:
            await transport.close()
        assert info.value.request_sent is False
        assert not isinstance(info.value, SendOutcomeUnknownError)


class TestFromEnv:
    def test_direct_mode_reads_clicksend_base_url(self) -> None:
        env = {
            "CLICKSEND_USERNAME": "u",
            "CLICKSEND_API_KEY": "k",
            "CLICKSEND_BASE_URL": "http://127.0.0.1:8080/v3",
        }
        assert ClickSendClient.from_env(env).base_url == "http://127.0.0.1:8080/v3"

    def test_gateway_mode_reads_maton_base_and_ctrl_urls(self) -> None:
        env = {
            "MATON_API_KEY": "m",
            "MATON_BASE_URL": "http://127.0.0.1:8080/clicksend/v3",
            "MATON_CTRL_URL": "http://127.0.0.1:8080/ctrl",
            "CLICKSEND_BASE_URL": "http://ignored.example/v3",
        }
        cs = ClickSendClient.from_env(env)
        assert cs.base_url == "http://127.0.0.1:8080/clicksend/v3"
        assert cs.session.ctrl_url == "http://127.0.0.1:8080/ctrl"

    def test_keyword_argument_beats_the_environment(self) -> None:
        env = {"CLICKSEND_USERNAME": "u", "CLICKSEND_API_KEY": "k", "CLICKSEND_BASE_URL": "x"}
        cs = ClickSendClient.from_env(env, base_url="https://h.example/v3")
        assert cs.base_url == "https://h.example/v3"

    def test_bad_variable_is_named(self) -> None:
        env = {"CLICKSEND_USERNAME": "u", "CLICKSEND_API_KEY": "k", "CLICKSEND_BASE_URL": "h:1"}
        with pytest.raises(ConfigurationError, match="CLICKSEND_BASE_URL"):
            ClickSendClient.from_env(env)

    def test_blank_variable_means_the_default(self) -> None:
        env = {"CLICKSEND_USERNAME": "u", "CLICKSEND_API_KEY": "k", "CLICKSEND_BASE_URL": " "}
        assert ClickSendClient.from_env(env).base_url == "https://rest.clicksend.com/v3"


class TestHeaderValues:
    @pytest.mark.parametrize(
        ("argument", "kwargs"),
        [
            ("api_key", {"username": "u", "api_key": SECRET + "\r\nX-Evil: 1"}),
            ("username", {"username": "u\n", "api_key": SECRET}),
            ("maton_api_key", {"maton_api_key": SECRET + "\n"}),
            ("connection_id", {"maton_api_key": SECRET, "connection_id": "c\r\nX: y"}),
            ("user_agent", {"username": "u", "api_key": SECRET, "user_agent": "app\x00"}),
        ],
    )
    def test_control_characters_are_refused_naming_the_argument(
        self, argument: str, kwargs: dict[str, str]
    ) -> None:
        with pytest.raises(ConfigurationError) as info:
            ClickSendClient(**kwargs)  # type: ignore[arg-type]
        assert argument in str(info.value)
        assert SECRET not in str(info.value)


class TestEventLoops:
    def test_second_event_loop_is_a_client_state_error(self) -> None:
        errors: list[ClientStateError] = []

        async def use(cs: ClickSendClient) -> None:
            async with ClickSendEmulator() as emu:
                cs.session.base_url = emu.url  # each run's emulator has its own port
                try:
                    await cs.account.get()
                except ClientStateError as exc:
                    errors.append(exc)

        cs = ClickSendClient(username="emulator", api_key="emulator-api-key", rate_limit=None)
        asyncio.run(use(cs))  # the first loop works
        asyncio.run(use(cs))  # the second is refused, saying why
        asyncio.run(cs.aclose())
        assert len(errors) == 1
        assert "another event loop" in str(errors[0])


class TestWithOptions:
    async def test_shares_the_session_and_overrides_the_timeout(self) -> None:
        async with ClickSendEmulator(hang_seconds=5) as emu, emu.client(rate_limit=None) as cs:
            quick = cs.with_options(timeout=0.2, retry=RetryPolicy(max_attempts=1))
            assert quick.session.transport is cs.session.transport
            emu.inject("commit-hang", path="/account")
            with pytest.raises(Exception, match="timeout"):
                await quick.account.get()
            assert (await cs.account.get()).username == "emulator"
            await quick.aclose()  # a derived client leaves the shared session alone
            assert not cs.closed
            assert (await quick.account.get()).username == "emulator"
        assert quick.closed

    def test_chained_options_keep_the_earlier_ones(self) -> None:
        cs = ClickSendClient(username="u", api_key="k")
        policy = RetryPolicy(max_attempts=2)
        chained = cs.with_options(timeout=3).with_options(retry=policy)
        assert chained.session.default_timeout == 3  # type: ignore[attr-defined]
        assert chained.session.retry_override is policy  # type: ignore[attr-defined]

    def test_non_positive_timeout_is_refused(self) -> None:
        cs = ClickSendClient(username="u", api_key="k")
        with pytest.raises(ConfigurationError):
            cs.with_options(timeout=0)
