"""A shared fake clock for tests: give it to the emulator (``clock=``) and to the engine
(``clock=``, ``sleep=clock.sleep``), and the engine's sleeps advance the emulator's time."""

from __future__ import annotations

import asyncio


class Clock:
    """Unix seconds that move only when somebody sleeps on them."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)
