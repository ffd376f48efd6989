"""The session's client-side rate limiter: a sliding log that fits fixed-window servers."""

from __future__ import annotations

import asyncio

import pytest

from clicksend_async._session import RATE_GUARD_MIN, WindowLimiter, _make_limiter


async def _starts(limiter: WindowLimiter, n: int, concurrency: int) -> list[float]:
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            await limiter.acquire()
            starts.append(loop.time())

    await asyncio.gather(*(one() for _ in range(n)))
    return starts


class TestWindowLimiter:
    async def test_never_more_than_count_in_any_window(self) -> None:
        limiter = WindowLimiter(3, 0.1, guard=0.01)
        starts = await _starts(limiter, 10, concurrency=10)
        assert len(starts) == 10
        # Waiting more than asked can only widen the gaps, so this cannot flake under load.
        assert all(
            later - earlier >= 0.1 for earlier, later in zip(starts, starts[3:], strict=False)
        )

    async def test_first_window_admits_count_not_a_burst_plus_refill(self) -> None:
        limiter = WindowLimiter(4, 0.2, guard=0.01)  # the guard covers our own stamps' lag
        starts = await _starts(limiter, 8, concurrency=8)
        # A leaky bucket of 4/0.2 s would admit a 5th request after 50 ms in the same window.
        assert starts[4] - starts[0] >= 0.2

    async def test_waiters_are_served_in_order(self) -> None:
        limiter = WindowLimiter(1, 0.02)
        order: list[int] = []

        async def one(i: int) -> None:
            await limiter.acquire()
            order.append(i)

        await asyncio.gather(*(one(i) for i in range(5)))
        assert order == [0, 1, 2, 3, 4]

    def test_rejects_nonsense(self) -> None:
        with pytest.raises(Exception, match="count"):
            WindowLimiter(0, 1.0)


class TestMakeLimiter:
    @pytest.mark.parametrize(
        ("rate", "count", "window"),
        [(10, 10, 1.0), (10.0, 10, 1.0), (2.5, 2, 0.8), (1, 1, 1.0), (0.5, 1, 2.0)],
    )
    def test_rate_becomes_whole_requests_per_window(
        self, rate: float, count: int, window: float
    ) -> None:
        limiter = _make_limiter(rate)
        assert limiter is not None
        assert limiter.count == count
        assert limiter.window == pytest.approx(window)
        assert limiter.span >= window + RATE_GUARD_MIN

    def test_none_means_no_limiter(self) -> None:
        assert _make_limiter(None) is None
