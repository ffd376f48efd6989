"""The pytest plugin, as a user's test suite sees it: run inside pytester in a subprocess."""

from __future__ import annotations

import importlib.metadata

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "clicksend_async.testing.pytest_plugin"


INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


def _plugin_args() -> list[str]:
    """Load the plugin by name unless the installed entry point loads it already."""
    for entry in importlib.metadata.entry_points(group="pytest11"):
        if entry.value == PLUGIN:
            return []
    return ["-p", PLUGIN]


USER_TESTS = """
from decimal import Decimal

import pytest
from clicksend_async import ClickSendClient


@pytest.mark.asyncio
async def test_send_through_the_client(clicksend_client, clicksend_emulator):
    await clicksend_client.sms.send(to="+61411111111", body="Welcome!")
    assert clicksend_emulator.sent[0].body == "Welcome!"


@pytest.mark.asyncio
async def test_each_test_gets_a_fresh_emulator(clicksend_emulator):
    assert clicksend_emulator.sent == []


@pytest.mark.asyncio
async def test_gateway_client(clicksend_maton_client):
    assert clicksend_maton_client.mode == "gateway"
    assert (await clicksend_maton_client.account.get()).username


@pytest.mark.asyncio
@pytest.mark.clicksend_emulator(balance="1.50", currency="GBP")
async def test_marker_configures_the_emulator(clicksend_client):
    account = await clicksend_client.account.get()
    assert account.balance == Decimal("1.50")


@pytest.mark.asyncio
async def test_from_env_reaches_the_emulator(clicksend_env):
    async with ClickSendClient.from_env() as cs:
        await cs.sms.send(to="+61411111111", body="env")
    assert clicksend_env.sent[0].body == "env"
"""


def test_fixtures_work_in_a_users_suite_in_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(
        *_plugin_args(), "-W", "error", "-p", "no:cacheprovider", "-q"
    )
    result.assert_outcomes(passed=5)


def test_emulator_options_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(
        """
import pytest

@pytest.fixture
def clicksend_emulator_options():
    return {"balance": "7.00", "receipt_delay": 0}
"""
    )
    pytester.makepyfile(
        test_override="""
import pytest

@pytest.mark.asyncio
async def test_balance(clicksend_client):
    assert (await clicksend_client.account.get()).balance == 7
"""
    )
    result = pytester.runpytest_subprocess(*_plugin_args(), "-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_disconnects_are_quiet(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        test_noise="""
import asyncio
import pytest


@pytest.mark.asyncio
@pytest.mark.clicksend_emulator(latency_ms=300)
async def test_cancel_mid_request(clicksend_client, caplog):
    for _ in range(3):
        task = asyncio.create_task(clicksend_client.sms.send(to="+61411111111", body="x"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.4)  # let the emulator notice each disconnect
    assert "Error handling request" not in caplog.text
    assert "ConnectionResetError" not in caplog.text
"""
    )
    result = pytester.runpytest_subprocess(
        *_plugin_args(), "-p", "no:cacheprovider", "-q", "-s", "--log-level=WARNING"
    )
    result.assert_outcomes(passed=1)
    output = result.stdout.str() + result.stderr.str()
    assert "ConnectionResetError" not in output
    assert "Error handling request" not in output
