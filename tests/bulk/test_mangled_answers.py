"""Send answers mangled after the server committed, in ways no emulator fault was written for.

Between the client and the emulator, the raw body of a share of ``/sms/send`` answers is
rewritten (the emulator has accepted, billed and logged every message by then): messages
reordered, dropped, duplicated, swapped, retyped, nested, cut off, given numbers no column
holds or text UTF-8 cannot carry. Whatever the answer says, nobody is texted twice, every row
ends in one state, a row reported sent went out, and the campaign finishes (resumed at most a
few times) with every row final.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traffic import run_campaign

from clicksend_async._transport import RawResponse
from clicksend_async.bulk import PostgresStore
from clicksend_async.testing import ClickSendEmulator

KINDS = (
    "reorder", "drop", "duplicate", "swap", "retype", "nulls", "nested", "extra", "truncate",
    "data-list", "huge-parts", "negative-parts", "huge-price", "negative-price", "surrogates",
    "status-case", "status-list", "empty-custom", "no-messages", "messages-object",
)  # fmt: skip


def mangle(body: bytes, kind: str, rng: random.Random) -> bytes:
    """Return ``body`` (a committed send's answer) rewritten the ``kind`` way."""
    if kind == "truncate":
        return body[: rng.randrange(1, len(body))]
    envelope = json.loads(body)
    messages: list[dict[str, Any]] = envelope["data"]["messages"]
    one = rng.choice(messages)
    if kind == "reorder":
        rng.shuffle(messages)
    elif kind == "drop":
        for _ in range(rng.randrange(1, 5)):
            if messages:
                messages.pop(rng.randrange(len(messages)))
    elif kind == "duplicate":
        messages.insert(rng.randrange(len(messages)), dict(one, message_id="DUPLICATE"))
    elif kind == "swap":
        other = rng.choice(messages)
        one["custom_string"], other["custom_string"] = other["custom_string"], one["custom_string"]
    elif kind == "retype":
        one["message_price"] = float(one["message_price"])
        one["message_parts"] = str(one["message_parts"])
        one["message_id"] = 12345678901234567890
    elif kind == "nulls":
        one.update(message_id=None, message_price=None, message_parts=None)
    elif kind == "nested":
        one["message_id"] = [[[["x"]]]]
    elif kind == "extra":
        messages.append({"custom_string": "not-ours", "status": "SUCCESS", "message_id": "x"})
    elif kind == "data-list":
        envelope["data"] = messages
    elif kind == "huge-parts":
        one["message_parts"] = 10**30
    elif kind == "negative-parts":
        one["message_parts"] = -3
    elif kind == "huge-price":
        for message in messages:
            message["message_price"] = "1e999999999"
    elif kind == "negative-price":
        one["message_price"] = "-5"
    elif kind == "surrogates":
        one["status"] = "SUCCESS\ud800"
        rng.choice(messages)["message_id"] = "id\udfff"
    elif kind == "status-case":
        one["status"] = "Success"
    elif kind == "status-list":
        one["status"] = ["SUCCESS"]
    elif kind == "empty-custom":
        one["custom_string"] = ""
    elif kind == "no-messages":
        del envelope["data"]["messages"]
    elif kind == "messages-object":
        envelope["data"]["messages"] = {"0": one}
    return json.dumps(envelope).encode()


def rows(n: int) -> list[dict[str, str]]:
    return [{"to": f"+6144{i:07d}", "first_name": f"N{i}"} for i in range(n)]


class TestMangledAnswers:
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4),
        share=st.sampled_from([0.3, 0.7, 1.0]),
        seed=st.integers(0, 2**16),
    )
    async def test_nobody_texted_twice_whatever_the_answer_says(
        self, tmp_path_factory: Any, kinds: list[str], share: float, seed: int
    ) -> None:
        rng = random.Random(seed)
        recipients = rows(240)
        journal = str(tmp_path_factory.mktemp("j") / "c.db")
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            transport = cs.session.transport
            real = transport.request

            async def request(method: str, url: str, **kw: Any) -> RawResponse:
                raw = await real(method, url, **kw)
                if url.endswith("/sms/send") and raw.status == 200 and rng.random() < share:
                    body = mangle(raw.body, rng.choice(kinds), rng)
                    return RawResponse(raw.status, raw.headers, body)
                return raw

            transport.request = request  # type: ignore[method-assign]
            states: Counter[str] = Counter()
            for attempt in range(6):
                outcomes = await run_campaign(
                    cs,
                    recipients,
                    journal=journal,
                    resume=attempt > 0,
                    chunk_size=40,
                    concurrency=3,
                    throttle_pause=0.05,
                )
                states = Counter(o.state for o in outcomes)
                if set(states) <= {"sent", "rejected"}:
                    break
            texted = Counter(m.to for m in emu.sent)
            assert [t for t, n in texted.items() if n > 1] == [], "texted more than once"
            assert [o.row for o in outcomes] == list(range(1, len(recipients) + 1))
            assert {o.to for o in outcomes if o.state == "sent"} <= set(texted)
            assert set(states) <= {"sent", "rejected"}, states  # every row final
            # A row reported refused went out only when its answer said something other
            # than SUCCESS about it (a status no campaign can read as sent).
            assert set(texted) == {r["to"] for r in recipients}
            for o in outcomes:
                if o.state == "rejected":
                    assert o.status not in ("SUCCESS", "QUEUED"), o
                    assert o.reason is not None
                for text in (o.status, o.message_id, o.reason):
                    if text is not None:
                        text.encode("utf-8")

    async def test_the_same_through_the_postgresql_store(self, postgres_dsn: str) -> None:
        rng = random.Random(7)
        recipients = rows(240)
        kinds = itertools.cycle(KINDS)  # every kind once: 20 chunks of 12
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            transport = cs.session.transport
            real = transport.request

            async def request(method: str, url: str, **kw: Any) -> RawResponse:
                raw = await real(method, url, **kw)
                if url.endswith("/sms/send") and raw.status == 200:
                    return RawResponse(raw.status, raw.headers, mangle(raw.body, next(kinds), rng))
                return raw

            transport.request = request  # type: ignore[method-assign]
            outcomes = await run_campaign(
                cs,
                recipients,
                store=PostgresStore(postgres_dsn, "mangled"),
                chunk_size=12,
                concurrency=3,
                throttle_pause=0.05,
            )
            texted = Counter(m.to for m in emu.sent)
            assert [t for t, n in texted.items() if n > 1] == [], "texted more than once"
            assert set(texted) == {r["to"] for r in recipients}
            assert {o.to for o in outcomes if o.state == "sent"} <= set(texted)
            assert {o.state for o in outcomes} <= {"sent", "rejected"}
            for o in outcomes:
                for text in (o.status, o.message_id, o.reason):
                    if text is not None:
                        text.encode("utf-8")

    async def test_history_records_holding_what_no_store_holds_still_settle(
        self, tmp_path_factory: Any
    ) -> None:
        """Lost answers are settled from history records whose status, id, parts and price are
        what no column holds: the rows are found (the record is there), and kept cleanly."""
        rng = random.Random(3)
        recipients = rows(200)
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            transport = cs.session.transport
            real = transport.request

            async def request(method: str, url: str, **kw: Any) -> RawResponse:
                raw = await real(method, url, **kw)
                if "/sms/history" in url and raw.status == 200:
                    envelope = json.loads(raw.body)
                    for record in envelope["data"]["data"]:
                        record.update(
                            status=rng.choice(["Sent\ud800", ["Sent"], 7, None]),
                            message_id=rng.choice(["id\udfff", 12345678901234567890, None]),
                            message_parts=rng.choice([10**30, -1, "2", None]),
                            message_price=rng.choice(["1e999999999", "-5", 0.07, None]),
                        )
                    body = json.dumps(envelope).encode()
                    return RawResponse(raw.status, raw.headers, body)
                return raw

            transport.request = request  # type: ignore[method-assign]
            emu.inject("commit-drop", path="/sms/send", times=3)
            outcomes = await run_campaign(
                cs, recipients, journal=str(tmp_path_factory.mktemp("j") / "c.db"), chunk_size=40
            )
            texted = Counter(m.to for m in emu.sent)
            assert sorted(texted.values()) == [1] * 200  # everyone once
            assert Counter(o.state for o in outcomes) == {"sent": 200}
            found = [o for o in outcomes if o.reason and "history" in o.reason]
            assert len(found) >= 40, [o.reason for o in outcomes][:3]
            for o in found:
                assert o.parts in (None, 1, 2) and o.price in (None, Decimal("0.07"))
                for text in (o.status, o.message_id, o.reason):
                    if text is not None:
                        text.encode("utf-8")
