"""The journal's lock file, or the journal itself, is removed while a campaign runs.

``<journal>.lock`` is what keeps a second process out; removed (a clean-up of "stale" lock
files), it lets the next one lock a new file of the same name. The holder also marks the
journal (and takes the mark off when it gives the journal up): with no lock file, a mark on and
a chunk written moments ago, the journal is refused; and each claim checks the mark in its own
transaction, so a holder whose journal was taken anyway claims nothing more.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections import Counter
from typing import Any

import pytest
from traffic import campaign_job

from clicksend_async import JournalError, JournalLockedError
from clicksend_async.bulk import BulkJob, Journal, _journal
from clicksend_async.testing import ClickSendEmulator


def recipients(n: int) -> list[dict[str, str]]:
    return [{"to": f"+6147{i:07d}", "first_name": f"N{i}"} for i in range(n)]


def job(cs: Any, journal: str, *, resume: bool = False) -> BulkJob:
    return campaign_job(
        cs, recipients(4000), journal=journal, chunk_size=100, throttle_pause=0.1, resume=resume
    )


async def sending(emu: ClickSendEmulator, cs: Any, journal: str) -> asyncio.Task[Any]:
    """Start a campaign on ``journal`` and return its task once it has sent 500 messages."""
    task = asyncio.create_task(job(cs, journal).run())
    while len(emu.sent) < 500:
        await asyncio.sleep(0.01)
    return task


async def test_a_journal_whose_lock_file_was_removed_is_refused_while_its_holder_sends(
    tmp_path: Any,
) -> None:
    journal = str(tmp_path / "c.db")
    async with ClickSendEmulator(balance=1000, latency_ms=20) as emu:
        async with emu.client(rate_limit=None) as first_cs, emu.client(rate_limit=None) as cs:
            first = await sending(emu, first_cs, journal)
            os.remove(journal + ".lock")
            with pytest.raises(JournalLockedError, match="has no lock file"):
                await job(cs, journal, resume=True).run()
            with await first as report:
                assert report.counts["sent"] == 4000
            # Given up by its holder (its mark taken off): the journal opens again at once.
            with await job(cs, journal, resume=True).run() as again:
                assert again.counts["sent"] == 4000
        texted = Counter(m.to for m in emu.sent)
    assert sorted(texted.values()) == [1] * 4000


async def test_the_first_holder_stops_claiming_once_another_took_the_journal(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taken anyway (the first holder looked quiet long enough: here at once)."""
    monkeypatch.setattr(_journal, "LIVE_HOLDER_SECONDS", 0.0)
    journal = str(tmp_path / "c.db")
    async with ClickSendEmulator(balance=1000, latency_ms=20) as emu:
        async with emu.client(rate_limit=None) as first_cs, emu.client(rate_limit=None) as cs:
            first = await sending(emu, first_cs, journal)
            os.remove(journal + ".lock")
            with await job(cs, journal, resume=True).run() as report:
                outcomes = list(report.outcomes())
            with pytest.raises(JournalLockedError, match="taken by another process"):
                await first
        texted = Counter(m.to for m in emu.sent)
    assert sorted(texted.values()) == [1] * 4000
    assert Counter(o.state for o in outcomes) == {"sent": 4000}


def planned(path: Any) -> Journal:
    """Return a held journal with one planned row and one chunk claimed just now."""
    one = Journal(path)
    one.acquire()
    one.add_rows([(1, "cs1-1", "+61411111111", '{"to":"+6141"}', 1, "GSM", None, None, None)])
    one.add_rows([(2, "cs1-2", "+61411111112", '{"to":"+6141"}', 1, "GSM", None, None, None)])
    assert one.claim_chunk(1, after_row=0, max_attempts=3, now=time.time(), window_from=0.0)
    return one


def test_a_dead_holder_leaves_its_lock_file_and_the_journal_resumes_at_once(
    tmp_path: Any,
) -> None:
    path = tmp_path / "c.db"
    one = planned(path)
    one._holder.release()  # died: the lock is free, the mark is still on
    two = Journal(path)
    two.acquire()
    assert two.held
    two.close()
    one.close()


@pytest.mark.parametrize(
    ("quiet", "refused"), [(5.0, True), (-5.0, True), (600.0, False), (-7200.0, False)]
)
def test_no_lock_file_and_a_mark_on_refuses_a_journal_written_to_moments_ago(
    tmp_path: Any, quiet: float, refused: bool
) -> None:
    path = tmp_path / "c.db"
    one = planned(path)
    one._db.execute("UPDATE chunks SET started_at = ?", (time.time() - quiet,))
    one._holder.release()
    os.remove(str(path) + ".lock")
    two = Journal(path)
    if refused:
        for _ in range(2):  # the lock file made for the first attempt does not let a second in
            with pytest.raises(JournalLockedError, match="has no lock file"):
                two.acquire()
            assert not os.path.exists(str(path) + ".lock")
    else:
        two.acquire()
        assert two.held
    two.close()
    one.close()


async def test_a_second_holder_is_still_refused_while_the_lock_file_exists(
    tmp_path: Any,
) -> None:
    path = tmp_path / "c.db"
    one = Journal(path)
    one.acquire()
    two = Journal(path)
    with pytest.raises(JournalLockedError, match="in use by another process"):
        two.acquire()
    two.close()
    one.close()


def test_a_holder_whose_mark_was_replaced_claims_nothing(tmp_path: Any) -> None:
    path = tmp_path / "c.db"
    one = Journal(path)
    one.acquire()
    one.add_rows([(1, "cs1-1", "+61411111111", '{"to":"+6141"}', 1, "GSM", None, None, None)])
    one.begin_run()  # commits the planned row
    os.remove(str(path) + ".lock")  # and no chunk yet: nothing says it is sending
    two = Journal(path)
    two.acquire()  # a new lock file: the second process holds the journal now
    with pytest.raises(JournalLockedError, match="taken by another process"):
        one.claim_chunk(100, after_row=0, max_attempts=3, now=0.0, window_from=0.0)
    claimed = two.claim_chunk(100, after_row=0, max_attempts=3, now=0.0, window_from=0.0)
    assert claimed is not None and [r[0] for r in claimed[1]] == [1]
    two.close()
    one.close()


@pytest.mark.parametrize("how", ["removed", "replaced"])
async def test_a_journal_removed_or_replaced_mid_run_stops_the_run(tmp_path: Any, how: str) -> None:
    """What the run writes after that goes to a file no resume finds: it sends nothing more."""
    journal = str(tmp_path / "c.db")
    async with ClickSendEmulator(balance=1000, latency_ms=20) as emu:
        async with emu.client(rate_limit=None) as cs:
            running = await sending(emu, cs, journal)
            if how == "removed":
                os.remove(journal)
            else:
                shutil.copy(journal, journal + ".copy")
                os.replace(journal + ".copy", journal)
            with pytest.raises(JournalError, match="was removed or replaced"):
                await running
            stopped_at = len(emu.sent)
            await asyncio.sleep(0.2)
            assert len(emu.sent) == stopped_at  # nothing after the error either
        texted = Counter(m.to for m in emu.sent)
    assert max(texted.values()) == 1
    assert 500 <= len(texted) < 4000


def test_claims_check_the_file_they_hold(tmp_path: Any) -> None:
    path = tmp_path / "c.db"
    one = planned(path)
    os.rename(path, tmp_path / "moved.db")
    with pytest.raises(JournalError, match="was removed or replaced"):
        one.claim_chunk(1, after_row=1, max_attempts=3, now=0.0, window_from=0.0)
    one.close()


def test_a_relative_journal_survives_a_change_of_directory(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is checked at the absolute path it had when opened, not against a new cwd."""
    monkeypatch.chdir(tmp_path)
    one = planned("c.db")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert one.claim_chunk(1, after_row=1, max_attempts=3, now=0.0, window_from=0.0)
    one.close()
