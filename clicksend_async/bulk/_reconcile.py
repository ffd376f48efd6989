"""Reconciling: chunks in doubt to settled rows, through the history, in ClickSend's time.

A chunk in doubt carries the window of *ClickSend's* clock in which the server may have accepted
its rows (learnt from the ``Date`` of answers, never by comparing two hosts' clocks).

A chunk this process sent is first **looked for at once** (:meth:`Reconciler.confirm`): a record
found is evidence whenever it is read, so when every row comes back by its number (a page of
100 numbers a request) the chunk is settled ``sent`` without waiting; the common loss (the
server accepted the request, its answer was lost) costs no settle time. Anything less leaves
the chunk in doubt, nothing recorded. Only absence needs the settle time: the
reconciler waits until it is over (so a history that lags cannot hide a message):
counted from the moment the request ended on this process's monotonic clock for a chunk it sent,
and in ClickSend's time past the window for a chunk from the store (an earlier run, another
worker). Then it settles every chunk in doubt at that moment with one coalesced read:

- a **window scan** (``date_from``/``date_to`` = the merged windows) when it is small, or
- **recipient lookups** (``q=to:A,to:B,...`` with ``operator=OR``, a page of numbers a
  request, :mod:`._lookups`) when the window holds much more than the chunks' own messages. A
  row is found by its own record; the rows not found are asked again with a *canary*, a message
  of this campaign known to be accepted: if the canary does not come back, the server does not
  search that way, and the reconciler falls back to the scan.

Found rows are ``sent``. A row is proved absent only by a read that was complete for its window
and made after the settle time: it goes back to pending, marked as a re-send. Complete means
every page read, as many different records as the listing counts (``HistoryReader.scan``), and
a start early enough in the history's own clock: a lookup that misses the canary asks again
from ``CLOCK_REACH`` earlier and starts as far back as the canary's date shows the history runs
behind (``_absent``); a window scan must find the canary dated no earlier than its own window
(``_scan``). Only a row whose custom string the history returns as sent (``provable``) is ever
proved absent.
Anything less (the history unreadable, a page missing or repeated, no known clock, a history
dated behind the ``Date`` header) leaves the row ``unknown``.

**One reconciler per campaign.** With a shared store that has a reconciler lease
(``acquire_reconciler``, PostgreSQL), the chunks in doubt of *every* worker of the campaign
(those its own look did not settle) are settled by one coalesced read: the worker that takes
the lease collects them all from the store (taking over those whose holder is gone), waits out
their settle time and reads once; the other workers wait until the store shows their chunks
settled (and report what it found for them), or until the lease is free, and then take it. A
holder that dies or freezes loses the lease when it expires; its late writes are fenced by
``(chunk, epoch)`` like every settle. A store without the lease (SQLite, one owner) settles its
own chunks as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from .._exceptions import ClickSendError
from .._sansio import clean_text
from .._session import Session
from ._channels import _decimal, _int, _parts_of, _price_of
from ._history import PAGE, HistoryReader, _coalesce, _Incomplete, close_open_windows
from ._lookups import LOOKUP_BATCH, RecipientLookups, by_number
from ._report import BulkOutcome
from ._states import DoubtChunk, Release, RowOutcome, SentEvidence
from ._store import CampaignStore

__all__ = ["HistoryReader", "Reconciler", "close_open_windows"]

logger = logging.getLogger("clicksend_async.bulk")

#: Rounds of "collect every chunk in doubt, wait out their settle time" before one read: chunks
#: that go in doubt while the lease holder waits join the read, a burst is read once.
COLLECT_ROUNDS = 4

_FOUND = "confirmed through the history after an unknown outcome"
_ABSENT = "not in the history after an unknown outcome (complete read past the settle time)"
_UNPROVABLE = (
    "outcome unknown and not found in the history, but its custom_string is not one the "
    "history can be trusted to return as sent (plain ASCII, at most 64 characters, no space at "
    "either end): its absence proves nothing"
)
#: A custom string the history can be trusted to return byte for byte: printable ASCII, at
#: most 64 characters, no space at either end (the engine's own are ``cs<8 hex>-<row>``).
#: ClickSend documents no limit or normalisation; a server that trimmed, truncated or
#: re-encoded a longer or stranger one would make a message that went out look absent.
_PROVABLE = re.compile(r"[!-~](?:[ -~]{0,62}[!-~])?")


def provable(custom: str) -> bool:
    """Return True if a row's absence from the history can be read from ``custom``'s."""
    return _PROVABLE.fullmatch(custom) is not None


class _ClockBehind(_Incomplete):
    """A window scan that cannot show it started early enough (the canary is missing from it,
    or dated before its own window)."""


class Reconciler(RecipientLookups):
    """Settle chunks in doubt: one coalesced history read for all those due at once."""

    def __init__(
        self,
        *,
        session: Session,
        history_path: str,
        store: CampaignStore,
        settle: float,
        sleep: Callable[[float], Any],
        emit: Callable[[BulkOutcome], Any],
        on_settled: Callable[[Sequence[RowOutcome]], None],
        canary: Callable[[], SentEvidence | None],
        timeout: float | None = None,
        elapsed: Callable[[], float] = time.monotonic,
    ) -> None:
        self._elapsed = elapsed
        self._session = session
        self._reader = HistoryReader(session, history_path, timeout)
        self._store = store
        self._settle = settle
        self._sleep = sleep
        self._emit = emit
        self._on_settled = on_settled
        self._canary = canary
        self._lookups_work: bool | None = None
        #: Seconds the history's dates run behind the ``Date`` header's clock, as far as a
        #: canary has shown (0 until one does; see ``RecipientLookups._absent``).
        self._behind = 0
        #: (chunk, epoch) looked for at once (:meth:`confirm`) and not all found.
        self._missed: set[tuple[int, int]] = set()
        #: Chunks settled (for the benchmarks and metrics).
        self.chunks_settled = 0

    @property
    def requests(self) -> int:
        """Return the history requests made so far."""
        return self._reader.requests

    async def settle_chunks(self, chunks: Sequence[DoubtChunk]) -> None:
        """Settle ``chunks`` (waiting out the settle time first); every row gets an outcome.

        With a reconciler lease in the store, this worker settles them together with every
        other chunk in doubt of the campaign while it holds the lease, or waits for the holder
        to settle them (see the module's docstring).
        """
        self.chunks_settled += sum(1 for c in chunks if c.rows)
        known = await self._settle_trivial(chunks, None)
        if not known:
            return
        if getattr(self._store, "acquire_reconciler", None) is None:
            await self._settle_due(known, None)
            return
        await self._settle_shared(known)

    async def sweep(self) -> None:
        """Take over the chunks of holders that are gone and settle every chunk in doubt of
        the campaign, if this worker gets the reconciler lease (else its holder does)."""
        if getattr(self._store, "acquire_reconciler", None) is None:
            return
        await self._with_lease({})

    async def finish_held(self, stopping: Callable[[], bool], max_attempts: int) -> bool:
        """Wait while nothing is left to claim but other workers still hold rows: their chunks
        settle, or (their holder gone) are taken over after ``lease + grace`` and reconciled.

        Returns True as soon as rows are pending again (claim them), False when nothing is
        held any more, the campaign stopped, or ``stopping()``. A store without the reconciler
        lease returns False at once: one owner, nobody else holds anything.
        """
        store: Any = self._store
        unsettled = getattr(store, "count_unsettled", None)
        if getattr(store, "acquire_reconciler", None) is None or unsettled is None:
            return False
        lease = float(getattr(store, "lease", 30.0)) + float(getattr(store, "grace", 0.0))
        poll = min(1.0, max(0.05, lease / 10))
        read_state = getattr(store, "state", None)
        while not stopping():
            if read_state is not None and (await read_state())[0] != "open":
                return False
            _, held, _ = await unsettled()
            if await store.count_pending(max_attempts):
                return True
            if not held:
                return False
            await self.sweep()
            if await store.count_pending(max_attempts):
                return True
            await asyncio.sleep(poll)
        return False

    async def confirm(self, chunk: DoubtChunk) -> bool:
        """Look for ``chunk``'s rows in the history at once, before its settle time is over;
        return True when every row was found (and recorded ``sent``).

        A record found is evidence whenever it is read: only absence needs the settle time
        (a history that lags could hide a message). So a chunk whose answer was lost after
        the server accepted it (the common loss: a reset, a drop, an answer that would not
        parse) is settled by its own lookups as soon as it is in doubt, instead of waiting two
        seconds and more for a read. False (nothing recorded, whatever went wrong) leaves it
        in doubt, to be settled the usual way once its settle time is over; a chunk that was
        not accepted costs one request more (the first page of its numbers, which finds none).
        Needs one distinct number a row (lookups) and ClickSend's clock (the window).
        """
        if not chunk.rows or chunk.window is None:
            return False
        by_to = by_number([chunk])
        if not by_to:
            return False
        try:
            found, missing = await self._find(math.floor(chunk.window[0]), by_to)
        except Exception as exc:  # whatever the history did: the read after the settle time
            logger.info(
                "chunk %d: looking for its rows failed (%s: %s); it waits for its settle time",
                chunk.chunk,
                type(exc).__name__,
                exc,
            )
            return False
        if missing:
            self._missed.add((chunk.chunk, chunk.epoch))  # its read goes to the canary at once
            return False
        if not await self._record([chunk], found, None):
            return False  # fenced: settled meanwhile by another worker, whose outcome it adopts
        self.chunks_settled += 1
        return True

    async def _settle_trivial(
        self, chunks: Sequence[DoubtChunk], mine: set[int] | None
    ) -> list[DoubtChunk]:
        """Settle the chunks no read can help (no rows, no known clock); return the others."""
        known = []
        for chunk in chunks:
            if chunk.rows and chunk.window is None:
                await self._unknown(
                    chunk,
                    "outcome unknown and ClickSend's clock is not known (no Date header)",
                    mine,
                )
            elif not chunk.rows:
                await self._store.settle(chunk.chunk, chunk.epoch)
            else:
                known.append(chunk)
        return known

    def deadline(self, chunk: DoubtChunk) -> float:
        """Return when ``chunk``'s settle time is over, on the elapsed-time clock.

        A chunk with no window (ClickSend's clock unknown) is due now: no read can settle it,
        it ends ``unknown``. A chunk this process sent counts it from the moment its request
        ended, on one clock (no conversion between two hosts' clocks, whose uncertainty would
        only add to it). A chunk from the store counts it in ClickSend's time from the end of
        its window (learnt from the ``Date`` of answers).
        """
        now = self._elapsed()
        if chunk.window is None:
            return now
        if chunk.ended is not None:
            return chunk.ended + self._settle
        wait = self._session.server_clock.wait_until(chunk.window[1] + self._settle)
        return now + (wait or 0.0)

    async def _settle_due(self, known: list[DoubtChunk], mine: set[int] | None) -> None:
        wait = max(self.deadline(c) for c in known) - self._elapsed()
        if wait > 0:
            await self._sleep(wait)
        for group in _coalesce(known):
            await self._settle_group(group, mine)

    async def _settle_shared(self, known: list[DoubtChunk]) -> None:
        store: Any = self._store
        waiting = {c.chunk: c for c in known}
        lease = float(getattr(store, "lease", 30.0))
        poll = min(1.0, max(0.05, lease / 20))
        while waiting:
            if await self._with_lease(waiting):
                return
            # Another worker holds the lease: it settles these with its own read. Wait for the
            # store to show them settled (then tell this worker's counters and stream what it
            # found), or for the lease to come free (its holder finished, died or froze).
            still = await store.still_in_doubt([(c.chunk, c.epoch) for c in waiting.values()])
            done = [c for number, c in waiting.items() if number not in still]
            if done:
                await self._adopt(done)
                for c in done:
                    del waiting[c.chunk]
            if waiting:
                await asyncio.sleep(poll)

    async def _with_lease(self, waiting: Mapping[int, DoubtChunk]) -> bool:
        """Hold the reconciler lease for one pass over every chunk in doubt of the campaign;
        False, doing nothing, when another worker holds it."""
        store: Any = self._store
        if not await store.acquire_reconciler(float(getattr(store, "lease", 30.0))):
            return False
        try:
            await self._pass(waiting)
        finally:
            with contextlib.suppress(ClickSendError):
                # Not fatal if the store is down: the lease then simply expires.
                await store.release_reconciler()
        return True

    async def _pass(self, waiting: Mapping[int, DoubtChunk]) -> None:
        """Collect every chunk in doubt (taking over the dead's), wait out their settle time,
        read once, settle them all; rows of ``waiting`` chunks settled meanwhile by another
        worker are adopted."""
        store: Any = self._store
        clock = self._session.server_clock
        collected: dict[int, DoubtChunk] = {}
        mine = set(waiting)
        for _ in range(COLLECT_ROUNDS):
            found, owned = await store.doubts_to_settle()
            mine |= owned
            fresh = []
            for c in close_open_windows(found, clock):
                if c.chunk not in collected:
                    fresh.append(c)
                elif c.rows and c.window is not None:
                    collected[c.chunk] = c  # its latest epoch (taken over meanwhile)
            if not fresh and collected:
                break
            for chunk in await self._settle_trivial(fresh, mine):
                collected[chunk.chunk] = chunk
            if not collected:
                break
            due = max(c.window[1] for c in collected.values() if c.window is not None)
            wait = clock.wait_until(due + self._settle)
            if not wait:
                break
            await self._sleep(wait)
        left = [c for number, c in waiting.items() if number not in collected]
        if left:
            # Handed to us yet not collected: still ours to settle if still open under their
            # epoch (taken over in flight, or unknown from an earlier run); else another worker
            # settled them before this pass.
            still = await store.still_in_doubt([(c.chunk, c.epoch) for c in left], again=True)
            for c in left:
                if c.chunk in still:
                    collected[c.chunk] = c
            await self._adopt([c for c in left if c.chunk not in still])
        if collected:
            ready = list(collected.values())
            await self._settle_due(ready, mine)

    async def _adopt(self, chunks: Sequence[DoubtChunk]) -> None:
        """Count and stream what another worker's reconciliation recorded for our chunks."""
        reader = getattr(self._store, "settled_rows", None)
        if reader is None:
            return
        outcomes: list[RowOutcome] = await reader(
            [(row, c.chunk) for c in chunks for row, _, _ in c.rows]
        )
        if not outcomes:
            return
        self._on_settled(outcomes)
        rows = {row: (custom, to) for c in chunks for row, custom, to in c.rows}
        for o in outcomes:
            custom, to = rows.get(o.row, (None, None))
            await self._emit(
                BulkOutcome(
                    row=o.row,
                    to=to,
                    state=o.state,
                    status=o.status,
                    message_id=o.message_id,
                    parts=o.parts,
                    price=_decimal(o.price),
                    custom_string=custom,
                    reason=o.reason,
                )
            )

    async def _settle_group(self, group: list[DoubtChunk], mine: set[int] | None) -> None:
        start = min(c.window[0] for c in group if c.window is not None)
        want: dict[str, tuple[DoubtChunk, int]] = {}
        for chunk in group:
            for row, custom, _ in chunk.rows:
                want[custom] = (chunk, row)
        try:
            found = await self._read(start, want, group)
        except (ClickSendError, ValueError, TypeError, ArithmeticError) as exc:
            reason = f"outcome unknown and the history could not prove it: {clean_text(str(exc))}"
            logger.error("%d row(s) left UNKNOWN: %s", len(want), exc)
            for chunk in group:
                await self._unknown(chunk, reason, mine)
            return
        await self._record(group, found, mine)

    async def _record(
        self,
        group: list[DoubtChunk],
        found: Mapping[str, Mapping[str, Any]],
        mine: set[int] | None,
    ) -> bool:
        """Settle ``group``'s chunks by ``found``: its rows ``sent``, the others re-sent;
        False when a chunk's settle was fenced (settled already under its epoch)."""
        fenced = False
        prices: dict[str, tuple[Decimal | None, str | None]] = {}
        for chunk in group:
            outcomes: list[RowOutcome] = []
            releases: list[Release] = []
            for row, custom, _ in chunk.rows:
                record = found.get(custom)
                if record is None:
                    if provable(custom):
                        releases.append(Release(row, "NOT_IN_HISTORY", _ABSENT))
                    else:
                        outcomes.append(RowOutcome(row, "unknown", reason=_UNPROVABLE))
                    continue
                _, price = _price_of(record.get("message_price"), prices)
                message_id = record.get("message_id")
                outcomes.append(
                    RowOutcome(
                        row,
                        "sent",
                        clean_text(str(record.get("status") or "SUCCESS")),
                        None if message_id is None else clean_text(str(message_id)),
                        price,
                        _parts_of(record.get("message_parts")),
                        _FOUND,
                    )
                )
            recorded = await self._store.settle(
                chunk.chunk,
                chunk.epoch,
                outcomes=outcomes,
                releases=releases,
                resend=frozenset(r.row for r in releases),
            )
            self._missed.discard((chunk.chunk, chunk.epoch))
            if not recorded:
                fenced = True
                continue
            sent = sum(o.state == "sent" for o in outcomes)
            if mine is not None and chunk.chunk not in mine:
                # Another worker's chunk: it reads what was found from the store (_adopt).
                logger.warning(
                    "chunk %d (another worker's) reconciled: %d sent, %d will be re-sent, "
                    "%d unknown",
                    chunk.chunk,
                    sent,
                    len(releases),
                    len(outcomes) - sent,
                    extra={"chunk": chunk.chunk},
                )
                continue
            logger.warning(
                "chunk %d reconciled: %d found in the history (sent), %d not found "
                "(will be re-sent)",
                chunk.chunk,
                sent,
                len(releases),
                extra={"chunk": chunk.chunk},
            )
            if sent < len(outcomes):
                logger.error(
                    "chunk %d: %d row(s) left UNKNOWN: %s",
                    chunk.chunk,
                    len(outcomes) - sent,
                    _UNPROVABLE,
                    extra={"chunk": chunk.chunk},
                )
            self._on_settled(outcomes)
            tos = {row: to for row, _, to in chunk.rows}
            customs = {row: custom for row, custom, _ in chunk.rows}
            for o in outcomes:
                await self._emit(
                    BulkOutcome(
                        row=o.row,
                        to=tos.get(o.row),
                        state=o.state,
                        status=o.status,
                        message_id=o.message_id,
                        parts=o.parts,
                        price=_decimal(o.price),
                        custom_string=customs.get(o.row),
                        reason=o.reason,
                    )
                )
        return not fenced

    async def _unknown(self, chunk: DoubtChunk, reason: str, mine: set[int] | None) -> None:
        outcomes = [RowOutcome(row, "unknown", reason=reason) for row, _, _ in chunk.rows]
        recorded = await self._store.settle(chunk.chunk, chunk.epoch, outcomes=outcomes)
        if recorded and (mine is None or chunk.chunk in mine):
            self._on_settled(outcomes)
            for row, custom, to in chunk.rows:
                await self._emit(
                    BulkOutcome(
                        row=row, to=to, state="unknown", custom_string=custom, reason=reason
                    )
                )

    # -- reading the history --------------------------------------------------------------

    async def _read(
        self,
        start: float,
        want: Mapping[str, tuple[DoubtChunk, int]],
        group: list[DoubtChunk],
    ) -> dict[str, Mapping[str, Any]]:
        """Return the wanted records found; raise ``_Incomplete`` when absence is not proved.

        The read starts at the window and runs to the server's present: if ClickSend's clock
        stepped forward while a request was in flight, a message dated after the window's end
        is still read (the end is only used to know when the settle time is over).
        """
        window = {"date_from": math.floor(start)}
        by_to = by_number(group)
        canary = self._canary()
        if not by_to or canary is None:
            # Lookups need both: a canary, and one number of its own a row (by_number).
            return await self._scan(window, want, canary)
        date_from = window["date_from"]
        # Looked for at once already: asking the numbers again without the canary would only
        # repeat that (the canary lookups find rows too).
        find = not all((c.chunk, c.epoch) in self._missed for c in group)
        if self._lookups_work is True:
            # Proven earlier in this run: a lookup reads about what a scan of the same rows
            # does (a page of 100 numbers against 100 messages a page) and needs no first page
            # to decide.
            found = await self._lookup(date_from, by_to, want, canary, find=find)
            if found is not None:
                return found
        first = await self._reader.page(window, 1)
        total = _int(first.get("total")) if isinstance(first, Mapping) else None
        scan_pages = math.ceil(total / PAGE) if total is not None else None
        lookups = math.ceil(len(by_to) / LOOKUP_BATCH)
        if scan_pages is not None and self._lookups_work is not False and lookups + 1 < scan_pages:
            found = await self._lookup(date_from, by_to, want, canary, find=find)
            if found is not None:
                return found
        try:
            return await self._scan(window, want, canary, first)
        except _ClockBehind:
            if self._lookups_work is False:
                raise
            # The window's first page counted too few records to be worth lookups, because
            # the history's dates put them before it: lookups reach further back.
            found = await self._lookup(date_from, by_to, want, canary, find=False)
            if found is None:
                raise
            return found

    async def _scan(
        self,
        window: Mapping[str, Any],
        want: Mapping[str, Any],
        canary: SentEvidence | None,
        first: Any = None,
    ) -> dict[str, Mapping[str, Any]]:
        """Read the window page by page; with a canary, prove the read started early enough.

        The window is in the clock of the answers' ``Date`` header; the records are dated by
        whatever stamps the history. A history dated behind that clock (a gateway or a front end
        whose clock runs ahead) puts the chunks' records before the window, where a scan from
        its start never reads them, and they would look absent. The canary (a message known
        accepted) is read with the rows: a read that does not find every row proves their
        absence only if it found the canary too, dated no earlier than its own window. Without
        a canary (nothing of the campaign known sent yet) the scan takes the clocks as agreeing.
        """
        if canary is not None and canary.custom_string in want:
            canary = None  # read as one of the rows: nothing more to prove
        probe: Mapping[str, Any] = want
        if canary is not None:
            date_from = math.floor(canary.window[0]) - self._reach()
            start = min(date_from, window["date_from"] - self._reach())
            if start < window["date_from"]:
                window, first = {**window, "date_from": start}, None
            probe = {**want, canary.custom_string: None}
        if first is None:
            first = await self._reader.page(window, 1)
        found = await self._reader.scan(window, first, probe)
        if canary is None:
            return found
        record = found.pop(canary.custom_string, None)
        if len(found) == len(want):
            return found  # every row found: nothing is claimed absent
        if record is None:
            raise _ClockBehind(
                "the canary (a message known sent) is not in the history from its own window "
                "on: the history's dates disagree with the Date header's clock, or it lags"
            )
        dated = _int(record.get("date"))
        if dated is None or dated < date_from:
            raise _ClockBehind(
                f"the history dates a message sent at {canary.window[0] + 1:.0f} (by the Date "
                f"header's clock) at {clean_text(str(record.get('date')))[:24]}: its clock "
                "runs behind, and a window read from the Date header's time cannot prove absence"
            )
        return found
