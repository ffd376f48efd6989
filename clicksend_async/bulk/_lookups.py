"""Recipient lookups: finding a read's rows by their numbers (``q=to:A,to:B`` with ``OR``).

A row is found by its own record (its custom string), whatever the server did with the query,
so finding needs no proof that the server searches that way. Absence does: a lookup that is to
prove rows were not accepted also asks for a *canary*, a message of this campaign known to be
accepted, and a lookup whose answer lacks it proves nothing (the reconciler then scans the
window). See :mod:`._reconcile`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from ._channels import _int
from ._history import PAGE, HistoryReader
from ._states import DoubtChunk, SentEvidence

__all__ = ["CLOCK_REACH", "LOOKUP_BATCH", "LOOKUP_CONCURRENCY", "RecipientLookups", "by_number"]

logger = logging.getLogger("clicksend_async.bulk")

#: Recipients per lookup request: with the canary, one full page of answers each when every
#: number has one message in the window (a number texted again makes a second page, which the
#: scan reads), and a query string of about 2.3 kB (well under common URL limits).
LOOKUP_BATCH = PAGE - 1
#: Lookup requests in flight at once while settling a group of chunks.
LOOKUP_CONCURRENCY = 8
#: How far back (seconds) a lookup looks for the canary when it is not there from its own
#: window on. The window is in the clock of the answers' ``Date`` header, and the history is
#: dated by whatever stamps its records: a gateway or a front end whose clock runs ahead of
#: that one puts the records before the window. The canary's date, found this far back, says
#: by how much (one request more, only then).
CLOCK_REACH = 3600


class RecipientLookups:
    """The lookups half of :class:`~._reconcile.Reconciler`."""

    _reader: HistoryReader
    #: None until a lookup shows whether the server searches by number (True) or not (False).
    _lookups_work: bool | None
    #: Seconds the history's dates run behind the ``Date`` header's clock (0 until a canary
    #: shows it); every read that proves absence starts that much (and a second) earlier.
    _behind: int

    def _reach(self) -> int:
        """Return how much earlier than its window a read that proves absence starts."""
        return self._behind + 1 if self._behind else 0

    async def _lookup(
        self,
        date_from: int,
        by_to: Mapping[str, str],
        want: Mapping[str, Any],
        canary: SentEvidence,
        *,
        find: bool = True,
    ) -> dict[str, Mapping[str, Any]] | None:
        """Find the wanted rows by recipient (``by_to``: number -> custom string, from
        :func:`by_number`); None when the server does not search that way.

        The rows :meth:`_find` does not find are asked again with the canary, which alone
        makes their absence an answer (:meth:`_absent`): a read of rows that were never
        accepted costs one request more than the canary lookups alone. Without ``find`` (the
        rows were looked for already, and not all found) they all go to the canary lookups,
        which find rows too.
        """
        if find:
            found, missing = await self._find(date_from, by_to)
        else:
            found, missing = {}, list(by_to)
        if not missing:
            return found
        absent = await self._absent(date_from, sorted(missing), want, canary)
        if absent is None:
            return None
        found.update(absent)
        return found

    async def _find(
        self, date_from: int, by_to: Mapping[str, str]
    ) -> tuple[dict[str, Mapping[str, Any]], list[str]]:
        """Ask for the numbers of ``by_to`` (number -> custom string, from :func:`by_number`)
        without the canary; return (records found, numbers not found).

        A row is found by its own record (its custom string), whatever the server did with
        the query: finding needs no canary (and no settle time: a record is evidence whenever
        it is read). So the numbers are asked a page of ``PAGE`` at a time (a chunk of 1,000
        answers lost after the commit is settled by 10 requests, not 11): the first page
        alone and, if its rows all came back, the others as one stream; if they did not, the
        rows were probably not accepted and the other pages are not asked (they are all
        returned as not found), so that proving it does not cost every page twice.
        """
        found: dict[str, Mapping[str, Any]] = {}
        missing: list[str] = []

        async def find(batch: list[str]) -> None:
            probe = {by_to[to]: None for to in batch}
            params = {"date_from": date_from, "q": _terms(batch), "operator": "OR"}
            # One page: a batch whose numbers were each texted once fills it. More pages mean
            # numbers texted again, or a server that ignored the query (then the canary tells).
            first = await self._reader.page(params, 1)
            records = await self._reader.scan(params, first, probe, first_only=True)
            found.update(records)
            missing.extend(to for to in batch if by_to[to] not in records)

        recipients = sorted(by_to)
        batches = [recipients[start : start + PAGE] for start in range(0, len(recipients), PAGE)]
        # The first page alone, even once lookups are known to work.
        await find(batches.pop(0))
        if missing:
            missing.extend(to for batch in batches for to in batch)
        elif batches:
            self._lookups_work = True  # the server found rows by number: no page to decide
            await _stream(find, batches)
        return found, missing

    async def _absent(
        self,
        date_from: int,
        recipients: list[str],
        want: Mapping[str, Any],
        canary: SentEvidence,
    ) -> dict[str, Mapping[str, Any]] | None:
        """Ask for ``recipients`` with the canary: what does not come back was not accepted.

        The window is in the clock of the answers' ``Date`` header; the history is dated by
        whatever stamps its records. If the canary is not there from its own window on, it is
        asked again from ``CLOCK_REACH`` earlier: found there, its date says how far the
        history's clock runs behind, and every lookup starts that much earlier (a history
        dated behind the header would otherwise hide the rows, and they would look absent).
        Not found even then, the server does not search this way (None).
        """
        canary_from = math.floor(canary.window[0])

        def start() -> int:
            # Where a read must start: the earlier of the two windows, and as much earlier
            # as the history's clock is known to run behind (``_behind`` only grows).
            return min(date_from, canary_from) - self._reach()

        low = start()
        probe = dict(want)
        probe[canary.custom_string] = None

        async def lookup(batch: list[str], since: int) -> dict[str, Mapping[str, Any]]:
            # The canary last: a server (or a proxy) that reads only the first terms of a long
            # query loses it, and so proves nothing, instead of finding it and seeming to
            # prove the numbers it never read absent.
            params = {"date_from": since, "q": _terms([*batch, canary.to]), "operator": "OR"}
            first = await self._reader.page(params, 1)
            return await self._reader.scan(params, first, probe)

        batches = [
            recipients[start : start + LOOKUP_BATCH]
            for start in range(0, len(recipients), LOOKUP_BATCH)
        ]
        found: dict[str, Mapping[str, Any]] = {}

        def take(records: Mapping[str, Mapping[str, Any]]) -> bool:
            if canary.custom_string not in records:
                logger.info("history lookups by recipient are not supported; scanning the window")
                self._lookups_work = False
                return False
            for custom, record in records.items():
                if custom in want:
                    found[custom] = record
            return True

        # The first lookup alone: it proves the server searches this way, and that the
        # history's clock agrees with the header's (or by how much it does not).
        first_batch = batches.pop(0)
        records = await lookup(first_batch, low)
        if canary.custom_string not in records:
            wide = await lookup(first_batch, low - CLOCK_REACH)
            record = wide.get(canary.custom_string)
            dated = None if record is None else _int(record.get("date"))
            if dated is not None and dated < canary_from:
                if canary_from - dated > self._behind:
                    self._behind = canary_from - dated
                    logger.warning(
                        "the history dates messages %d s before the Date header's clock; "
                        "reading it that much earlier",
                        self._behind,
                    )
                # (Another read may have learnt it meanwhile: what counts is where this one
                # started.)
                if start() < low:
                    low = start()
                    records = await lookup(first_batch, low)
        if not take(records):
            return None
        results: list[dict[str, Mapping[str, Any]]] = []

        async def collect(batch: list[str]) -> None:
            results.append(await lookup(batch, low))

        await _stream(collect, batches)
        for records in results:
            if not take(records):
                return None
        self._lookups_work = True
        return found


def by_number(chunks: Iterable[DoubtChunk]) -> dict[str, str] | None:
    """Return number -> custom string for the rows of ``chunks``; None unless every row has a
    number of its own (lookups need that: a number's records are all its rows')."""
    by_to: dict[str, str] = {}
    rows = 0
    for chunk in chunks:
        rows += len(chunk.rows)
        by_to.update((to, custom) for _, custom, to in chunk.rows if to)
    return by_to if len(by_to) == rows else None


def _terms(numbers: Sequence[str]) -> str:
    """Return a history query for any of ``numbers``."""
    return ",".join(f"to:{to}" for to in numbers)


async def _stream(ask: Callable[[list[str]], Awaitable[None]], batches: list[list[str]]) -> None:
    """Run ``ask`` on every batch, ``LOOKUP_CONCURRENCY`` in flight (each request still passes
    the client's rate limiter): waves would pay a round trip each. One that fails (or being
    cancelled) cancels the others: no request of a read outlives it."""
    if not batches:
        return
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def gated(batch: list[str]) -> None:
        async with gate:
            await ask(batch)

    tasks = [asyncio.create_task(gated(b)) for b in batches]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
