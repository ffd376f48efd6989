"""Run the ClickSend emulator in a child process, so that its CPU is not charged to the client."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from types import TracebackType

__all__ = ["EmulatorProcess"]

USERNAME = "emulator"
API_KEY = "emulator-api-key"
_LISTENING = re.compile(r"listening on (http://\S+)")
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class EmulatorProcess:
    """``python -m clicksend_async.testing`` in a subprocess, started and stopped with ``with``."""

    def __init__(
        self,
        *,
        latency_ms: float = 0,
        rate_limit: int | None = None,
        rate_window: float = 1.0,
        balance: str = "1000000000",
        startup_timeout: float = 30.0,
    ) -> None:
        self.args = [
            sys.executable,
            "-m",
            "clicksend_async.testing",
            "--port",
            "0",
            "--seed",
            "1",
            "--balance",
            balance,
            "--latency-ms",
            f"{latency_ms:g}",
        ]
        if rate_limit is not None:
            self.args += ["--rate-limit", str(rate_limit), "--rate-window", f"{rate_window:g}"]
        self.startup_timeout = startup_timeout
        self.base = ""
        self._proc: subprocess.Popen[str] | None = None
        # Closed in __exit__: the emulator writes its errors here while it runs.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115

    @property
    def command(self) -> str:
        """Return the command line, for the README."""
        return " ".join(["python", *self.args[1:]])

    @property
    def url(self) -> str:
        """Return the direct API base URL (``.../v3``)."""
        return self.base + "/v3"

    @property
    def pid(self) -> int:
        """Return the emulator's process id."""
        assert self._proc is not None
        return self._proc.pid

    def __enter__(self) -> EmulatorProcess:
        self._proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        line: list[str] = []
        reader = threading.Thread(
            target=lambda: line.append(self._proc.stdout.readline() if self._proc.stdout else ""),
            daemon=True,
        )
        reader.start()
        reader.join(self.startup_timeout)
        found = _LISTENING.search(line[0]) if line else None
        if found is None:
            self.__exit__(None, None, None)
            raise RuntimeError(f"the emulator did not start: {line!r} {self.stderr()}")
        self.base = found.group(1).rstrip("/")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        self._stderr.close()

    def stderr(self) -> str:
        """Return what the emulator wrote to stderr so far."""
        try:
            self._stderr.seek(0)
            return self._stderr.read()
        except ValueError:
            return ""

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the emulator process has used so far (Linux)."""
        try:
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, AssertionError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK
