"""Measure the emulator's CPU cost of a 1000-message ``/sms/send`` (not collected by pytest).

Run: ``.venv/bin/python tests/testing/bench_emulator.py``

* in-process: ``time.process_time()`` around 100 sends through ``Service.dispatch`` (the handler,
  JSON decode and encode included; HTTP parsing and the client excluded), every body distinct
  so the segment cache does not help;
* end to end: the same 100 sends over HTTP to ``python -m clicksend_async.testing`` in a child
  process, its CPU read from ``/proc/<pid>/stat`` (Linux only), aiohttp's HTTP layer included.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from pathlib import Path
from unittest import mock

import aiohttp
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request
from aiohttp.web import StreamResponse

from clicksend_async.testing import ClickSendEmulator

ROUNDS = 100
BATCH = 1000


def bodies() -> list[bytes]:
    """Return ROUNDS request bodies of BATCH distinct personalised messages each."""
    out = []
    for r in range(ROUNDS):
        messages = [
            {
                "to": f"+614{(r * BATCH + i) % 100_000_000:08d}",
                "body": f"Hi customer {r}-{i}, your order #{r * BATCH + i} has shipped. Reply STOP",
                "custom_string": f"order-{r}-{i}",
            }
            for i in range(BATCH)
        ]
        out.append(json.dumps({"messages": messages}).encode())
    return out


def _payload(data: bytes) -> StreamReader:
    reader = StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop())
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def in_process(payloads: list[bytes]) -> float:
    emulator = ClickSendEmulator(balance="1000000", record_requests=False)
    service = emulator._service  # the handler under test, without the HTTP server around it
    auth = "Basic " + base64.b64encode(b"emulator:emulator-api-key").decode()
    spent = 0.0
    for body in payloads:
        request = make_mocked_request(
            "POST",
            "/v3/sms/send",
            headers={
                "Authorization": auth,
                "Content-Type": "application/json",
                "Content-Length": str(len(body)),
            },
            payload=_payload(body),
        )
        start = time.process_time()
        response: StreamResponse = await service.dispatch(request)
        spent += time.process_time() - start
        assert response.status == 200, response.status
    assert len(emulator.sent) == ROUNDS * BATCH
    return spent / ROUNDS


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def end_to_end(payloads: list[bytes]) -> float:
    cmd = [sys.executable, "-m", "clicksend_async.testing", "--port", "0", "--balance", "1000000"]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        base = (await proc.stdout.readline()).decode().strip().rsplit(" ", 1)[1]
        auth = "Basic " + base64.b64encode(b"emulator:emulator-api-key").decode()
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/v3/sms/send", data=payloads[0], headers=headers):
                pass  # warm-up
            before = _cpu_seconds(proc.pid)
            for body in payloads:
                async with session.post(base + "/v3/sms/send", data=body, headers=headers) as r:
                    await r.read()
                    assert r.status == 200
            after = _cpu_seconds(proc.pid)
        return (after - before) / ROUNDS
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


async def main() -> None:
    payloads = bodies()
    per_request = await in_process(payloads)
    print(f"in-process dispatch: {per_request * 1000:.2f} ms CPU per {BATCH}-message send")
    if sys.platform.startswith("linux"):
        per_request = await end_to_end(payloads)
        print(f"server process:      {per_request * 1000:.2f} ms CPU per {BATCH}-message send")


if __name__ == "__main__":
    asyncio.run(main())
