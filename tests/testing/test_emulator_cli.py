"""The standalone emulator: ``python -m clicksend_async.testing``."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from clicksend_async.testing import ClickSendEmulator, build_parser, main
from clicksend_async.testing._cli import request_logger

LISTENING = re.compile(r"ClickSend emulator listening on (http://127\.0\.0\.1:(\d+))\n")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_subprocess_serves_logs_and_stops_cleanly(
    tmp_path: Path, sig: signal.Signals
) -> None:
    log = tmp_path / "sent.jsonl"
    requests = tmp_path / "requests.jsonl"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clicksend_async.testing",
        "--port",
        "0",
        "--log",
        str(log),
        "--request-log",
        str(requests),
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
        [request] = [json.loads(x) for x in requests.read_text().splitlines()]
        assert (request["method"], request["path"], request["status"]) == (
            "POST",
            "/v3/sms/send",
            200,
        )
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


def test_request_log_switch_is_parsed() -> None:
    assert build_parser().parse_args(["--request-log", "r.jsonl"]).request_log == "r.jsonl"
    assert build_parser().parse_args([]).request_log is None


async def test_request_logger_writes_arrival_time_path_and_status_of_every_request(
    tmp_path: Path,
) -> None:
    path = tmp_path / "requests.jsonl"
    emu = ClickSendEmulator(rate_limit=1, rate_window=60.0, latency_ms=20)
    with path.open("a", encoding="utf-8") as handle:
        emu.app.middlewares.append(request_logger(handle))
        good = {"Authorization": aiohttp.encode_basic_auth(emu.username, emu.api_key)}
        bad = {"Authorization": aiohttp.encode_basic_auth(emu.username, "wrong-key")}
        before = time.time()
        async with emu, aiohttp.ClientSession() as session:
            for headers in (good, bad, good):
                async with session.get(emu.url + "/account", headers=headers) as resp:
                    await resp.read()
        after = time.time()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [
        ("GET", "/v3/account", 200),
        ("GET", "/v3/account", 401),
        ("GET", "/v3/account", 429),
    ]
    times = [x["t"] for x in lines]
    assert before <= times[0] <= times[1] <= times[2] <= after
    assert "wrong-key" not in path.read_text()
    assert emu.api_key not in path.read_text()
