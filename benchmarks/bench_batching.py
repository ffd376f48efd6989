"""Benchmark the batching sender against one request per message, 1,000 concurrent callers.

Usage::

    .venv/bin/python benchmarks/bench_batching.py                 # 1,000 callers, 50 ms latency
    .venv/bin/python benchmarks/bench_batching.py --quick         # 200 callers
    .venv/bin/python benchmarks/bench_batching.py --callers 5000 --latency-ms 100

The emulator runs in a child process (its CPU is not charged to the client) with the given
per-request latency. Each scenario starts ``callers`` tasks at once, each sending one SMS and
awaiting its own result:

* ``per-message``: ``await cs.sms.send(to=..., body=...)``, one HTTP request each;
* ``batching``: ``await sender.send(to=..., body=...)`` through ``cs.sms.batcher()``.

Both run without a client rate limit (``rate_limit=None``) so that the figures compare the
requests themselves; the line after the table says what the default limit (5 requests a second)
makes of each. Figures are printed, never checked.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

# Measure this checkout (and find the benchmarks package) even when run as a script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._emulator import API_KEY, USERNAME, EmulatorProcess
from clicksend_async import ClickSendClient

DEFAULT_RATE = 5.0


def _number(i: int) -> str:
    return f"+614{i:08d}"


async def _per_message(url: str, callers: int) -> dict[str, Any]:
    async with ClickSendClient(
        username=USERNAME, api_key=API_KEY, base_url=url, rate_limit=None
    ) as cs:
        started, cpu = time.perf_counter(), time.process_time()
        results = await asyncio.gather(
            *(cs.sms.send(to=_number(i), body=f"code {i}") for i in range(callers))
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    accepted = sum(r.queued_count or len(r.accepted) for r in results)
    return {"requests": callers, "accepted": accepted, "wall": wall, "cpu": cpu}


async def _batching(url: str, callers: int, max_delay: float) -> dict[str, Any]:
    async with ClickSendClient(
        username=USERNAME, api_key=API_KEY, base_url=url, rate_limit=None
    ) as cs:
        started, cpu = time.perf_counter(), time.process_time()
        async with cs.sms.batcher(max_delay=max_delay) as sender:
            results = await asyncio.gather(
                *(sender.send(to=_number(i), body=f"code {i}") for i in range(callers))
            )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        requests = sender.requests_sent
    accepted = sum(1 for r in results if r.accepted)
    return {"requests": requests, "accepted": accepted, "wall": wall, "cpu": cpu}


def run(
    *, callers: int = 1000, latency_ms: float = 50.0, max_delay: float = 0.005
) -> dict[str, Any]:
    """Run both scenarios against a fresh emulator process each and return the figures."""
    figures: dict[str, Any] = {"callers": callers, "latency_ms": latency_ms}
    with EmulatorProcess(latency_ms=latency_ms) as emu:
        figures["per-message"] = asyncio.run(_per_message(emu.url, callers))
    with EmulatorProcess(latency_ms=latency_ms) as emu:
        figures["batching"] = asyncio.run(_batching(emu.url, callers, max_delay))
    return figures


def _table(figures: dict[str, Any]) -> str:
    lines = [
        f"{figures['callers']} concurrent callers, one SMS each; emulator latency "
        f"{figures['latency_ms']:g} ms per request",
        "",
        "| scenario | HTTP requests | accepted | wall s | messages/s | client CPU ms/message |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("per-message", "batching"):
        row = figures[name]
        lines.append(
            f"| {name} | {row['requests']} | {row['accepted']} | {row['wall']:.3f} | "
            f"{row['accepted'] / row['wall']:.0f} | "
            f"{row['cpu'] * 1000 / figures['callers']:.3f} |"
        )
    single, batch = figures["per-message"], figures["batching"]
    lines += [
        "",
        f"batching: {single['wall'] / batch['wall']:.1f}x faster, "
        f"{single['requests'] / max(batch['requests'], 1):.0f}x fewer requests, "
        f"{single['cpu'] / max(batch['cpu'], 1e-9):.1f}x less client CPU",
        f"at the default rate limit ({DEFAULT_RATE:g} requests/s) the per-message run would "
        f"take at least {single['requests'] / DEFAULT_RATE:.0f} s; the batching run "
        f"{max(batch['requests'] - 1, 0) / DEFAULT_RATE:.1f} s of pacing",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--max-delay", type=float, default=0.005, help="batching delay, s")
    parser.add_argument("--quick", action="store_true", help="200 callers")
    args = parser.parse_args(argv)
    callers = 200 if args.quick else args.callers
    print(_table(run(callers=callers, latency_ms=args.latency_ms, max_delay=args.max_delay)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
