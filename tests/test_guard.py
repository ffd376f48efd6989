"""The pre-send guard (``before_send``): called after the permit, right before a request leaves;
its RequestVetoedError means "surely not sent", never "outcome unknown", and is not retried."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from clicksend_async import (
    ConnectError,
    RequestInfo,
    RequestVetoedError,
    RetryPolicy,
    SendOutcomeUnknownError,
    SmsMessage,
)
from clicksend_async.testing import ClickSendEmulator

MESSAGE = SmsMessage(to="+61411111111", body="hello")


@pytest.fixture
async def emu() -> AsyncIterator[ClickSendEmulator]:
    async with ClickSendEmulator() as emulator:
        yield emulator


def _sends(emu: ClickSendEmulator) -> int:
    return len([r for r in emu.requests if r.path == "/sms/send"])


class OrderedLimiter:
    """A RateLimiter that writes down when it granted a permit."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def acquire(self) -> None:
        self.events.append("permit")

    async def rate_limited(self, retry_after: float | None) -> None:
        self.events.append(f"429 {retry_after}")

    async def aclose(self) -> None:
        self.events.append("closed")


class TestBeforeSend:
    async def test_is_told_the_request_after_the_permit(self, emu: ClickSendEmulator) -> None:
        events: list[str] = []
        seen: list[RequestInfo] = []

        async def guard(info: RequestInfo) -> None:
            events.append("guard")
            seen.append(info)

        async with emu.client(
            rate_limit=OrderedLimiter(events), before_send=guard, timeout=12.5
        ) as cs:
            await cs.sms.send([MESSAGE])
        assert events == ["permit", "guard", "closed"]
        (info,) = seen
        assert (info.method, info.path, info.kind, info.attempt) == ("POST", "/sms/send", "send", 1)
        assert info.url == emu.url + "/sms/send"
        assert info.timeout == 12.5
        assert _sends(emu) == 1

    async def test_a_per_call_timeout_is_what_the_guard_sees(self, emu: ClickSendEmulator) -> None:
        seen: list[RequestInfo] = []

        async def guard(info: RequestInfo) -> None:
            seen.append(info)

        async with emu.client(rate_limit=None, before_send=guard) as cs:
            await cs.request("GET", "/account", timeout=3.0)
        assert seen[0].timeout == 3.0
        assert seen[0].kind == "idempotent"

    async def test_a_veto_sends_nothing_and_counts_as_surely_not_sent(
        self, emu: ClickSendEmulator
    ) -> None:
        calls: list[int] = []

        async def guard(info: RequestInfo) -> None:
            calls.append(info.attempt)
            raise RequestVetoedError("lease ends in 2.0 s, the timeout is 30 s")

        async with emu.client(rate_limit=None, before_send=guard) as cs:
            with pytest.raises(RequestVetoedError) as caught:
                await cs.sms.send([MESSAGE])
        error = caught.value
        assert not isinstance(error, SendOutcomeUnknownError)
        assert isinstance(error, ConnectError) and error.request_sent is False
        assert error.method == "POST" and error.url == emu.url + "/sms/send"
        assert "lease ends in 2.0 s" in str(error) and "POST" in str(error)
        assert calls == [1]  # not retried: the guard would only say no again
        assert _sends(emu) == 0

    async def test_a_retry_passes_the_guard_again(self, emu: ClickSendEmulator) -> None:
        attempts: list[int] = []

        async def guard(info: RequestInfo) -> None:
            attempts.append(info.attempt)
            if info.attempt > 1:
                raise RequestVetoedError("lease too short for a retry")

        emu.inject("429", path="/sms/send")
        policy = RetryPolicy(backoff_base=0.01, max_retry_after=0.05, jitter=False)
        async with emu.client(rate_limit=None, retry=policy, before_send=guard) as cs:
            with pytest.raises(RequestVetoedError):
                await cs.sms.send([MESSAGE])
        assert attempts == [1, 2]
        assert _sends(emu) == 1  # the first attempt, answered 429; the retry never left
        assert emu.sent == []

    async def test_any_other_error_from_the_guard_propagates_as_is(
        self, emu: ClickSendEmulator
    ) -> None:
        async def guard(info: RequestInfo) -> None:
            raise LookupError("no lease for this chunk")

        async with emu.client(rate_limit=None, before_send=guard) as cs:
            with pytest.raises(LookupError, match="no lease"):
                await cs.sms.send([MESSAGE])
        assert _sends(emu) == 0

    async def test_can_be_installed_on_an_existing_client(self, emu: ClickSendEmulator) -> None:
        async def guard(info: RequestInfo) -> None:
            raise RequestVetoedError("stopping")

        async with emu.client(rate_limit=None) as cs:
            await cs.sms.send([MESSAGE])
            cs.session.before_send = guard
            with pytest.raises(RequestVetoedError):
                await cs.sms.send([MESSAGE])
        assert _sends(emu) == 1
