"""The journal's disk fills up in the middle of a campaign.

SQLite says "database or disk is full" (SQLITE_FULL) on whichever write comes next: a claim (the
intent, before its request is built) or the outcome of a chunk whose request was answered. The
file is capped here with ``PRAGMA max_page_count`` on the engine's own connection, which fails
exactly like a full disk. Whichever write fails, nothing more is sent, the run says why, and a
resume once there is room again texts nobody twice and settles every row.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from traffic import campaign_job

from clicksend_async import ClickSendError
from clicksend_async._hooks import RequestEvent
from clicksend_async.bulk import BulkJob
from clicksend_async.testing import ClickSendEmulator


def recipients(n: int) -> list[dict[str, str]]:
    return [{"to": f"+6146{i:07d}", "first_name": f"N{i}"} for i in range(n)]


def job(cs: Any, journal: str, *, resume: bool = False) -> BulkJob:
    return campaign_job(cs, recipients(3000), journal=journal, throttle_pause=0.1, resume=resume)


@pytest.mark.parametrize("room", [0, 1, 2, 4, 8, 16])
async def test_a_journal_that_fills_up_stops_the_run_and_a_resume_texts_nobody_twice(
    tmp_path: Any, room: int
) -> None:
    """``room`` pages are left once the first send leaves: none (the outcomes of the two chunks
    in flight cannot be written) to a few chunks' worth (a later claim or outcome fails)."""
    journal = str(tmp_path / "c.db")
    async with ClickSendEmulator(balance=1000) as emu:
        first: BulkJob

        def fill_up(event: RequestEvent) -> None:
            if event.path == "/sms/send" and event.attempt == 1 and not capped:
                db = first._store.journal._db  # type: ignore[attr-defined]
                (pages,) = db.execute("PRAGMA page_count").fetchone()
                db.execute(f"PRAGMA max_page_count = {pages + room}")
                capped.append(pages)

        capped: list[int] = []
        async with emu.client(rate_limit=None, on_request=fill_up) as cs:
            first = job(cs, journal)
            with pytest.raises(ClickSendError) as failed:
                await first.run()
        assert "full" in str(failed.value), failed.value
        sent_first = Counter(m.to for m in emu.sent)
        assert max(sent_first.values()) == 1
        assert len(sent_first) < 3000  # it stopped

        async with emu.client(rate_limit=None) as cs:
            with await job(cs, journal, resume=True).run() as report:
                outcomes = list(report.outcomes())
        texted = Counter(m.to for m in emu.sent)
    assert sorted(texted.values()) == [1] * 3000
    assert Counter(o.state for o in outcomes) == {"sent": 3000}
    if room == 0:
        # Both chunks in flight were sent and their outcomes could not be written: the resume
        # found them in the history instead of sending them again.
        assert len(sent_first) == 500
        assert sum("history" in (o.reason or "") for o in outcomes) == 500
