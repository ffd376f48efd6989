"""A chunk in doubt is looked for at once (``Reconciler.confirm``), before its settle time.

A record found is evidence whenever it is read; only absence needs the settle time. So a chunk
whose answer was lost after the server accepted it is settled as soon as it is in doubt, by one
page of its numbers a request; whatever goes wrong with that look (a row missing, the history
failing, the settle fenced) leaves the chunk to the read after its settle time, and nobody is
texted twice or left without an outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from traffic import Read, fault_on_send, fill_history, history_answers

from clicksend_async.bulk import SMS, BulkJob, SqliteStore
from clicksend_async.testing import ClickSendEmulator


def rows(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(n)]


async def run(
    emu: ClickSendEmulator,
    recipients: list[dict[str, Any]],
    faults: dict[int, str],
    *,
    settle: float = 1.0,
    store: Any = None,
) -> Any:
    async with emu.client(rate_limit=None, on_request=fault_on_send(emu, faults)) as cs:
        job = BulkJob(
            cs.session,
            SMS,
            recipients,
            body="Hi {first_name}, our sale starts today",
            reconcile_settle=settle,
            chunk_size=100,
            concurrency=1,
            preflight=False,
            check_balance=False,
            store=store,
        )
        return await job.run()


def history(emu: ClickSendEmulator) -> list[Any]:
    return [r for r in emu.requests if r.path == "/sms/history"]


def numbers(request: Any) -> set[str]:
    return {t.removeprefix("to:") for t in request.query.get("q", "").split(",") if t}


def texted(emu: ClickSendEmulator) -> Counter[str]:
    return Counter(m.to for m in emu.sent if m.to.startswith("+6142"))


class TestLookingAtOnce:
    async def test_a_chunk_in_doubt_while_another_waits_is_looked_for_at_once(self) -> None:
        # Chunk 1's request failed before it was processed: its look finds nothing, so it
        # waits out its settle time. Chunk 3's answer is lost after the commit while chunk 1
        # waits (300 ms a send): the loop wakes for it and settles it at once, not after
        # chunk 1's wait.
        recipients = rows(400)
        async with ClickSendEmulator(balance=10_000, latency_ms={"/sms/send": 300}) as emu:
            with await run(emu, recipients, {1: "500", 3: "commit-drop"}, settle=3.0) as report:
                assert report.sent == 400 and report.complete
            assert texted(emu) == Counter(r["to"] for r in recipients)  # chunk 1 re-sent once
            sends = [r.time for r in emu.requests if r.path == "/sms/send"]
            third = {r["to"] for r in recipients[200:300]}
            [look] = [r for r in history(emu) if numbers(r) & third]
            assert numbers(look) == third
            first = {r["to"] for r in recipients[:100]}
            [own] = [r for r in history(emu) if numbers(r) & first]
            # Every other request is the read that proved chunk 1 absent, after its settle time.
            read = [r for r in history(emu) if r is not own and r is not look]
            assert read and all(r.time - sends[0] >= 3.0 for r in read)
            # Both looks came before chunk 1's settle time was over (no timing tighter than
            # that: a loop that only slept would have looked at chunk 3 after it).
            assert own.time - sends[0] < 3.0  # chunk 1's own look: nothing found
            assert sends[2] < look.time and look.time - sends[0] < 3.0
            assert look.time < min(r.time for r in read)

    async def test_a_look_that_misses_a_row_leaves_the_chunk_to_its_read(self) -> None:
        # The history leaves out one of the chunk's rows the first time it is asked: the look
        # records nothing, and the read after the settle time asks every number with the
        # canary (not without it again), finds them all and re-sends nobody.
        recipients = rows(300)
        hidden = ["+61420000150"]

        def hide_once(query: Mapping[str, Any], read: Read) -> list[Any]:
            found = read(query)
            if hidden and hidden[0] in query.get("q", ""):
                hidden.clear()
                return [m for m in found if m.to != "+61420000150"]
            return found

        async with ClickSendEmulator(balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                await fill_history(cs, 3000)  # a window far larger than the chunk: lookups
            with history_answers(hide_once):
                with await run(emu, recipients, {2: "commit-drop"}, settle=0.3) as report:
                    assert report.sent == 300 and report.complete
                    found = [o for o in report.outcomes() if o.reason and "history" in o.reason]
                    assert len(found) == 100
            assert texted(emu) == Counter(r["to"] for r in recipients)
            lost = {r["to"] for r in recipients[100:200]}
            asked = [numbers(r) for r in history(emu) if "q" in r.query]
            assert asked[0] == lost  # the look: one page of the chunk's numbers
            # Then canary lookups only: each brings a number outside the chunk (the canary).
            assert [len(q) for q in asked[1:]] == [100, 2]
            assert all(q - lost for q in asked[1:])

    async def test_a_history_that_fails_the_look_leaves_the_chunk_to_its_read(self) -> None:
        recipients = rows(300)
        async with ClickSendEmulator(balance=10_000) as emu:
            emu.inject("500", path="/sms/history", times=1)
            with await run(emu, recipients, {2: "commit-drop"}, settle=0.3) as report:
                assert report.sent == 300 and report.complete
            assert texted(emu) == Counter(r["to"] for r in recipients)
            assert len(history(emu)) >= 2  # the look that failed, then the read

    async def test_any_exception_of_the_look_leaves_the_chunk_to_its_read(self) -> None:
        # Not a fault anyone designed for: the look's first page raises something odd.
        from clicksend_async.bulk._history import HistoryReader

        original = HistoryReader.page
        raised: list[str] = []

        async def page(self: Any, params: Any, number: int) -> Any:
            if not raised:
                raised.append("once")
                raise RuntimeError("something nobody expected")
            return await original(self, params, number)

        recipients = rows(300)
        async with ClickSendEmulator(balance=10_000) as emu:
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(HistoryReader, "page", page)
                with await run(emu, recipients, {2: "commit-drop"}, settle=0.3) as report:
                    assert report.sent == 300 and report.complete
            assert raised
            assert texted(emu) == Counter(r["to"] for r in recipients)

    async def test_a_look_whose_settle_is_fenced_is_settled_by_the_read(
        self, tmp_path: Path
    ) -> None:
        # The store refuses the look's write (as when another worker settled the chunk first
        # under its epoch): the look counts and reports nothing, and the chunk goes to the
        # usual read, which settles it; every row is counted once.
        class FencedOnce(SqliteStore):
            fenced = 0

            async def settle(self, chunk: int, *args: Any, **kwargs: Any) -> bool:
                # The lost chunk's first settle after its doubt was recorded: the look's.
                if chunk == 2 and kwargs.get("outcomes") and not self.fenced:
                    self.fenced += 1
                    return False
                return await super().settle(chunk, *args, **kwargs)

        store = FencedOnce(tmp_path / "campaign.db")
        recipients = rows(300)
        async with ClickSendEmulator(balance=10_000) as emu:
            with await run(emu, recipients, {2: "commit-drop"}, settle=0.3, store=store) as report:
                assert report.sent == 300 and report.complete
                outcomes = list(report.outcomes())
                assert sorted(o.row for o in outcomes) == list(range(1, 301))
            assert store.fenced == 1
            assert texted(emu) == Counter(r["to"] for r in recipients)
        store.journal.close()
