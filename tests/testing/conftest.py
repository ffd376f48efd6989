"""Fixtures for the emulator's tests: started emulators, a session, a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from emulator_helpers import Api, EmulatorFactory, FakeClock, basic

from clicksend_async.testing import ClickSendEmulator


@pytest.fixture
def clock() -> FakeClock:
    """Return a fake clock at a fixed instant."""
    return FakeClock()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Yield a client session that is closed afterwards."""
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def make_emulator() -> AsyncIterator[EmulatorFactory]:
    """Yield a factory of started emulators, all closed afterwards."""
    started: list[ClickSendEmulator] = []

    async def make(**options: Any) -> ClickSendEmulator:
        options.setdefault("receipt_delay", 0)
        emulator = ClickSendEmulator(**options)
        await emulator.start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        await emulator.close()


@pytest.fixture
async def emu(make_emulator: EmulatorFactory, clock: FakeClock) -> ClickSendEmulator:
    """Return a started emulator on the fake clock, receipts due at once."""
    emulator: ClickSendEmulator = await make_emulator(clock=clock)
    return emulator


@pytest.fixture
def api(emu: ClickSendEmulator, session: aiohttp.ClientSession) -> Api:
    """Return a spec-checking helper for the direct API of ``emu``."""
    return Api(session, emu.url, basic(emu))
