"""Reading ClickSend's history for reconciliation: complete pages over a window, and the
grouping of chunks in doubt whose windows are read together."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .._exceptions import DecodeError
from .._sansio import clean_text
from .._servertime import ServerClock
from .._session import Session
from ._channels import _int
from ._states import DoubtChunk

__all__ = ["COALESCE_GAP", "PAGE", "HistoryReader", "close_open_windows"]

PAGE = 100

#: Windows closer than this (seconds) are read together.
COALESCE_GAP = 2.0


#: The identity of every record that cannot be told apart from the others.
_UNREADABLE = object()


class _Incomplete(DecodeError):
    """A history read that cannot prove absence (a page missing, the shape changed)."""


class HistoryReader:
    """Read a message history by pages, oldest first, and say when a read proves absence."""

    def __init__(self, session: Session, path: str, timeout: float | None = None) -> None:
        self._session = session
        self._path = path
        self._timeout = timeout
        #: History requests made (for the benchmarks and metrics).
        self.requests = 0

    async def page(self, params: Mapping[str, Any], page: int) -> Any:
        self.requests += 1
        return await self._session.data(
            "GET",
            self._path,
            params={**params, "order_by": "date:asc", "page": page, "limit": PAGE},
            timeout=self._timeout,
        )

    async def scan(
        self,
        params: Mapping[str, Any],
        first: Any,
        want: Mapping[str, Any],
        *,
        first_only: bool = False,
    ) -> dict[str, Mapping[str, Any]]:
        """Read every page of the query (the first one given); stop early if all are found.

        ``first_only``: what the first page holds, nothing more read (and so no claim that
        what it lacks is absent).

        A read that ends without every wanted record proves the others absent only if it saw
        the whole listing: as many *different* records as the listing counts (``total``), each
        page the one asked for (its ``current_page``, where it says) and each page after the
        first bringing records not seen before. Counting records rather than distinct ones
        would let a server that answers page 1 for every page (a proxy that drops the query's
        ``page``, a server that caps it), or a record that appeared inside pages already read
        and pushed another onto the next page, pass for a complete read, and rows that were
        sent be re-sent. Anything less raises ``_Incomplete``: nothing is re-sent.
        """
        found: dict[str, Mapping[str, Any]] = {}
        page, data = 1, first
        last: int | None = None
        seen = 0
        distinct: set[Any] = set()
        while True:
            if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
                raise _Incomplete(f"page {page} of {self._path} is not a page of records")
            records = data["data"]
            this_last = _int(data.get("last_page"))
            if this_last is None or (last is not None and this_last < last):
                raise _Incomplete(f"{self._path} shrank while it was read (last_page)")
            # Read oldest first: messages that arrive while we read are appended, so a page
            # count that grows only means more to read, never a page skipped.
            last = this_last
            before = len(distinct)
            for record in records:
                if not isinstance(record, Mapping):
                    raise _Incomplete(f"page {page} of {self._path} holds a non-record")
                custom = record.get("custom_string")
                if isinstance(custom, str) and custom in want:
                    found[custom] = record
                distinct.add(_identity(record))
            seen += len(records)
            if len(found) == len(want) or first_only:
                return found  # a record found is evidence, whichever page it came on
            current = data.get("current_page")
            if current is not None and _int(current) != page:
                raise _Incomplete(
                    f"{self._path} answered page {clean_text(str(current))[:20]} when asked for "
                    f"page {page} (the server does not page this listing)"
                )
            if page > 1 and records and len(distinct) == before:
                raise _Incomplete(
                    f"page {page} of {self._path} repeats records already read "
                    "(the server does not page this listing)"
                )
            if page >= last or not records:
                break
            page += 1
            data = await self.page(params, page)
        total = _int(data.get("total")) if isinstance(data, Mapping) else None
        if page < last or len(distinct) < (seen if total is None else total):
            raise _Incomplete(
                f"{self._path} returned {len(distinct)} different records of "
                f"{seen if total is None else total} (pages repeated or shifted while read)"
            )
        return found


def _identity(record: Mapping[str, Any]) -> Any:
    """Return what tells one history record from another: the fields a message never changes
    (its id, custom string, recipient and date; not its status, which moves on)."""
    key = (
        record.get("message_id"),
        record.get("custom_string"),
        record.get("to"),
        record.get("date"),
    )
    try:
        hash(key)
    except TypeError:  # a list or an object where a value belongs: the whole record, as text
        try:
            return json.dumps(record, sort_keys=True, default=repr)
        except (ValueError, RecursionError):
            return _UNREADABLE  # all such records count as one: never more than were read
    return key


def close_open_windows(chunks: list[DoubtChunk], clock: ServerClock) -> list[DoubtChunk]:
    """Close the windows a dead holder left open (``inf``) at the server's present.

    A request cannot have reached ClickSend after its sender died; without a known clock the
    window stays unknown (and its rows ``unknown`` until a run that knows it).
    """
    now = clock.window(clock.local(), clock.local(), 1.0)
    out = []
    for c in chunks:
        if c.window is not None and c.window[1] == math.inf:
            c = c._replace(window=None if now is None else (c.window[0], now[1]))
        out.append(c)
    return out


def _coalesce(chunks: list[DoubtChunk]) -> list[list[DoubtChunk]]:
    """Group chunks whose windows overlap or nearly touch (one history read per group)."""
    ordered = sorted(chunks, key=lambda c: c.window[0] if c.window else 0.0)
    groups: list[list[DoubtChunk]] = []
    end = -math.inf
    for chunk in ordered:
        assert chunk.window is not None
        if groups and chunk.window[0] <= end + COALESCE_GAP:
            groups[-1].append(chunk)
            end = max(end, chunk.window[1])
        else:
            groups.append([chunk])
            end = chunk.window[1]
    return groups
