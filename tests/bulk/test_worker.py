"""Workers of a campaign planned in a store (``cs.bulk.work``), against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clicksend_async import JournalError, ValidationError
from clicksend_async.bulk import (
    PostgresStore,
    SqliteStore,
    campaign_status,
    open_store,
)
from clicksend_async.bulk._worker import NOT_OPENED_YET
from clicksend_async.testing import ClickSendEmulator


def name() -> str:
    return f"w-{uuid.uuid4().hex[:12]}"


def recipients(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(n)]


BODY = "Hi {first_name}, the sale starts today"


async def detach(cs: Any, dsn: str, campaign: str, people: Any, **kwargs: Any) -> None:
    """Plan a campaign into the store and leave it there (what ``campaign --detach`` does)."""
    planner = PostgresStore(dsn, campaign)
    try:
        await cs.sms.bulk(people, body=BODY, store=planner, **kwargs).plan()
    finally:
        await planner.close()


class TestWorkers:
    async def test_three_workers_finish_a_detached_campaign_texting_everyone_once(
        self, postgres_dsn: str
    ) -> None:
        campaign = name()
        people = recipients(300)
        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                await detach(cs, postgres_dsn, campaign, people, chunk_size=20)
                assert emu.sent == []  # planning sends nothing
                stores = [PostgresStore(postgres_dsn, campaign) for _ in range(3)]
                reports = await asyncio.gather(
                    *(cs.bulk.work(s, concurrency=2, reconcile_settle=0) for s in stores)
                )
                status = await campaign_status(stores[0])
                for s in stores:
                    await s.close()
        sent = Counter(m.to for m in emu.sent)
        assert set(sent) == {p["to"] for p in people}
        assert max(sent.values()) == 1, "someone was texted twice"
        bodies = {f"Hi Name{i}, the sale starts today" for i in range(300)}
        assert {m.body for m in emu.sent} == bodies
        sizes = {len(r.json["messages"]) for r in emu.requests if r.path == "/sms/send"}
        assert max(sizes) == 20  # the planned chunk size, read from the store
        assert status.finished and status.counts["sent"] == status.rows == 300
        assert (status.pending, status.held, status.state) == (0, 0, "open")
        for report in reports:
            # The campaign as it stood when this worker ended: rows another worker still had
            # in flight then are reported unknown; nothing was left to send.
            assert report.sent + report.unknown == 300
            assert report.skipped == report.not_sent == 0
            report.close()

    async def test_a_worker_sends_with_the_planned_shared_fields(self, postgres_dsn: str) -> None:
        campaign = name()
        people = recipients(12)
        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                planner = PostgresStore(postgres_dsn, campaign)
                await cs.mms.bulk(
                    "https://example.com/cat.jpg",
                    people,
                    body=BODY,
                    subject="Sale",
                    store=planner,
                ).plan()
                await planner.close()
                store = PostgresStore(postgres_dsn, campaign)
                with await cs.bulk.work(store, reconcile_settle=0) as report:
                    assert report.sent == 12
                await store.close()
        assert {(m.kind, m.media_file, m.subject) for m in emu.sent} == {
            ("mms", "https://example.com/cat.jpg", "Sale")
        }

    async def test_a_worker_refuses_a_campaign_that_is_not_planned(self, postgres_dsn: str) -> None:
        async with ClickSendEmulator() as emu:
            async with emu.client(rate_limit=None) as cs:
                store = PostgresStore(postgres_dsn, name())
                with pytest.raises(JournalError, match="not planned: a worker never plans"):
                    await cs.bulk.work(store)
                # Refused before joining: the campaign is not registered, nor its planner taken.
                status = await campaign_status(store)
                assert not status.planned and not status.finished and status.rows == 0
                await store.close()
        assert emu.requests == []

    async def test_a_campaign_planned_without_the_request_fields_is_refused(
        self, postgres_dsn: str
    ) -> None:
        # A plan stored by a version that did not record what a worker needs (media file,
        # senders ...): sending it without them could send something else than was planned.
        store = PostgresStore(postgres_dsn, name())
        await store.open()
        await store.set_meta({"plan": "{}", "channel": "sms"})
        async with ClickSendEmulator() as emu:
            async with emu.client(rate_limit=None) as cs:
                with pytest.raises(JournalError, match="planned by an older version"):
                    await cs.bulk.work(store)
        assert emu.requests == []
        await store.close()

    async def test_max_seconds_stops_gracefully_and_a_later_worker_finishes(
        self, postgres_dsn: str
    ) -> None:
        campaign = name()
        people = recipients(120)
        # Each request takes 50 ms: one chunk at a time, the whole campaign needs over a second.
        async with ClickSendEmulator(balance=10_000, latency_ms=50) as emu:
            async with emu.client(rate_limit=None) as cs:
                await detach(cs, postgres_dsn, campaign, people, chunk_size=5)
                store = PostgresStore(postgres_dsn, campaign)
                with await cs.bulk.work(store, max_seconds=0.2, concurrency=1) as first:
                    assert first.stopped and not first.aborted
                    assert 0 < first.sent < 120
                    assert first.sent + first.skipped == 120  # nothing left in doubt
                status = await campaign_status(store)
                assert not status.finished and status.pending == 120 - first.sent
                with await cs.bulk.work(store, concurrency=4) as later:
                    assert later.sent == 120 and later.complete and not later.stopped
                assert (await campaign_status(store)).finished
                await store.close()
        sent = Counter(m.to for m in emu.sent)
        assert len(sent) == 120 and max(sent.values()) == 1

    async def test_a_campaign_stopped_for_every_worker_is_finished(self, postgres_dsn: str) -> None:
        campaign = name()
        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                await detach(cs, postgres_dsn, campaign, recipients(10))
                store = PostgresStore(postgres_dsn, campaign)
                await store.set_state("aborted", "the account ran out of credit")
                with await cs.bulk.work(store) as report:
                    assert report.aborted == "the account ran out of credit"
                    assert report.skipped == 10
                status = await campaign_status(store)
                assert status.finished and status.reason == "the account ran out of credit"
                await store.close()
        assert emu.sent == []

    async def test_a_campaign_not_opened_yet_is_sent_by_nobody_and_not_finished(
        self, postgres_dsn: str
    ) -> None:
        campaign = name()
        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                await detach(cs, postgres_dsn, campaign, recipients(10))
                store = PostgresStore(postgres_dsn, campaign)
                await store.set_state("stopping", NOT_OPENED_YET)  # what --detach does first
                with await cs.bulk.work(store) as early:
                    assert early.skipped == 10
                assert not (await campaign_status(store)).finished  # a chain keeps waiting
                assert emu.sent == []
                await store.set_state("open")  # the budget check and the confirmation passed
                with await cs.bulk.work(store) as report:
                    assert report.sent == 10
                assert (await campaign_status(store)).finished
                await store.close()

    @pytest.mark.parametrize("seconds", [0, -1, float("inf"), float("nan")])
    async def test_a_bad_max_seconds_is_refused(self, seconds: float) -> None:
        async with ClickSendEmulator() as emu:
            async with emu.client(rate_limit=None) as cs:
                with pytest.raises(ValidationError) as caught:
                    await cs.bulk.work(SqliteStore(), max_seconds=seconds)
        assert caught.value.field == "max_seconds"


class TestSqliteWorker:
    async def test_a_journal_planned_earlier_is_sent_by_a_worker(self, tmp_path: Path) -> None:
        path = tmp_path / "c.journal.db"
        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                planner = cs.sms.bulk(recipients(30), body=BODY, journal=str(path))
                await planner.plan()
                await planner.store.close()  # the planner is gone: a worker takes over
                store = open_store(f"sqlite:///{path}")
                assert isinstance(store, SqliteStore)
                with await cs.bulk.work(store, reconcile_settle=0) as report:
                    assert report.sent == 30 and report.complete
                assert (await cs.bulk.status(store)).finished
                await store.close()
        assert len(emu.sent) == 30


class TestOpenStore:
    def test_urls_name_their_store(self, tmp_path: Path) -> None:
        pg = open_store("postgresql://u:pw@127.0.0.1:1/db", "spring", lease=5)
        assert isinstance(pg, PostgresStore) and pg.campaign == "spring" and pg.lease == 5
        assert "pw" not in pg.where
        lite = open_store(f"sqlite:///{tmp_path}/x.db")
        assert isinstance(lite, SqliteStore) and lite.where == f"{tmp_path}/x.db"
        lite.journal.close()

    @pytest.mark.parametrize(
        ("url", "campaign", "field"),
        [
            ("postgresql://127.0.0.1/db", None, "name"),
            ("mysql://127.0.0.1/db", "c", "store"),
            ("sqlite://", None, "store"),
            ("sqlite://host/x.db", None, "store"),
        ],
    )
    def test_bad_urls_are_refused_naming_the_field(
        self, url: str, campaign: str | None, field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            open_store(url, campaign)
        assert caught.value.field == field


async def test_a_plan_refused_for_its_budget_is_never_sent_by_a_worker(tmp_path: Any) -> None:
    from clicksend_async import BudgetExceededError, JournalError
    from clicksend_async.bulk import SqliteStore
    from clicksend_async.testing import ClickSendEmulator

    path = tmp_path / "c.db"
    people = [{"to": f"+6142{i:07d}", "first_name": f"N{i}"} for i in range(20)]
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        store = SqliteStore(str(path))
        with pytest.raises(BudgetExceededError):
            await cs.sms.bulk(people, body="Hi {first_name}", store=store, max_cost="0.01").plan()
        await store.close()
        worker_store = SqliteStore(str(path))
        with pytest.raises(JournalError, match="refused"):
            await cs.bulk.work(worker_store)
        await worker_store.close()
        assert emu.sent == []
