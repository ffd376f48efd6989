"""The standalone emulator: ``python -m clicksend_async.testing``."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from clicksend_async.testing import build_parser, main

LISTENING = re.compile(r"ClickSend emulator listening on (http://127\.0\.0\.1:(\d+))\n")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_subprocess_serves_logs_and_stops_cleanly(
    tmp_path: Path, sig: signal.Signals
) -> None:
    log = tmp_path / "sent.jsonl"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clicksend_async.testing",
        "--port",
        "0",
        "--log",
        str(log),
        "--username",
        "cli",
        "--api-key",
        "cli-key",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        match = LISTENING.fullmatch(line)
        assert match, line
        base = match.group(1)
        auth = {"Authorization": aiohttp.encode_basic_auth("cli", "cli-key")}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            payload = {"messages": [{"to": "+61412345678", "body": "from the CLI test"}]}
            async with session.post(base + "/v3/sms/send", json=payload, headers=auth) as r:
                body = await r.json()
            assert r.status == 200
        [entry] = [json.loads(x) for x in log.read_text().splitlines()]
        assert entry["message_id"] == body["data"]["messages"][0]["message_id"]
        assert entry["body"] == "from the CLI test"
        proc.send_signal(sig)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_parser_defaults_and_options() -> None:
    args = build_parser().parse_args(
        ["--port", "8080", "--faults", "429=0.1,commit-hang=0.01", "--seed", "7", "--balance", "5"]
    )
    assert (args.host, args.port, args.seed, str(args.balance)) == ("127.0.0.1", 8080, 7, "5")
    assert args.faults == "429=0.1,commit-hang=0.01"
    assert build_parser().parse_args([]).port == 0


def test_bad_faults_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--faults", "nope=1"])
    assert exc.value.code == 2
    assert "unknown fault kind" in capsys.readouterr().err
