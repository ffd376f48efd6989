"""Helpers shared by the command-line tests."""

from __future__ import annotations

import asyncio
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
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


@dataclass
class Emulator:
    url: str
    log: Path


@contextmanager
def emulator_process(tmp_path: Path, *options: str) -> Iterator[Emulator]:
    """Run the standalone emulator; yield its API URL and log path; always stop it."""
    log = tmp_path / "emulator.log"
    command = [sys.executable, "-m", "clicksend_async.testing", "--port", "0"]
    command += ["--log", str(log), "--balance", "100000", *options]
    stderr = (tmp_path / "emulator.err").open("w")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the emulator did not start in 15 s"
        line = proc.stdout.readline()
        prefix = "ClickSend emulator listening on "
        assert line.startswith(prefix), line
        yield Emulator(url=line[len(prefix) :].strip() + "/v3", log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
        stderr.close()
