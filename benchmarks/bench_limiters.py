"""Shared rate limiters across processes: achieved rate, busiest 1-second window, 429s.

    .venv/bin/python -m benchmarks.bench_limiters             # 10 s per run, about 3 minutes
    .venv/bin/python -m benchmarks.bench_limiters --seconds 3 # quicker, noisier

Starts its own PostgreSQL and Redis on free loopback ports (tests/servers.py, so it needs the
same binaries as the tests) and runs the tests' worker processes (tests/limiter_worker.py):

1. accuracy: N processes (4, 8) x 2 tasks each take permits for one account at R req/s
   (10, 50) from RedisRateLimiter and PostgresRateLimiter; reported: permits per second over the
   run and its ratio to R (target >= 0.95), and the most permits in any 1-second window
   (target <= R + 2 %).
2. against the emulator's fixed window (10 per 1 s): 4 processes x 2 tasks send one-message
   SMS for the run's length with the shared limiter at 10/s, and, as the control, each with its
   own 10/s local limiter; reported: sends that succeeded and 429 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from limiter_worker import busiest_window, run_workers  # noqa: E402
from servers import PostgresServer, RedisServer  # noqa: E402

from clicksend_async.testing import ClickSendEmulator  # noqa: E402


async def accuracy(
    backend: str, server: str, processes: int, rate: int, seconds: float
) -> dict[str, Any]:
    """Run one accuracy scenario and return its figures."""
    spec = {
        "mode": "acquire",
        "backend": backend,
        "server": server,
        "rate": rate,
        "account": f"bench-{backend}-{processes}-{rate}",
        "seconds": seconds,
        "concurrency": 2,
    }
    start, results = await run_workers([spec] * processes)
    granted = [t for r in results for t in r["granted"]]
    achieved = len([t for t in granted if t < start + seconds]) / seconds
    busiest = busiest_window(granted)
    return {
        "backend": backend,
        "processes": processes,
        "rate": rate,
        "achieved": achieved,
        "ratio": achieved / rate,
        "busiest": busiest,
        "busiest_ratio": busiest / rate,
    }


async def against_emulator(backend: str, server: str, seconds: float) -> dict[str, Any]:
    """Run 4 sending processes against the emulator's 10-per-second window."""
    async with ClickSendEmulator(rate_limit=10, rate_window=1.0, balance=10**6) as emu:
        spec = {
            "mode": "send",
            "backend": backend,
            "server": server,
            "rate": 10,
            "url": emu.url,
            "username": emu.username,
            "api_key": emu.api_key,
            "seconds": seconds,
            "concurrency": 2,
        }
        _, results = await run_workers([spec] * 4)
    return {
        "backend": backend,
        "sent": sum(r["sent"] for r in results),
        "rate_limited": sum(r["rate_limited"] for r in results),
        "seconds": seconds,
    }


async def main(seconds: float) -> None:
    """Run every scenario and print Markdown tables."""
    postgres, redis = PostgresServer(), RedisServer()
    try:
        postgres.start()
        redis.start()
        servers = {"redis": redis.url, "postgres": postgres.create_database()}
        print(
            f"| limiter | processes | target req/s | achieved req/s ({seconds:g} s) | ratio "
            "| busiest 1 s window | / target |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for backend, server in servers.items():
            for processes in (4, 8):
                for rate in (10, 50):
                    row = await accuracy(backend, server, processes, rate, seconds)
                    print(
                        f"| {backend} | {processes} | {rate} | {row['achieved']:.2f} | "
                        f"{row['ratio']:.3f} | {row['busiest']} | {row['busiest_ratio']:.3f} |",
                        flush=True,
                    )
        print()
        print(
            f"| 4 processes x 2 tasks, emulator at 10 per 1 s | sends in {seconds:g} s "
            "| 429 answers |"
        )
        print("|---|---:|---:|")
        for backend, server in [*servers.items(), ("local", "")]:
            row = await against_emulator(backend, server, seconds)
            label = "per-process 10/s (control)" if backend == "local" else f"shared {backend}"
            print(f"| {label} | {row['sent']} | {row['rate_limited']} |", flush=True)
    finally:
        postgres.close()
        redis.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    asyncio.run(main(parser.parse_args().seconds))
