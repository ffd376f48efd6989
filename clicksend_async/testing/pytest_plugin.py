"""pytest fixtures for testing code that uses clicksend_async, against the built-in emulator.

Installed with the package and loaded by pytest through the ``pytest11`` entry point, so the
fixtures are there in any project that depends on clicksend-async (async fixtures need
pytest-asyncio)::

    async def test_welcome_text(clicksend_client, clicksend_emulator):
        await send_welcome(clicksend_client, "+61411111111")       # your code
        assert clicksend_emulator.sent[0].body.startswith("Welcome")

Fixtures (each test gets its own, closed afterwards):

* ``clicksend_emulator``: a started :class:`ClickSendEmulator`; receipts are due at once.
* ``clicksend_client``: a direct-mode ``ClickSendClient`` bound to it, without a rate limit.
* ``clicksend_maton_client``: the same in Maton gateway mode.
* ``clicksend_emulator_options``: the emulator's keyword arguments; override it in a
  ``conftest.py`` (or mark a test ``@pytest.mark.clicksend_emulator(latency_ms=50)``).
* ``clicksend_env``: sets ``CLICKSEND_USERNAME``, ``CLICKSEND_API_KEY`` and
  ``CLICKSEND_BASE_URL`` to the emulator's, for code that calls ``ClickSendClient.from_env()``.

The emulator keeps aiohttp's access log and client-disconnect tracebacks quiet by default.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from clicksend_async import ClickSendClient

from ._emulator import ClickSendEmulator

__all__ = [
    "clicksend_client",
    "clicksend_emulator",
    "clicksend_emulator_options",
    "clicksend_env",
    "clicksend_maton_client",
]

MARKER = "clicksend_emulator"

try:
    from pytest_asyncio import fixture as async_fixture
except ImportError:  # pragma: no cover
    # Without pytest-asyncio, pytest itself says that async fixtures need a plugin, and
    # only when a test asks for one: loading this plugin never breaks a test run.
    async_fixture = pytest.fixture  # type: ignore[assignment]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``clicksend_emulator`` marker (emulator options for one test)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): keyword arguments for the clicksend_emulator fixture's emulator",
    )


@pytest.fixture
def clicksend_emulator_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Return the emulator's keyword arguments: receipts at once, plus the test's marker."""
    options: dict[str, Any] = {"receipt_delay": 0}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        options.update(marker.kwargs)
    return options


@async_fixture
async def clicksend_emulator(
    clicksend_emulator_options: dict[str, Any],
) -> AsyncIterator[ClickSendEmulator]:
    """Yield a started ClickSend emulator, closed after the test."""
    async with ClickSendEmulator(**clicksend_emulator_options) as emulator:
        yield emulator


@async_fixture
async def clicksend_client(
    clicksend_emulator: ClickSendEmulator,
) -> AsyncIterator[ClickSendClient]:
    """Yield a direct-mode client of the emulator (no rate limit), closed after the test."""
    async with clicksend_emulator.client(rate_limit=None) as client:
        yield client


@async_fixture
async def clicksend_maton_client(
    clicksend_emulator: ClickSendEmulator,
) -> AsyncIterator[ClickSendClient]:
    """Yield a Maton gateway client of the emulator (no rate limit), closed after the test."""
    async with clicksend_emulator.maton_client(rate_limit=None) as client:
        yield client


@pytest.fixture
def clicksend_env(
    clicksend_emulator: ClickSendEmulator, monkeypatch: pytest.MonkeyPatch
) -> ClickSendEmulator:
    """Point ``ClickSendClient.from_env()`` at the emulator (direct mode) for this test."""
    for name in ("MATON_API_KEY", "MATON_CONNECTION", "MATON_BASE_URL", "MATON_CTRL_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLICKSEND_USERNAME", clicksend_emulator.username)
    monkeypatch.setenv("CLICKSEND_API_KEY", clicksend_emulator.api_key)
    monkeypatch.setenv("CLICKSEND_BASE_URL", clicksend_emulator.url)
    return clicksend_emulator
