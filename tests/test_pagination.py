"""The paginator: awaitable for one page, async-iterable for all items."""

from __future__ import annotations

import pytest

from clicksend_async import AsyncPaginator, Page, ValidationError
from clicksend_async._pagination import decode_page
from clicksend_async.models import Currency


def paginator_over(
    items: list[int], per_page_default: int = 15
) -> tuple[AsyncPaginator[int], list[tuple[int | None, int | None]]]:
    calls: list[tuple[int | None, int | None]] = []

    async def fetch(page: int | None, limit: int | None) -> Page[int]:
        calls.append((page, limit))
        size = limit or per_page_default
        number = page or 1
        last = max(1, -(-len(items) // size)) if items else 0
        chunk = items[(number - 1) * size : number * size]
        return Page(
            items=chunk, total=len(items), per_page=size, current_page=number, last_page=last
        )

    return AsyncPaginator(fetch), calls


class TestAsyncPaginator:
    async def test_await_returns_first_page_with_metadata(self) -> None:
        pager, calls = paginator_over(list(range(40)))
        page = await pager
        assert page.items == list(range(15))
        assert page.total == 40
        assert page.has_next
        assert calls == [(None, None)]

    async def test_async_for_walks_every_page(self) -> None:
        pager, calls = paginator_over(list(range(250)))
        seen = [item async for item in pager]
        assert seen == list(range(250))
        assert calls == [(1, 100), (2, 100), (3, 100)]

    async def test_empty_result_stops_at_once(self) -> None:
        pager, calls = paginator_over([])
        assert [item async for item in pager] == []
        assert len(calls) == 1

    async def test_collect_max_items(self) -> None:
        pager, calls = paginator_over(list(range(250)))
        assert await pager.collect(max_items=120) == list(range(120))
        assert len(calls) == 2

    async def test_a_server_that_ignores_the_page_number_is_an_error_not_a_loop(self) -> None:
        """A server (or a proxy) that answers page 1 whatever page is asked: iterating stops
        with a DecodeError at page 2 instead of yielding page 1 forever (before the fix it
        asked for page 2 again and again: ``current_page`` stayed 1)."""
        from clicksend_async import DecodeError

        calls: list[int | None] = []

        async def fetch(page: int | None, limit: int | None) -> Page[int]:
            calls.append(page)
            if len(calls) > 5:
                raise AssertionError("still reading")
            return Page(items=[1, 2, 3], total=30, per_page=3, current_page=1, last_page=10)

        seen: list[int] = []

        async def read() -> None:
            async for item in AsyncPaginator(fetch):
                seen.append(item)

        with pytest.raises(DecodeError, match="ignores the page number"):
            await read()
        assert seen == [1, 2, 3] and calls == [1, 2]

    async def test_pages_advance_by_the_page_asked_and_stop_at_the_last(self) -> None:
        """A page that misreports its own number (``current_page`` absent reads as 1) does not
        send the paginator back: it asks 1, 2, 3 and stops at ``last_page``."""
        calls: list[int | None] = []

        async def fetch(page: int | None, limit: int | None) -> Page[int]:
            calls.append(page)
            assert page is not None and len(calls) <= 3, calls
            return Page(items=[page], total=3, per_page=1, current_page=1, last_page=3)

        assert [item async for item in AsyncPaginator(fetch)] == [1, 2, 3]
        assert calls == [1, 2, 3]

    @pytest.mark.parametrize("limit", [14, 101, 0])
    def test_limit_outside_15_to_100_is_refused_before_any_call(self, limit: int) -> None:
        async def fetch(page: int | None, size: int | None) -> Page[int]:
            raise AssertionError("no call expected")

        with pytest.raises(ValidationError) as info:
            AsyncPaginator(fetch, limit=limit)
        assert info.value.field == "limit"

    def test_page_below_one_is_refused(self) -> None:
        async def fetch(page: int | None, size: int | None) -> Page[int]:
            raise AssertionError("no call expected")

        with pytest.raises(ValidationError):
            AsyncPaginator(fetch, page=0)


class TestDecodePage:
    def test_laravel_envelope(self) -> None:
        page = decode_page(
            {
                "total": 2,
                "per_page": 15,
                "current_page": 1,
                "last_page": 1,
                "next_page_url": None,
                "prev_page_url": None,
                "from": 1,
                "to": 2,
                "data": [{"currency_name_short": "AUD"}, {"currency_name_short": "USD"}],
            },
            Currency,
        )
        assert [c.code for c in page] == ["AUD", "USD"]
        assert page.from_ == 1
        assert not page.has_next

    def test_live_empty_list_shape(self) -> None:
        page = decode_page({"total": 0, "current_page": 1, "last_page": 0, "data": []}, Currency)
        assert len(page) == 0
        assert not page.has_next

    def test_bare_list_is_one_page(self) -> None:
        page = decode_page([{"currency_name_short": "AUD"}], Currency)
        assert page.total == 1 and not page.has_next


class TestRawRecords:
    async def test_walks_pages_until_the_last(self) -> None:
        from clicksend_async._pagination import raw_records

        pages = {
            1: {"current_page": 1, "last_page": 2, "data": [{"a": 1}, "junk", {"a": 2}]},
            2: {"current_page": 2, "last_page": 2, "data": [{"a": 3}]},
        }
        asked: list[int] = []

        async def fetch(page: int) -> object:
            asked.append(page)
            return pages[page]

        assert [r["a"] async for r in raw_records(fetch, where="x")] == [1, 2, 3]
        assert asked == [1, 2]

    async def test_a_page_without_a_list_is_a_decode_error(self) -> None:
        from clicksend_async import DecodeError
        from clicksend_async._pagination import raw_records

        async def fetch(page: int) -> object:
            return {"data": "nope"}

        with pytest.raises(DecodeError, match="/sms/history"):
            [r async for r in raw_records(fetch, where="/sms/history")]

    async def test_a_server_that_ignores_the_page_number_is_an_error_not_a_loop(self) -> None:
        from clicksend_async import DecodeError
        from clicksend_async._pagination import raw_records

        asked: list[int] = []

        async def fetch(page: int) -> object:
            asked.append(page)
            if len(asked) > 5:
                raise AssertionError("still reading")
            return {"current_page": 1, "last_page": 9, "data": [{"a": 1}, {"a": 2}]}

        seen: list[object] = []

        async def read() -> None:
            async for record in raw_records(fetch, where="/sms/receipts"):
                seen.append(record["a"])

        with pytest.raises(DecodeError, match="ignores the page number"):
            await read()
        assert seen == [1, 2] and asked == [1, 2]

    async def test_a_huge_last_page_is_not_an_overflow(self) -> None:
        from clicksend_async._pagination import raw_records

        async def fetch(page: int) -> object:
            return {"current_page": 1, "last_page": 1e999, "data": [{"a": 1}]}

        assert [r["a"] async for r in raw_records(fetch, where="x")] == [1]


def test_a_paginator_wrapped_in_a_list_is_unwrapped() -> None:
    """The spec's example for GET /v3/sms/templates wraps the paginator in a one-item list."""
    from clicksend_async._pagination import decode_page
    from clicksend_async.models.sms import SmsTemplate

    wrapped = [
        {
            "total": 1,
            "per_page": 15,
            "current_page": 1,
            "last_page": 1,
            "data": [{"template_id": 7, "template_name": "Hi", "body": "Hello"}],
        }
    ]
    page = decode_page(wrapped, SmsTemplate)
    assert [t.template_id for t in page.items] == [7]
    plain = decode_page([{"template_id": 8, "template_name": "A", "body": "B"}], SmsTemplate)
    assert [t.template_id for t in plain.items] == [8]
