"""The rebuilt engine core: faults just outside the emulator's, arbitrary exceptions at every step
of a chunk's life, clock skew, lagging history, locked and empty journals, resumable states.

Every campaign is checked against the emulator's own log: nobody texted twice, and the report's
states match what went out.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traffic import lost_send, two_messages

from clicksend_async import JournalError, JournalLockedError
from clicksend_async.bulk import SMS, BulkJob, Journal
from clicksend_async.testing import ClickSendEmulator


def rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"to": f"+6143{i:07d}", "first_name": f"N{i}"} for i in range(start, start + n)]


def check_against_log(emu: ClickSendEmulator, report: Any, total: int) -> Counter[str]:
    """Nobody texted twice; every row one state; 'sent' rows are exactly the ones that went out,
    except rows reported 'unknown' (which may or may not have)."""
    counts = Counter(m.to for m in emu.sent)
    twice = {to: c for to, c in counts.items() if c > 1}
    assert not twice, f"texted more than once: {list(twice.items())[:5]}"
    outcomes = list(report.outcomes())
    assert [o.row for o in outcomes] == list(range(1, total + 1))
    sent = {o.to for o in outcomes if o.state == "sent"}
    unknown = {o.to for o in outcomes if o.state == "unknown"}
    assert sent <= set(counts), "a row reported sent never went out"
    assert set(counts) - sent <= unknown, "a message went out for a row not reported sent/unknown"
    return Counter(o.state for o in outcomes)


def job(cs: Any, recipients: Any, **kwargs: Any) -> BulkJob:
    kwargs.setdefault("body", "Hi {first_name}, see you soon")
    kwargs.setdefault("reconcile_settle", 0.5)
    kwargs.setdefault("chunk_size", 50)
    kwargs.setdefault("concurrency", 3)
    kwargs.setdefault("throttle_pause", 0.05)
    return BulkJob(cs.session, SMS, recipients, **kwargs)


class TestUntrustworthyAnswers:
    @pytest.mark.parametrize(
        "fault",
        [
            "commit-nested",  # RecursionError from the decoder
            "commit-nonfinite",  # OverflowError from "message_parts": "inf"
            "commit-absurd",  # 10**30 parts and a 1e999999999 price: no column or sum holds them
            "commit-error-envelope",  # a 200 whose envelope says error, after the commit
            "commit-unlisted",  # a 200 that lists none of the rows
            "commit-garbled",
            "commit-drop",
            "commit-500",
        ],
    )
    async def test_a_committed_chunk_is_never_sent_again(self, fault: str) -> None:
        recipients = rows(300)
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            emu.inject(fault, path="/sms/send", times=3)
            with await job(cs, recipients).run() as report:
                states = check_against_log(emu, report, 300)
            assert states == {"sent": 300}, states
            assert len(emu.sent) == 300


class TestTextNoStoreHolds:
    async def test_a_lone_surrogate_in_an_answer_is_recorded_not_fatal(
        self, tmp_path: Path
    ) -> None:
        """A status and ids holding lone surrogates (``\\ud800``) after the commit: SQLite
        refuses such text, and writing it failed the run with the chunk in flight."""
        recipients = rows(150)
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            emu.inject("commit-surrogate", path="/sms/send", times=1)
            campaign = job(cs, recipients, journal=str(tmp_path / "c.db"), concurrency=1)
            with await campaign.run() as report:
                outcomes = list(report.outcomes())
                assert Counter(m.to for m in emu.sent) == Counter(r["to"] for r in recipients)
                first = outcomes[0]
                # Its status said something other than SUCCESS: a refusal, final, never re-sent.
                assert (first.state, first.status) == ("rejected", "SUCCESS?")
                assert first.reason == "ClickSend refused it: SUCCESS?"
                assert {o.state for o in outcomes[1:]} == {"sent"}
                assert all(o.message_id.endswith("?") for o in outcomes[:50])
                assert not any(o.message_id.endswith("?") for o in outcomes[50:])
                report.to_csv(tmp_path / "report.csv")
            assert "SUCCESS?" in (tmp_path / "report.csv").read_text(encoding="utf-8")


class TestArbitraryExceptions:
    """Any exception type at any step of a chunk's life: the guarantee holds by structure."""

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        step=st.sampled_from(["build", "before-send", "after-send", "classify", "record"]),
        exc_type=st.sampled_from(
            [RuntimeError, RecursionError, OverflowError, KeyError, MemoryError, ValueError]
        ),
        nth=st.integers(min_value=1, max_value=4),
    )
    def test_every_step_every_exception(
        self, tmp_path_factory: pytest.TempPathFactory, step: str, exc_type: type, nth: int
    ) -> None:
        asyncio.run(self._scenario(tmp_path_factory.mktemp("j") / "c.db", step, exc_type, nth))

    async def _scenario(self, path: Path, step: str, exc_type: type, nth: int) -> None:
        from clicksend_async.bulk import _send

        recipients = rows(200)
        calls = {"n": 0}

        def hit() -> bool:
            calls["n"] += 1
            return calls["n"] == nth

        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            first = job(cs, recipients, journal=str(path), concurrency=2)
            session = cs.session
            real_request = session.request
            real_body = first._body
            real_classify = _send.classify
            store = first.store
            real_settle = store.settle

            async def request(method: str, api_path: str, **kw: Any) -> Any:
                if api_path == "/sms/send" and step == "before-send" and hit():
                    raise exc_type("injected before the request left")
                answer = await real_request(method, api_path, **kw)
                if api_path == "/sms/send" and step == "after-send" and hit():
                    raise exc_type("injected after the server committed")
                return answer

            def body(payloads: list[str]) -> bytes:
                # Sends only: a price request's body is built while planning (``_plan`` unset).
                if step == "build" and first._plan is not None and hit():
                    raise exc_type("injected while building")
                return real_body(payloads)

            def classify(claim: Any, data: Any) -> Any:
                if step == "classify" and hit():
                    raise exc_type("injected while decoding")
                return real_classify(claim, data)

            async def settle(*args: Any, **kw: Any) -> bool:
                if step == "record" and kw.get("outcomes") and hit():
                    raise exc_type("injected while recording")
                return await real_settle(*args, **kw)

            session.request = request  # type: ignore[method-assign]
            first._body = body  # type: ignore[method-assign]
            _send.classify = classify  # type: ignore[assignment]
            store.settle = settle  # type: ignore[method-assign]
            try:
                try:
                    report = await first.run()
                    report.close()
                except Exception:
                    assert step == "record", "only a journal that cannot record may stop a run"
            finally:
                session.request = real_request  # type: ignore[method-assign]
                _send.classify = real_classify
            first.journal.close()
            # Whatever happened, a resume finishes the campaign, and nobody got two texts.
            resumed = job(cs, recipients, journal=str(path))
            with await resumed.run() as report:
                states = check_against_log(emu, report, 200)
            resumed.journal.close()
            assert states["sent"] + states["unknown"] == 200, states
            assert len(emu.sent) == 200


class TestClocksAndHistory:
    @pytest.mark.parametrize("offset", [-900.0, 900.0, 86_400.0 * 3])
    async def test_clickSends_clock_off_by_minutes_or_days(self, offset: float) -> None:
        recipients = rows(400)
        async with ClickSendEmulator(balance=1000, clock_offset=offset) as emu:
            emu.inject("commit-drop", path="/sms/send", times=4)
            async with emu.client(rate_limit=None) as cs:
                with await job(cs, recipients).run() as report:
                    states = check_against_log(emu, report, 400)
            assert states == {"sent": 400}
            assert len(emu.sent) == 400

    async def test_a_history_slower_than_the_settle_time_leaves_rows_unknown_or_throttled(
        self,
    ) -> None:
        recipients = rows(100)
        async with ClickSendEmulator(balance=1000, history_lag=3.0) as emu:
            emu.inject("commit-500", path="/sms/send", times=1)
            async with emu.client(rate_limit=None) as cs:
                with await job(cs, recipients, reconcile_settle=4.0).run() as report:
                    states = check_against_log(emu, report, 100)
            assert states == {"sent": 100}

    async def test_reconciling_reads_the_chunk_not_the_campaign(self) -> None:
        recipients = rows(3000)
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            emu.inject("commit-drop", path="/sms/send", times=1)
            bulk = job(cs, recipients, chunk_size=1000, concurrency=1)
            with await bulk.run() as report:
                check_against_log(emu, report, 3000)
            # One lost 1,000-row answer: its own ten pages and a few more, not the campaign's.
            assert bulk.reconciler.requests <= 20

    async def test_chunks_in_doubt_are_settled_while_the_campaign_still_sends(self) -> None:
        recipients = rows(3000)
        async with ClickSendEmulator(balance=1000, latency_ms=40) as emu:
            emu.inject("commit-drop", path="/sms/send", times=1)  # the first chunk's answer
            async with emu.client(rate_limit=None) as cs:
                bulk = job(cs, recipients, chunk_size=50, concurrency=1)
                with await bulk.run() as report:
                    states = check_against_log(emu, report, 3000)
            assert states == {"sent": 3000}
            paths = [r.path for r in emu.requests]
            last_send = max(i for i, p in enumerate(paths) if p == "/sms/send")
            # Read once the first chunk was due, not after every other chunk went out.
            assert "/sms/history" in paths[:last_send]

    async def test_answers_lost_throughout_are_read_in_reads_at_once_everyone_once(
        self,
    ) -> None:
        recipients = rows(2000)
        async with ClickSendEmulator(
            balance=1000, latency_ms=20, faults={"/sms/send": {"commit-drop": 0.3}}, seed=11
        ) as emu:
            async with emu.client(rate_limit=None) as cs:
                bulk = job(cs, recipients, chunk_size=40, concurrency=4, reconcile_settle=0.2)
                with await bulk.run() as report:
                    states = check_against_log(emu, report, 2000)
            assert states == {"sent": 2000}
            assert len(emu.sent) == 2000
            assert bulk.reconciler.chunks_settled >= 10


class TestAStoreThatFails:
    async def test_the_run_fails_after_the_requests_in_flight_are_recorded(
        self, tmp_path: Path
    ) -> None:
        from clicksend_async.bulk import SqliteStore

        class FailingStore(SqliteStore):
            """Claims one chunk, then the store is gone (an outage past store_outage)."""

            claims = 0

            async def claim(self, *args: Any, **kwargs: Any) -> Any:
                self.claims += 1
                if self.claims > 1:
                    raise OSError("the store went away")
                return await super().claim(*args, **kwargs)

        store = FailingStore(tmp_path / "campaign.db")
        async with ClickSendEmulator(balance=1000, latency_ms=300) as emu:
            async with emu.client(rate_limit=None) as cs:
                bulk = job(cs, rows(200), store=store, chunk_size=20, concurrency=2)
                with pytest.raises(OSError, match="went away"):
                    await bulk.run()  # the second claim fails while the first chunk is out
                # The chunk that went out was answered and recorded before the error.
                assert len(emu.sent) == 20
                assert store.journal.counts().get("sent") == 20
            assert not store.journal.in_doubt()
        store.journal.close()


class TestJournalProtection:
    async def test_a_second_process_on_one_journal_sends_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "c.db"
        holder = Journal(path)
        holder.acquire()
        try:
            async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
                with pytest.raises(JournalLockedError):
                    await job(cs, rows(10), journal=str(path)).run()
                assert emu.sent == [] and not [r for r in emu.requests if "send" in r.path]
        finally:
            holder.close()

    def test_the_lock_holds_across_processes(self, tmp_path: Path) -> None:
        path = tmp_path / "c.db"
        holder = Journal(path)
        holder.acquire()
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(1) as pool:
            assert pool.apply(_try_acquire, (str(path),)) == "locked"
        holder.close()
        with ctx.Pool(1) as pool:
            assert pool.apply(_try_acquire, (str(path),)) == "acquired"

    async def test_resume_of_an_empty_journal_refuses(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.db"
        Journal(path).close()
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(JournalError, match="holds no campaign"):
                await job(cs, rows(5), journal=str(path), resume=True).run()
            assert emu.sent == []

    async def test_a_fresh_campaign_on_a_used_journal_refuses(self, tmp_path: Path) -> None:
        path = tmp_path / "c.db"
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            first = job(cs, rows(5), journal=str(path))
            (await first.run()).close()
            first.journal.close()
            with pytest.raises(JournalError, match="already holds a campaign"):
                await job(cs, rows(5), journal=str(path), resume=False).run()
            assert len(emu.sent) == 5

    async def test_a_truncated_journal_is_one_typed_error(self, tmp_path: Path) -> None:
        path = tmp_path / "c.db"
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            first = job(cs, rows(200), journal=str(path))
            (await first.run()).close()
            first.journal.close()
            path.write_bytes(path.read_bytes()[:3000])
            with pytest.raises(JournalError):
                await job(cs, rows(200), journal=str(path)).run()
            assert len(emu.sent) == 200


class TestResumableStates:
    async def test_credit_running_out_is_resumable_after_a_top_up(self, tmp_path: Path) -> None:
        path = tmp_path / "c.db"
        recipients = rows(300)
        async with ClickSendEmulator(balance="5.00") as emu, emu.client(rate_limit=None) as cs:
            first = job(cs, recipients, journal=str(path), check_balance=False, concurrency=2)
            with await first.run() as report:
                assert report.aborted and "credit" in report.aborted
                assert report.not_sent > 0
                assert report.rejected == 0
            first.journal.close()
            emu.balance = "1000"
            resumed = job(cs, recipients, journal=str(path), check_balance=False)
            with await resumed.run() as report:
                states = check_against_log(emu, report, 300)
            assert states == {"sent": 300}

    async def test_rows_at_the_attempt_limit_get_a_fresh_budget_on_resume(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "c.db"
        recipients = rows(20)
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            emu.inject("429", path="/sms/send", times=6)
            sleeps: list[float] = []

            async def no_sleep(s: float) -> None:
                sleeps.append(s)

            first = job(cs, recipients, journal=str(path), max_attempts=1, sleep=no_sleep)
            with await first.run() as report:
                assert report.not_sent + report.sent == 20
            first.journal.close()
            resumed = job(cs, recipients, journal=str(path), max_attempts=3)
            with await resumed.run() as report:
                states = check_against_log(emu, report, 20)
            assert states == {"sent": 20}


class TestPlanAndOptions:
    async def test_plan_refuses_what_run_would_refuse(self) -> None:
        from clicksend_async import BudgetExceededError

        async with ClickSendEmulator(balance="0.10") as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(BudgetExceededError):
                await job(cs, rows(50)).plan()
            with pytest.raises(BudgetExceededError):
                await job(cs, rows(50), max_cost="0.01", check_balance=False).plan()
            assert emu.sent == []

    async def test_templated_mms_subjects_are_filled_per_row(self) -> None:
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with await cs.mms.send_bulk(
                "https://example.com/a.jpg",
                [{"to": "+61430000001", "name": "Ann"}, {"to": "+61430000002", "name": "Bo"}],
                subject="Hi {name}",
                body="Hello {name}",
            ) as report:
                assert report.sent == 2
            assert sorted(m.subject for m in emu.sent) == ["Hi Ann", "Hi Bo"]

    async def test_a_templated_subject_too_long_for_one_row_is_that_rows_error(self) -> None:
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with await cs.mms.send_bulk(
                "https://example.com/a.jpg",
                [{"to": "+61430000001", "name": "Ann"}, {"to": "+61430000002", "name": "B" * 30}],
                subject="Hi {name}",
                body="Hello",
            ) as report:
                assert report.sent == 1 and report.invalid == 1
                bad = next(o for o in report.outcomes() if o.state == "invalid")
                assert bad.row == 2 and "subject" in (bad.reason or "")
            assert [m.subject for m in emu.sent] == ["Hi Ann"]


def _try_acquire(path: str) -> str:
    journal = Journal(path)
    try:
        journal.acquire()
    except JournalLockedError:
        return "locked"
    finally:
        journal.close()
    return "acquired"


class TestReconcileOneSend:
    async def test_reconcile_says_which_messages_of_a_lost_send_went_out(self) -> None:
        from clicksend_async import SmsMessage

        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            await cs.account.get()  # any answer tells the client ClickSend's time
            error = await lost_send(cs, emu, "commit-drop", two_messages())
            assert error.window is not None
            result = await cs.sms.reconcile(error, settle=0.2)
            assert set(result.sent) == {"order-1", "order-2"} and result.all_sent
            assert result.not_sent == ()

            # Refused before processing: nothing went out.
            message = SmsMessage(to="+61430000003", body="c", custom_string="o-3")
            error = await lost_send(cs, emu, "500", [message])
            result = await cs.sms.reconcile(error, settle=0.2)
            assert result.sent == {} and result.not_sent == ("o-3",)
            assert len(emu.sent) == 2


class TestOptOutsCompareAsE164:
    async def test_a_local_row_matches_an_e164_opt_out_and_the_reverse(self) -> None:
        recipients = [
            {"to": "0412 345 678", "country": "AU", "body": "a"},
            {"to": "+61 412 345 679", "body": "b"},
            {"to": "+61412345680", "body": "c"},
        ]
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with await cs.sms.send_bulk(
                recipients, exclude=["+61412345678", "0412345679"], country="AU"
            ) as report:
                states = [o.status for o in report.outcomes()]
            assert states == ["EXCLUDED", "EXCLUDED", "SUCCESS"]
            assert [m.to for m in emu.sent] == ["+61412345680"]

    async def test_dedupe_by_number_sees_the_local_and_e164_forms_as_one(self) -> None:
        recipients = [
            {"to": "0412 345 678", "country": "AU", "body": "a"},
            {"to": "+61412345678", "body": "b"},
        ]
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with await cs.sms.send_bulk(recipients, dedupe="number") as report:
                assert report.sent == 1 and report.invalid == 1
            assert len(emu.sent) == 1

    async def test_without_phonenumbers_local_numbers_and_opt_outs_refuse_to_start(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from clicksend_async import ConfigurationError, _phone

        monkeypatch.setattr(_phone, "_pn", None)
        recipients = [{"to": "0412 345 678", "country": "AU", "body": "a"}]
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(ConfigurationError, match="opt-out could be missed"):
                await cs.sms.send_bulk(recipients, exclude=["+61499999999"])
            assert emu.sent == []
            # Without exclusions or dedupe nothing is compared: the campaign runs.
            with await cs.sms.send_bulk(recipients) as report:
                assert report.sent == 1

    async def test_a_resume_compares_newly_excluded_numbers_as_e164(self, tmp_path: Path) -> None:
        path = tmp_path / "c.db"
        recipients = [
            {"to": "0412 345 678", "country": "AU", "body": "a"},
            {"to": "0412 345 679", "country": "AU", "body": "b"},
        ]
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            with await cs.sms.send_bulk(recipients, journal=str(path), dry_run=True):
                pass
            with await cs.sms.send_bulk(
                recipients, journal=str(path), exclude=["+61412345678"]
            ) as report:
                assert [o.status for o in report.outcomes()] == ["EXCLUDED", "SUCCESS"]
            assert [m.to for m in emu.sent] == ["+61412345679"]


class TestPreSendLeaseGuard:
    async def test_a_chunk_whose_lease_is_too_short_is_not_sent_and_goes_back(self) -> None:
        from clicksend_async.bulk import SqliteStore

        class LeasedStore(SqliteStore):
            left = 0.0

            async def lease_left(self, chunk: int, epoch: int) -> float:
                return self.left

        store = LeasedStore()
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            first = job(cs, rows(20), store=store, max_attempts=1)
            with await first.run() as report:
                assert report.not_sent == 20 and report.sent == 0
                reasons = {o.reason for o in report.outcomes()}
            assert emu.sent == []
            assert all("vetoed before it left" in (r or "") for r in reasons)
            store.left = 3600.0
            resumed = job(cs, rows(20), store=store)
            with await resumed.run() as report:
                assert report.sent == 20
            assert len(emu.sent) == 20
        await store.close()


async def test_a_local_number_phonenumbers_knows_is_invalid_is_refused_with_its_reason() -> None:
    recipients = [
        {"to": "0412 345 678", "country": "AU", "body": "a"},
        {"to": "0912 34", "country": "AU", "body": "b"},  # too short for an Australian number
    ]
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        with await cs.sms.send_bulk(recipients, dedupe="number") as report:
            outcomes = list(report.outcomes())
        assert [o.state for o in outcomes] == ["sent", "invalid"]
        assert "not" in (outcomes[1].reason or "") and outcomes[1].row == 2
        assert [m.to for m in emu.sent] == ["+61412345678"]
