"""Pages of ClickSend's newer, cursor-paged endpoints (own numbers, alpha tags, senders).

They answer with an ``offset`` token for the next page inside a ``next`` link instead of page
numbers. Like :class:`~clicksend_async.AsyncPaginator`, a :class:`CursorPaginator` is awaited
for one page and iterated with ``async for`` for every item, fetching lazily.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterator
from contextlib import aclosing
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

import attrs

from ._exceptions import ValidationError

__all__ = ["CursorPage", "CursorPaginator", "offset_of"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class CursorPage(Generic[T]):
    """One page of a cursor-paged list: its items and the offset of the next page."""

    items: list[T]
    next_offset: str | None = None
    page_size: int | None = None

    @property
    def has_next(self) -> bool:
        """Return True when a later page exists."""
        return self.next_offset is not None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def offset_of(link: Any) -> str | None:
    """Return the ``offset`` of a next-page link, or None when there is no next page.

    Read from everything after the ``?``: ClickSend's offsets contain ``#``, which a URL
    parser would take for the start of a fragment.
    """
    if not isinstance(link, str) or "?" not in link:
        return None
    for key, value in parse_qsl(link.split("?", 1)[1], keep_blank_values=True):
        if key == "offset":
            return value or None
    return None


CursorFetch = Callable[[str | None, int | None], Awaitable[CursorPage[T]]]


class CursorPaginator(Generic[T]):
    """Await it for one page; iterate it with ``async for`` for every item of every page."""

    def __init__(
        self,
        fetch: CursorFetch[T],
        *,
        offset: str | None = None,
        page_size: int | None = None,
        max_page_size: int = 100,
    ) -> None:
        if page_size is not None and (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= max_page_size
        ):
            raise ValidationError(f"must be from 1 to {max_page_size}", field="page_size")
        if offset is not None and (not isinstance(offset, str) or not offset):
            raise ValidationError("must be a non-empty offset from a previous page", field="offset")
        self._fetch = fetch
        self._offset = offset
        self._page_size = page_size

    def __await__(self) -> Generator[Any, None, CursorPage[T]]:
        return self._fetch(self._offset, self._page_size).__await__()

    async def pages(self) -> AsyncGenerator[CursorPage[T], None]:
        """Yield each page in turn, from ``offset`` (default: the first page)."""
        offset = self._offset
        seen: set[str | None] = set()
        while True:
            seen.add(offset)
            page = await self._fetch(offset, self._page_size)
            yield page
            # A next link that points back at a page already read would loop for ever.
            if page.next_offset is None or page.next_offset in seen or not page.items:
                return
            offset = page.next_offset

    async def _items(self) -> AsyncGenerator[T, None]:
        async with aclosing(self.pages()) as pages:
            async for page in pages:
                for item in page.items:
                    yield item

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()
