"""Fixed-window request budget with the headers ClickSend sends (pure, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Allow ``limit`` requests per ``window`` seconds, windows starting at the first request."""

    __slots__ = ("_clock", "_count", "_start", "limit", "window")

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        if limit < 1:
            raise ValueError("rate_limit must be at least 1")
        if window <= 0:
            raise ValueError("rate_window must be positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._start = -math.inf
        self._count = 0

    def _roll(self) -> float:
        now = self._clock()
        if now >= self._start + self.window:
            self._start = now
            self._count = 0
        return self._start + self.window - now

    def consume(self) -> tuple[bool, dict[str, str]]:
        """Spend one request; return whether it is allowed and the headers to send."""
        left = self._roll()
        self._count += 1
        allowed = self._count <= self.limit
        headers = self._headers(left)
        if not allowed:
            headers["Retry-After"] = headers["ratelimit-reset"]
            headers["retry-after-ms"] = str(max(1, math.ceil(left * 1000)))
        return allowed, headers

    def peek(self) -> dict[str, str]:
        """Return the headers without spending anything."""
        return self._headers(self._roll())

    def _headers(self, left: float) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(0, self.limit - self._count)),
            "ratelimit-reset": str(max(1, math.ceil(left))),
        }
