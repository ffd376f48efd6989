"""One worker process for the multi-process limiter tests (tests/test_limiters_processes.py).

``python tests/limiter_worker.py JSON`` where JSON holds ``mode`` and its options. The worker
imports everything, prints ``ready``, reads the start time (a Unix time) from stdin, sleeps
until it, works for ``seconds`` and prints one JSON line with what it saw:

- ``acquire``: ``concurrency`` tasks take permits from the limiter; the result lists the Unix
  time at which each permit was granted.
- ``send``: ``concurrency`` tasks send one-message SMS to the emulator at ``url`` through a
  client whose rate limit is the limiter (or a float: the per-process control); the result
  counts the sends that succeeded and the 429s that were answered (and retried).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from clicksend_async import ClickSendClient, RateLimitError, RetryEvent, SmsMessage
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


async def acquire(spec: dict[str, Any], start: float) -> dict[str, Any]:
    """Take permits for ``seconds`` and return when each was granted."""
    limiter = make_limiter(spec)
    granted: list[float] = []
    end = start + float(spec["seconds"])

    async def task() -> None:
        while time.time() < end:
            await limiter.acquire()
            granted.append(time.time())

    await asyncio.sleep(max(0.0, start - time.time()))
    await asyncio.gather(*(task() for _ in range(int(spec["concurrency"]))))
    await limiter.aclose()
    return {"granted": granted}


async def send(spec: dict[str, Any], start: float) -> dict[str, Any]:
    """Send one-message SMS for ``seconds`` and count successes and 429s."""
    limit: float | RateLimiter = (
        float(spec["rate"]) if spec["backend"] == "local" else make_limiter(spec)
    )
    rate_limited = 0
    gave_up = 0
    sent = 0

    def on_retry(event: RetryEvent) -> None:
        nonlocal rate_limited
        if event.failure == "rate_limited":
            rate_limited += 1

    end = start + float(spec["seconds"])
    async with ClickSendClient(
        username=spec["username"],
        api_key=spec["api_key"],
        base_url=spec["url"],
        rate_limit=limit,
        on_retry=on_retry,
    ) as cs:

        async def task(worker: int) -> None:
            nonlocal sent, gave_up
            n = 0
            while time.time() < end:
                n += 1
                message = SmsMessage(to="+61411111111", body=f"w{worker} n{n}")
                try:
                    await cs.sms.send([message])
                    sent += 1
                except RateLimitError:
                    gave_up += 1

        await asyncio.sleep(max(0.0, start - time.time()))
        await asyncio.gather(*(task(i) for i in range(int(spec["concurrency"]))))
    return {"sent": sent, "rate_limited": rate_limited, "gave_up": gave_up}


def main() -> None:
    """Run the worker described by argv[1]."""
    spec = json.loads(sys.argv[1])
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    work = acquire if spec["mode"] == "acquire" else send
    print(json.dumps(asyncio.run(work(spec, start))), flush=True)


if __name__ == "__main__":
    main()
