"""Numbers never to text: ``exclude`` (numbers or rows) and ``exclude_lists`` (ClickSend contact
lists, such as the account's opt-out list). Excluded rows end ``invalid`` with status EXCLUDED,
are never priced or sent, and a resume honours the exclusions of the run that resumes."""

from __future__ import annotations

from pathlib import Path

import pytest

from clicksend_async import NotFoundError, ValidationError
from clicksend_async.testing import ClickSendEmulator

ROWS = [{"to": f"+6142000000{i}", "name": f"N{i}"} for i in range(1, 6)]


async def test_excluded_numbers_are_never_sent_and_reported_as_such() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        # Written differently from the rows: compared as they are sent, normalised.
        exclude = ["+61 420 000 002", {"to": "+61420000004"}, "", None]
        with await cs.sms.send_bulk(ROWS, body="Hi {name}", exclude=exclude) as report:
            plan = report.plan
            assert plan is not None
            assert (plan.messages, plan.excluded, plan.invalid) == (3, 2, 2)
            assert plan.invalid_rows == []  # not errors in the input: counted, not listed
            by_to = {o.to: o for o in report.outcomes()}
            assert report.sent == 3 and report.invalid == 2
        assert {m.to for m in emu.sent} == {"+61420000001", "+61420000003", "+61420000005"}
        assert by_to["+61420000002"].state == "invalid"
        assert by_to["+61420000002"].status == "EXCLUDED"
        assert "exclusion list" in (by_to["+61420000002"].reason or "")
        priced = [r for r in emu.requests if r.path.endswith("/sms/price")]
        assert priced and all("+61420000002" not in str(r.json) for r in priced)


async def test_exclude_lists_reads_every_page_of_the_list_first() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        optouts = (await cs.lists.create(list_name="Opt-outs")).list_id
        assert optouts is not None
        await cs.contacts.create(optouts, phone_number="+61420000001")
        await cs.contacts.create(optouts, phone_number="0420 000 005", address_country="AU")
        await cs.contacts.create(optouts, email="no-phone@example.com")
        rows = [*ROWS, {"to": "0420000005", "name": "local", "country": "AU"}]
        with await cs.sms.send_bulk(rows, body="Hi {name}", exclude_lists=[optouts]) as report:
            assert report.plan is not None and report.plan.excluded == 3
        # Compared as E.164: the list's local "0420 000 005" (AU) also stops the row written
        # +61420000005, the opt-out that used to be missed.
        assert {m.to for m in emu.sent} == {"+61420000002", "+61420000003", "+61420000004"}


async def test_a_list_that_cannot_be_read_stops_the_campaign_before_any_send() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        with pytest.raises(NotFoundError):
            await cs.sms.send_bulk(ROWS, body="Hi {name}", exclude_lists=[999999])
        assert emu.sent == []
        assert not [r for r in emu.requests if r.path.endswith(("/send", "/price"))]


async def test_bad_exclusions_are_refused_at_once() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        with pytest.raises(ValidationError) as caught:
            cs.sms.bulk(ROWS, body="Hi", exclude="+61420000001")
        assert caught.value.field == "exclude"
        with pytest.raises(ValidationError):
            cs.sms.bulk(ROWS, body="Hi", exclude_lists=[""])
        assert emu.requests == []


async def test_a_resume_honours_numbers_excluded_since_the_plan(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        with await cs.sms.send_bulk(ROWS, body="Hi {name}", journal=journal, dry_run=True) as dry:
            assert dry.sent == 0 and dry.skipped == 5
        # Somebody replied STOP in between: the resumed campaign must not text them.
        late = ["+61420000003"]
        stream = cs.sms.stream_bulk(ROWS, body="Hi {name}", journal=journal, exclude=late)
        outcomes = [o async for o in stream]
        assert sorted((o.to, o.state, o.status) for o in outcomes if o.status == "EXCLUDED") == [
            ("+61420000003", "invalid", "EXCLUDED")
        ]
        assert len({o.row for o in outcomes}) == 5
        assert {m.to for m in emu.sent} == {r["to"] for r in ROWS} - set(late)


async def test_voice_and_mms_campaigns_exclude_too() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        exclude = {"+61420000001"}
        with await cs.voice.send_bulk(ROWS[:2], body="Hello", exclude=exclude) as report:
            assert report.sent == 1
        media = "https://example.com/a.jpg"
        with await cs.mms.send_bulk(
            media, ROWS[:2], subject="Hi", body="Hello", exclude=exclude
        ) as report:
            assert report.sent == 1
        assert [m.to for m in emu.sent] == ["+61420000002", "+61420000002"]


async def test_a_resume_checks_every_row_a_claim_takes_when_many_opted_out(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    rows = [{"to": f"+614200{i:05d}", "name": f"N{i}"} for i in range(30)]
    late = [r["to"] for r in rows[:25]]  # most of the first chunk's rows opted out since
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        with await cs.sms.send_bulk(rows, body="Hi {name}", journal=journal, dry_run=True):
            pass
        with await cs.sms.send_bulk(
            rows, body="Hi {name}", journal=journal, exclude=late, chunk_size=10
        ) as report:
            assert report.invalid == 25 and report.sent == 5
        assert {m.to for m in emu.sent} == {r["to"] for r in rows[25:]}


async def test_a_claim_that_reaches_an_unchecked_excluded_row_is_given_back_unsent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker can claim between the check and the claim: the claim itself is checked."""
    from clicksend_async.bulk import BulkJob

    journal = tmp_path / "campaign.db"
    rows = [{"to": f"+614200{i:05d}", "name": f"N{i}"} for i in range(12)]
    late = [rows[3]["to"], rows[9]["to"]]
    real = BulkJob._exclude_before_claim
    calls = {"n": 0}

    async def racy(self: BulkJob, cursor: int) -> None:
        calls["n"] += 1
        if calls["n"] > 1:  # the first check "misses" (the rows moved under it)
            await real(self, cursor)

    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        with await cs.sms.send_bulk(rows, body="Hi {name}", journal=journal, dry_run=True):
            pass
        monkeypatch.setattr(BulkJob, "_exclude_before_claim", racy)
        with await cs.sms.send_bulk(
            rows, body="Hi {name}", journal=journal, exclude=late, chunk_size=5
        ) as report:
            assert report.invalid == 2 and report.sent == 10
        assert {m.to for m in emu.sent} == {r["to"] for r in rows} - set(late)
