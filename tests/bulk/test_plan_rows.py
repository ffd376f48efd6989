"""Planning's dict-row path must write exactly what the payload path and the code before it did."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path
from typing import Any

import planned_journal as recorded
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clicksend_async import JournalMismatchError, ValidationError
from clicksend_async._validation import Limits
from clicksend_async.bulk import SMS, VOICE, BulkJob, Channel, Journal, mms_channel
from clicksend_async.bulk._channels import _compact_json, payload_writer
from clicksend_async.testing import ClickSendEmulator

NOW = recorded.NOW
MEDIA = "https://example.com/cat.jpg"

#: Dict rows for the builder, beyond the CSV's strings: numbers and None as values, a
#: country that is blank or a number, a custom_string that is a number, a lone surrogate.
ROWS: list[dict[str, Any]] = [
    {"to": "+61411111111", "name": "Ann"},
    {"to": " +61 (0) 411-111-112 ", "name": "Bob", "custom_string": "mine"},
    {"to": "0411111113", "name": "Cy", "country": "AU"},
    {"to": "0411111114", "name": "Di"},
    {"to": "0411111115", "name": "Ed", "country": "Australia"},
    {"to": "+6141111111x", "name": "Flo"},
    {"to": "", "name": "Gus"},
    {"name": "Hal"},
    {"to": None, "name": "Ivy"},
    {"to": 61411111121, "name": "Lu"},
    {"to": "+61411111116", "name": ""},
    {"to": "+61411111117", "name": "   "},
    {"to": "+61411111118", "name": 5},
    {"to": "+61411111119", "name": None},
    {"to": "+61411111120"},
    {"to": "+61411111121", "name": "=1+2", "custom_string": 77},
    {"to": "+61411111122", "name": "@SUM(A1) -2 +3", "country": "  "},
    {"to": "+61411111123", "name": "Gil", "country": 61},
    {"to": "+61411111124", "name": 'Mo \u20ac {x} [y] \\ "q"'},
    {"to": "+61411111125", "name": "N\u00e7 \u2019s \u2013"},
    {"to": "+61411111126", "name": "\U0001f600"},
    {"to": "+61411111127", "name": "x" * 1300},
    {"to": "+61411111128", "name": "y" * 600},
    {"to": "+61411111129", "name": "bad \ud800 text"},
    {"to": "+61411111130", "name": "Tab\tand\nline", "country": "nz"},
    {"to": "\uff0b\uff16\uff11\uff14\uff11\uff11\uff11\uff11\uff11\uff13\uff11", "name": "Wide"},
    {"to": "+61411111132", "name": "Jo", "body": "a body column the template ignores"},
    {"to": "+61411111133", "name": "Kim", "custom_string": ""},
]

DEFAULTS: list[dict[str, Any]] = [
    {},
    {"from_": "ACME", "source": "bench"},
    {"country": "AU"},
    {"country": "au", "from_": "+61400000000"},
    {"custom_string": "same-for-all"},
    {"schedule": NOW + 3600},
]

BODIES: list[str | None] = ["Hi {name}, 100% off {{today}}", "{name}", None]


def channels() -> list[tuple[Channel, dict[str, Any]]]:
    return [
        (SMS, {}),
        (SMS, {"limits": Limits(max_parts=2, warn_parts=1), "transliterate": True}),
        (VOICE, {"allow_empty_fields": True}),
        (mms_channel(MEDIA), {"request_extra": {"media_file": MEDIA}}),
    ]


def model_path(job: BulkJob, item: dict[str, Any], row: int, custom: str) -> Any:
    """Return what planning writes for a row built by ``_build``, the payload path."""
    try:
        payload, info = job._build(item, row, NOW, job._row_shape(NOW))
    except ValidationError as exc:
        return ("error", type(exc), exc.field, exc.row, exc.reason)
    to, body = payload.get("to"), payload.get("body", "")
    own = payload.get("custom_string")
    payload["custom_string"] = custom
    return ("ok", to, body, payload.get("country"), own, info, _compact_json(payload))


def dict_path(job: BulkJob, item: dict[str, Any], row: int, custom: str) -> Any:
    """Return what planning writes for a row built by the dict-row builder."""
    shape = job._row_shape(NOW)
    build = job._dict_row_builder(shape)
    assert build is not None and shape is not None
    try:
        to, body, own_country, own_custom, info = build(item, row)
    except ValidationError as exc:
        return ("error", type(exc), exc.field, exc.row, exc.reason)
    country = shape.payload.get("country") if own_country is None else own_country
    encoded = payload_writer(shape.payload)(to, body, own_country, custom)
    return ("ok", to, body, country, own_custom, info, encoded)


class TestDictRowBuilder:
    @pytest.mark.parametrize(("defaults", "body"), list(itertools.product(DEFAULTS, BODIES)))
    def test_agrees_with_the_payload_path(self, defaults: dict[str, Any], body: str | None) -> None:
        for channel, options in channels():
            extra = {"subject": "Sale"} if channel.name == "mms" else {}
            job = BulkJob(
                None,  # type: ignore[arg-type]  # building never touches the network
                channel,
                [],
                body=body,
                defaults={**extra, **defaults},
                **options,
            )
            try:
                if job._dict_row_builder(job._row_shape(NOW)) is None:
                    assert "custom_string" in defaults  # the only shape it leaves alone
                    continue
                for row, item in enumerate(ROWS, 1):
                    for custom in (f"cs0000abcd-{row}", 'mine "quoted" \\ \u00e9'):
                        job._row_transliterated = False
                        slow = model_path(job, item, row, custom)
                        slow_transliterated = job._row_transliterated
                        job._row_transliterated = False
                        fast = dict_path(job, item, row, custom)
                        assert fast == slow, (channel.name, options, row, item)
                        assert job._row_transliterated == slow_transliterated
            finally:
                job.journal.close()

    def test_is_not_made_without_a_row_shape(self) -> None:
        job = BulkJob(None, SMS, [], body="Hi", defaults={"list_id": 5})  # type: ignore[arg-type]
        try:
            assert job._dict_row_builder(job._row_shape(NOW)) is None
        finally:
            job.journal.close()


_json_text = st.text(
    alphabet=st.sampled_from(['"', "\\", "\n", "\x00", "\x1f", "a", " ", "\u00e9", "\u2028"])
    | st.characters(),
    max_size=30,
)


class TestPayloadWriter:
    @given(
        base=st.sampled_from(
            [
                {},
                {"from": "ACME"},
                {"country": "AU"},
                {"from": "+61400000000", "country": "au", "schedule": 1_800_000_000},
                {"source": "x\u00e9", "shorten_urls": True, "nothing": None, "ratio": 0.5},
            ]
        ),
        to=st.none() | _json_text,
        body=_json_text,
        country=st.none() | _json_text,
        custom=_json_text,
    )
    @settings(max_examples=400)
    def test_writes_what_compact_json_writes(
        self, base: dict[str, Any], to: str | None, body: str, country: str | None, custom: str
    ) -> None:
        # The payload planning builds for a dict row, field by field in that order.
        payload = dict(base)
        payload["to"] = to
        payload["body"] = body
        if country is not None:
            payload["country"] = country
        payload["custom_string"] = custom
        assert payload_writer(base)(to, body, country, custom) == _compact_json(payload)


class TestTheJournalOfTheCodeBefore:
    """The journals commit 0712826 wrote (planned_journal.py made the fixture with it)."""

    fixture: dict[str, Any] = json.loads(recorded.FIXTURE.read_text(encoding="utf-8"))

    @pytest.mark.parametrize("name", list(recorded.CAMPAIGNS))
    async def test_planning_writes_the_same_rows_and_meta(self, tmp_path: Path, name: str) -> None:
        csv_path = recorded.write_csv(tmp_path / "recipients.csv")
        journal = tmp_path / "campaign.journal"
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            await recorded.plan(cs.session, csv_path, journal, name)
        assert recorded.dump(journal) == self.fixture[name]

    def restore(self, path: Path, name: str) -> Path:
        """Write the recorded journal of campaign ``name`` to ``path``."""
        Journal(path).close()  # the current schema, empty
        db = sqlite3.connect(path)
        with db:
            db.execute("DELETE FROM meta")
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)", self.fixture[name]["meta"].items()
            )
            rows = self.fixture[name]["rows"]
            marks = ", ".join("?" * len(rows[0]))
            db.executemany(f"INSERT INTO rows VALUES ({marks})", rows)
        db.close()
        return path

    @pytest.mark.parametrize("name", list(recorded.CAMPAIGNS))
    async def test_a_recorded_journal_resumes_and_sends_its_rows(
        self, tmp_path: Path, name: str
    ) -> None:
        csv_path = recorded.write_csv(tmp_path / "recipients.csv")
        journal = self.restore(tmp_path / "campaign.journal", name)
        stored = json.loads(self.fixture[name]["meta"]["plan"])
        pending = {
            r[1]: json.loads(r[3]) for r in self.fixture[name]["rows"] if r[7] is None and r[3]
        }
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            job = recorded.bulk_job(
                cs.session, csv_path, journal, name, resume=True, reconcile_settle=0
            )
            plan = await job.plan()
            assert plan.to_json() == stored
            with await job.run() as report:
                assert report.sent == len(pending) and report.unknown == 0
        sent = {m.custom_string: m for m in emu.sent}
        assert set(sent) == set(pending)
        for custom, payload in pending.items():
            assert sent[custom].body == payload["body"]
            if payload["to"].startswith("+"):  # the emulator writes local numbers in E.164
                assert sent[custom].to == payload["to"]

    async def test_a_changed_input_does_not_resume_a_recorded_journal(self, tmp_path: Path) -> None:
        csv_path = recorded.write_csv(tmp_path / "recipients.csv")
        text = csv_path.read_text(encoding="utf-8").replace("Bob", "Rob")
        csv_path.write_text(text, encoding="utf-8")
        journal = self.restore(tmp_path / "campaign.journal", "plain")
        job = recorded.bulk_job(None, csv_path, journal, "plain", resume=True)
        try:
            with pytest.raises(JournalMismatchError, match="rows"):
                await job.plan()
        finally:
            job.journal.close()
