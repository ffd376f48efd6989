"""Recipient lookups: a chunk in doubt settled by asking for its numbers, not by scanning.

The window of a lost answer here holds many other messages (an account that sends a lot), so
the reconciler asks for the chunk's numbers (``q=to:...``, ``operator=OR``) instead of reading
the whole window. Rows are found by their own records without a canary; absence is proved only
by lookups that also bring back the canary, and a server that does not search that way is
scanned instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any

import pytest
from fakeclock import Clock
from traffic import Read, fault_on_send, fill_history, history_answers, no_lookups

from clicksend_async._servertime import ServerClock
from clicksend_async.bulk import SMS, BulkJob
from clicksend_async.bulk._states import DoubtChunk
from clicksend_async.testing import ClickSendEmulator


def rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(start, start + n)]


def history_queries(emu: ClickSendEmulator) -> list[dict[str, str]]:
    return [dict(r.query) for r in emu.requests if r.path == "/sms/history"]


def lookups(queries: list[dict[str, str]]) -> list[list[str]]:
    return [q["q"].split(",") for q in queries if "q" in q]


async def run(
    emu: ClickSendEmulator,
    clock: Clock,
    recipients: list[dict[str, Any]],
    *,
    kind: str = "commit-drop",
    nth: int = 3,
    faults: dict[int, str] | None = None,
    fill: int = 3000,
    chunk_size: int = 250,
    settle: float = 0,
) -> Any:
    """Run a campaign whose ``nth`` send gets the fault ``kind`` (or each send in ``faults``
    its own), after ``fill`` other messages."""
    async with emu.client(rate_limit=None) as cs:
        await fill_history(cs, fill)
    async with emu.client(
        rate_limit=None, on_request=fault_on_send(emu, faults or {nth: kind})
    ) as cs:
        job = BulkJob(
            cs.session,
            SMS,
            recipients,
            body="Hi {first_name}, our sale starts today",
            sleep=clock.sleep,
            clock=clock,
            reconcile_settle=settle,
            chunk_size=chunk_size,
            concurrency=1,
            preflight=False,
            check_balance=False,
        )
        report = await job.run()
    return report


def texted(emu: ClickSendEmulator) -> Counter[str]:
    return Counter(m.to for m in emu.sent if m.to.startswith("+6142"))


class TestLookups:
    async def test_a_lost_answer_is_settled_by_pages_of_numbers_without_the_canary(self) -> None:
        clock = Clock()
        recipients = rows(1000)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            with await run(emu, clock, recipients) as report:
                assert report.sent == 1000
                assert report.complete
            assert texted(emu) == Counter(r["to"] for r in recipients)
            asked = lookups(history_queries(emu))
            # The lost chunk's 250 numbers, a page of 100 at a time, and nothing else asked:
            # its rows came back from their own records, so no canary lookup was needed.
            lost = {r["to"] for r in recipients[500:750]}
            assert sorted(len(q) for q in asked) == [50, 100, 100]
            assert {term.removeprefix("to:") for q in asked for term in q} == lost
            # Looked for as soon as it was in doubt: no page of the window read to decide.
            assert len(history_queries(emu)) == len(asked)

    async def test_rows_the_server_never_took_are_proved_absent_with_the_canary(self) -> None:
        clock = Clock()
        recipients = rows(1000)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            # A 500 before the request was processed: unknown to the engine, absent in fact.
            with await run(emu, clock, recipients, kind="500") as report:
                assert report.sent == 1000
                assert report.complete
            assert texted(emu) == Counter(r["to"] for r in recipients)  # re-sent, once
            lost = {f"to:{r['to']}" for r in recipients[500:750]}
            asked = lookups(history_queries(emu))
            # The first page of numbers found none of them; then every number went to lookups
            # with the canary last (99 numbers and the canary each), none asked twice without.
            assert [len(q) for q in asked] == [100, 100, 100, 53]
            assert set(asked[0]) <= lost
            for q in asked[1:]:
                assert q[-1] not in lost and set(q[:-1]) <= lost
            assert {t for q in asked[1:] for t in q[:-1]} == lost

    async def test_once_lookups_work_rows_never_accepted_cost_one_page_more(self) -> None:
        # Chunk 2's answer is lost after the commit (its rows found: lookups work); chunk 4's
        # request failed before it was processed. Its read asks one page of numbers without
        # the canary, finds none, and proves all 250 absent with canary lookups, not every page
        # twice.
        clock = Clock()
        recipients = rows(1000)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            with await run(emu, clock, recipients, faults={2: "commit-drop", 4: "500"}) as report:
                assert report.sent == 1000
            assert texted(emu) == Counter(r["to"] for r in recipients)  # chunk 4 re-sent once
            second = {f"to:{r['to']}" for r in recipients[750:]}
            asked = [q for q in lookups(history_queries(emu)) if set(q) & second]
            assert [len(q) for q in asked] == [100, 100, 100, 53]
            assert set(asked[0]) <= second  # the page without the canary
            assert all(q[-1] not in second for q in asked[1:])  # then the canary last

    async def test_a_server_that_finds_nothing_by_number_is_scanned_instead(self) -> None:
        # A server that reads ``to:`` some other way answers every lookup with nothing: the
        # lookup that should bring back the canary does not, so no absence is concluded from
        # lookups and the window is read page by page instead.
        clock = Clock()
        recipients = rows(1000)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            with history_answers(no_lookups):
                with await run(emu, clock, recipients) as report:
                    assert report.sent == 1000
                    assert report.complete
            assert texted(emu) == Counter(r["to"] for r in recipients)  # found, not re-sent
            queries = history_queries(emu)
            asked = lookups(queries)
            # A page of numbers, one canary lookup, and the same again from an hour earlier (a
            # history dated behind the Date header would hide the canary too): then the scan.
            assert [len(q) for q in asked] == [100, 100, 100]
            scanned = [q for q in queries if "q" not in q]
            assert len(scanned) > 30  # the 3,750 messages of the window, read in pages
            assert [q["page"] for q in scanned] == [str(p) for p in range(1, len(scanned) + 1)]

    async def test_a_server_that_reads_only_the_first_terms_of_a_query_proves_nothing(
        self,
    ) -> None:
        # A server (or a proxy) that keeps only the first ten terms of a long ``q``: the
        # canary goes last, so such a lookup loses it and proves nothing (the window is
        # scanned). With the canary first, it came back with nine numbers each time and the
        # numbers past them looked absent: 223 people were texted twice.
        clock = Clock()
        recipients = rows(1000)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:

            def first_terms(query: Mapping[str, Any], read: Read) -> list[Any]:
                if "q" in query:
                    query = {**query, "q": ",".join(query["q"].split(",")[:10])}
                return read(query)

            with history_answers(first_terms):
                with await run(emu, clock, recipients) as report:
                    assert report.sent == 1000
                    assert report.complete
            assert texted(emu) == Counter(r["to"] for r in recipients)  # found, not re-sent
            queries = history_queries(emu)
            assert any("q" not in q for q in queries)  # the window was scanned


class TestSettleTime:
    """A chunk this process sent is read once its settle time is over on one clock (the request's
    end on the elapsed-time clock); a chunk from the store, in ClickSend's time past its window."""

    def _reconciler(self, clock: Clock, settle: float) -> Any:
        from clicksend_async._session import Session
        from clicksend_async.bulk._reconcile import Reconciler

        session: Any = Session.__new__(Session)
        session.server_clock = ServerClock(local=clock)
        return Reconciler(
            session=session,
            history_path="/sms/history",
            store=None,  # type: ignore[arg-type]
            settle=settle,
            sleep=clock.sleep,
            emit=lambda _: None,
            on_settled=lambda _: None,
            canary=lambda: None,
            elapsed=clock,
        )

    def test_a_chunk_this_process_sent_is_due_settle_seconds_after_its_request_ended(
        self,
    ) -> None:
        clock = Clock()
        reconciler = self._reconciler(clock, 2.0)
        # ClickSend's clock known only to within a second (one answer): no matter.
        reconciler._session.server_clock.observe(
            formatdate(clock.now + 300, usegmt=True), clock.now - 0.05, clock.now
        )
        ended = clock.now
        chunk = DoubtChunk(1, 1, ((1, "c1", "+61411111111"),), (ended + 299, ended + 301), ended)
        assert reconciler.deadline(chunk) == ended + 2.0
        clock.now += 5
        assert reconciler.deadline(chunk) == ended + 2.0  # fixed, not moving with the clock

    def test_a_chunk_from_the_store_waits_in_clicksends_time(self) -> None:
        clock = Clock()
        reconciler = self._reconciler(clock, 2.0)
        server = reconciler._session.server_clock
        server.observe(formatdate(clock.now + 300, usegmt=True), clock.now - 0.05, clock.now)
        lo, hi = server.offset
        window_end = clock.now + hi
        chunk = DoubtChunk(1, 1, ((1, "c1", "+61411111111"),), (window_end - 1, window_end))
        # Due when ClickSend's clock surely passed the window's end plus the settle time.
        assert reconciler.deadline(chunk) == pytest.approx(clock.now + (hi - lo) + 2.0)
        unknown = chunk._replace(window=None)
        assert reconciler.deadline(unknown) == clock.now  # settled as unknown at once

    async def test_a_lost_answer_is_read_its_settle_time_after_the_request_ended(self) -> None:
        clock = Clock()
        recipients = rows(400)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            # A 500 before the request was processed: its rows are not found at once.
            with await run(
                emu, clock, recipients, kind="500", nth=2, fill=0, chunk_size=100, settle=2.0
            ) as report:
                assert report.sent == 400
            assert texted(emu) == Counter(r["to"] for r in recipients)
            sends = [r.time for r in emu.requests if r.path == "/sms/send"]
            reads = [r.time for r in emu.requests if r.path == "/sms/history"]
            lost_at = sends[1]
            # Looked for at once (nothing found), then the read that can prove absence 2 s
            # after the lost request (on the test's clock, which the engine's sleeps move), not
            # 2 s plus the second of uncertainty about ClickSend's clock.
            assert reads[0] - lost_at < 0.1
            assert 2.0 <= reads[1] - lost_at < 2.5

    async def test_a_lost_answer_after_the_commit_is_settled_at_once(self) -> None:
        clock = Clock()
        recipients = rows(400)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            with await run(
                emu, clock, recipients, nth=2, fill=0, chunk_size=100, settle=2.0
            ) as report:
                assert report.sent == 400
                found = [o for o in report.outcomes() if o.reason and "history" in o.reason]
                assert sorted(o.row for o in found) == list(range(101, 201))
            assert texted(emu) == Counter(r["to"] for r in recipients)
            sends = [r.time for r in emu.requests if r.path == "/sms/send"]
            reads = [r for r in emu.requests if r.path == "/sms/history"]
            # Its rows were found by their own records as soon as it was in doubt: one page of
            # its 100 numbers, no settle time waited (a record is evidence whenever read).
            assert len(reads) == 1 and reads[0].time - sends[1] < 0.1
            assert clock.now - sends[0] < 1.0  # the run never slept out the 2 s
