"""A campaign in a pseudo-terminal, as a person sees it: the plan, the prompt, live progress with
rate and ETA, then Ctrl-C: the summary and the command that resumes it."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import emulator_process

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal"),
]

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
ROWS = 400


class Terminal:
    """A process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.raw = b""

    @property
    def screen(self) -> str:
        """Return everything shown so far, without escape sequences."""
        return ANSI.sub("", self.raw.decode("utf-8", errors="replace"))

    def read(self, timeout: float = 0.1) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):  # EIO: the other side is closed
                self.raw += os.read(self.master, 65536)

    def wait_for(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.screen)
            if found:
                return found
            assert self.proc.poll() is None or self._drain(), self.screen[-2000:]
            self.read()
        raise AssertionError(f"{pattern!r} not shown in {timeout} s:\n{self.screen[-3000:]}")

    def _drain(self) -> bool:
        self.read(0.2)
        return False

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read()
        for _ in range(20):
            before = len(self.raw)
            self.read(0.05)
            if len(self.raw) == before:
                break
        code = self.proc.wait(5)
        os.close(self.master)
        return code


def test_a_person_sees_the_plan_progress_eta_and_the_summary(tmp_path: Path) -> None:
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(
        "phone,first_name\n" + "".join(f"+6142{row:07d},Name{row}\n" for row in range(1, ROWS + 1)),
        encoding="utf-8",
    )
    journal = tmp_path / "campaign.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATON_", "CLICKSEND_"))}
    env.update(
        CLICKSEND_USERNAME="emulator",
        CLICKSEND_API_KEY="emulator-api-key",
        TERM="xterm-256color",
        COLUMNS="110",
        LINES="40",
    )
    env.pop("NO_COLOR", None)
    with emulator_process(tmp_path, "--latency-ms", "120") as emu:
        command = [sys.executable, "-m", "clicksend_async", "--base-url", emu.url, "--rate", "0"]
        command += ["campaign", str(recipients), "--body", "Hi {first_name}, your order is ready"]
        command += ["--journal", str(journal), "--chunk-size", "10", "--concurrency", "1"]
        term = Terminal(command, env)
        try:
            term.wait_for(r"Send 400 messages \(31\.6800 AUD\)\? \[y/N\]")
            assert "campaign plan: recipients.csv" in term.screen
            assert re.search(r"cost\s+31\.6800 AUD", term.screen)
            term.type("y\r")
            # Live progress: the bar, the counts, the rate and an ETA that is a time.
            progress = term.wait_for(
                r"sending.*?(\d+)/400\s+sent (\d+) · rejected 0 · unknown 0 · (\d+)/s · "
                r"ETA (\d+:\d\d)"
            )
            assert int(progress.group(2)) >= 10 and int(progress.group(3)) > 0
            term.wait_for(r"sent (?:[5-9]\d|\d{3}) ·")
            os.kill(term.proc.pid, signal.SIGINT)  # what Ctrl-C sends
            term.wait_for(r"stopping: no new requests")
            code = term.finish()
        finally:
            if term.proc.poll() is None:
                term.proc.kill()
                term.proc.wait(5)
    screen = term.screen
    assert code == 130, screen[-3000:]
    summary = screen[screen.index("campaign stopped (SIGINT)") :]
    sent = int(re.search(r"sent\s+(\d+)", summary).group(1))  # type: ignore[union-attr]
    # Stopped before they were attempted: "not attempted" (skipped), resumable.
    not_sent = int(re.search(r"not attempted\s+(\d+)", summary).group(1))  # type: ignore[union-attr]
    assert 0 < sent < ROWS and sent + not_sent == ROWS
    assert f"{not_sent} rows not sent yet; resume it with:" in summary
    assert f"--journal {journal} --resume" in summary
    assert "Traceback" not in screen
