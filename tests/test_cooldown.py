"""The 429 cool-down a client's requests share: without a rate limit, a burst converges."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest

from clicksend_async import Account, ClickSendError, RateLimitError, RetryPolicy
from clicksend_async._retry import CoolDown
from clicksend_async.testing import ClickSendEmulator


def fan_out() -> CoolDown:
    return CoolDown(fan_out=True, rng=random.Random(7))


class TestWithALimiter:
    def test_everyone_waits_for_the_cool_down_but_a_retry_does_not(self) -> None:
        cool = CoolDown(fan_out=False, rng=random.Random(1))
        cool.rate_limited(10.0, 2.0)
        assert cool.delay(10.5, retry=False) == pytest.approx(1.5)
        assert cool.delay(10.5, retry=True) == 0.0
        assert cool.delay(12.5, retry=False) == 0.0
        assert cool.spacing == 0.0

    def test_a_longer_429_extends_the_cool_down(self) -> None:
        cool = CoolDown(fan_out=False, rng=random.Random(1))
        cool.rate_limited(10.0, 2.0)
        cool.rate_limited(11.0, 5.0)
        assert cool.until == 16.0


class TestFanOut:
    def test_no_429_no_delay(self) -> None:
        cool = fan_out()
        for i in range(100):
            cool.admitted(float(i) / 1000)
            assert cool.delay(float(i) / 1000, retry=False) == 0.0

    def test_an_idle_cool_down_answers_at_once_and_draws_no_jitter(self) -> None:
        rng = random.Random(3)
        cool = CoolDown(fan_out=True, rng=rng)
        state = rng.getstate()
        assert [cool.delay(float(i), retry=False) for i in range(5)] == [0.0] * 5
        assert rng.getstate() == state

    def test_a_queue_left_ahead_is_still_honoured_after_the_spacing_fell_to_zero(self) -> None:
        cool = fan_out()
        cool._spacing, cool._next = 0.0, 5.0  # a slot handed out ahead of now
        assert cool.delay(4.0, retry=False) == pytest.approx(1.0)

    def test_the_queue_is_spaced_at_the_rate_the_server_let_through(self) -> None:
        cool = fan_out()
        for i in range(100):  # 100 through in the first 0.1 s of a 1 s window
            cool.admitted(i / 1000)
        cool.rate_limited(0.1, 0.9)  # the window resets at 1.0
        assert cool.spacing == pytest.approx(1.0 / 100)
        # 300 requests come back at once: they leave one spacing apart, from the reset on.
        delays = sorted(cool.delay(1.0, retry=True) for _ in range(300))
        assert delays[-1] == pytest.approx(3.0, abs=0.03)
        per_window = Counter(int(1.0 + d) for d in delays)
        assert max(per_window.values()) <= 101

    def test_stragglers_of_one_cool_down_do_not_push_it_on(self) -> None:
        cool = fan_out()
        cool.admitted(0.0)
        cool.rate_limited(0.5, 0.5)
        for jitter in (0.51, 0.52, 0.55):  # the same window's 429s, their retries' jitter
            cool.rate_limited(0.51, jitter)
        assert cool.until == pytest.approx(1.0)

    def test_a_straggler_asking_for_much_longer_is_honoured(self) -> None:
        cool = fan_out()
        cool.admitted(0.0)
        cool.rate_limited(0.5, 0.5)
        cool.rate_limited(0.6, 30.0)
        assert cool.until == pytest.approx(30.6)

    def test_new_requests_wait_for_the_end_of_the_cool_down(self) -> None:
        cool = fan_out()
        cool.admitted(0.0)
        cool.rate_limited(0.5, 0.5)
        assert cool.delay(0.6, retry=False) >= 0.4

    def test_nothing_through_doubles_the_spacing(self) -> None:
        cool = fan_out()
        cool.admitted(0.0)
        cool.rate_limited(0.5, 0.5)  # 1 per second
        first = cool.spacing
        cool.rate_limited(1.5, 0.5)  # a new cool-down, and nothing got through
        assert cool.spacing == pytest.approx(2 * first)

    def test_the_spacing_is_bounded(self) -> None:
        cool = fan_out()
        cool.rate_limited(0.0, 1.0)
        for i in range(1, 40):
            cool.rate_limited(2.0 * i, 1.0)
        assert cool.spacing <= CoolDown.MAX_SPACING

    def test_a_quiet_window_halves_the_spacing_then_turns_the_queue_off(self) -> None:
        cool = fan_out()
        cool.admitted(0.0)
        cool.rate_limited(0.5, 0.5)  # spacing 1 s, window 0.5 s
        cool.delay(1.0, retry=True)
        now = 1.0
        for _ in range(20):  # every call a whole window later, never a 429
            now += 0.6
            cool.delay(now, retry=True)
        assert cool.spacing == 0.0
        assert cool.delay(now + 0.6, retry=True) == 0.0

    def test_tiny_delays_are_not_slept(self) -> None:
        cool = fan_out()
        cool.rate_limited(0.0, 0.001)
        assert cool.delay(0.0005, retry=False) == 0.0


async def _burst(emu: ClickSendEmulator, count: int) -> Counter[str]:
    async with emu.client(rate_limit=None) as cs:
        results = await asyncio.gather(
            *(cs.account.get() for _ in range(count)), return_exceptions=True
        )
    for result in results:  # only the package's own errors, if any
        assert isinstance(result, Account | ClickSendError), repr(result)
    return Counter(type(r).__name__ for r in results)


class TestBurstAgainstTheEmulator:
    @pytest.mark.parametrize(("count", "limit"), [(300, 30), (600, 100)])
    async def test_a_burst_without_a_client_limit_converges(self, count: int, limit: int) -> None:
        # The server takes `limit` requests per 0.1 s window; a client without a limit sends
        # them all at once. Before the shared queue, 40% used up their attempts on 429s.
        async with ClickSendEmulator(
            rate_limit=limit, rate_window=0.1, record_requests=True
        ) as emu:
            outcomes = await _burst(emu, count)
            requests = len(emu.requests)
        assert outcomes == Counter({"Account": count})
        # Most of the burst waited once: nowhere near six attempts each.
        assert requests < 2.5 * count

    async def test_a_429_is_still_an_error_when_attempts_run_out(self) -> None:
        async with ClickSendEmulator() as emu:
            emu.inject("429", path="/account", times=10)
            async with emu.client(
                rate_limit=None, retry=RetryPolicy(max_attempts=2, max_retry_after=0.01)
            ) as cs:
                with pytest.raises(RateLimitError):
                    await cs.account.get()
