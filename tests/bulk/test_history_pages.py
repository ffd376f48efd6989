"""Reading the history to prove absence: a read proves it only if it saw the whole listing.

A lost answer is settled from ClickSend's history: rows found were sent, rows a complete read
does not find are re-sent. "Complete" used to mean "as many records as the listing counts",
which a server that answers page 1 for every page (a proxy that drops ``page``, a server that
caps it) passes, and so does a listing that gained a record inside pages already read: rows
that were sent looked absent and were sent again. A read now counts *different* records,
checks each page is the one asked for and that each brings something new; anything less
proves nothing, and the rows stay held (``unknown``) instead of being re-sent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from traffic import lost_send, run_campaign, two_messages

from clicksend_async._transport import RawResponse
from clicksend_async.bulk._history import HistoryReader, _Incomplete
from clicksend_async.testing import ClickSendEmulator


def record(i: int) -> dict[str, Any]:
    return {"message_id": f"M{i}", "custom_string": f"c{i}", "to": f"+6141{i:07d}", "date": i}


def listing(records: list[dict[str, Any]], page: int, *, size: int = 2, **over: Any) -> Any:
    last = max(1, -(-len(records) // size))
    return {
        "total": len(records),
        "current_page": page,
        "last_page": last,
        "data": records[(page - 1) * size : page * size],
        **over,
    }


class FakeSession:
    """Answers each history page with ``answer(page, call)``."""

    def __init__(self, answer: Callable[[int, int], Any]) -> None:
        self.answer = answer
        self.asked: list[int] = []

    async def data(self, method: str, path: str, *, params: Mapping[str, Any], **_: Any) -> Any:
        self.asked.append(params["page"])
        if len(self.asked) > 20:
            raise AssertionError("still reading")
        return self.answer(params["page"], len(self.asked))


async def scan(answer: Callable[[int, int], Any], want: list[int]) -> dict[str, Any]:
    session = FakeSession(answer)
    reader = HistoryReader(session, "/sms/history")  # type: ignore[arg-type]
    first = await reader.page({}, 1)
    return await reader.scan({}, first, {f"c{i}": None for i in want})


class TestTheReadProvesAbsenceOnlyWhenComplete:
    async def test_a_complete_read_finds_what_is_there_and_proves_the_rest_absent(self) -> None:
        records = [record(i) for i in range(5)]
        found = await scan(lambda page, _: listing(records, page), want=[1, 4, 99])
        assert sorted(found) == ["c1", "c4"]

    async def test_pages_without_current_page_still_read(self) -> None:
        records = [record(i) for i in range(5)]

        def answer(page: int, _: int) -> Any:
            out = listing(records, page)
            del out["current_page"]
            return out

        assert sorted(await scan(answer, want=[3, 99])) == ["c3"]

    async def test_a_server_that_answers_page_one_for_every_page(self) -> None:
        records = [record(i) for i in range(6)]
        with pytest.raises(_Incomplete, match="answered page 1 when asked for page 2"):
            await scan(lambda page, _: listing(records, 1), want=[5, 99])

    async def test_a_server_that_repeats_page_one_and_says_it_is_the_page_asked(self) -> None:
        records = [record(i) for i in range(6)]
        with pytest.raises(_Incomplete, match="repeats records already read"):
            await scan(lambda page, _: listing(records, 1, current_page=page), want=[5, 99])

    async def test_a_record_that_appears_inside_pages_already_read(self) -> None:
        """Page 1 is read; then a record dated inside it becomes visible (a lagging history)
        and pushes the rest one place on: page 2 repeats the record that ended page 1, and
        the new one was never read. The count of records equals the total; the count of
        different ones does not."""
        before = [record(i) for i in (0, 2, 3, 4, 5)]
        after = [record(i) for i in (0, 1, 2, 3, 4, 5)]

        def answer(page: int, call: int) -> Any:
            return listing(before if call == 1 else after, page)

        with pytest.raises(_Incomplete, match="5 different records of 6"):
            await scan(answer, want=[1, 99])

    async def test_records_appended_while_reading_are_no_reason_to_doubt(self) -> None:
        """Oldest first, a message sent while the read goes on lands on the last page."""
        grown = [record(i) for i in range(7)]

        def answer(page: int, call: int) -> Any:
            return listing(grown[: 4 + call], page)

        assert sorted(await scan(answer, want=[6, 99])) == ["c6"]

    async def test_overlapping_pages_without_a_total(self) -> None:
        records = [record(i) for i in range(6)]

        def answer(page: int, _: int) -> Any:
            out = listing(records, page, size=3)
            out["data"] = records[(page - 1) * 2 : (page - 1) * 2 + 3]  # one record again
            del out["total"]
            return out

        with pytest.raises(_Incomplete, match="different records"):
            await scan(answer, want=[99])

    async def test_a_record_found_is_evidence_whatever_the_paging(self) -> None:
        """Every wanted row found on page 1 of a server that ignores ``page``: nothing is
        claimed absent, so nothing needs the paging to be right."""
        records = [record(i) for i in range(6)]
        assert sorted(await scan(lambda page, _: listing(records, 1), want=[0, 1])) == [
            "c0",
            "c1",
        ]

    async def test_records_no_key_can_hold_are_told_apart_by_their_text(self) -> None:
        records = [dict(record(i), message_id=[i], to={"n": i}) for i in range(4)]
        assert sorted(await scan(lambda page, _: listing(records, page), want=[2, 99])) == ["c2"]


def ignoring(url: str, *, page: bool, query: bool) -> str:
    """The history URL as a server that ignores ``page`` and/or ``q`` would read it."""
    if query:
        url = re.sub(r"[?&]q=[^&]*", "", url)
    if page:
        url = re.sub(r"([?&])page=\d+", r"\g<1>page=1", url)
    return url


class TestLostAnswersOnAServerThatDoesNotPage:
    @pytest.mark.parametrize("lies", [False, True], ids=["says-page-1", "echoes-the-page"])
    async def test_nobody_is_texted_twice(self, tmp_path: Any, lies: bool) -> None:
        """Two chunks of 250 lose their answers after the commit; the history answers page 1
        for every page (and ignores lookups by number, so the window is scanned). Before the
        fix, the rows past page 1 looked absent and 400 people were texted twice."""
        recipients = [{"to": f"+6144{i:07d}", "first_name": f"N{i}"} for i in range(1000)]
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            transport = cs.session.transport
            real = transport.request
            echoed = 0

            async def request(method: str, url: str, **kw: Any) -> RawResponse:
                nonlocal echoed
                if "/sms/history" not in url:
                    return await real(method, url, **kw)
                page = re.search(r"[?&]page=(\d+)", url)
                raw = await real(method, ignoring(url, page=True, query=True), **kw)
                if lies and page is not None:
                    body = raw.body.replace(
                        b'"current_page":1,', b'"current_page":%s,' % page.group(1).encode()
                    )
                    echoed += body != raw.body
                    raw = RawResponse(raw.status, raw.headers, body)
                return raw

            transport.request = request  # type: ignore[method-assign]
            emu.inject("commit-drop", path="/sms/send", times=2)
            outcomes = await run_campaign(cs, recipients, journal=str(tmp_path / "c.db"))
            assert echoed if lies else not echoed
            texted = Counter(m.to for m in emu.sent)
            assert sorted(texted.values()) == [1] * 1000  # everyone once
            assert [o.row for o in outcomes] == list(range(1, 1001))
            states = Counter(o.state for o in outcomes)
            # The two lost chunks cannot be proved either way: held and reported, not re-sent.
            assert states == {"sent": 500, "unknown": 500}, states
            unknown = [o for o in outcomes if o.state == "unknown"]
            assert all("history could not prove it" in (o.reason or "") for o in unknown)
            assert all("page" in (o.reason or "") for o in unknown), unknown[0].reason


class TestCustomStringsTheHistoryMayNotReturn:
    """A row's own custom string is its key in the history. ClickSend documents no limit or
    normalisation for it, so only one the history can be trusted to return byte for byte
    (plain ASCII, at most 64 characters, no space at either end) proves a row absent; for any
    other, a record not found leaves the row ``unknown`` instead of sending it again."""

    @pytest.mark.parametrize(
        ("custom", "ok"),
        [
            ("cs0123abcd-17", True),
            ("order 42/A", True),
            ("x" * 64, True),
            ("x" * 65, False),
            ("Bestellung-ä-1", False),
            (" order-1", False),
            ("order-1 ", False),
            ("order\t1", False),
            ("", False),
        ],
    )
    def test_which_custom_strings_prove_absence(self, custom: str, ok: bool) -> None:
        from clicksend_async.bulk._reconcile import provable

        assert provable(custom) is ok

    async def test_a_history_that_re_encodes_them_texts_nobody_twice(self, tmp_path: Any) -> None:
        """The history returns non-ASCII custom strings re-encoded (UTF-8 read as Latin-1):
        the rows that carry one are never found. Before, the lost chunk's 50 such rows were
        proved absent and sent again."""
        import json

        recipients = [
            {
                "to": f"+6144{i:07d}",
                "first_name": f"N{i}",
                "custom_string": f"order-{i}" if i % 2 else f"Bestellung-ä-{i}",
            }
            for i in range(400)
        ]
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            transport = cs.session.transport
            real = transport.request

            async def request(method: str, url: str, **kw: Any) -> RawResponse:
                raw = await real(method, url, **kw)
                if "/sms/history" not in url or raw.status != 200:
                    return raw
                envelope = json.loads(raw.body)
                for item in envelope["data"]["data"]:
                    custom = item.get("custom_string")
                    if isinstance(custom, str):
                        item["custom_string"] = custom.encode().decode("latin-1")
                return RawResponse(raw.status, raw.headers, json.dumps(envelope).encode())

            transport.request = request  # type: ignore[method-assign]
            emu.inject("commit-drop", path="/sms/send", times=1)
            outcomes = await run_campaign(
                cs, recipients, journal=str(tmp_path / "c.db"), chunk_size=100
            )
            assert sorted(Counter(m.to for m in emu.sent).values()) == [1] * 400
            assert Counter(o.state for o in outcomes) == {"sent": 350, "unknown": 50}
            for o in outcomes:
                if o.state == "unknown":
                    assert "ä" in (o.custom_string or "") and "proves nothing" in (o.reason or "")

    async def test_one_send_reconciled_says_unknown_not_safe_to_resend(self) -> None:
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            await cs.account.get()
            # Refused before processing: nothing went out.
            error = await lost_send(cs, emu, "500", two_messages("Bestellung-ä-2"))
            result = await cs.sms.reconcile(error, settle=0.2)
            assert result.sent == {} and result.not_sent == ("order-1",)
            assert result.unknown == (1,)
