"""The history dated by another clock than the answers' ``Date`` header.

A chunk in doubt carries its window in the clock of the ``Date`` header, learnt from every
answer. The history is dated by whatever stamps its records: behind the Maton gateway, or a
front end whose clock is off, the two disagree. With the header two minutes ahead of the
history, every record of a lost chunk lay before its window; reads from the window's start
never saw them, and 500 of 1,000 people were texted twice. Lookups that prove absence now reach
an hour further back, and a window scan proves absence only if it also finds the canary (a
message known sent) dated no earlier than its own window.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections import Counter
from typing import Any

import pytest
from multidict import CIMultiDict
from traffic import history_answers, lost_send, no_lookups, run_campaign, two_messages

from clicksend_async import SmsMessage
from clicksend_async._transport import RawResponse
from clicksend_async.testing import ClickSendEmulator


def shift_date(cs: Any, seconds: float) -> None:
    """Make every answer's ``Date`` header ``seconds`` ahead of the emulator's clock (which
    still dates the history)."""
    transport = cs.session.transport
    real = transport.request

    async def request(method: str, url: str, **kw: Any) -> RawResponse:
        raw = await real(method, url, **kw)
        headers = CIMultiDict(raw.headers)
        when = email.utils.parsedate_to_datetime(headers["Date"]).timestamp() + seconds
        headers["Date"] = email.utils.formatdate(when, usegmt=True)
        return RawResponse(raw.status, headers, raw.body)

    transport.request = request  # type: ignore[method-assign]


def recipients(n: int) -> list[dict[str, str]]:
    return [{"to": f"+6144{i:07d}", "first_name": f"N{i}"} for i in range(n)]


class TestDateHeaderAheadOfTheHistory:
    @pytest.mark.parametrize("kind", ["commit-drop", "commit-500"])
    async def test_lost_answers_are_found_by_lookups_that_reach_back(
        self, tmp_path: Any, kind: str
    ) -> None:
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            shift_date(cs, 120)
            emu.inject(kind, path="/sms/send", times=2)
            outcomes = await run_campaign(cs, recipients(1000), journal=str(tmp_path / "c.db"))
            texted = Counter(m.to for m in emu.sent)
            assert sorted(texted.values()) == [1] * 1000  # everyone once (500 twice before)
            assert Counter(o.state for o in outcomes) == {"sent": 1000}
            assert sum("history" in (o.reason or "") for o in outcomes) == 500

    async def test_the_same_through_the_postgresql_store(self, postgres_dsn: str) -> None:
        from clicksend_async.bulk import PostgresStore

        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            shift_date(cs, 120)
            emu.inject("commit-drop", path="/sms/send", times=2)
            store = PostgresStore(postgres_dsn, "clock-ahead")
            outcomes = await run_campaign(cs, recipients(1000), store=store)
            assert sorted(Counter(m.to for m in emu.sent).values()) == [1] * 1000
            assert Counter(o.state for o in outcomes) == {"sent": 1000}

    async def test_a_server_that_cannot_look_up_by_number_leaves_the_rows_unknown(
        self, tmp_path: Any
    ) -> None:
        """No lookups (``q`` finds nothing): the window is scanned, the canary is not in it
        (dated two minutes before its window), and nothing is claimed absent."""
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            shift_date(cs, 120)
            emu.inject("commit-drop", path="/sms/send", times=2)
            with history_answers(no_lookups):
                outcomes = await run_campaign(cs, recipients(1000), journal=str(tmp_path / "c.db"))
            texted = Counter(m.to for m in emu.sent)
            assert sorted(texted.values()) == [1] * 1000
            assert Counter(o.state for o in outcomes) == {"sent": 500, "unknown": 500}
            unknown = [o.reason or "" for o in outcomes if o.state == "unknown"]
            assert all("canary" in reason for reason in unknown), unknown[0]

    async def test_a_header_behind_the_history_changes_nothing(self, tmp_path: Any) -> None:
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            shift_date(cs, -120)
            emu.inject("commit-drop", path="/sms/send", times=2)
            outcomes = await run_campaign(cs, recipients(1000), journal=str(tmp_path / "c.db"))
            assert sorted(Counter(m.to for m in emu.sent).values()) == [1] * 1000
            assert Counter(o.state for o in outcomes) == {"sent": 1000}


class TestOneSendReconciled:
    async def test_a_lost_send_is_not_called_absent_when_the_header_runs_ahead(self) -> None:
        """``sms.reconcile(error)`` looks each number up from an hour before the window and
        finds both messages, dated two minutes before it: they are ``unknown`` (the history's
        clock runs behind, or earlier messages had the same custom strings), never
        ``not_sent``. Before, both were reported not sent, and a caller re-sending them would
        have texted both people twice."""
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            shift_date(cs, 120)
            await cs.account.get()
            error = await lost_send(cs, emu, "commit-drop", two_messages())
            result = await cs.sms.reconcile(error, settle=0.2)
            assert result.not_sent == () and result.sent == {}
            assert result.unknown == (0, 1)

    async def test_an_earlier_message_with_the_same_custom_string_is_not_this_one(
        self,
    ) -> None:
        """An hour's reach must not mistake an earlier message with the same custom string (two
        seconds earlier here) for this request's: it is dated before the window, so it proves
        nothing (``unknown``), where it would have said ``sent``."""
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            same = SmsMessage(to="+61430000001", body="a", custom_string="order-1")
            await cs.sms.send([same])
            await asyncio.sleep(2.2)  # the next request's window starts after that record
            error = await lost_send(cs, emu, "500", [same])  # refused before processing
            result = await cs.sms.reconcile(error, settle=0.2)
            assert result.sent == {} and result.unknown == (0,)
            assert len(emu.sent) == 1


class TestHistoryLaggingPastTheSettleTime:
    async def test_rows_stay_unknown_until_a_resume_finds_them(self, tmp_path: Any) -> None:
        """A history 3 s behind with a settle time of 0.3 s: the read after the settle time
        does not see the lost chunks' records, and neither does it see the canary (sent after
        them), so it proves nothing. Before, 500 of 2,000 people were texted twice. A resume
        once the history has caught up finds them all."""
        journal = str(tmp_path / "c.db")
        rows = recipients(2000)
        async with (
            ClickSendEmulator(balance=1000, history_lag=3.0) as emu,
            emu.client(rate_limit=None) as cs,
        ):
            emu.inject("commit-drop", path="/sms/send", times=2)
            states: list[Counter[str]] = []
            for attempt in range(2):
                outcomes = await run_campaign(
                    cs,
                    rows,
                    journal=journal,
                    resume=attempt > 0,
                    reconcile_settle=0.3 if attempt == 0 else 3.5,
                )
                states.append(Counter(o.state for o in outcomes))
            assert sorted(Counter(m.to for m in emu.sent).values()) == [1] * 2000
            assert states == [{"sent": 1500, "unknown": 500}, {"sent": 2000}]
