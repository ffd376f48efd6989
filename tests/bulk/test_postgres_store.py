"""PostgresStore against a real PostgreSQL: the store protocol, many workers, leases and fencing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeclock import Clock

from clicksend_async import ConfigurationError, JournalError, JournalLockedError, ValidationError
from clicksend_async.bulk import SMS, BulkJob, PostgresStore
from clicksend_async.bulk._postgres_store import redact_dsn
from clicksend_async.bulk._states import PlannedRow, Release, RowOutcome
from clicksend_async.testing import ClickSendEmulator

ROOT = Path(__file__).resolve().parents[2]


def name() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def rows_of(n: int) -> list[PlannedRow]:
    return [
        PlannedRow(row, f"cs-{row}", f"+614111111{row:02d}", "{}", 1, "GSM-7", None, None, None)
        for row in range(1, n + 1)
    ]


async def planned(dsn: str, n: int, **kwargs: Any) -> PostgresStore:
    """Return an open store holding a planned campaign of ``n`` rows."""
    store = PostgresStore(dsn, kwargs.pop("campaign", None) or name(), **kwargs)
    await store.open()
    await store.add_rows(rows_of(n))
    await store.set_meta({"plan": "{}", "campaign": "c1"})
    return store


async def worker(dsn: str, campaign: str, **kwargs: Any) -> PostgresStore:
    store = PostgresStore(dsn, campaign, **kwargs)
    await store.open()
    return store


async def claimed(store: PostgresStore, n: int, *, after: int = 0) -> tuple[int, int, list[int]]:
    claim = await store.claim(n, after_row=after, max_attempts=4, now=100.0, window_from=99.0)
    assert claim is not None
    return claim.chunk, claim.epoch, [r.row for r in claim.rows]


class TestProtocol:
    async def test_a_claim_records_the_intent_and_holds_its_rows(self, postgres_dsn: str) -> None:
        store = await planned(postgres_dsn, 5)
        chunk, epoch, rows = await claimed(store, 3)
        assert rows == [1, 2, 3]
        # Held rows are offered to no other chunk.
        other, _, others = await claimed(store, 10)
        assert others == [4, 5]
        assert await store.claim(10, after_row=0, max_attempts=4) is None
        await store.close()  # the worker goes away with both requests in flight

        taker = await worker(postgres_dsn, store.campaign, grace=0)
        doubt = await taker.in_doubt()
        assert [(c.chunk, [r for r, _, _ in c.rows]) for c in doubt] == [
            (chunk, [1, 2, 3]),
            (other, [4, 5]),
        ]
        assert all(c.epoch > epoch for c in doubt)  # taken over: the old holder is fenced out
        assert doubt[0].window is not None and doubt[0].window[0] == 99.0
        # Rows in doubt are not pending, whatever reason the rest gets.
        await taker.note_unsent("cancelled")
        assert await taker.counts() == {"unknown": 5}
        await taker.close()

    async def test_outcomes_releases_and_doubt_are_fenced_on_the_epoch(
        self, postgres_dsn: str
    ) -> None:
        store = await planned(postgres_dsn, 4)
        chunk, epoch, _ = await claimed(store, 4)
        assert not await store.settle(chunk, epoch + 99, outcomes=[RowOutcome(1, "sent", "X")])
        assert await store.settle(
            chunk,
            epoch,
            outcomes=[RowOutcome(1, "sent", "SUCCESS", "m-1", "0.07", 1)],
            releases=[Release(2, "THROTTLED", "throttled")],
            doubt=[3, 4],
            window=(10.0, 12.0),
        )
        doubt = await store.in_doubt()
        assert [(c.chunk, c.epoch, c.rows, c.window) for c in doubt] == [
            (chunk, epoch, ((3, "cs-3", "+61411111103"), (4, "cs-4", "+61411111104")), (10.0, 12.0))
        ]
        assert await store.count_pending() == 1  # row 2; rows 3 and 4 are held in doubt
        assert await store.settle(
            chunk,
            epoch,
            releases=[Release(3, "NOT_IN_HISTORY", "absent")],
            outcomes=[RowOutcome(4, "sent", "SUCCESS", "m-4", "0.07", 1, "found")],
            resend=frozenset({3}),
        )
        assert await store.in_doubt() == []
        assert await store.count_pending() == 2
        assert await store.count_pending(max_attempts=1) == 0  # both attempted once this run
        await store.begin_run()
        assert await store.count_pending(max_attempts=1) == 2  # a new run: a fresh budget
        assert await store.counts() == {"sent": 2, "not_sent": 2}
        assert await store.totals() == (Decimal("0.14"), 2)
        again = await store.claim(10, after_row=0, max_attempts=4)
        assert again is not None and again.resend == frozenset({3})
        # A chunk that is done takes no more news.
        assert not await store.settle(chunk, epoch, outcomes=[RowOutcome(2, "rejected", "X")])
        await store.close()

    async def test_unknown_rows_are_reconciled_again_by_a_later_run(
        self, postgres_dsn: str
    ) -> None:
        store = await planned(postgres_dsn, 2)
        chunk, epoch, _ = await claimed(store, 2)
        await store.settle(chunk, epoch, outcomes=[RowOutcome(1, "unknown", reason="?")], doubt=[2])
        await store.close()
        later = await worker(postgres_dsn, store.campaign)
        assert [[r for r, _, _ in c.rows] for c in await later.in_doubt()] == [[1, 2]]
        await later.close()

    async def test_reports_read_every_row_in_order(self, postgres_dsn: str) -> None:
        store = await planned(postgres_dsn, 1203)
        await store.exclude([5, 6], "EXCLUDED", "on the opt-out list")
        assert [r for r, _ in await store.pending_numbers(0, 6)] == [1, 2, 3, 4, 7, 8]
        chunk, epoch, _ = await claimed(store, 2)
        await store.settle(
            chunk,
            epoch,
            outcomes=[RowOutcome(1, "sent", "SUCCESS", "m-1", "0.0770", 2)],
            releases=[Release(2, None, "not sent: rate limited (429)")],
            window=(50.0, 51.0),
        )
        await store.note_unsent("stopped")
        outcomes = [o async for o in store.outcomes()]
        assert [o[0] for o in outcomes] == list(range(1, 1204))
        assert outcomes[0][:7] == (1, "+61411111101", "sent", "SUCCESS", "m-1", 2, "0.0770")
        assert outcomes[1][2] == "not_sent"
        assert outcomes[1][8] == "not sent: rate limited (429); stopped"
        assert outcomes[2][2] == "skipped" and outcomes[2][8] == "stopped"
        assert outcomes[4][2] == "invalid"
        assert await store.counts() == {"sent": 1, "not_sent": 1, "invalid": 2, "skipped": 1199}
        evidence = await store.sent_evidence()
        assert evidence is not None and evidence.window == (50.0, 51.0)
        assert await store.chunk_window_from(chunk) == 50.0  # the settle knew better
        await store.close()

    async def test_meta_prices_and_reset(self, postgres_dsn: str) -> None:
        store = PostgresStore(postgres_dsn, name())
        await store.open()
        await store.add_rows(rows_of(3))
        assert await store.rows_to_price(0, 10) == [
            (1, "cs-1", "{}"),
            (2, "cs-2", "{}"),
            (3, "cs-3", "{}"),
        ]
        await store.set_prices(
            [("0.08", 2, None, None, None, 1), (None, 1, "rejected", "X", "no", 2)]
        )
        assert [r for r, _, _ in await store.rows_to_price(0, 10)] == [1, 3]
        await store.set_meta({"campaign": "abc", "fp": "1"})
        assert await store.get_meta("campaign") == "abc"
        assert await store.get_meta("nope") is None
        await store.reset()  # a plan that died half way
        assert await store.row_count() == 0
        assert await store.get_meta("campaign") is None
        await store.close()


class TestOwnership:
    async def test_one_worker_plans_and_the_others_wait_for_its_plan(
        self, postgres_dsn: str
    ) -> None:
        campaign = name()
        planner = await worker(postgres_dsn, campaign)
        with pytest.raises(JournalLockedError, match="being planned"):
            await worker(postgres_dsn, campaign)
        await planner.add_rows(rows_of(2))
        await planner.set_meta({"plan": "{}"})
        late = await worker(postgres_dsn, campaign)  # planned: any number of workers join
        with pytest.raises(JournalLockedError):
            await late.add_rows(rows_of(1))  # ...but none of them writes the plan again
        with pytest.raises(JournalLockedError):
            await late.reset()
        assert await late.row_count() == 2
        await late.close()
        await planner.close()

    async def test_an_unplanned_campaign_offers_nothing_to_claim(self, postgres_dsn: str) -> None:
        store = PostgresStore(postgres_dsn, name())
        await store.open()
        await store.add_rows(rows_of(3))
        assert await store.claim(10, after_row=0, max_attempts=4) is None
        await store.close()

    async def test_a_store_not_open_claims_nothing(self, postgres_dsn: str) -> None:
        store = PostgresStore(postgres_dsn, name())
        with pytest.raises(JournalError, match="not open"):
            await store.claim(10, after_row=0, max_attempts=4)
        await store.close()

    async def test_a_pool_of_the_caller_is_used_and_left_open(self, postgres_dsn: str) -> None:
        import asyncpg

        pool = await asyncpg.create_pool(postgres_dsn, min_size=1, max_size=2)
        try:
            store = PostgresStore(pool, name())
            assert store.where.startswith("<asyncpg pool>")
            await store.open()
            await store.add_rows(rows_of(2))
            await store.close()
            assert await pool.fetchval("SELECT 1") == 1  # still the caller's, still open
        finally:
            await pool.close()

    async def test_the_dsn_password_is_never_shown(self, postgres_dsn: str) -> None:
        store = PostgresStore("postgresql://u:s3cret@127.0.0.1:1/db?password=x2", "c")
        assert "s3cret" not in repr(store) and "s3cret" not in store.where
        assert "x2" not in store.where
        assert redact_dsn("host=h user=u password='a b' dbname=d") == (
            "host=h user=u password=*** dbname=d"
        )
        with pytest.raises(JournalError) as caught:
            await store.open()  # nothing listens on port 1
        assert "s3cret" not in str(caught.value)
        await store.close()

    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("campaign", ""),
            ("lease", 0),
            ("grace", -1),
            ("heartbeat", 600),
            ("max_cost", "-1"),
            ("max_cost", "lots"),
            ("schema", "Robert'); DROP TABLE"),
        ],
    )
    def test_bad_options_are_refused_naming_the_option(self, option: str, value: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            PostgresStore("postgresql://127.0.0.1/db", **{"campaign": "c", option: value})
        assert caught.value.field == option

    async def test_without_asyncpg_the_extra_is_named(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "asyncpg", None)
        store = PostgresStore("postgresql://127.0.0.1/db", "c")  # building needs nothing
        with pytest.raises(ConfigurationError, match=r"clicksend-async\[postgres\]"):
            await store.open()

    async def test_a_planner_that_died_is_replaced_after_its_lease(self, postgres_dsn: str) -> None:
        campaign = name()
        dead = await worker(postgres_dsn, campaign, lease=0.2, heartbeat=0)
        await dead.add_rows(rows_of(3))  # ...and the process dies half way through its plan
        await asyncio.sleep(0.3)
        planner = await worker(postgres_dsn, campaign)
        with pytest.raises(JournalLockedError, match="not being planned by this worker"):
            await dead.add_rows(rows_of(1))  # a late write of the old planner is refused
        await planner.reset()
        await planner.add_rows(rows_of(5))
        await planner.set_meta({"plan": "{}"})
        assert await planner.row_count() == 5
        await dead.close()
        await planner.close()

    async def test_the_store_crashing_mid_campaign_loses_nothing_committed(
        self, postgres_server: Any
    ) -> None:
        store = await planned(postgres_server.dsn, 4, heartbeat=0)
        chunk, epoch, _ = await claimed(store, 2)
        postgres_server.restart()
        with pytest.raises(JournalError, match="cannot be used"):
            # The pool's connections died with the server: one clear error, not a hang.
            await store.settle(
                chunk, epoch, outcomes=[RowOutcome(1, "sent"), RowOutcome(2, "sent")]
            )
        # Back up: the claim (the intent) survived, and the outcome is recorded under its epoch.
        for _ in range(3):
            with contextlib.suppress(JournalError):
                recorded = await store.settle(
                    chunk, epoch, outcomes=[RowOutcome(1, "sent"), RowOutcome(2, "sent")]
                )
                break
        assert recorded
        assert await store.counts() == {"sent": 2, "skipped": 2}
        await store.close()


class TestConcurrentClaims:
    async def test_many_tasks_of_many_workers_never_share_a_row(self, postgres_dsn: str) -> None:
        first = await planned(postgres_dsn, 2000)
        workers = [first] + [await worker(postgres_dsn, first.campaign) for _ in range(3)]
        taken: list[int] = []

        async def claimer(store: PostgresStore) -> None:
            cursor = 0
            while (claim := await store.claim(13, after_row=cursor, max_attempts=4)) is not None:
                taken.extend(r.row for r in claim.rows)
                cursor = claim.rows[-1].row

        await asyncio.gather(*(claimer(w) for w in workers for _ in range(6)))
        assert len(taken) == len(set(taken)) == 2000
        assert await first.count_pending() == 0
        for w in workers:
            await w.close()

    async def test_worker_processes_never_share_a_row(self, postgres_dsn: str) -> None:
        first = await planned(postgres_dsn, 3000)
        script = textwrap.dedent(
            """
            import asyncio, json, sys
            from clicksend_async.bulk._postgres_store import PostgresStore

            async def main():
                store = PostgresStore(sys.argv[1], sys.argv[2])
                await store.open()
                taken = []
                async def claimer():
                    cursor = 0
                    while (c := await store.claim(17, after_row=cursor, max_attempts=4)):
                        taken.extend(r.row for r in c.rows)
                        cursor = c.rows[-1].row
                await asyncio.gather(*(claimer() for _ in range(4)))
                await store.close()
                print(json.dumps(taken))

            asyncio.run(main())
            """
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                script,
                postgres_dsn,
                first.campaign,
                stdout=subprocess.PIPE,
                env=env,
            )
            for _ in range(3)
        ]
        outputs = [await p.communicate() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0]
        per_process = [json.loads(out) for out, _ in outputs]
        taken = [row for rows in per_process for row in rows]
        assert Counter(taken).most_common(1)[0][1] == 1
        assert sorted(taken) == list(range(1, 3001))
        await first.close()


class TestLeasesAndFencing:
    async def test_a_frozen_workers_late_answer_after_a_takeover_writes_nothing(
        self, postgres_dsn: str
    ) -> None:
        frozen = await planned(postgres_dsn, 3, lease=0.2, grace=0.1, heartbeat=0)
        chunk, epoch, _ = await claimed(frozen, 3)
        await asyncio.sleep(0.5)  # frozen (no heartbeat) past lease + grace
        taker = await worker(postgres_dsn, frozen.campaign, lease=30, grace=0.1)
        [doubt] = await taker.in_doubt()
        assert doubt.chunk == chunk and doubt.epoch > epoch
        assert await frozen.lease_left(chunk, epoch) == 0.0
        assert await taker.lease_left(chunk, doubt.epoch) > 25
        before = [o async for o in taker.outcomes()]
        # The frozen worker wakes up, while the new owner reconciles, with its old answer: it
        # is dropped, and nothing of it is written.
        assert not await frozen.settle(
            chunk,
            epoch,
            outcomes=[
                RowOutcome(1, "sent", "SUCCESS", "old-1", "0.07", 1),
                RowOutcome(3, "rejected", "X"),
            ],
            releases=[Release(2, None, "old")],
            doubt=[],
        )
        assert [o async for o in taker.outcomes()] == before
        assert await taker.count_pending() == 0  # nothing went back to pending either
        # The new owner settles from the history: rows 1 and 2 were never sent.
        assert await taker.settle(
            chunk,
            doubt.epoch,
            releases=[Release(1, "NOT_IN_HISTORY", "absent"), Release(2, "NOT_IN_HISTORY", "x")],
            outcomes=[RowOutcome(3, "sent", "SUCCESS", "m-3", "0.07", 1, "found")],
            resend=frozenset({1, 2}),
        )
        again = await taker.claim(10, after_row=0, max_attempts=4)
        assert again is not None and [r.row for r in again.rows] == [1, 2]
        assert again.resend == frozenset({1, 2})
        assert not await frozen.settle(again.chunk, epoch, doubt=[1, 2])
        await frozen.close()
        await taker.close()

    async def test_a_takeover_fences_a_holder_that_was_in_doubt(self, postgres_dsn: str) -> None:
        frozen = await planned(postgres_dsn, 2, lease=0.2, grace=0, heartbeat=0)
        chunk, epoch, _ = await claimed(frozen, 2)
        assert await frozen.settle(chunk, epoch, doubt=[1, 2], window=(5.0, 6.0))
        await asyncio.sleep(0.3)
        taker = await worker(postgres_dsn, frozen.campaign, grace=0)
        [doubt] = await taker.in_doubt()
        assert doubt.epoch > epoch and doubt.window == (5.0, 6.0)
        assert not await frozen.settle(chunk, epoch, releases=[Release(1, None, "late")])
        assert await taker.settle(
            chunk, doubt.epoch, outcomes=[RowOutcome(1, "sent"), RowOutcome(2, "sent")]
        )
        await frozen.close()
        await taker.close()

    async def test_heartbeats_keep_a_chunk_from_being_taken_over(self, postgres_dsn: str) -> None:
        alive = await planned(postgres_dsn, 2, lease=0.3, grace=0, heartbeat=0.05)
        chunk, epoch, _ = await claimed(alive, 2)
        await asyncio.sleep(0.8)
        other = await worker(postgres_dsn, alive.campaign, grace=0)
        assert await other.in_doubt() == []  # in flight, and its holder is alive
        assert await alive.lease_left(chunk, epoch) > 0
        assert await alive.renew() == 1
        assert await alive.settle(
            chunk, epoch, outcomes=[RowOutcome(1, "sent"), RowOutcome(2, "sent")]
        )
        await other.close()
        await alive.close()

    async def test_a_released_worker_hands_its_chunks_over_after_grace(
        self, postgres_dsn: str
    ) -> None:
        leaving = await planned(postgres_dsn, 2, lease=60, grace=0.2)
        chunk, _, _ = await claimed(leaving, 2)
        await leaving.release()  # cancelled with the chunk in flight
        other = await worker(postgres_dsn, leaving.campaign, grace=0.2)
        assert await other.in_doubt() == []  # not before the grace
        await asyncio.sleep(0.3)
        assert [c.chunk for c in await other.in_doubt()] == [chunk]
        await other.close()
        await leaving.close()


class TestReconcilerLease:
    async def test_one_reconciler_at_a_time(self, postgres_dsn: str) -> None:
        first = await planned(postgres_dsn, 1)
        others = [await worker(postgres_dsn, first.campaign) for _ in range(7)]
        everyone = [first, *others]
        won = await asyncio.gather(*(w.acquire_reconciler(30) for w in everyone))
        assert sum(won) == 1
        holder = everyone[won.index(True)]
        assert await holder.acquire_reconciler(30)  # the holder extends it
        await holder.release_reconciler()
        assert await others[-1].acquire_reconciler(0.1)
        await asyncio.sleep(0.2)  # expired: its holder is gone
        assert await first.acquire_reconciler(30)
        assert not await others[-1].acquire_reconciler(30)
        for w in everyone:
            await w.close()


class TestBudgetAndSharedState:
    async def test_the_budget_holds_across_concurrent_workers(self, postgres_dsn: str) -> None:
        first = await planned(postgres_dsn, 100, max_cost="5.00")
        await first.set_prices([("0.10", 1, None, None, None, row) for row in range(1, 101)])
        workers = [first] + [await worker(postgres_dsn, first.campaign) for _ in range(3)]
        claims = []

        async def claimer(store: PostgresStore) -> None:
            while (claim := await store.claim(3, after_row=0, max_attempts=4)) is not None:
                claims.append(claim)

        await asyncio.gather(*(claimer(w) for w in workers for _ in range(3)))
        held = [r.row for c in claims for r in c.rows]
        assert len(held) == len(set(held)) == 50  # 50 x 0.10 = max_cost, never more
        assert await first.budget() == (Decimal("5.00"), Decimal("5.00"))
        state, reason = await workers[2].state()
        assert state == "stopping" and reason is not None and "max_cost 5.00" in reason
        # A release gives its reservation back; a sent row costs what it cost.
        one = claims[0]
        await first.settle(
            one.chunk,
            one.epoch,
            outcomes=[RowOutcome(one.rows[0].row, "sent", "SUCCESS", "m", "0.05", 1)],
            releases=[Release(r.row, None, "not sent: 429") for r in one.rows[1:]],
        )
        assert (await first.budget())[1] == Decimal("4.75")
        two = claims[1]
        await first.settle(
            two.chunk,
            two.epoch,
            outcomes=[RowOutcome(r.row, "rejected", "INVALID_RECIPIENT") for r in two.rows],
        )
        # A rejected row costs nothing.
        left = Decimal("0.25") + Decimal("0.10") * len(two.rows)
        assert (await first.budget())[1] == Decimal("5.00") - left
        await first.set_state("open")
        more = await first.claim(10, after_row=0, max_attempts=4)
        assert more is not None and len(more.rows) == int(left / Decimal("0.10"))  # what fits
        for w in workers:
            await w.close()

    async def test_an_abort_in_one_worker_stops_every_worker(self, postgres_dsn: str) -> None:
        first = await planned(postgres_dsn, 10)
        other = await worker(postgres_dsn, first.campaign)
        assert await other.claim(2, after_row=0, max_attempts=4) is not None
        await first.set_state("aborted", "the account ran out of credit (INSUFFICIENT_CREDIT)")
        assert await other.claim(2, after_row=0, max_attempts=4) is None
        assert await other.state() == (
            "aborted",
            "the account ran out of credit (INSUFFICIENT_CREDIT)",
        )
        with pytest.raises(ValueError, match="one of"):
            await other.set_state("paused")
        await other.close()
        await first.close()


def recipients(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(n)]


def job(cs: Any, people: Any, clock: Clock, store: PostgresStore, **kwargs: Any) -> BulkJob:
    kwargs.setdefault("body", "Hi {first_name}, our sale starts today")
    return BulkJob(
        cs.session,
        SMS,
        people,
        store=store,
        sleep=clock.sleep,
        clock=clock,
        reconcile_settle=0,
        **kwargs,
    )


async def chunk_owners(dsn: str, campaign: str) -> set[str]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        found = await conn.fetch(
            "SELECT DISTINCT owner FROM clicksend_async.chunks WHERE campaign = $1", campaign
        )
    finally:
        await conn.close()
    return {str(r[0]) for r in found}


class TestCampaignAcrossWorkers:
    @pytest.mark.parametrize("faults", [None, "commit-500=0.15,500=0.1,429=0.1"])
    async def test_three_workers_text_everyone_exactly_once(
        self, postgres_dsn: str, faults: str | None
    ) -> None:
        clock = Clock()
        campaign = name()
        people = recipients(900)
        async with ClickSendEmulator(balance=10_000, clock=clock, faults=faults, seed=5) as emu:
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                planner = PostgresStore(postgres_dsn, campaign)
                plan = await job(cs, people, clock, planner).plan()
                assert plan.messages == 900
                await planner.close()
                assert emu.sent == []  # planning sends nothing

                stores = [PostgresStore(postgres_dsn, campaign) for _ in range(3)]
                jobs = [job(cs, people, clock, s, chunk_size=40, concurrency=2) for s in stores]
                reports = await asyncio.gather(*(j.run() for j in jobs))
                status = PostgresStore(postgres_dsn, campaign)
                counts = await status.counts()
                await status.close()
                owners = await chunk_owners(postgres_dsn, campaign)
                for s in stores:
                    await s.close()
        sent = Counter(m.to for m in emu.sent)
        assert max(sent.values()) == 1, "someone was texted twice"
        if faults is None:
            assert set(sent) == {p["to"] for p in people}
            assert counts == {"sent": 900}
            assert all(r.sent == 900 and r.complete for r in reports)  # the campaign's report
            assert owners == {s.owner for s in stores}  # every worker did its share
        else:
            # Whatever is not sent is reported, never silently dropped or sent twice.
            assert sum(counts.values()) == 900
            assert counts.get("sent", 0) == len(sent)
        for report in reports:
            assert sum(report.counts.values()) == 900
            report.close()

    async def test_a_worker_that_died_is_taken_over_and_reconciled_first(
        self, postgres_dsn: str
    ) -> None:
        clock = Clock()
        campaign = name()
        people = recipients(200)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                planner = PostgresStore(postgres_dsn, campaign)
                await job(cs, people, clock, planner).plan()
                await planner.close()
                # A worker claims two chunks, sends the first, and dies before recording
                # either outcome (no heartbeat: its leases simply run out).
                dead = PostgresStore(postgres_dsn, campaign, lease=0.2, heartbeat=0)
                await dead.open()
                server = cs.session.server_clock
                window = server.window(server.local(), server.local(), 1.0)
                assert window is not None
                sent = await dead.claim(30, after_row=0, max_attempts=4, window_from=window[0])
                lost = await dead.claim(30, after_row=30, max_attempts=4, window_from=window[0])
                assert sent is not None and lost is not None
                body = {"messages": [json.loads(r.payload) for r in sent.rows]}
                await cs.session.request("POST", "/sms/send", json=body)
                await asyncio.sleep(0.5)  # lease + grace passed: the holder is gone

                stores = [PostgresStore(postgres_dsn, campaign, grace=0.1) for _ in range(2)]
                jobs = [job(cs, people, clock, s, chunk_size=25) for s in stores]
                reports = await asyncio.gather(*(j.run() for j in jobs))
                # The dead worker's late news is fenced out.
                assert not await dead.settle(sent.chunk, sent.epoch, doubt=[1])
                counts = await dead.counts()
                await dead.close()
                for s in stores:
                    await s.close()
        assert Counter(m.to for m in emu.sent).most_common(1)[0][1] == 1
        assert {m.to for m in emu.sent} == {p["to"] for p in people}
        assert counts == {"sent": 200}
        assert [r for r in emu.requests if r.path == "/sms/history"]  # reconciled, not re-sent
        for report in reports:
            report.close()

    async def test_max_cost_holds_across_workers(self, postgres_dsn: str) -> None:
        clock = Clock()
        campaign = name()
        people = recipients(300)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                planner = PostgresStore(postgres_dsn, campaign)
                plan = await job(cs, people, clock, planner).plan()
                await planner.close()
                assert plan.total_cost is not None
                per_message = plan.total_cost / 300
                budget = per_message * 100
                stores = [PostgresStore(postgres_dsn, campaign, max_cost=budget) for _ in range(3)]
                jobs = [job(cs, people, clock, s, chunk_size=15, concurrency=2) for s in stores]
                reports = await asyncio.gather(*(j.run() for j in jobs))
                cost = (await stores[0].totals())[0]
                counts = await stores[0].counts()
                for s in stores:
                    await s.close()
        assert len(emu.sent) == 100  # the budget, across three workers, and not one more
        assert cost <= budget
        assert all(r.aborted and "max_cost" in r.aborted for r in reports)
        assert counts == {"sent": 100, "skipped": 200}
        for report in reports:  # each worker's report is the campaign as that worker ended
            assert sum(report.counts.values()) == 300
            report.close()

    async def test_a_worker_honours_exclusions_added_since_the_plan(
        self, postgres_dsn: str
    ) -> None:
        clock = Clock()
        campaign = name()
        people = recipients(50)
        opted_out = people[7]["to"]
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                planner = PostgresStore(postgres_dsn, campaign)
                await job(cs, people, clock, planner).plan()
                await planner.close()
                store = PostgresStore(postgres_dsn, campaign)
                with await job(cs, people, clock, store, exclude=[opted_out]).run() as report:
                    assert (report.sent, report.invalid) == (49, 1)
                await store.close()
        assert opted_out not in {m.to for m in emu.sent}
        assert len(emu.sent) == 49

    async def test_out_of_credit_in_one_worker_stops_them_all(self, postgres_dsn: str) -> None:
        clock = Clock()
        campaign = name()
        people = recipients(400)
        async with ClickSendEmulator(balance="3.00", clock=clock) as emu:
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                planner = PostgresStore(postgres_dsn, campaign)
                await job(cs, people, clock, planner, check_balance=False, preflight=False).plan()
                await planner.close()
                stores = [PostgresStore(postgres_dsn, campaign) for _ in range(2)]
                jobs = [
                    job(cs, people, clock, s, chunk_size=20, check_balance=False, preflight=False)
                    for s in stores
                ]
                reports = await asyncio.gather(*(j.run() for j in jobs))
                state = await stores[0].state()
                for s in stores:
                    await s.close()
        assert state[0] == "aborted" and "INSUFFICIENT_CREDIT" in (state[1] or "")
        assert all(r.aborted and "INSUFFICIENT_CREDIT" in r.aborted for r in reports)
        assert 0 < len(emu.sent) < 400
        assert Counter(m.to for m in emu.sent).most_common(1)[0][1] == 1
        for report in reports:
            report.close()


WORKER = """
import asyncio, sys
from clicksend_async import ClickSendClient
from clicksend_async.bulk import SMS, BulkJob, PostgresStore

async def main(url, dsn, campaign, owner, n):
    people = [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(int(n))]
    store = PostgresStore(dsn, campaign, owner=owner, lease=1.0, grace=0.2)
    async with ClickSendClient(
        username="emulator", api_key="emulator-api-key", base_url=url, rate_limit=None
    ) as cs:
        job = BulkJob(cs.session, SMS, people, body="Hi {first_name}", store=store,
                      chunk_size=20, concurrency=2, reconcile_settle=0.2, send_timeout=0.5)
        with await job.run() as report:
            print(report.aborted, flush=True)
    await store.close()

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.slow
async def test_worker_processes_one_killed_text_everyone_exactly_once(
    postgres_dsn: str, tmp_path: Path
) -> None:
    import asyncpg

    campaign = name()
    n = 600
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    faults = "commit-500=0.1,500=0.05,429=0.05"
    async with ClickSendEmulator(balance=10_000, latency_ms=40, faults=faults, seed=11) as emu:
        async with emu.client(rate_limit=None) as cs:
            planner = PostgresStore(postgres_dsn, campaign)
            await BulkJob(
                cs.session, SMS, recipients(n), body="Hi {first_name}", store=planner
            ).plan()
            await planner.close()

        def start(owner: str) -> Any:
            return asyncio.create_subprocess_exec(
                sys.executable,
                str(script),
                emu.url,
                postgres_dsn,
                campaign,
                owner,
                str(n),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )

        doomed = await start("w0")
        conn = await asyncpg.connect(postgres_dsn)
        try:
            for _ in range(400):  # until the doomed worker holds a chunk
                held = await conn.fetchval(
                    "SELECT count(*) FROM clicksend_async.chunks WHERE campaign = $1 "
                    "AND owner = 'w0'",
                    campaign,
                )
                if held:
                    break
                await asyncio.sleep(0.01)
            assert held, "the first worker never claimed a chunk"
            doomed.kill()  # SIGKILL: no release, no outcome recorded
            await doomed.communicate()
            orphans = await conn.fetch(
                "SELECT chunk FROM clicksend_async.chunks WHERE campaign = $1 AND owner = 'w0' "
                "AND state != 'done'",
                campaign,
            )
            assert orphans, "the worker was killed after its chunks were recorded"
            # Two workers run side by side meanwhile; the dead one's chunks are not theirs yet.
            procs = [await start(f"w{i}") for i in (1, 2)]
            outputs = [await p.communicate() for p in procs]
            assert [p.returncode for p in procs] == [0, 0], outputs
            await asyncio.sleep(1.5)  # the dead worker's leases end, and the grace
            sweeper = await start("sweeper")
            _, err = await sweeper.communicate()
            assert sweeper.returncode == 0, err.decode()[-3000:]
            # Whoever started after the lease and the grace took the orphans over and settled
            # them: reconciled first, under a new owner and epoch.
            taken = await conn.fetch(
                "SELECT owner, state FROM clicksend_async.chunks WHERE chunk = ANY($1::bigint[])",
                [o["chunk"] for o in orphans],
            )
        finally:
            await conn.close()
        status = PostgresStore(postgres_dsn, campaign)
        counts = await status.counts()
        await status.close()
        sent = Counter(m.to for m in emu.sent)
    assert max(sent.values()) == 1, "someone was texted twice"
    assert sum(counts.values()) == n
    assert counts.get("sent", 0) == len(sent)
    assert set(counts) <= {"sent", "unknown"}  # every row final, or honestly unknown
    assert all(t["owner"] != "w0" and t["state"] in ("done", "unknown") for t in taken), taken
