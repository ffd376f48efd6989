"""Fixtures for the command-line tests: an emulator on a background loop, a CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import CREDENTIAL_VARS, ThreadedEmulator
from click.testing import CliRunner

from clicksend_async.testing import ClickSendEmulator


@pytest.fixture
def emulator() -> Iterator[ClickSendEmulator]:
    """Yield a started emulator (plenty of balance) on a background loop."""
    with ThreadedEmulator(balance=10_000, receipt_delay=0) as emu:
        yield emu


@pytest.fixture
def runner() -> CliRunner:
    """Return a CliRunner with no ClickSend credentials in its environment."""
    return CliRunner(env=dict.fromkeys(CREDENTIAL_VARS))


@pytest.fixture
def recipients_csv(tmp_path: Path) -> Path:
    """Write a small recipients CSV (5 valid rows, 1 malformed number) and return its path."""
    path = tmp_path / "people.csv"
    lines = ["phone,first_name,city"]
    lines += [f"+6149157{i:04d},Name{i},Perth" for i in range(1, 6)]
    lines.append("+61 4 nope,Bad,Perth")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
