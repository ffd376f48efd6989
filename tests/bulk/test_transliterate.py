"""Why messages went UCS-2, and ``transliterate=True``: look-alikes replaced when that makes a
message GSM-7 (160 characters a part instead of 70), and nothing else touched."""

from __future__ import annotations

import logging

import pytest

from clicksend_async import SmsMessage
from clicksend_async.bulk import BulkPlan
from clicksend_async.testing import ClickSendEmulator

CURLY = "Hi {name}, it\u2019s ready\u00a0\u2014 see you soon"
PLAIN = "Hi {name}, it's ready - see you soon"
ROWS = [{"to": f"+6142000000{i}", "name": n} for i, n in enumerate(["Ann", "Bob", "Cy"], 1)]


async def test_the_plan_names_the_characters_and_how_many_could_be_gsm() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        rows = [*ROWS, {"to": "+61420000009", "name": "Di \U0001f600"}]
        with await cs.sms.send_bulk(rows, body=CURLY) as report:
            plan = report.plan
            assert plan is not None
            assert plan.messages_by_encoding == {"UCS-2": 4}
            assert dict(plan.ucs2_characters) == {
                "\u00a0": 4,
                "\u2014": 4,
                "\u2019": 4,
                "\U0001f600": 1,
            }
            assert plan.gsm_fixable == 3  # the emoji row stays UCS-2 whatever is replaced
            assert plan.transliterated == 0
        # Off by default: what was written is what was sent.
        assert sorted(m.body for m in emu.sent)[0] == CURLY.format(name="Ann")


async def test_transliterate_sends_gsm_only_where_that_makes_the_message_gsm() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        rows = [*ROWS, {"to": "+61420000009", "name": "Di \U0001f600"}]
        with await cs.sms.send_bulk(rows, body=CURLY, transliterate=True) as report:
            plan = report.plan
            assert plan is not None
            assert plan.transliterated == 3 and plan.gsm_fixable == 0
            assert plan.messages_by_encoding == {"GSM-7": 3, "UCS-2": 1}
            assert dict(plan.ucs2_characters) == {
                "\u00a0": 1,
                "\u2014": 1,
                "\u2019": 1,
                "\U0001f600": 1,
            }
        bodies = {m.to: m.body for m in emu.sent}
        assert bodies["+61420000001"] == PLAIN.format(name="Ann")
        # Not made GSM-7, so left exactly as written (quotes and all).
        assert bodies["+61420000009"] == CURLY.format(name="Di \U0001f600")


async def test_message_objects_and_row_bodies_are_transliterated_too() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        rows = [
            SmsMessage(to="+61420000001", body="\u201cQuoted\u201d"),
            {"to": "+61420000002", "body": "Cafe\u0301 \u2026"},  # a combining accent
        ]
        with await cs.sms.send_bulk(rows, transliterate=True) as report:
            assert report.plan is not None and report.plan.transliterated == 2
        assert {m.body for m in emu.sent} == {'"Quoted"', "Caf\u00e9 ..."}


async def test_a_combining_accent_counts_as_fixable() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        job = cs.sms.bulk([{"to": "+61420000001", "body": "Cafe\u0301"}], dry_run=True)
        plan = await job.plan()
        assert plan.messages_by_encoding == {"UCS-2": 1} and plan.gsm_fixable == 1


async def test_a_warning_when_look_alikes_cost_segments(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        with caplog.at_level(logging.WARNING, logger="clicksend_async"):
            await cs.sms.bulk(ROWS, body=CURLY, dry_run=True).plan()
            assert "3 message(s) are UCS-2" in caplog.text
            assert "transliterate=True" in caplog.text
            caplog.clear()
            await cs.sms.bulk(ROWS, body=PLAIN, dry_run=True).plan()
            assert "UCS-2" not in caplog.text


def test_the_plan_keeps_its_new_fields_through_the_journal() -> None:
    plan = BulkPlan(
        rows=1,
        messages=1,
        invalid=0,
        duplicates=0,
        segments=1,
        segments_by_encoding={"UCS-2": 1},
        messages_by_encoding={"UCS-2": 1},
        long_messages=0,
        total_cost=None,
        currency=None,
        blocked=0,
        priced=False,
        chunks=1,
        ucs2_characters={"\u2019": 1},
        gsm_fixable=1,
        transliterated=2,
    )
    assert BulkPlan.from_json(plan.to_json()) == plan
    older = plan.to_json()
    for key in ("ucs2_characters", "gsm_fixable", "transliterated"):
        del older[key]
    restored = BulkPlan.from_json(older)
    assert (dict(restored.ucs2_characters), restored.gsm_fixable, restored.transliterated) == (
        {},
        0,
        0,
    )
