"""The session's client-side rate limiter: evenly spaced starts that fit fixed-window servers."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from clicksend_async._session import RATE_GUARD_MIN, _make_limiter, limiter_spacing
from clicksend_async.limiters import RateLimiter

SLACK = 1e-3  # timer granularity; waiting longer than asked only widens gaps


async def _starts(limiter: RateLimiter, n: int) -> list[float]:
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        starts.append(loop.time())

    await asyncio.gather(*(one() for _ in range(n)))
    return starts


class TestLimiter:
    async def test_never_more_than_rate_starts_in_any_window(self) -> None:
        rate = 50.0  # 50 per second: a window of 1 s must hold at most 50 starts
        limiter = _make_limiter(rate)
        assert limiter is not None
        starts = await _starts(limiter, 60)
        assert len(starts) == 60
        assert all(
            later - earlier >= 1.0 - SLACK
            for earlier, later in zip(starts, starts[50:], strict=False)
        )

    async def test_no_initial_burst(self) -> None:
        limiter = _make_limiter(40.0)
        assert limiter is not None
        starts = await _starts(limiter, 5)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert min(gaps) >= limiter_spacing(40.0) - SLACK

    @pytest.mark.parametrize(
        ("rate", "count", "window"),
        [(10, 10, 1.0), (10.0, 10, 1.0), (2.5, 2, 0.8), (1, 1, 1.0), (0.5, 1, 2.0)],
    )
    def test_spacing_keeps_whole_requests_per_window_plus_a_guard(
        self, rate: float, count: int, window: float
    ) -> None:
        spacing = limiter_spacing(rate)
        assert spacing * count >= window + RATE_GUARD_MIN - 1e-9
        assert spacing * count <= window * 1.05 + RATE_GUARD_MIN

    def test_none_means_no_limiter(self) -> None:
        assert _make_limiter(None) is None
