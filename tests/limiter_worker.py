"""Worker processes for the multi-process limiter tests and benchmarks, and the parent's side.

The parent (tests/test_limiters_processes.py, benchmarks/bench_limiters.py) calls
:func:`run_workers`.

``python tests/limiter_worker.py JSON`` where JSON holds ``mode`` and its options. The worker
takes one permit (so that connecting is done), prints ``ready``, reads the start time (a Unix
time) from stdin, sleeps until it, works for ``seconds`` and prints one JSON line with what it
saw:

- ``acquire``: ``concurrency`` tasks take permits from the limiter; the result lists the Unix
  time at which each permit was granted.
- ``send``: ``concurrency`` tasks send one-message SMS to the emulator at ``url`` through a
  client whose rate limit is the limiter (or a float: the per-process control); the result
  counts the sends that succeeded, the 429s that were answered (and retried), and the sends
  refused with RateLimiterUnavailableError (the limiter's server was away).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from clicksend_async import (
    ClickSendClient,
    RateLimitError,
    RateLimiterUnavailableError,
    RetryEvent,
    SmsMessage,
)
from clicksend_async.limiters import (
    LocalRateLimiter,
    PostgresRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)


def make_limiter(spec: dict[str, Any]) -> RateLimiter:
    """Build the limiter the parent asked for."""
    backend, rate = spec["backend"], float(spec["rate"])
    if backend == "redis":
        return RedisRateLimiter(spec["server"], rate=rate, account=spec.get("account"))
    if backend == "postgres":
        return PostgresRateLimiter(spec["server"], rate=rate, account=spec.get("account"))
    return LocalRateLimiter(rate)


async def _released() -> float:
    """Say ``ready`` and wait for the parent's start time; return it."""
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    start = float(line)
    await asyncio.sleep(max(0.0, start - time.time()))
    return start


async def acquire(spec: dict[str, Any]) -> dict[str, Any]:
    """Take permits for ``seconds`` and return when each was granted."""
    limiter = make_limiter(spec)
    # One permit before the start: connections, script loading and lazy imports are done
    # before the clock runs (on a busy machine they take a good part of a second).
    await limiter.acquire()
    start = await _released()
    granted: list[float] = []
    end = start + float(spec["seconds"])

    async def task() -> None:
        while time.time() < end:
            await limiter.acquire()
            granted.append(time.time())

    await asyncio.gather(*(task() for _ in range(int(spec["concurrency"]))))
    await limiter.aclose()
    return {"granted": granted}


async def send(spec: dict[str, Any]) -> dict[str, Any]:
    """Send one-message SMS for ``seconds`` and count successes and 429s."""
    limit: float | RateLimiter = (
        float(spec["rate"]) if spec["backend"] == "local" else make_limiter(spec)
    )
    rate_limited = 0
    gave_up = 0
    sent = 0
    unavailable = 0

    def on_retry(event: RetryEvent) -> None:
        nonlocal rate_limited
        if event.failure == "rate_limited":
            rate_limited += 1

    async with ClickSendClient(
        username=spec["username"],
        api_key=spec["api_key"],
        base_url=spec["url"],
        rate_limit=limit,
        on_retry=on_retry,
    ) as cs:
        # One permit and one connection before the start, as for ``acquire``; a GET, so that
        # only sends are counted. A 429 it may earn (the control) is counted like any other.
        await cs.account.get()
        start = await _released()
        end = start + float(spec["seconds"])

        async def task(worker: int) -> None:
            nonlocal sent, gave_up, unavailable
            n = 0
            while time.time() < end:
                n += 1
                message = SmsMessage(to="+61411111111", body=f"w{worker} n{n}")
                try:
                    await cs.sms.send([message])
                    sent += 1
                except RateLimitError:
                    gave_up += 1
                except RateLimiterUnavailableError:
                    # Failed closed: nothing left. A real worker would back off; so do we.
                    unavailable += 1
                    await asyncio.sleep(0.05)

        await asyncio.gather(*(task(i) for i in range(int(spec["concurrency"]))))
    return {
        "sent": sent,
        "rate_limited": rate_limited,
        "gave_up": gave_up,
        "unavailable": unavailable,
    }


ROOT = Path(__file__).resolve().parent.parent
WORKER = str(Path(__file__).resolve())


async def run_workers(
    specs: list[dict[str, Any]], during: Callable[[float], Awaitable[None]] | None = None
) -> tuple[float, list[dict[str, Any]]]:
    """Start one process per spec, release them at one instant, and return their results.

    ``during(start)``, if given, runs while they work (to take a server away, say).
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            WORKER,
            json.dumps(spec),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        for spec in specs
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
            if line != b"ready\n":
                _, err = await proc.communicate()
                raise RuntimeError(f"a worker did not start: {line!r}\n{err.decode()}")
        # A moment for the last one to reach its sleep: every process starts at the same time.
        start = time.time() + 0.5
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{start!r}\n".encode())
            await proc.stdin.drain()
            proc.stdin.close()
        if during is not None:
            await during(start)
        results = []
        for proc in procs:
            out, err = await asyncio.wait_for(proc.communicate(), 120)
            assert proc.returncode == 0, err.decode()
            results.append(json.loads(out.decode().splitlines()[-1]))
        return start, results
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


def busiest_window(times: list[float], width: float = 1.0) -> int:
    """Return the most permits granted in any interval [t, t + width)."""
    times = sorted(times)
    best = first = 0
    for last, t in enumerate(times):
        while t - times[first] >= width:
            first += 1
        best = max(best, last - first + 1)
    return best


def main() -> None:
    """Run the worker described by argv[1]."""
    spec = json.loads(sys.argv[1])
    work = acquire if spec["mode"] == "acquire" else send
    print(json.dumps(asyncio.run(work(spec))), flush=True)


if __name__ == "__main__":
    main()
