"""The cursor paginator of the offset-paged endpoints, without a server."""

from __future__ import annotations

import pytest

from clicksend_async import CursorPage, CursorPaginator, ValidationError
from clicksend_async._cursor import offset_of


class TestOffsetOf:
    @pytest.mark.parametrize(
        ("link", "offset"),
        [
            (
                "https://rest.clicksend.com/v3/own-numbers?offset=f99872cc#8fa5ebc2&page_size=10",
                "f99872cc#8fa5ebc2",
            ),
            ("https://x/v3/alpha-tags?page_size=10&offset=abc", "abc"),
            ("https://x/v3/alpha-tags?page_size=10", None),
            ("https://x/v3/alpha-tags?offset=&page_size=10", None),
            (None, None),
            (12, None),
        ],
    )
    def test_reads_the_offset_including_a_hash(self, link: object, offset: str | None) -> None:
        assert offset_of(link) == offset


class Pages:
    """Serve items in pages of two, named by the first item's letter."""

    def __init__(self, items: str, *, loop_at: str | None = None) -> None:
        self.items = items
        self.loop_at = loop_at
        self.calls: list[tuple[str | None, int | None]] = []

    async def __call__(self, offset: str | None, size: int | None) -> CursorPage[str]:
        self.calls.append((offset, size))
        start = 0 if offset is None else self.items.index(offset)
        page = list(self.items[start : start + 2])
        after = self.items[start + 2 : start + 3] or None
        if self.loop_at is not None and after is None:
            after = self.loop_at
        return CursorPage(items=page, next_offset=after, page_size=2)


class TestCursorPaginator:
    async def test_await_gives_one_page_and_iteration_every_item(self) -> None:
        pages = Pages("abcde")
        first = await CursorPaginator(pages, page_size=2)
        assert (first.items, first.next_offset, first.has_next) == (["a", "b"], "c", True)
        assert [x async for x in CursorPaginator(pages, page_size=2)] == list("abcde")
        assert pages.calls[1:] == [(None, 2), ("c", 2), ("e", 2)]

    async def test_starts_from_a_given_offset(self) -> None:
        assert [x async for x in CursorPaginator(Pages("abcde"), offset="c")] == list("cde")

    async def test_a_next_link_back_to_a_read_offset_ends_the_walk(self) -> None:
        pages = Pages("abcd", loop_at="c")
        assert [x async for x in CursorPaginator(pages)] == list("abcd")
        assert pages.calls == [(None, None), ("c", None)]

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"page_size": 0}, "page_size"),
            ({"page_size": True}, "page_size"),
            ({"offset": ""}, "offset"),
        ],
    )
    def test_bad_options_are_refused(self, kwargs: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as info:
            CursorPaginator(Pages("ab"), **kwargs)  # type: ignore[arg-type]
        assert info.value.field == field
