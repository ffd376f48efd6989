"""Reconciling: chunks in doubt to settled rows, through the history, in ClickSend's time.

A chunk in doubt carries the window of *ClickSend's* clock in which the server may have accepted
its rows (learnt from the ``Date`` of answers, never by comparing two hosts' clocks). The
reconciler waits until the server's clock is past the window plus the settle time (so a history
that lags cannot hide a message), then settles every chunk in doubt at that moment with one
coalesced read:

- a **window scan** (``date_from``/``date_to`` = the merged windows) when it is small, or
- **recipient lookups** (``q=to:A,to:B,...`` with ``operator=OR``, a few dozen numbers a
  request) when the window holds much more than the chunks' own messages. Every lookup also asks
  for a *canary*, a message of this campaign known to be accepted: if the canary does not come
  back, the server does not search that way, and the reconciler falls back to the scan.

Found rows are ``sent``. A row is proved absent only by a read that was complete for its window
and made after the settle time: it goes back to pending, marked as a re-send. Anything less
(the history unreadable, a page missing, no known clock) leaves the row ``unknown``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .._exceptions import ClickSendError, DecodeError, SendOutcomeUnknownError
from .._servertime import ServerClock
from .._session import Session
from ._channels import _decimal, _int
from ._report import BulkOutcome
from ._states import DoubtChunk, Release, RowOutcome, SentEvidence
from ._store import CampaignStore

__all__ = [
    "HistoryReader",
    "ReconcileResult",
    "Reconciler",
    "close_open_windows",
    "reconcile_unknown",
]

logger = logging.getLogger("clicksend_async.bulk")

PAGE = 100
#: Recipients per lookup request: with the canary, one page of answers each, and a query string
#: of about 2 kB (well under common URL limits).
LOOKUP_BATCH = 90
#: Lookup requests in flight at once while settling a group of chunks.
LOOKUP_CONCURRENCY = 8
#: Windows closer than this (seconds) are read together.
COALESCE_GAP = 2.0

_FOUND = "confirmed through the history after an unknown outcome"
_ABSENT = "not in the history after an unknown outcome (complete read past the settle time)"


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
        self, params: Mapping[str, Any], first: Any, want: Mapping[str, Any]
    ) -> dict[str, Mapping[str, Any]]:
        """Read every page of the query (the first one given); stop early if all are found."""
        found: dict[str, Mapping[str, Any]] = {}
        page, data = 1, first
        last: int | None = None
        seen = 0
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
            for record in records:
                if not isinstance(record, Mapping):
                    raise _Incomplete(f"page {page} of {self._path} holds a non-record")
                custom = record.get("custom_string")
                if isinstance(custom, str) and custom in want:
                    found[custom] = record
            seen += len(records)
            if len(found) == len(want):
                return found
            if page >= last or not records:
                break
            page += 1
            data = await self.page(params, page)
        total = _int(data.get("total")) if isinstance(data, Mapping) else None
        if page < last or (total is not None and seen < total):
            raise _Incomplete(f"{self._path} returned fewer records than it counts")
        return found


class Reconciler:
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
    ) -> None:
        self._session = session
        self._reader = HistoryReader(session, history_path, timeout)
        self._store = store
        self._settle = settle
        self._sleep = sleep
        self._emit = emit
        self._on_settled = on_settled
        self._canary = canary
        self._lookups_work: bool | None = None
        #: Chunks settled (for the benchmarks and metrics).
        self.chunks_settled = 0

    @property
    def requests(self) -> int:
        """Return the history requests made so far."""
        return self._reader.requests

    async def settle_chunks(self, chunks: Sequence[DoubtChunk]) -> None:
        """Settle ``chunks`` (waiting out the settle time first); every row gets an outcome."""
        known = [c for c in chunks if c.window is not None and c.rows]
        self.chunks_settled += sum(1 for c in chunks if c.rows)
        for chunk in chunks:
            if chunk.rows and chunk.window is None:
                await self._unknown(
                    chunk, "outcome unknown and ClickSend's clock is not known (no Date header)"
                )
            elif not chunk.rows:
                await self._store.settle(chunk.chunk, chunk.epoch)
        if not known:
            return
        due = max(c.window[1] for c in known if c.window is not None) + self._settle
        wait = self._session.server_clock.wait_until(due)
        if wait:
            await self._sleep(wait)
        for group in _coalesce(known):
            await self._settle_group(group)

    async def _settle_group(self, group: list[DoubtChunk]) -> None:
        start = min(c.window[0] for c in group if c.window is not None)
        want: dict[str, tuple[DoubtChunk, int]] = {}
        for chunk in group:
            for row, custom, _ in chunk.rows:
                want[custom] = (chunk, row)
        try:
            found = await self._read(start, want, group)
        except (ClickSendError, ValueError, TypeError, ArithmeticError) as exc:
            reason = f"outcome unknown and the history could not prove it: {exc}"
            logger.error("%d row(s) left UNKNOWN: %s", len(want), exc)
            for chunk in group:
                await self._unknown(chunk, reason)
            return
        for chunk in group:
            outcomes: list[RowOutcome] = []
            releases: list[Release] = []
            for row, custom, _ in chunk.rows:
                record = found.get(custom)
                if record is None:
                    releases.append(Release(row, "NOT_IN_HISTORY", _ABSENT))
                    continue
                price = _decimal(record.get("message_price"))
                message_id = record.get("message_id")
                outcomes.append(
                    RowOutcome(
                        row,
                        "sent",
                        str(record.get("status") or "SUCCESS"),
                        None if message_id is None else str(message_id),
                        None if price is None else str(price),
                        _int(record.get("message_parts")),
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
            if not recorded:
                continue
            logger.warning(
                "chunk %d reconciled: %d found in the history (sent), %d not found "
                "(will be re-sent)",
                chunk.chunk,
                len(outcomes),
                len(releases),
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
                        state="sent",
                        status=o.status,
                        message_id=o.message_id,
                        parts=o.parts,
                        price=_decimal(o.price),
                        custom_string=customs.get(o.row),
                        reason=o.reason,
                    )
                )

    async def _unknown(self, chunk: DoubtChunk, reason: str) -> None:
        outcomes = [RowOutcome(row, "unknown", reason=reason) for row, _, _ in chunk.rows]
        if await self._store.settle(chunk.chunk, chunk.epoch, outcomes=outcomes):
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
        date_from = math.floor(start)
        first = await self._reader.page({"date_from": date_from}, 1)
        total = _int(first.get("total")) if isinstance(first, Mapping) else None
        scan_pages = math.ceil(total / PAGE) if total is not None else None
        recipients = sorted({to for c in group for _, _, to in c.rows if to})
        lookups = math.ceil(len(recipients) / LOOKUP_BATCH) if recipients else None
        canary = self._canary()
        if (
            scan_pages is not None
            and lookups is not None
            and canary is not None
            and self._lookups_work is not False
            and lookups + 1 < scan_pages
            and len(recipients) == sum(len(c.rows) for c in group)
        ):
            found = await self._lookup(date_from, recipients, want, canary)
            if found is not None:
                return found
        return await self._reader.scan({"date_from": date_from}, first, want)

    async def _lookup(
        self,
        date_from: int,
        recipients: list[str],
        want: Mapping[str, Any],
        canary: SentEvidence,
    ) -> dict[str, Mapping[str, Any]] | None:
        """Find the wanted rows by recipient; None when the server does not search that way."""
        low = min(date_from, math.floor(canary.window[0]))
        probe = dict(want)
        probe[canary.custom_string] = None

        async def lookup(batch: list[str]) -> dict[str, Mapping[str, Any]]:
            terms = [f"to:{to}" for to in [canary.to, *batch]]
            params = {"date_from": low, "q": ",".join(terms), "operator": "OR"}
            first = await self._reader.page(params, 1)
            return await self._reader.scan(params, first, probe)

        batches = [
            recipients[start : start + LOOKUP_BATCH]
            for start in range(0, len(recipients), LOOKUP_BATCH)
        ]
        found: dict[str, Mapping[str, Any]] = {}
        # The first lookup alone proves the server searches this way; then several at a time
        # (each still passes the client's rate limiter).
        step = 1
        while batches:
            current, batches = batches[:step], batches[step:]
            step = LOOKUP_CONCURRENCY
            for records in await asyncio.gather(*(lookup(b) for b in current)):
                if canary.custom_string not in records:
                    logger.info(
                        "history lookups by recipient are not supported; scanning the window"
                    )
                    self._lookups_work = False
                    return None
                for custom, record in records.items():
                    if custom in want:
                        found[custom] = record
        self._lookups_work = True
        return found


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


@attrs.frozen(kw_only=True)
class ReconcileResult:
    """What the history says about the messages of a send whose outcome was unknown.

    ``sent`` maps each custom_string found to its history record (it went out: do not send it
    again); ``not_sent`` lists the custom_strings a complete read past the settle time did not
    find (safe to send again); ``unknown`` those that could not be looked up (no
    custom_string, or ClickSend's clock unknown).
    """

    sent: Mapping[str, Mapping[str, Any]]
    not_sent: tuple[str, ...]
    unknown: tuple[int, ...] = ()  # indexes into the error's ``messages``

    @property
    def all_sent(self) -> bool:
        """Return True when every message of the request went out."""
        return not self.not_sent and not self.unknown


async def reconcile_unknown(
    session: Session,
    history_path: str,
    error: SendOutcomeUnknownError,
    *,
    settle: float = 2.0,
    sleep: Callable[[float], Any] = asyncio.sleep,
    timeout: float | None = None,
) -> ReconcileResult:
    """Look the messages of ``error`` up in the history (the engine's reconciler, for one send).

    Waits until ClickSend's clock is ``settle`` seconds past the request, then reads by
    recipient (``q=to:...``, documented) from the request's window to the present.
    """
    want: dict[str, str | None] = {}
    unknown: list[int] = []
    for index, message in enumerate(error.messages):
        custom = message.get("custom_string")
        to = message.get("to")
        if isinstance(custom, str) and custom:
            want[custom] = to if isinstance(to, str) else None
        else:
            unknown.append(index)
    window = error.window
    if window is None:
        # No answer ever said what time it is at ClickSend: absence cannot be proved.
        return ReconcileResult(sent={}, not_sent=(), unknown=tuple(range(len(error.messages))))
    if not want:
        return ReconcileResult(sent={}, not_sent=(), unknown=tuple(unknown))
    wait = session.server_clock.wait_until(window[1] + settle)
    if wait:
        await sleep(wait)
    date_from = math.floor(window[0])
    found: dict[str, Mapping[str, Any]] = {}
    reader = HistoryReader(session, history_path, timeout)
    recipients = sorted({to for to in want.values() if to})
    if all(want.values()) and len(recipients) <= 20:
        # One documented single-recipient search each: exact, and cheap for a few messages.
        for to in recipients:
            params = {"date_from": date_from, "q": f"to:{to}"}
            first = await reader.page(params, 1)
            found.update(await reader.scan(params, first, want))
    else:
        params = {"date_from": date_from}
        first = await reader.page(params, 1)
        found.update(await reader.scan(params, first, want))
    return ReconcileResult(
        sent=found,
        not_sent=tuple(c for c in want if c not in found),
        unknown=tuple(unknown),
    )
