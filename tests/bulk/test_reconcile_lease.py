"""One reconciler per campaign, and takeovers during a run, on a real PostgreSQL.

Several workers (each its own client and store, as on separate hosts) send one campaign through
one emulator. Chunks in doubt of every worker are settled by one coalesced history read held
under the campaign's reconciler lease; a worker with nothing left to claim waits for the rows
other workers hold, and takes over those of a holder that died.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from typing import Any

from clicksend_async.bulk import PostgresStore, campaign_status
from clicksend_async.testing import ClickSendEmulator

BODY = "Hi {first_name}, the sale starts today"


def name() -> str:
    return f"r-{uuid.uuid4().hex[:12]}"


def recipients(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(n)]


class WithoutLease(PostgresStore):
    """The control: a shared store whose reconciler lease is switched off (each worker then
    reconciles its own chunks with its own read, as before the lease was used)."""

    acquire_reconciler = None  # type: ignore[assignment]


async def plan(cs: Any, dsn: str, campaign: str, people: Any, chunk_size: int) -> None:
    planner = PostgresStore(dsn, campaign)
    try:
        await cs.sms.bulk(people, body=BODY, store=planner, chunk_size=chunk_size).plan()
    finally:
        await planner.close()


def reads(emu: ClickSendEmulator) -> list[dict[str, Any]]:
    """Return the history requests (query strings) the reconcilers made, in order."""
    return [dict(r.query) for r in emu.requests if r.path == "/sms/history"]


async def burst(dsn: str, store_type: type[PostgresStore]) -> tuple[list[dict[str, Any]], Any]:
    """Four workers, the first request of each answered 500 after the server committed it."""
    campaign = name()
    people = recipients(600)
    # 200 ms a send: each worker's first chunk is in flight before any answer comes, so the
    # four faults hit four workers' chunks. A history that lags a second: each worker's
    # look at once (Reconciler.confirm) finds nothing, and the chunks wait for the read.
    async with ClickSendEmulator(
        balance=10_000, latency_ms={"/sms/send": 200}, history_lag=1.0
    ) as emu:
        async with emu.client(rate_limit=None) as cs:
            await plan(cs, dsn, campaign, people, chunk_size=100)
        emu.inject("commit-500", path="/sms/send", times=4)
        clients = [emu.client(rate_limit=None) for _ in range(4)]
        stores = [store_type(dsn, campaign) for _ in range(4)]
        try:
            reports = await asyncio.gather(
                *(
                    c.bulk.work(s, concurrency=1, reconcile_settle=2.0)
                    for c, s in zip(clients, stores, strict=True)
                )
            )
            status = await campaign_status(stores[0])
            doubted = await _owners_in_doubt(dsn, campaign)
        finally:
            for s in stores:
                await s.close()
            for c in clients:
                await c.aclose()
        for report in reports:
            report.close()
        sent = Counter(m.to for m in emu.sent)
        assert set(sent) == {p["to"] for p in people} and max(sent.values()) == 1
        assert status.finished and status.counts["sent"] == 600
        assert doubted >= 2, "the faults should have hit chunks of several workers"
        return reads(emu), emu


async def _owners_in_doubt(dsn: str, campaign: str) -> int:
    """Return how many workers had a chunk that went in doubt (an error was recorded)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(DISTINCT owner) FROM clicksend_async.chunks "
                "WHERE campaign = $1 AND error IS NOT NULL",
                campaign,
            )
        )
    finally:
        await conn.close()


def scans(history: list[dict[str, Any]]) -> int:
    """Return how many reads began (every read starts with page 1 of its window)."""
    return sum(1 for q in history if q.get("page") == "1" and "q" not in q)


def looks(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the lookups by number (each worker's look at once at its chunk in doubt)."""
    return [q for q in history if "q" in q]


class TestReconcileOnce:
    async def test_a_burst_of_commit_500s_across_workers_costs_one_scan(
        self, postgres_dsn: str
    ) -> None:
        history, _ = await burst(postgres_dsn, PostgresStore)
        # Each chunk looked for at once by its worker (one page of its numbers, none found yet),
        # then one read, held under the reconciler lease: its pages once each, oldest first.
        assert len(looks(history)) == 4, history
        history = [q for q in history if "q" not in q]
        assert scans(history) == 1, history
        pages = [int(q["page"]) for q in history]
        assert pages == list(range(1, len(pages) + 1)), history
        assert len({q["date_from"] for q in history}) == 1

    async def test_the_control_without_the_lease_scans_once_per_worker(
        self, postgres_dsn: str
    ) -> None:
        # What the lease saves: each worker reads the history for its own chunk.
        history, _ = await burst(postgres_dsn, WithoutLease)
        assert scans(history) >= 2, history
        with_lease, _ = await burst(postgres_dsn, PostgresStore)
        assert len(history) > len(with_lease)


class TestTakeoverDuringARun:
    async def test_the_last_live_worker_takes_over_a_dead_holders_chunk_and_finishes(
        self, postgres_dsn: str
    ) -> None:
        campaign = name()
        people = recipients(60)
        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                await plan(cs, postgres_dsn, campaign, people, chunk_size=10)
                # A worker claims a chunk and dies before sending it (no heartbeat: its lease
                # runs out), just after the live worker started its run.
                dead = PostgresStore(postgres_dsn, campaign, lease=1.0, grace=0.2, heartbeat=0)
                await dead.open()
                server = cs.session.server_clock
                window = server.window(server.local(), server.local(), 1.0)
                assert window is not None
                lost = await dead.claim(10, after_row=0, max_attempts=4, window_from=window[0])
                assert lost is not None
                live = PostgresStore(postgres_dsn, campaign, grace=0.2)
                started = time.monotonic()
                with await cs.bulk.work(live, reconcile_settle=0.2) as report:
                    took = time.monotonic() - started
                    # Nothing was left for a later worker: the dead holder's rows came back
                    # during this run (taken over, reconciled absent, sent).
                    assert report.sent == 60 and report.complete
                status = await campaign_status(live)
                assert status.finished and (status.pending, status.held) == (0, 0)
                assert not await dead.settle(lost.chunk, lost.epoch, doubt=[1])  # fenced
                await dead.close()
                await live.close()
        assert took >= 1.0  # it waited for the lease to run out, not less
        sent = Counter(m.to for m in emu.sent)
        assert set(sent) == {p["to"] for p in people} and max(sent.values()) == 1
        # Reconciled before anything of it was sent again.
        assert any(r.path == "/sms/history" for r in emu.requests)

    async def test_a_worker_waits_for_rows_a_live_worker_holds_and_exits_when_they_settle(
        self, postgres_dsn: str
    ) -> None:
        campaign = name()
        people = recipients(40)
        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                await plan(cs, postgres_dsn, campaign, people, chunk_size=10)
                other = PostgresStore(postgres_dsn, campaign)  # alive: heartbeats
                await other.open()
                held = await other.claim(10, after_row=0, max_attempts=4)
                assert held is not None
                worker = PostgresStore(postgres_dsn, campaign)

                async def settle_later() -> None:
                    await asyncio.sleep(0.5)
                    body = {"messages": [json.loads(r.payload) for r in held.rows]}
                    data = await cs.session.data("POST", "/sms/send", json=body)
                    from clicksend_async.bulk._send import classify

                    result = classify(held, data)
                    assert await other.settle(held.chunk, held.epoch, outcomes=result.outcomes)

                finishing = asyncio.create_task(settle_later())
                with await cs.bulk.work(worker) as report:
                    # It stayed until the other worker's rows settled: the campaign it reports
                    # is the finished one.
                    assert report.sent == 40
                await finishing
                await other.close()
                await worker.close()
        sent = Counter(m.to for m in emu.sent)
        assert len(sent) == 40 and max(sent.values()) == 1


class TestALeaseHolderThatFroze:
    async def test_its_lease_expires_another_settles_and_its_late_write_is_fenced(
        self, postgres_dsn: str
    ) -> None:
        campaign = name()
        people = recipients(30)
        # A history that lags: the worker's look at once at its chunk finds nothing yet.
        async with ClickSendEmulator(balance=10_000, history_lag=0.5) as emu:
            async with emu.client(rate_limit=None) as cs:
                await plan(cs, postgres_dsn, campaign, people, chunk_size=10)
                # A worker took the reconciler lease and froze mid-scan (no heartbeat).
                frozen = PostgresStore(postgres_dsn, campaign, lease=1.0, heartbeat=0)
                await frozen.open()
                assert await frozen.acquire_reconciler(1.0)
                acquired = time.time()
                emu.inject("commit-500", path="/sms/send", times=1)
                worker = PostgresStore(postgres_dsn, campaign)
                started = time.monotonic()
                with await cs.bulk.work(worker, concurrency=1, reconcile_settle=0.7) as report:
                    took = time.monotonic() - started
                    assert report.sent == 30 and report.complete
                    doubted = [o for o in report.outcomes() if o.reason and "history" in o.reason]
                assert len(doubted) == 10  # the chunk in doubt, settled from the history
                # The frozen holder wakes up and writes what its (old) read said: fenced.
                chunk = await _first_chunk(postgres_dsn, campaign)
                assert not await frozen.settle(chunk[0], chunk[1], releases=[])
                assert (await campaign_status(worker)).counts["sent"] == 30
                await frozen.close()
                await worker.close()
        assert took >= 0.8
        # Nobody read the history while the frozen holder's lease ran but the worker's look at
        # once at its chunk (one page of its numbers, none found yet): one read, after it.
        history = [r for r in emu.requests if r.path == "/sms/history"]
        early = [r for r in history if r.time < acquired + 0.9]
        assert len(early) == 1 and "q" in early[0].query
        assert len(history) > 1
        sent = Counter(m.to for m in emu.sent)
        assert len(sent) == 30 and max(sent.values()) == 1


async def _first_chunk(dsn: str, campaign: str) -> tuple[int, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        found = await conn.fetchrow(
            "SELECT chunk, epoch FROM clicksend_async.chunks WHERE campaign = $1 "
            "AND error IS NOT NULL ORDER BY chunk LIMIT 1",
            campaign,
        )
    finally:
        await conn.close()
    assert found is not None
    return int(found[0]), int(found[1])
