"""What a campaign counts as segments: SMS parts, voice credits, one per MMS; ClickSend's count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clicksend_async import BudgetExceededError
from clicksend_async._validation import DEFAULT_LIMITS, mms_body_info, voice_body_info
from clicksend_async.bulk import SMS, BulkJob, BulkPlan
from clicksend_async.testing import ClickSendEmulator


@pytest.mark.parametrize(
    ("body", "credits"),
    [
        ("a", 1),
        ("a" * 161, 1),
        ("a" * 300, 1),
        ("a" * 301, 2),
        ("a" * 900, 3),
        ("a" * 1200, 4),
        ("ж" * 150, 1),
        ("ж" * 151, 2),
        ("ж" * 600, 4),
    ],
)
def test_voice_is_counted_in_credits_of_300_or_150_characters(body: str, credits: int) -> None:
    info = voice_body_info(body, "message", None, DEFAULT_LIMITS)
    assert info.segments == credits
    assert info.units == info.characters == len(body)
    assert info.remaining_in_segment == credits * info.unit_limit - len(body)


def test_an_mms_is_one_part() -> None:
    info = mms_body_info("a" * 1500, "message", None, DEFAULT_LIMITS)
    assert (info.segments, info.units, info.remaining_in_segment) == (1, 1500, 0)


async def test_voice_campaign_segments_agree_with_the_emulator() -> None:
    async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
        rows = [{"to": "+61420000001"}, {"to": "+61420000002"}]
        with await cs.voice.send_bulk(rows, body="a" * 1200, max_segments=8) as report:
            assert report.plan is not None
            assert report.plan.segments == 8 and report.plan.long_messages == 0
            assert report.plan.priced_segments == 8
            assert report.sent == 2 and report.segments == 8


def plan(segments: int, priced: int | None) -> BulkPlan:
    return BulkPlan(
        rows=10,
        messages=10,
        invalid=0,
        duplicates=0,
        segments=segments,
        segments_by_encoding={"GSM-7": segments},
        messages_by_encoding={"GSM-7": 10},
        long_messages=0,
        total_cost=Decimal("1"),
        currency="AUD",
        blocked=0,
        priced=priced is not None,
        chunks=1,
        priced_segments=priced,
    )


def test_budget_uses_clicksends_count_when_it_is_higher() -> None:
    # ClickSend documents a line break as 2 characters; 3GPP (our count) as 1 septet.
    job = BulkJob(None, SMS, [], body="x", max_segments=10)  # type: ignore[arg-type]
    try:
        job._check_budget(plan(10, 10))
        job._check_budget(plan(10, None))
        with pytest.raises(BudgetExceededError, match=r"12 segments as ClickSend counts them"):
            job._check_budget(plan(10, 12))
        with pytest.raises(BudgetExceededError, match=r"the campaign is 11 segments, over"):
            job._check_budget(plan(11, 9))
    finally:
        job.journal.close()


def test_plan_json_round_trip_keeps_priced_segments() -> None:
    original = plan(10, 12)
    assert BulkPlan.from_json(original.to_json()) == original
    old = original.to_json()
    del old["priced_segments"]  # a journal written before the field existed
    assert BulkPlan.from_json(old).priced_segments is None
