"""MMS and voice campaigns go through the same engine, with their own request shapes."""

from __future__ import annotations

from collections import Counter

import pytest

from clicksend_async import ValidationError
from clicksend_async.bulk._api import mms_job, voice_job
from clicksend_async.testing import ClickSendEmulator

ROWS = [{"to": f"+6143{i:07d}", "name": f"N{i}"} for i in range(25)]
MEDIA = "https://example.com/picture.jpg"


async def test_mms_campaign_puts_media_file_at_the_top_level() -> None:
    async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
        job = mms_job(
            cs.session,
            MEDIA,
            ROWS,
            subject="Sale",
            body="Hi {name}",
            chunk_size=10,
            reconcile_settle=0,
        )
        with await job.run() as report:
            assert report.sent == 25
        sends = [r for r in emu.requests if r.path == "/mms/send"]
        assert len(sends) == 3
        for request in sends:
            assert request.json["media_file"] == MEDIA
            assert all("media_file" not in m for m in request.json["messages"])
            assert all(m["subject"] == "Sale" for m in request.json["messages"])
        assert Counter(m.to for m in emu.sent) == Counter(r["to"] for r in ROWS)


async def test_mms_subject_over_20_characters_stops_the_campaign_before_any_request() -> None:
    # The subject is campaign-wide: every row would be invalid, so the campaign says so once.
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        job = mms_job(cs.session, MEDIA, ROWS[:2], subject="x" * 21, body="Hi {name}")
        with pytest.raises(ValidationError) as caught:
            await job.run()
        assert caught.value.field == "subject" and caught.value.row is None
        assert "every row" in str(caught.value)
        assert emu.requests == []


def test_mms_without_an_http_media_url_is_refused_up_front() -> None:
    with pytest.raises(ValidationError, match="media_file"):
        mms_job(None, "ftp://x/y.jpg", ROWS, subject="s", body="b")  # type: ignore[arg-type]


async def test_voice_campaign() -> None:
    async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
        job = voice_job(
            cs.session, ROWS, body="Hello {name}", voice="male", lang="en-au", reconcile_settle=0
        )
        with await job.run() as report:
            assert report.sent == 25
        sends = [r for r in emu.requests if r.path == "/voice/send"]
        assert {m["voice"] for r in sends for m in r.json["messages"]} == {"male"}
        assert len(emu.sent) == 25


async def test_voice_with_a_bad_voice_stops_the_campaign() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        job = voice_job(cs.session, ROWS[:1], body="Hello", voice="robot")
        with pytest.raises(ValidationError) as caught:
            await job.run()
        assert caught.value.field == "voice"
        assert not emu.sent
