"""Pages of ClickSend's Laravel-style paginator, and an async paginator over them.

``await client.contacts.list(list_id, page=2, limit=50)`` fetches one :class:`Page`;
``async for contact in client.contacts.list(list_id)`` walks every item of every page, fetching
lazily (100 a page unless ``limit`` says otherwise).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator, Mapping
from contextlib import aclosing
from typing import Any, Generic, TypeVar

import attrs

from ._converter import structure
from ._exceptions import DecodeError, ValidationError

__all__ = ["MAX_LIMIT", "MIN_LIMIT", "AsyncPaginator", "Page", "decode_page"]

T = TypeVar("T")

MIN_LIMIT = 15
MAX_LIMIT = 100
ITER_LIMIT = 100


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of results with ClickSend's paging metadata."""

    items: list[T]
    total: int
    per_page: int
    current_page: int
    last_page: int
    from_: int | None = None
    to: int | None = None
    next_page_url: str | None = None
    prev_page_url: str | None = None

    @property
    def has_next(self) -> bool:
        """Return True when a later page exists."""
        return self.current_page < self.last_page

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DecodeError(f"paginator field is not an integer: {value!r}") from None


_PAGINATOR_KEYS = frozenset({"current_page", "last_page", "per_page", "total"})


def _looks_like_paginator(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("data"), list)
        and len(_PAGINATOR_KEYS.intersection(value)) >= 2
    )


def decode_page(data: Any, item_type: type[T], *, where: str = "data") -> Page[T]:
    """Decode a Laravel paginator (or a bare list, for unpaged endpoints) into a Page."""
    if isinstance(data, list) and len(data) == 1 and _looks_like_paginator(data[0]):
        # The spec's own example for GET /v3/sms/templates wraps the paginator in a list;
        # taking that for a one-item list would invent an item out of the paginator.
        data = data[0]
    if isinstance(data, list):
        items = [structure(item, item_type, where=f"{where}[{i}]") for i, item in enumerate(data)]
        return Page(items=items, total=len(items), per_page=len(items), current_page=1, last_page=1)
    if not isinstance(data, Mapping):
        raise DecodeError(f"expected a paginator object at {where}, got {type(data).__name__}")
    raw_items = data.get("data")
    if raw_items is None:
        raw_items = []
    if not isinstance(raw_items, list):
        raise DecodeError(f"expected a list at {where}.data, got {type(raw_items).__name__}")
    items = [
        structure(item, item_type, where=f"{where}.data[{i}]") for i, item in enumerate(raw_items)
    ]
    current = _int(data.get("current_page"), 1)
    return Page(
        items=items,
        total=_int(data.get("total"), len(items)),
        per_page=_int(data.get("per_page"), len(items)),
        current_page=current,
        last_page=_int(data.get("last_page"), current),
        from_=None if data.get("from") is None else _int(data.get("from"), 0),
        to=None if data.get("to") is None else _int(data.get("to"), 0),
        next_page_url=data.get("next_page_url"),
        prev_page_url=data.get("prev_page_url"),
    )


def check_paging(page: int | None, limit: int | None) -> None:
    """Reject page/limit values ClickSend would refuse, before any request."""
    if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 1):
        raise ValidationError("must be a whole number from 1", field="page")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not MIN_LIMIT <= limit <= MAX_LIMIT
    ):
        raise ValidationError(f"must be from {MIN_LIMIT} to {MAX_LIMIT}", field="limit")


Fetch = Callable[[int | None, int | None], Awaitable[Page[T]]]


class AsyncPaginator(Generic[T]):
    """Await it for one page; iterate it with ``async for`` for every item of every page."""

    def __init__(self, fetch: Fetch[T], *, page: int | None = None, limit: int | None = None):
        check_paging(page, limit)
        self._fetch = fetch
        self._page = page
        self._limit = limit

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._page, self._limit).__await__()

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Yield each page in turn, starting at ``page`` (default 1)."""
        number = self._page or 1
        limit = self._limit or ITER_LIMIT
        previous: list[T] | None = None
        while True:
            current = await self._fetch(number, limit)
            if previous is not None and current.items and current.items == previous:
                raise DecodeError(_repeated(number))
            yield current
            if not current.items or not current.has_next or number >= current.last_page:
                return
            previous = current.items
            number += 1

    async def __aiter__(self) -> AsyncGenerator[T, None]:
        async for current in self.pages():
            for item in current.items:
                yield item

    async def collect(self, *, max_items: int | None = None) -> list[T]:
        """Return every item (or the first ``max_items``) as a list."""
        out: list[T] = []
        async with aclosing(self.pages()) as pages:
            async for current in pages:
                out.extend(current.items)
                if max_items is not None and len(out) >= max_items:
                    return out[:max_items]
        return out


async def raw_records(
    fetch: Callable[[int], Awaitable[Any]], *, where: str
) -> AsyncGenerator[Mapping[str, Any], None]:
    """Yield every record (as the raw JSON object) of every page that ``fetch(page)`` returns.

    For internal scans (reconciliation, receipt polling) that only need a few keys of each
    record and should not pay for decoding models. Stops at the last page or an empty one.
    """
    page = 1
    previous: list[Any] | None = None
    while True:
        data = await fetch(page)
        items = data.get("data") if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise DecodeError(f"{where}: expected a list of records")
        if previous is not None and items and items == previous:
            raise DecodeError(f"{where}: {_repeated(page)}")
        for record in items:
            if isinstance(record, Mapping):
                yield record
        if not items or not isinstance(data, Mapping):
            return
        try:
            current = int(data.get("current_page") or 0)
            last = int(data.get("last_page") or 0)
        except (TypeError, ValueError, OverflowError):
            return
        if not current or current >= last or page >= last:
            return
        previous = items
        page += 1


def _repeated(page: int) -> str:
    # A server (or a proxy in front of it) that ignores ``page`` answers page 1 every time:
    # without this, iterating would never end (or read the first page over and over).
    return (
        f"page {page} holds exactly the records of page {page - 1}: the server ignores the "
        "page number, and reading on would repeat them"
    )
