"""The bulk engine against the emulator, with faults: everyone texted once, every row one state."""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeclock import Clock

from clicksend_async import (
    BudgetExceededError,
    ConfigurationError,
    JournalMismatchError,
    SmsMessage,
    ValidationError,
)
from clicksend_async.bulk import SMS, BulkJob, BulkOutcome, Journal, OutcomeState, ProgressEvent
from clicksend_async.testing import ClickSendEmulator


def rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(start, start + n)]


def assert_exactly_once(emu: ClickSendEmulator, numbers: list[str]) -> None:
    counts = Counter(m.to for m in emu.sent)
    twice = {to: c for to, c in counts.items() if c > 1}
    assert not twice, f"texted more than once: {list(twice.items())[:5]}"
    assert set(counts) == set(numbers), "someone was not texted"


def assert_one_state_per_row(report: Any, total: int) -> list[BulkOutcome]:
    outcomes = list(report.outcomes())
    assert [o.row for o in outcomes] == list(range(1, total + 1))
    assert all(o.state in {s.value for s in OutcomeState} for o in outcomes)
    assert sum(report.counts.values()) == total
    return outcomes


def job(cs: Any, recipients: Any, clock: Clock | None = None, **kwargs: Any) -> BulkJob:
    clock = clock or Clock()
    kwargs.setdefault("body", "Hi {first_name}, our sale starts today")
    kwargs.setdefault("reconcile_settle", 0)
    return BulkJob(cs.session, SMS, recipients, sleep=clock.sleep, clock=clock, **kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


class TestHappyPath:
    async def test_sends_everyone_once_and_reports(self, clock: Clock) -> None:
        recipients = rows(2500)
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            async with emu.client(rate_limit=None) as cs:
                with await job(
                    cs, recipients, clock, chunk_size=1000, concurrency=3
                ).run() as report:
                    outcomes = assert_one_state_per_row(report, 2500)
                    assert report.sent == 2500
                    assert report.complete
                    assert report.plan is not None and report.plan.chunks == 3
                    assert report.total_cost == report.plan.total_cost
                    assert report.segments == 2500
            assert_exactly_once(emu, [r["to"] for r in recipients])
            sends = [r for r in emu.requests if r.path == "/sms/send"]
            assert sorted(len(r.json["messages"]) for r in sends) == [500, 1000, 1000]
            by_id = {m.message_id: m for m in emu.sent}
            for outcome in outcomes:
                sent = by_id[outcome.message_id]
                assert sent.custom_string == outcome.custom_string
                assert sent.body == f"Hi Name{int(outcome.to[-7:])}, our sale starts today"

    async def test_custom_strings_are_unique_and_user_ones_kept(self, clock: Clock) -> None:
        recipients: list[Any] = [
            {"to": "+61430000001", "body": "a", "custom_string": "mine-1"},
            {"to": "+61430000002", "body": "b", "custom_string": "mine-1"},  # not unique
            SmsMessage(to="+61430000003", body="c"),
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, recipients, clock, body=None).run() as report:
                customs = [o.custom_string for o in report.outcomes()]
        assert customs[0] == "mine-1"
        assert customs[1] != "mine-1" and customs[2] not in ("mine-1", customs[1])
        assert len(set(customs)) == 3

    async def test_async_iterable_input(self, clock: Clock) -> None:
        async def source() -> Any:
            for row in rows(30):
                yield row

        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, source(), clock, chunk_size=7).run() as report:
                assert report.sent == 30
            assert len(emu.sent) == 30

    async def test_progress_events(self, clock: Clock) -> None:
        events: list[ProgressEvent] = []
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, rows(50), clock, chunk_size=10, on_progress=events.append).run():
                pass
        phases = [e.phase for e in events]
        assert "planning" in phases and "sending" in phases and phases[-1] == "done"
        assert events[-1].sent == 50
        assert events[-1].cost > 0


class TestValidation:
    async def test_invalid_rows_are_reported_and_never_sent(self, clock: Clock) -> None:
        recipients: list[Any] = [
            {"to": "+61411000001", "first_name": "Ann"},
            {"to": "+61411000002"},  # template field missing
            {"to": "12", "first_name": "Bob"},  # not a number
            {"to": "", "first_name": "Cy"},  # no recipient
            {"to": "0411 000 003", "first_name": "Di", "country": "AU"},  # local + country: fine
            {"to": "+61 411-000-004", "first_name": "Ed"},  # formatting stripped
            42,  # not a row
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, recipients, clock).run() as report:
                outcomes = assert_one_state_per_row(report, 7)
                plan = report.plan
            assert {m.to for m in emu.sent} == {"+61411000001", "+61411000003", "+61411000004"}
        states = [o.state for o in outcomes]
        assert states == ["sent", "invalid", "invalid", "invalid", "sent", "sent", "invalid"]
        assert plan is not None
        assert [r.row for r in plan.invalid_rows] == [2, 3, 4, 7]
        assert "first_name" in outcomes[1].reason
        assert "E.164" in outcomes[2].reason or "phone number" in outcomes[2].reason
        assert "recipient" in outcomes[3].reason

    async def test_dedupe_reports_duplicates(self, clock: Clock) -> None:
        recipients = rows(3) + rows(2)
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, recipients, clock, dedupe=True).run() as report:
                assert report.sent == 3
                assert report.invalid == 2
                assert report.plan is not None and report.plan.duplicates == 2
            assert len(emu.sent) == 3

    async def test_dedupe_by_number_texts_each_number_once(self, clock: Clock) -> None:
        # Two people sharing a phone, and the same person twice under two spellings.
        recipients = [
            {"to": "+61411000001", "first_name": "Bob"},
            {"to": "+61 411 000 001", "first_name": "Robert"},
            {"to": "+61411000002", "first_name": "Ann"},
            {"to": "+61411000002", "first_name": "Ann"},
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, recipients, clock, dedupe=True).run() as report:
                assert report.plan is not None and report.plan.duplicates == 1
            assert len(emu.sent) == 3
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            dedupe_job = job(cs, recipients, clock, dedupe="number", body="Hi {first_name}")
            with await dedupe_job.run() as report:
                assert report.plan is not None and report.plan.duplicates == 2
                outcomes = list(report.outcomes())
            assert sorted((m.to, m.body) for m in emu.sent) == [
                ("+61411000001", "Hi Bob"),
                ("+61411000002", "Hi Ann"),
            ]
        assert [(o.state, o.status) for o in outcomes][1] == ("invalid", "DUPLICATE")
        assert "same recipient)" in (outcomes[1].reason or "")

    async def test_dedupe_takes_known_values_only(self, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(ValidationError) as caught:
                job(cs, rows(1), clock, dedupe="yes")
            assert caught.value.field == "dedupe"


class TestPreflight:
    async def test_dry_run_sends_nothing(self, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, rows(120), clock, dry_run=True, chunk_size=50).run() as report:
                plan = report.plan
                assert report.skipped == 120
                assert not report.complete
            assert not emu.sent
            assert not [r for r in emu.requests if r.path == "/sms/send"]
            # Priced by key: one representative (all 120 rows share a prefix, sender and parts).
            assert len([r for r in emu.requests if r.path == "/sms/price"]) == 1
        assert plan is not None and plan.priced and plan.pricing == "key"
        assert plan.price_keys == plan.price_requests == 1
        assert plan.total_cost is not None and plan.total_cost > 0
        assert plan.currency == "AUD"
        assert plan.segments_by_encoding == {"GSM-7": 120}

    async def test_plan_counts_unicode_segments(self, clock: Clock) -> None:
        recipients = [
            {"to": "+61411000001", "body": "ça va? " * 20},
            {"to": "+61411000002", "body": "hi"},
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            plan = await job(cs, recipients, clock, body=None).plan()
        assert plan.messages_by_encoding == {"UCS-2": 1, "GSM-7": 1}
        assert plan.segments_by_encoding["UCS-2"] == 3

    async def test_max_cost_refuses_to_start(self, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(BudgetExceededError) as info:
                await job(cs, rows(100), clock, max_cost="1.00").run()
            assert not emu.sent
        assert info.value.plan.total_cost > Decimal("1.00")

    async def test_max_segments_refuses_to_start(self, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(BudgetExceededError, match="segments"):
                await job(cs, rows(10), clock, max_segments=5).run()
            assert not emu.sent

    async def test_balance_too_low_refuses_to_start(self, clock: Clock) -> None:
        async with ClickSendEmulator(balance="1.00", clock=clock) as emu:
            async with emu.client(rate_limit=None) as cs:
                with pytest.raises(BudgetExceededError, match="balance"):
                    await job(cs, rows(100), clock).run()
            assert not emu.sent

    async def test_rows_refused_at_pricing_are_not_sent(self, clock: Clock) -> None:
        recipients = [
            {"to": "+61411000001", "first_name": "a"},
            {"to": "+4915112345678", "first_name": "b"},
        ]
        async with ClickSendEmulator(clock=clock, enabled_countries=["AU"]) as emu:
            async with emu.client(rate_limit=None) as cs:
                with await job(cs, recipients, clock).run() as report:
                    outcomes = list(report.outcomes())
            assert [m.to for m in emu.sent] == ["+61411000001"]
            assert [r.json["messages"][0]["to"] for r in emu.requests if r.path == "/sms/send"] == [
                "+61411000001"
            ]
        assert outcomes[1].state == "rejected"
        assert outcomes[1].status == "COUNTRY_NOT_ENABLED"


class TestFaults:
    @pytest.mark.parametrize("fault", ["commit-500", "commit-drop", "500"])
    async def test_lost_answers_are_reconciled_not_resent(self, clock: Clock, fault: str) -> None:
        recipients = rows(300)
        async with ClickSendEmulator(balance=1000, clock=clock) as emu:
            emu.inject(fault, path="/sms/send", times=2)
            async with emu.client(rate_limit=None) as cs:
                with await job(
                    cs, recipients, clock, chunk_size=100, concurrency=2
                ).run() as report:
                    assert_one_state_per_row(report, 300)
                    assert report.sent == 300
                    assert report.complete
            assert_exactly_once(emu, [r["to"] for r in recipients])
            assert [r for r in emu.requests if r.path == "/sms/history"]

    async def test_commit_hang_is_reconciled(self, clock: Clock) -> None:
        recipients = rows(150)
        async with ClickSendEmulator(balance=1000, clock=clock, hang_seconds=3) as emu:
            emu.inject("commit-hang", path="/sms/send", times=1)
            async with emu.client(rate_limit=None, timeout=0.5) as cs:
                with await job(cs, recipients, clock, chunk_size=50).run() as report:
                    assert report.sent == 150
            assert_exactly_once(emu, [r["to"] for r in recipients])

    async def test_429_storm_slows_down_and_sends_everyone_once(self, clock: Clock) -> None:
        recipients = rows(400)
        async with ClickSendEmulator(
            balance=1000, clock=clock, faults={"/sms/send": {"429": 0.5}}, seed=7
        ) as emu:
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                with await job(cs, recipients, clock, chunk_size=50, concurrency=4).run() as report:
                    assert report.sent == 400
            assert_exactly_once(emu, [r["to"] for r in recipients])

    async def test_random_faults_everywhere(self, clock: Clock) -> None:
        recipients = rows(600)
        faults = "429=0.1,500=0.1,commit-500=0.1,commit-drop=0.1"
        async with ClickSendEmulator(balance=1000, clock=clock, faults=faults, seed=3) as emu:
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                with await job(cs, recipients, clock, chunk_size=60, concurrency=3).run() as report:
                    outcomes = assert_one_state_per_row(report, 600)
            counts = Counter(m.to for m in emu.sent)
            assert max(counts.values()) == 1
            sent = {o.to for o in outcomes if o.state == "sent"}
            assert sent == set(counts)
            # Whatever is not sent is reported, never silently dropped.
            assert report.sent + report.unknown + report.skipped == 600

    async def test_unreadable_history_leaves_rows_unknown_loudly(self, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu:
            emu.inject("commit-500", path="/sms/send", times=1)
            emu.inject("500", path="/sms/history", times=50)
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                with await job(cs, rows(20), clock).run() as report:
                    assert report.unknown == 20
                    assert not report.complete
                    assert "WARNING" in report.summary()
                    assert all(o.state == "unknown" for o in report.outcomes())
            assert len(emu.sent) == 20  # they did go out; we just cannot prove it

    async def test_insufficient_credit_mid_campaign(self, clock: Clock) -> None:
        recipients = rows(300)
        async with ClickSendEmulator(balance="10.00", clock=clock) as emu:
            async with emu.client(rate_limit=None) as cs:
                with await job(
                    cs, recipients, clock, chunk_size=50, concurrency=1, check_balance=False
                ).run() as report:
                    outcomes = assert_one_state_per_row(report, 300)
                    assert report.aborted and "credit" in report.aborted
            assert_exactly_once(emu, [o.to for o in outcomes if o.state == "sent"])
        states = Counter(o.state for o in outcomes)
        assert states["sent"] > 0
        # Refused for credit: not sent, and resumable after a top-up (not final rejections).
        assert states["not_sent"] > 0
        assert states["skipped"] > 0
        assert states["rejected"] == 0
        assert {o.status for o in outcomes if o.state == "not_sent"} == {"INSUFFICIENT_CREDIT"}

    async def test_throttled_rows_are_retried_after_a_pause(self, clock: Clock) -> None:
        recipients = [
            {"to": "+61411000001", "body": "same"},
            {"to": "+61411000001", "body": "same"},
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, recipients, clock, body=None).run() as report:
                assert report.sent == 2
            assert len(emu.sent) == 2
            assert emu.sent[1].time - emu.sent[0].time >= 5


class TestStreamingAndCancellation:
    async def test_stream_yields_one_outcome_per_row(self, clock: Clock) -> None:
        recipients = [*rows(40), {"to": "nope", "first_name": "x"}]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            seen = [o async for o in job(cs, recipients, clock, chunk_size=9).stream()]
        assert sorted(o.row for o in seen) == list(range(1, 42))
        assert Counter(o.state for o in seen) == {"sent": 40, "invalid": 1}

    async def test_cancel_records_the_chunks_in_flight_and_propagates(self, tmp_path: Path) -> None:
        recipients = rows(200)
        path = tmp_path / "c.db"
        async with ClickSendEmulator(latency_ms=30) as emu, emu.client(rate_limit=None) as cs:
            bulk = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {first_name}",
                chunk_size=10,
                concurrency=2,
                reconcile_settle=0,
                journal=str(path),
            )
            task = asyncio.create_task(bulk.run())
            while len(emu.sent) < 40:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            bulk.journal.close()
            sent_before = len(emu.sent)
            # Whatever was in flight was recorded: a resume sends exactly the rest.
            resumed = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {first_name}",
                chunk_size=10,
                reconcile_settle=0,
                journal=str(path),
            )
            with await resumed.run() as report:
                assert report.sent == 200
            assert sent_before < 200
            assert_exactly_once(emu, [r["to"] for r in recipients])

    async def test_a_timeout_around_send_bulk_raises(self) -> None:
        async with ClickSendEmulator(latency_ms=30) as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await cs.sms.send_bulk(
                        rows(500),
                        body="Hi {first_name}",
                        chunk_size=10,
                        concurrency=1,
                        preflight=False,
                    )
            assert 0 < len(emu.sent) < 500

    async def test_stop_is_graceful_and_returns_the_report(self) -> None:
        recipients = rows(200)
        async with ClickSendEmulator(latency_ms=20) as emu, emu.client(rate_limit=None) as cs:
            bulk = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {first_name}",
                chunk_size=10,
                concurrency=2,
                reconcile_settle=0,
            )
            task = asyncio.create_task(bulk.run())
            while len(emu.sent) < 40:
                await asyncio.sleep(0.01)
            await bulk.stop()
            with await task as report:
                assert report.stopped
                outcomes = assert_one_state_per_row(report, 200)
                assert report.sent == len(emu.sent)
                assert report.skipped == 200 - report.sent
            assert_exactly_once(emu, [o.to for o in outcomes if o.state == "sent"])


class TestJournal:
    async def test_resume_sends_only_the_rest(self, tmp_path: Path) -> None:
        path = tmp_path / "campaign.db"
        recipients = rows(200)
        async with ClickSendEmulator(latency_ms=20) as emu, emu.client(rate_limit=None) as cs:
            first = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {first_name}",
                chunk_size=10,
                concurrency=2,
                journal=str(path),
                reconcile_settle=0,
            )
            task = asyncio.create_task(first.run())
            while len(emu.sent) < 50:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            first.journal.close()
            second = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {first_name}",
                chunk_size=10,
                journal=str(path),
                reconcile_settle=0,
            )
            with await second.run() as report:
                assert report.sent == 200
                assert report.complete
            second.journal.close()
            assert_exactly_once(emu, [r["to"] for r in recipients])

    async def test_in_flight_chunk_is_reconciled_on_resume(self, tmp_path: Path) -> None:
        path = tmp_path / "campaign.db"
        recipients = rows(30)
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            # Simulate a process that died right after its first chunk left: the intent is in
            # the journal, the messages reached ClickSend, the outcome was never written.
            planner = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {first_name}",
                chunk_size=10,
                journal=str(path),
                reconcile_settle=0,
            )
            await planner.plan()
            planner.journal.acquire()
            claimed = planner.journal.claim(
                10, after_row=0, max_attempts=4, now=emu_now(), window_from=emu_now() - 2
            )
            assert claimed is not None
            pending = claimed[1]
            body = {"messages": [__import__("json").loads(r[3]) for r in pending]}
            await cs.request("POST", "/sms/send", json=body)
            planner.journal.close()
            resumed = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {first_name}",
                chunk_size=10,
                journal=str(path),
                reconcile_settle=0,
            )
            with await resumed.run() as report:
                assert report.sent == 30
                reasons = [o.reason for o in report.outcomes()][:10]
            resumed.journal.close()
            assert all(r and "history" in r for r in reasons)
            assert_exactly_once(emu, [r["to"] for r in recipients])

    async def test_journal_of_another_campaign_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "campaign.db"
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            first = BulkJob(cs.session, SMS, rows(5), body="Hi {first_name}", journal=str(path))
            with await first.run():
                pass
            first.journal.close()
            for other in (rows(6), rows(5, start=1)):
                again = BulkJob(cs.session, SMS, other, body="Hi {first_name}", journal=str(path))
                with pytest.raises(JournalMismatchError):
                    await again.run()
                again.journal.close()
            changed = BulkJob(
                cs.session, SMS, rows(5), body="Hello {first_name}", journal=str(path)
            )
            with pytest.raises(JournalMismatchError):
                await changed.run()
            changed.journal.close()
            assert len(emu.sent) == 5

    async def test_report_to_csv(self, tmp_path: Path, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            recipients = [*rows(3), {"to": "x", "first_name": "y"}]
            with await job(cs, recipients, clock).run() as report:
                target = report.to_csv(tmp_path / "report.csv")
        with target.open() as handle:
            lines = list(csv.DictReader(handle))
        assert [line["state"] for line in lines] == ["sent", "sent", "sent", "invalid"]
        assert lines[0]["message_id"] and lines[0]["price"]
        assert lines[3]["reason"]

    def test_journal_rejects_a_non_journal_file(self, tmp_path: Path) -> None:
        bogus = tmp_path / "not.db"
        bogus.write_text("hello, I am not SQLite" * 100)
        with pytest.raises(ConfigurationError, match="not a campaign journal"):
            Journal(str(bogus))


def emu_now() -> float:
    import time

    return time.time()


class TestGivingUp:
    async def test_endless_429s_leave_rows_not_sent_and_resumable(self, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu:
            emu.inject("429", path="/sms/send", times=10_000)
            async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
                bulk = job(cs, rows(20), clock, max_attempts=2)
                with await bulk.run() as report:
                    assert report.not_sent == 20  # attempted, surely not sent
                    assert report.skipped == 0
                    assert not report.complete
                    reasons = {o.reason for o in report.outcomes()}
            assert not emu.sent
        assert reasons == {
            "not sent: rate limited (429); not sent after 2 attempts (rate limited, throttled "
            "or connection failures); a resume tries again"
        }

    async def test_revoked_credentials_abort_the_campaign(self, clock: Clock) -> None:
        async with ClickSendEmulator(clock=clock) as emu:
            async with emu.client(rate_limit=None, api_key="wrong") as cs:
                bulk = job(cs, rows(20), clock, preflight=False, check_balance=False)
                with await bulk.run() as report:
                    assert report.aborted is not None
                    assert "AuthenticationError" in report.aborted
                    assert report.not_sent + report.skipped == 20
            assert not emu.sent


class TestBadInputBeforeNetwork:
    async def test_a_broken_csv_row_fails_before_any_request(self, tmp_path: Path) -> None:
        from clicksend_async import ValidationError, read_recipients_csv

        path = tmp_path / "broken.csv"
        lines = ["phone,first_name"] + [f"+6141100{i:04d},N{i}" for i in range(3000)]
        lines.append("+61411999999,Too,Many,Fields")
        path.write_text("\n".join(lines) + "\n")
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(ValidationError) as info:
                await cs.sms.send_bulk(read_recipients_csv(path), body="Hi {first_name}")
            assert not emu.requests  # not even a price request
        assert info.value.row == 3001


class TestTemplateFields:
    async def test_blank_template_field_is_invalid_unless_allowed(self, clock: Clock) -> None:
        recipients = [
            {"to": "+61411000001", "first_name": "Ann"},
            {"to": "+61411000002", "first_name": "  "},
            {"to": "+61411000003", "first_name": ""},
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, recipients, clock).run() as report:
                states = [o.state for o in report.outcomes()]
                reasons = [o.reason for o in report.outcomes()]
            assert [m.to for m in emu.sent] == ["+61411000001"]
            with await job(cs, recipients, clock, allow_empty_fields=True).run() as report:
                assert report.sent == 3
        assert states == ["sent", "invalid", "invalid"]
        assert "first_name" in (reasons[1] or "")

    async def test_plan_lists_at_most_a_thousand_invalid_rows(self, clock: Clock) -> None:
        recipients = [{"to": "bad", "first_name": "x"}] * 1005
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with await job(cs, recipients, clock).run() as report:
                assert report.invalid == 1005
                assert report.plan is not None
                assert report.plan.invalid == 1005
                assert len(report.plan.invalid_rows) == 1000
            assert not emu.requests or all(r.path != "/sms/send" for r in emu.requests)
