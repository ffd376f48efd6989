"""Dict rows take a fast path past the message models; it must agree with the model path."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from clicksend_async import ValidationError
from clicksend_async._validation import Limits, validate_mms, validate_sms
from clicksend_async.bulk import SMS, VOICE, BulkJob, Channel, mms_channel
from clicksend_async.models.messages import MmsMessage, SmsMessage

NOW = 1_800_000_000.0
MEDIA = "https://example.com/cat.jpg"

ROWS: list[dict[str, Any]] = [
    {"to": "+61411111111", "name": "Ann"},
    {"to": " +61 (0) 411-111-112 ", "name": "Bob"},
    {"to": "0411111113", "name": "Cy", "country": "AU"},
    {"to": "0411111114", "name": "Di"},  # local number, country only from the defaults
    {"to": "0411111115", "name": "Ed", "country": "Australia"},
    {"to": "+6141111111x", "name": "Flo"},
    {"to": "+0411111116", "name": "Gus"},
    {"to": "", "name": "Hal"},
    {"name": "Ivy"},
    {"to": "+61411111117", "name": ""},
    {"to": "+61411111118"},
    {"to": "+61411111119", "name": "Jo", "custom_string": "mine-1"},
    {"to": "+61411111120", "name": "Kim", "custom_string": ""},
    {"to": 61411111121, "name": "Lu"},
    {"to": "+61411111122", "name": "Mo \u20ac"},  # GSM-7 extension character
    {"to": "+61411111123", "name": "N\u00e7"},  # UCS-2
    {"to": "+61411111124", "name": "\U0001f600"},
    {"to": "+61411111125", "name": "x" * 1300},  # too long for SMS parts and for MMS / voice
    {"to": "+61411111126", "name": "y" * 600},
    {"to": "+61411111127", "name": "bad \ud800 text"},
    {"to": "+61411111128", "name": "   "},
]

DEFAULTS: list[dict[str, Any]] = [
    {},
    {"from_": "ACME", "source": "bench"},
    {"country": "AU"},
    {"custom_string": "same-for-all"},
    {"schedule": NOW + 3600},
    {"schedule": NOW - 7200},  # in the past: every row is refused, with its number
    {"list_id": 42},
    {"no_such_field": 1},
    {"to": "+61400000000", "body": "from the defaults"},
]

BODIES = ["Hi {name}, our sale starts today", "{name}"]


def outcome(job: BulkJob, row: int, item: dict[str, Any], fast: bool) -> Any:
    shape = job._row_shape(NOW) if fast else None
    try:
        payload, info = job._build(item, row, NOW, shape)
    except ValidationError as exc:
        return ("error", exc.field, exc.row, exc.reason)
    return ("ok", payload, info)


def channels() -> list[tuple[Channel, dict[str, Any]]]:
    return [
        (SMS, {}),
        (SMS, {"limits": Limits(max_parts=2, warn_parts=1)}),
        (VOICE, {}),
        (mms_channel(MEDIA), {"request_extra": {"media_file": MEDIA}}),
    ]


@pytest.mark.parametrize(("defaults", "body"), list(itertools.product(DEFAULTS, BODIES)))
def test_fast_path_agrees_with_the_model_path(defaults: dict[str, Any], body: str) -> None:
    for channel, options in channels():
        extra = {"subject": "Sale"} if channel.name == "mms" else {}
        job = BulkJob(
            None,  # type: ignore[arg-type]  # _build never touches the network
            channel,
            [],
            body=body,
            defaults={**extra, **defaults},
            **options,
        )
        try:
            for row, item in enumerate(ROWS, 1):
                assert outcome(job, row, item, True) == outcome(job, row, item, False), (
                    channel.name,
                    row,
                    item,
                )
        finally:
            job.journal.close()


def test_fast_path_is_taken_for_ordinary_defaults() -> None:
    job = BulkJob(None, SMS, [], body="Hi {name}", defaults={"from_": "ACME"})  # type: ignore[arg-type]
    try:
        shape = job._row_shape(NOW)
        assert shape is not None and shape.payload == {"from": "ACME"}
        payload, info = job._build({"to": "+61411111111", "name": "Ann"}, 1, NOW, shape)
        assert payload == {"from": "ACME", "to": "+61411111111", "body": "Hi Ann"}
        assert info.segments == 1
    finally:
        job.journal.close()


def test_defaults_that_fail_their_check_stop_at_the_first_dict_row() -> None:
    job = BulkJob(None, SMS, [], body="Hi", defaults={"schedule": NOW - 7200})  # type: ignore[arg-type]
    try:
        assert job._row_shape(NOW) is None
        with pytest.raises(ValidationError) as caught:
            job._build({"to": "+61411111111"}, 7, NOW, None)
        # Campaign-wide: named by field, not by row, and said once.
        assert caught.value.row is None and caught.value.field == "schedule"
        assert "every row" in caught.value.reason
        # A message object carries its own fields: the defaults do not apply to it.
        own = SmsMessage(to="+61411111111", body="hi")
        payload, _ = job._build(own, 8, NOW, None)
        assert payload["to"] == "+61411111111"
    finally:
        job.journal.close()


def test_defaults_that_cannot_build_fall_back_and_name_every_row() -> None:
    job = BulkJob(None, SMS, [], body="Hi", defaults={"list_id": 5})  # type: ignore[arg-type]
    try:
        assert job._row_shape(NOW) is None
        with pytest.raises(ValidationError) as caught:
            job._build({"to": "+61411111111"}, 7, NOW, None)
        assert caught.value.row == 7 and caught.value.field == "list_id"
    finally:
        job.journal.close()


class TestLoneSurrogates:
    """A str can hold a lone surrogate (a mis-decoded file); it is not text and cannot be sent."""

    def test_sms_body_is_refused_by_name(self) -> None:
        with pytest.raises(ValidationError) as caught:
            validate_sms(SmsMessage(to="+61411111111", body="hi \ud83d there"))
        assert caught.value.field == "message.body"
        assert "surrogate" in caught.value.reason and "character 3" in caught.value.reason

    def test_mms_subject_is_refused_by_name(self) -> None:
        message = MmsMessage(to="+61411111111", body="hi", subject="\udc00")
        with pytest.raises(ValidationError) as caught:
            validate_mms(message, MEDIA)
        assert caught.value.field == "message.subject"

    def test_surrogate_pairs_written_properly_are_fine(self) -> None:
        info = validate_sms(SmsMessage(to="+61411111111", body="hi \U0001f600"))
        assert info.encoding == "UCS-2"


async def test_planning_a_list_lets_other_tasks_run() -> None:
    """Checking a large plain list must not hold the event loop for the whole plan."""
    import asyncio

    ticks = 0
    stop = False

    async def ticker() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0)

    recipients = [{"to": f"+6141{i:07d}", "name": "Ann"} for i in range(5000)]
    job = BulkJob(None, SMS, recipients, body="Hi {name}", preflight=False)  # type: ignore[arg-type]
    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    plan = await job.plan()
    stop = True
    await task
    job.journal.close()
    assert plan.messages == 5000
    assert ticks - before >= 5000 // 500  # at least once per 500 rows
