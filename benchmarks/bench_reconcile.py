"""Benchmark reconciliation: history requests per chunk in doubt, and wall time under lost answers.

Usage::

    .venv/bin/python benchmarks/bench_reconcile.py            # the full set (a few minutes)
    .venv/bin/python benchmarks/bench_reconcile.py --quick    # small sizes, seconds

Three tables, printed (never checked):

1. **Requests per chunk in doubt by campaign size** (5k, 20k, 50k, 100k rows, chunks of 1,000):
   10 % of send answers are lost after ClickSend committed them (``commit-drop``); the figure is
   the reconciler's history requests divided by the chunks it had to settle. A chunk's own
   history is 10 pages (1,000 messages at 100 a page); the target is at most 2x that.
2. **The same with an account that already has history**: 1M older messages (days ago) and 100k
   recent ones (the last minutes, other recipients) are loaded into the emulator first.
3. **Wall time with 10 % of answers lost vs none**, 100k rows (20k with ``--quick``), the client
   at 50 requests a second against an emulator with 100 ms latency.

The emulator runs in this process (its history pages are indexed: a page costs what the page
costs); the settle time is 0.5 s (the default is 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clicksend_async.bulk import SMS, BulkJob
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.testing._state import MessageRecord


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "name": f"N{i}"} for i in range(n)]


def _seed_history(emu: ClickSendEmulator, older: int, recent: int) -> None:
    """Load ``older`` messages from days ago and ``recent`` ones from the last minutes."""
    world = emu._world
    now = world.clock()
    price = Decimal("0.0792")
    records = world.messages
    for i in range(older):
        when = now - 3 * 86_400 + i * (2 * 86_400 / max(older, 1))
        records.append(_record(f"O{i:09d}", f"+6143{i % 10_000_000:07d}", when, price))
    for i in range(recent):
        when = now - 600 + i * (590 / max(recent, 1))
        records.append(_record(f"R{i:09d}", f"+6144{i:07d}", when, price))


def _record(mid: str, to: str, when: float, price: Decimal) -> MessageRecord:
    return MessageRecord(
        "sms",
        mid,
        to,
        "older message",
        "+61411111111",
        None,
        f"old-{mid}",
        None,
        when,
        1,
        price,
        "0.0792",
        "AU",
        "GSM-7",
        None,
        None,
        None,
        None,
        when + 1,
        False,
        True,
    )


async def _campaign(
    rows: int,
    *,
    lost: float,
    older: int = 0,
    recent: int = 0,
    rate: float | None = None,
    latency_ms: float = 0,
) -> dict[str, Any]:
    faults = {"/sms/send": {"commit-drop": lost}} if lost else None
    async with ClickSendEmulator(
        balance=10**9, faults=faults, seed=7, latency_ms=latency_ms, record_requests=False
    ) as emu:
        if older or recent:
            _seed_history(emu, older, recent)
        async with emu.client(rate_limit=rate) as cs:
            job = BulkJob(
                cs.session,
                SMS,
                _rows(rows),
                body="Hi {name}, your order is ready",
                chunk_size=1000,
                concurrency=4,
                reconcile_settle=0.5,
                preflight=False,
                check_balance=False,
                throttle_pause=0.1,
            )
            started = time.perf_counter()
            with await job.run() as report:
                wall = time.perf_counter() - started
                sent, unknown = report.sent, report.unknown
            doubted = job.reconciler.chunks_settled
            sends = Counter_sends(emu)
    return {
        "rows": rows,
        "sent": sent,
        "unknown": unknown,
        "twice": sends,
        "chunks_in_doubt": doubted,
        "history_requests": job.reconciler.requests,
        "per_chunk": job.reconciler.requests / doubted if doubted else 0.0,
        "wall": wall,
    }


def Counter_sends(emu: ClickSendEmulator) -> int:
    """Return how many recipients got more than one message (must be 0)."""
    seen: dict[str, int] = {}
    for m in emu.sent:
        seen[m.to] = seen.get(m.to, 0) + 1
    return sum(1 for c in seen.values() if c > 1)


def _print_table(title: str, results: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    print("| rows | chunks in doubt | history requests | per chunk in doubt | twice | unknown |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['rows']:,} | {r['chunks_in_doubt']} | {r['history_requests']} | "
            f"{r['per_chunk']:.1f} | {r['twice']} | {r['unknown']} |"
        )


async def main(quick: bool) -> None:
    random.seed(7)
    logging.getLogger("clicksend_async").setLevel(logging.ERROR)
    sizes = [5_000, 20_000] if quick else [5_000, 20_000, 50_000, 100_000]
    results = [await _campaign(n, lost=0.1) for n in sizes]
    _print_table("1. History requests per chunk in doubt (10 % of answers lost)", results)

    older, recent = (100_000, 10_000) if quick else (1_000_000, 100_000)
    with_history = [await _campaign(20_000, lost=0.1, older=older, recent=recent)]
    _print_table(
        f"2. With {older:,} older and {recent:,} recent messages in the account (20k rows)",
        with_history,
    )

    rows = 20_000 if quick else 100_000
    clean = await _campaign(rows, lost=0.0, rate=50.0, latency_ms=100)
    faulty = await _campaign(rows, lost=0.1, rate=50.0, latency_ms=100)
    print(f"\n3. Wall time, {rows:,} rows at 50 requests/s, 100 ms latency")
    print("| answers lost | wall time | history requests | texted twice | ratio to no faults |")
    print("|---|---|---|---|---|")
    for label, r in (("none", clean), ("10 %", faulty)):
        print(
            f"| {label} | {r['wall']:.1f} s | {r['history_requests']} | {r['twice']} | "
            f"{r['wall'] / clean['wall']:.2f}x |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    asyncio.run(main(parser.parse_args().quick))
