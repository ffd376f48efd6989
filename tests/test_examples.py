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
    "campaign_script.py",
    "worker_pool.py",
    "fastapi_app.py",
    "receipts_and_replies.py",
    "mms_with_upload.py",
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


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=EXAMPLES.parent,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_fastapi_app_coalesces_sends_and_takes_its_webhooks() -> None:
    completed = _run("fastapi_app.py")
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "4 notifications went out in 1 ClickSend request(s)" in out
    assert "not a number: 422" in out
    assert "wrong secret gets 403" in out
    assert out.count("receipt cs-") == 3
    assert "failed" in out and "delivered" in out
    assert "inbound reply from" in out and "'STOP'" in out


@pytest.mark.slow
def test_worker_pool_never_resends_an_unknown_outcome() -> None:
    completed = _run("worker_pool.py", "120")
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "121 jobs, 8 workers" in out
    assert "'invalid': 1" in out
    # Every message the emulator processed was sent exactly once, unknown outcomes included.
    assert "120 messages in" in out
    assert "the emulator processed 120 messages" in out


@pytest.mark.slow
def test_campaign_script_collects_receipts_with_structured_logs() -> None:
    completed = _run("campaign_script.py", "--rows", "300")
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "sent 300" in out
    assert "receipts matched to rows: 300" in out
    assert "'delivered': 294, 'failed': 6" in out
    assert "HTTP statuses seen by the hook" in out
