"""Bulk-engine bugs found while building the CLI's kill tests, kept as regression tests.

Both were first written as strict xfails and fixed in the engine (8e4e181); each test is the
smallest reproduction of the crash or resume that used to go wrong.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from clicksend_async import ClickSendError, JournalMismatchError
from clicksend_async.bulk import SMS, BulkJob
from clicksend_async.testing import ClickSendEmulator


def rows(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(1, n + 1)]


class Died(BaseException):
    """Stands for the process dying (SIGKILL) at one precise point."""


async def test_rows_missing_from_an_answer_are_settled_on_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer lacked some rows and the process died before reconciling them.

    The engine used to commit such a chunk as 'partial', which no resume looked at: the missing
    rows stayed 'skipped' forever and the campaign could never complete.
    """
    path = str(tmp_path / "campaign.db")
    recipients = rows(4)
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        session = cs.session
        send = session.request

        async def lossy(method: str, api_path: str, **kwargs: Any) -> dict[str, Any]:
            envelope = await send(method, api_path, **kwargs)
            if api_path == "/sms/send":  # ClickSend lists only the first two messages
                envelope["data"]["messages"] = envelope["data"]["messages"][:2]
            return envelope

        async def die(*args: Any, **kwargs: Any) -> None:
            raise Died

        first = BulkJob(session, SMS, recipients, body="Hi {first_name}", journal=path)
        with monkeypatch.context() as patch:
            patch.setattr(session, "request", lossy)
            patch.setattr(first.reconciler, "confirm", die)  # its look at once, or
            patch.setattr(first.reconciler, "settle_chunks", die)  # its read
            with pytest.raises(Died):
                await first.run()
        first.journal.close()
        assert len(emu.sent) == 4  # all four went out; the answer only lost two of them

        resumed = BulkJob(
            session, SMS, recipients, body="Hi {first_name}", journal=path, reconcile_settle=0
        )
        with await resumed.run() as report:
            complete, counts = report.complete, dict(report.counts)
            reasons = [o.reason for o in report.outcomes()]
        resumed.journal.close()
        assert len(emu.sent) == 4  # nobody texted twice
    assert complete, counts
    assert counts["sent"] == 4
    assert reasons[:2] == [None, None]
    assert all(r and "history" in r for r in reasons[2:])


async def test_resume_after_the_schedule_time_is_not_another_campaign(tmp_path: Path) -> None:
    """Resume used to re-validate rows against the current time: once the schedule had passed,
    every row was invalid and the journal was said to belong to 'another campaign'."""
    path = str(tmp_path / "campaign.db")
    start = time.time()
    schedule = int(start) + 3600
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        first = BulkJob(
            cs.session,
            SMS,
            rows(3),
            body="Hi {first_name}",
            defaults={"schedule": schedule},
            journal=path,
            clock=lambda: start,
        )
        await first.plan()
        first.journal.close()
        later = BulkJob(
            cs.session,
            SMS,
            rows(3),
            body="Hi {first_name}",
            defaults={"schedule": schedule},
            journal=path,
            clock=lambda: start + 7200,
        )
        try:
            await later.plan()
        except JournalMismatchError as exc:
            pytest.fail(f"resuming after the schedule time was called another campaign: {exc}")
        except ClickSendError:
            pass  # a clear error about the schedule is an acceptable fix too
        finally:
            later.journal.close()
