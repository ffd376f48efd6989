"""Preflight pricing by price key (the default), exact pricing, and the billed guard."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any
from unittest.mock import ANY

import pytest
from fakeclock import Clock

from clicksend_async import BudgetExceededError, ValidationError
from clicksend_async.bulk import SMS, BulkJob, _keyprice
from clicksend_async.bulk._price import PriceState, Pricing
from clicksend_async.testing import ClickSendEmulator

#: Three countries at three prices (AU 0.0792, GB 0.0550, CA 0.0330 a part in the emulator).
PREFIXES = ["+6142", "+4477", "+1604"]


def mixed_rows(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        prefix = PREFIXES[i % 3]
        long = i % 4 == 0  # a two-part message every fourth row
        out.append({"to": f"{prefix}{i:07d}", "name": f"N{i}", "extra": "x" * 150 if long else ""})
    return out


def job(cs: Any, recipients: Any, clock: Clock, **kwargs: Any) -> BulkJob:
    kwargs.setdefault("body", "Hi {name}, your order has shipped{extra}")
    kwargs.setdefault("allow_empty_fields", True)
    kwargs.setdefault("reconcile_settle", 0.5)
    kwargs.setdefault("chunk_size", 100)
    return BulkJob(cs.session, SMS, recipients, sleep=clock.sleep, clock=clock, **kwargs)


class FakeJob:
    """What KeyPricer needs of a job, answering ``/price`` from a script."""

    chunk_size = 1000
    concurrency = 2
    _ask_prices = Pricing._ask_prices  # the engine's own request and answer reading

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self._answers = list(answers)
        self.asked: list[list[str]] = []
        self.stored: list[list[tuple[Any, ...]]] = []
        self.events: list[Any] = []
        self.channel = SMS
        self._session = self
        self._store = self

    async def data(self, method: str, path: str, *, content: bytes) -> Any:
        assert (method, path) == ("POST", "/sms/price")
        return self._answers.pop(0)

    def _body(self, payloads: list[str]) -> bytes:
        self.asked.append([f"c{self._next_custom(p)}" for p in payloads])
        return b"{}"

    def _next_custom(self, payload: str) -> int:
        # The stub rows carry "{}" payloads: number them by the order they are asked.
        self._count = getattr(self, "_count", 0) + 1
        return self._count

    async def _emit(self, event: Any) -> None:
        self.events.append(event)

    async def set_prices(self, updates: list[tuple[Any, ...]]) -> None:
        self.stored.append(list(updates))


def price_requests(emu: ClickSendEmulator) -> list[Any]:
    return [r for r in emu.requests if r.path == "/sms/price"]


class TestKeyPricing:
    async def test_one_row_per_key_gives_the_exact_total(self) -> None:
        people = mixed_rows(600)
        clock = Clock()
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            keyed = await job(cs, people, clock, dry_run=True).plan()
            asked = price_requests(emu)
            exact = await job(cs, people, clock, dry_run=True, preflight="exact").plan()
            asked_exact = price_requests(emu)[len(asked) :]
        assert keyed.pricing == "key" and exact.pricing == "exact"
        # 600 rows: 3 countries x (1 or 2 parts) x the distinct six-digit prefixes.
        assert len(asked) == keyed.price_requests == 1
        assert keyed.price_keys == len(asked[0].json["messages"]) < 60
        assert len(asked_exact) == exact.price_requests == 6  # one per 100-row chunk
        assert keyed.total_cost == exact.total_cost
        assert keyed.priced_segments == exact.priced_segments
        assert keyed.segments == exact.segments

    async def test_no_request_leaves_before_the_whole_input_is_validated(self) -> None:
        clock = Clock()

        def rows_then_a_broken_file() -> Any:
            yield from mixed_rows(50)
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(UnicodeDecodeError):
                await job(cs, rows_then_a_broken_file(), clock).plan()
            assert not emu.requests  # neither /price nor /account

    async def test_a_refused_representative_is_its_own_answer_and_another_is_asked(
        self,
    ) -> None:
        # ClickSend refuses the first row of the key (say, a number it blocks) and prices the
        # second; that row's price is the key's, and only the refused row is rejected.
        answers = [
            {"messages": [{"custom_string": "c1", "status": "INVALID_RECIPIENT"}]},
            {
                "messages": [
                    {
                        "custom_string": "c2",
                        "status": "SUCCESS",
                        "message_price": "0.1584",
                        "message_parts": 2,
                    }
                ],
                "_currency": {"currency_name_short": "AUD"},
            },
        ]
        fake = FakeJob(answers)
        state = PriceState()
        pricer = _keyprice.KeyPricer(fake, state)  # type: ignore[arg-type]
        for row in range(1, 6):
            pricer.add(("+614200", None, "GSM-7", 2), row, f"c{row}", "+61420000000", "{}", 2)
        await pricer.price()
        assert pricer.requests == 2
        assert fake.asked == [["c1"], ["c2"]]
        assert fake.stored == [[(None, None, "rejected", "INVALID_RECIPIENT", ANY, 1)]]
        assert [e.row for e in fake.events] == [1]
        assert state.rejected == {"INVALID_RECIPIENT": 1}
        assert state.cost == Decimal("0.1584") * 4 and state.counted_parts == 8
        assert state.currency == "AUD"

    async def test_a_key_refused_every_time_goes_unpriced_after_three_rows(self) -> None:
        refused = {"status": "COUNTRY_NOT_ENABLED"}
        answers = [{"messages": [{**refused, "custom_string": f"c{i}"}]} for i in (1, 2, 3)]
        fake = FakeJob(answers)
        state = PriceState()
        pricer = _keyprice.KeyPricer(fake, state)  # type: ignore[arg-type]
        for row in range(1, 11):
            pricer.add(("+160400", None, "GSM-7", 1), row, f"c{row}", "+16040000000", "{}", 1)
        await pricer.price()
        assert fake.asked == [["c1"], ["c2"], ["c3"]]
        assert state.rejected == {"COUNTRY_NOT_ENABLED": 3}
        assert state.unpriced == 7  # ClickSend decides at send time

    async def test_an_answer_that_lists_no_row_is_asked_again_then_unpriced(self) -> None:
        fake = FakeJob([{"messages": []}, {"messages": []}])
        state = PriceState()
        pricer = _keyprice.KeyPricer(fake, state)  # type: ignore[arg-type]
        for row in (1, 2):
            pricer.add("k", row, f"c{row}", "+61420000000", "{}", 1)
        await pricer.price()
        assert fake.asked == [["c1"], ["c2"]]
        assert state.unpriced == 2 and not state.rejected and not fake.stored

    async def test_a_test_number_is_no_sample_of_its_prefix(self) -> None:
        clock = Clock()
        # +61411111111 is one of ClickSend's free test numbers (0 parts, "0.0000").
        people = [{"to": "+61411111111", "name": "T", "extra": ""}] + [
            {"to": f"+6141111{i:04d}", "name": f"N{i}", "extra": ""} for i in range(1, 20)
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            plan = await job(cs, people, clock, dry_run=True).plan()
        # The test number's free answer is skipped; the next row's price is the prefix's.
        assert plan.total_cost == Decimal("0.0792") * 20

    async def test_an_unknown_preflight_mode_is_refused_before_any_request(self) -> None:
        clock = Clock()
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            with pytest.raises(ValidationError) as caught:
                job(cs, mixed_rows(3), clock, preflight="cheap")
            assert caught.value.field == "preflight"
            assert not emu.requests

    async def test_more_keys_than_the_limit_prices_every_row(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_keyprice, "KEY_LIMIT", 5)
        clock = Clock()
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            plan = await job(cs, mixed_rows(300), clock, dry_run=True).plan()
            asked = price_requests(emu)
        assert plan.pricing == "exact"
        assert sum(len(r.json["messages"]) for r in asked) == 300

    async def test_countries_not_enabled_are_refused_at_pricing(self) -> None:
        clock = Clock()
        people = mixed_rows(30)
        async with ClickSendEmulator(clock=clock, enabled_countries=["AU", "GB"]) as emu:
            async with emu.client(rate_limit=None) as cs:
                plan = await job(cs, people, clock, dry_run=True).plan()
        # Each Canadian key's representatives are refused (up to three rows a key); the
        # other Canadian rows stay pending, unpriced, for ClickSend to refuse at send time.
        refused = plan.rejected_statuses.get("COUNTRY_NOT_ENABLED", 0)
        assert 1 <= refused <= 10
        assert plan.total_cost is not None


class TestBilledGuard:
    async def test_bills_above_the_estimate_stop_the_campaign_before_max_cost(self) -> None:
        clock = Clock()
        people = [{"to": f"+6142{i:07d}", "name": f"N{i}", "extra": ""} for i in range(1000)]
        async with ClickSendEmulator(clock=clock, balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                bulk = job(cs, people, clock, max_cost="80", concurrency=2)
                plan = await bulk.plan()
                assert plan.total_cost == Decimal("79.2000")  # within max_cost 80
                # ClickSend's price doubles between the plan and the sends.
                emu._world.sms_prices["AU"] = Decimal("0.1584")
                with await bulk.run() as report:
                    billed = report.total_cost
                    counts = report.counts
                    summary = report.summary()
                    assert report.estimated_cost == Decimal("79.2000")
                    assert report.aborted is not None and "max_cost 80" in report.aborted
        assert billed <= Decimal("80")
        assert counts["sent"] == len(emu.sent) < 1000
        # The chunk given back is not_sent, the rest never attempted (skipped): all resumable.
        assert counts["not_sent"] + counts["skipped"] == 1000 - counts["sent"]
        assert "estimated 79.2000" in summary
        assert Counter(m.to for m in emu.sent).most_common(1)[0][1] == 1

    async def test_a_campaign_within_budget_is_not_stopped(self) -> None:
        clock = Clock()
        people = mixed_rows(900)
        async with ClickSendEmulator(clock=clock, balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                planned = await job(cs, people, clock, dry_run=True).plan()
                assert planned.total_cost is not None
                bulk = job(cs, people, clock, max_cost=planned.total_cost)
                with await bulk.run() as report:
                    assert report.complete and report.aborted is None
                    assert report.total_cost == planned.total_cost

    @pytest.mark.parametrize("preflight", ["key", "exact"])
    async def test_a_campaign_sorted_by_country_at_exactly_its_estimate_completes(
        self, preflight: str, tmp_path: Any
    ) -> None:
        # The dearest country first: a mean price per message would see bills "above" the
        # estimate and stop early; each row's own estimate does not.
        clock = Clock()
        people = sorted(mixed_rows(900), key=lambda r: r["to"][:3] != "+61")
        async with ClickSendEmulator(clock=clock, balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                planned = await job(cs, people, clock, dry_run=True, preflight=preflight).plan()
                assert planned.total_cost is not None
                path = str(tmp_path / "c.db")
                first = job(
                    cs,
                    people,
                    clock,
                    max_cost=planned.total_cost,
                    journal=path,
                    preflight=preflight,
                    concurrency=3,
                )
                first_run = asyncio.ensure_future(first.run())
                while len(emu.sent) < 300:
                    await asyncio.sleep(0)
                await first.stop()
                (await first_run).close()
                first.journal.close()
                # A resume (a new process: the rate table comes from the journal) finishes it.
                again = job(
                    cs,
                    people,
                    clock,
                    max_cost=planned.total_cost,
                    journal=path,
                    preflight=preflight,
                )
                with await again.run() as report:
                    assert report.complete and report.aborted is None, report.summary()
                    assert report.total_cost == planned.total_cost
                again.journal.close()
        assert len(emu.sent) == 900

    async def test_over_budget_plans_are_still_refused_before_sending(self) -> None:
        clock = Clock()
        async with ClickSendEmulator(clock=clock, balance=10_000) as emu:
            async with emu.client(rate_limit=None) as cs:
                with pytest.raises(BudgetExceededError):
                    await job(cs, mixed_rows(300), clock, max_cost="1").run()
            assert not emu.sent
