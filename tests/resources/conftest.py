"""Fixtures for the resource tests: a started emulator and clients bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from resource_support import Hook, Stub

from clicksend_async import ClickSendClient
from clicksend_async.testing import ClickSendEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[ClickSendEmulator]:
    """Yield a started emulator whose delivery receipts are due at once."""
    async with ClickSendEmulator(receipt_delay=0) as emu:
        yield emu


@pytest.fixture
async def client(emulator: ClickSendEmulator) -> AsyncIterator[ClickSendClient]:
    """Yield a direct-mode client of the emulator, without a rate limit."""
    async with emulator.client(rate_limit=None) as cs:
        yield cs


@pytest.fixture
async def maton_client(emulator: ClickSendEmulator) -> AsyncIterator[ClickSendClient]:
    """Yield a gateway-mode client of the emulator, without a rate limit."""
    async with emulator.maton_client(rate_limit=None) as cs:
        yield cs


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    """Yield a started stub server (for endpoints the emulator does not serve)."""
    server = Stub()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def stub_client(stub: Stub) -> AsyncIterator[ClickSendClient]:
    """Yield a direct-mode client of the stub server."""
    async with ClickSendClient(username="u", api_key="k", base_url=stub.url, rate_limit=None) as cs:
        yield cs


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    """Yield a started local webhook receiver (``hook.url``, ``hook.posts``)."""
    receiver = Hook()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()
