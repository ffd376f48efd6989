"""Run the ClickSend emulator in a child process, so that its CPU is not charged to the client.

With ``record_in=DIR`` the emulator also writes what it saw, which the scenarios read after it
stopped: ``DIR/requests.jsonl`` (``--request-log``: one line per request, its arrival time on
this host's clock, path and status) and ``DIR/messages.jsonl`` (``--log``: one line per
accepted message). :func:`traffic` and :func:`texted` summarise them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from types import TracebackType

import attrs

__all__ = ["EmulatorProcess", "Texted", "Traffic", "texted", "traffic"]

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
        faults: str | None = None,
        record_in: Path | None = None,
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
        if faults is not None:
            self.args += ["--faults", faults]  # drawn from the --seed above: reproducible
        self.record_in = record_in
        if record_in is not None:
            self.args += ["--request-log", str(self.requests_log), "--log", str(self.messages_log)]
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
    def requests_log(self) -> Path:
        """Return the request log (``--request-log``) of an emulator started with ``record_in``."""
        if self.record_in is None:
            raise RuntimeError("this emulator keeps no logs: give record_in=DIR")
        return self.record_in / "requests.jsonl"

    @property
    def messages_log(self) -> Path:
        """Return the message log (``--log``) of an emulator started with ``record_in``."""
        if self.record_in is None:
            raise RuntimeError("this emulator keeps no logs: give record_in=DIR")
        return self.record_in / "messages.jsonl"

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


@attrs.frozen(kw_only=True)
class Traffic:
    """What the emulator's request log says about one client run."""

    #: Requests by API path (``/sms/send``, ``/sms/price``, ``/account`` ...), every status.
    by_path: Counter[str]
    #: Answers by status, every path (``None``: no answer left, the client went away).
    by_status: Counter[int | None]
    #: ``/sms/send`` requests answered 500 (``commit-drop`` closes the connection, then 500).
    sends_500: int
    #: Seconds from ``since`` to the arrival of the first request, the first ``/sms/send``, and
    #: the last request of any kind (None when there was none).
    first_request: float | None
    first_send: float | None
    last_request: float | None

    def count(self, path: str) -> int:
        """Return the number of requests to ``path`` (or, ending in ``*``, under it)."""
        if path.endswith("*"):
            return sum(n for p, n in self.by_path.items() if p.startswith(path[:-1]))
        return self.by_path.get(path, 0)


def traffic(log: Path, since: float) -> Traffic:
    """Summarise a ``--request-log`` file; times are seconds after ``since`` (Unix time)."""
    by_path: Counter[str] = Counter()
    by_status: Counter[int | None] = Counter()
    sends_500 = 0
    first = first_send = last = None
    with log.open(encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            path = entry["path"].removeprefix("/v3")
            status = entry["status"]
            by_path[path] += 1
            by_status[status] += 1
            at = entry["t"] - since
            first = at if first is None else min(first, at)
            last = at if last is None else max(last, at)
            if path == "/sms/send":
                first_send = at if first_send is None else min(first_send, at)
                sends_500 += status == 500
    return Traffic(
        by_path=by_path,
        by_status=by_status,
        sends_500=sends_500,
        first_request=first,
        first_send=first_send,
        last_request=last,
    )


@attrs.frozen(kw_only=True)
class Texted:
    """How often each expected recipient was texted, from the emulator's message log."""

    expected: int
    once: int
    twice_or_more: int
    missing: int
    unexpected: int

    @property
    def exactly_once(self) -> bool:
        """Return whether every expected recipient got exactly one message, and nobody else."""
        return self.once == self.expected and not (self.twice_or_more or self.unexpected)

    def describe(self) -> str:
        """Return ``N once, 0 twice+, 0 missing`` for the table."""
        text = f"{self.once:,} once, {self.twice_or_more:,} twice+, {self.missing:,} missing"
        return text + (f", {self.unexpected:,} unexpected" if self.unexpected else "")


def texted(log: Path, numbers: set[str]) -> Texted:
    """Count the messages of a ``--log`` file per recipient against the expected ``numbers``."""
    seen: Counter[str] = Counter()
    with log.open(encoding="utf-8") as handle:
        for line in handle:
            seen[json.loads(line)["to"]] += 1
    return Texted(
        expected=len(numbers),
        once=sum(1 for to, n in seen.items() if n == 1 and to in numbers),
        twice_or_more=sum(1 for n in seen.values() if n > 1),
        missing=sum(1 for to in numbers if to not in seen),
        unexpected=sum(1 for to in seen if to not in numbers),
    )
