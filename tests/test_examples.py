"""Every example runs to completion against the built-in emulator when no credentials are set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = [
    "send_sms.py",
    "send_mms.py",
    "voice_call.py",
    "lists_and_contacts.py",
    "sms_history.py",
    "bulk_campaign.py",
    "list_campaign.py",
]


def _clean_environment() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLICKSEND_", "MATON_"))
    }
    env["PYTHONWARNINGS"] = "default::ResourceWarning"
    return env


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs_offline(script: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=EXAMPLES.parent,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "built-in emulator" in completed.stdout
    assert "ResourceWarning" not in completed.stderr
    assert "Unclosed" not in completed.stderr


@pytest.mark.slow
def test_webhook_server_demo_runs_offline() -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "webhook_server.py")],
        cwd=EXAMPLES.parent,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "receipt" in completed.stdout
    assert "inbound" in completed.stdout
    assert "403" in completed.stdout
    assert "ResourceWarning" not in completed.stderr
