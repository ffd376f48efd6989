"""Shared by the examples: pick the real ClickSend API or the built-in emulator.

With ``MATON_API_KEY`` (gateway) or ``CLICKSEND_USERNAME`` + ``CLICKSEND_API_KEY`` (direct) in the
environment, :func:`client_for_example` yields a client of the real service. Without them it
starts ``clicksend_async.testing.ClickSendEmulator`` in this process and yields a client of it, so
every example runs offline and sends nothing.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from clicksend_async import ClickSendClient
from clicksend_async.testing import ClickSendEmulator

#: ClickSend's free test numbers: accepted, never delivered, never charged.
TEST_NUMBER = "+61411111111"
OTHER_TEST_NUMBER = "+61422222222"


def has_credentials(environ: Mapping[str, str] | None = None) -> bool:
    """Return True when the environment holds credentials for the real service."""
    env = os.environ if environ is None else environ
    if env.get("MATON_API_KEY", "").strip():
        return True
    return bool(
        env.get("CLICKSEND_USERNAME", "").strip() and env.get("CLICKSEND_API_KEY", "").strip()
    )


@asynccontextmanager
async def client_for_example() -> AsyncIterator[ClickSendClient]:
    """Yield a client of the real ClickSend API if credentials are set, else of an emulator."""
    if has_credentials():
        async with ClickSendClient.from_env() as client:
            print(f"Using the real ClickSend API ({client.mode} mode, {client.base_url}).")
            yield client
        return
    async with ClickSendEmulator(receipt_delay=0) as emulator:
        print(f"No credentials in the environment: using the built-in emulator at {emulator.url}.")
        async with emulator.client(rate_limit=None) as client:
            yield client
