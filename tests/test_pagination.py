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
