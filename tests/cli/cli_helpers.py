"""Helpers shared by the command-line tests."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from clicksend_async.testing import ClickSendEmulator

#: Environment variables the CLI reads; cleared so the developer's own never leak into a test.
CREDENTIAL_VARS = ("CLICKSEND_USERNAME", "CLICKSEND_API_KEY", "MATON_API_KEY", "MATON_CONNECTION")


class ThreadedEmulator:
    """A ClickSendEmulator served from its own event loop in a thread.

    The CLI runs ``asyncio.run`` itself, so a test cannot share its loop: the emulator lives on
    another one, and the test reads ``emu.requests`` / ``emu.sent`` between invocations.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.emu: ClickSendEmulator | None = None

    def __enter__(self) -> ClickSendEmulator:
        self._thread.start()

        async def start() -> ClickSendEmulator:
            emu = ClickSendEmulator(**self._options)
            await emu.start()
            return emu

        self.emu = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        return self.emu

    def __exit__(self, *exc: object) -> None:
        try:
            if self.emu is not None:
                asyncio.run_coroutine_threadsafe(self.emu.close(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
