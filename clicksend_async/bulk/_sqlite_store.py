"""The embedded campaign store: one SQLite journal file, one owner at a time.

Implements :class:`~._store.CampaignStore` over :class:`~._journal.Journal`. SQLite work is a
few hundred microseconds a call, so it runs inline on the event loop. The single owner is
enforced by the journal's file lock; a chunk's epoch is its number (a chunk is only ever taken
over by a later run, which reconciles it first and never re-claims it).
"""

from __future__ import annotations

import functools
import math
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from .._exceptions import JournalError
from ._journal import Journal
from ._states import (
    Claim,
    ClaimedRow,
    DoubtChunk,
    PlannedRow,
    Release,
    RowOutcome,
    SentEvidence,
)

__all__ = ["SqliteStore"]

#: SQLite's result code for "database or disk is full".
_SQLITE_FULL = 13

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _guarded(
    method: Callable[_P, Coroutine[Any, Any, _T]],
) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """Raise a SQLite error of ``method`` as a JournalError that names the file.

    A full disk, a file made read-only or removed under the run, an I/O error: whichever write
    or read it hits (a claim, a chunk's outcome, a count), the caller gets the journal's typed
    error and the run stops; what the journal had committed stays, and a resume starts there.
    """

    @functools.wraps(method)
    async def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return await method(*args, **kwargs)
        except sqlite3.Error as exc:
            store = args[0]
            assert isinstance(store, SqliteStore)
            raise store._guard(exc) from None

    return guarded


#: A claimed row from the journal's (row, custom_string, recipient, payload), made in C (what
#: ``ClaimedRow._make`` does, without a Python call per row).
_claimed = functools.partial(tuple.__new__, ClaimedRow)


class SqliteStore:
    """A campaign store in one SQLite file (``path=None``: a private temporary file)."""

    def __init__(self, journal: str | os.PathLike[str] | Journal | None = None) -> None:
        if isinstance(journal, Journal):
            self.journal = journal
            self.owns_journal = False
        else:
            self.journal = Journal(journal)
            self.owns_journal = journal is None
        path = self.journal.path
        self.where = str(path) if path is not None else "<temporary journal>"

    def __repr__(self) -> str:
        return f"SqliteStore({self.where!r})"

    def _guard(self, exc: sqlite3.Error) -> JournalError:
        hint = ""
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL or "is full" in str(exc):
            hint = (
                "; free some space, then resume the campaign (a chunk whose outcome could not "
                "be written is reconciled through the history before anything is sent again)"
            )
        return JournalError(f"the journal {self.where} cannot be used: {exc}{hint}")

    async def open(self) -> None:
        """Take the campaign: the journal's file lock, held until :meth:`release`."""
        self.journal.acquire()

    async def release(self) -> None:
        """Give the campaign up; the journal stays readable (reports, receipts)."""
        self.journal.release()

    async def close(self) -> None:
        """Close the journal and release its lock."""
        self.journal.close()

    @_guarded
    async def get_meta(self, key: str) -> str | None:
        """Return one meta value."""
        return self.journal.get_meta(key)

    @_guarded
    async def set_meta(self, values: Mapping[str, str]) -> None:
        """Set meta values in one transaction."""
        self.journal.set_meta_many(dict(values))

    @_guarded
    async def reset(self) -> None:
        """Forget an unfinished plan."""
        self.journal.reset_rows()

    @_guarded
    async def row_count(self) -> int:
        """Return how many rows the journal holds."""
        return self.journal.row_count()

    @_guarded
    async def add_rows(self, rows: Sequence[PlannedRow]) -> None:
        """Append planned rows."""
        self.journal.add_rows(rows)

    @_guarded
    async def rows_to_price(self, after_row: int, limit: int) -> list[tuple[int, str, str]]:
        """Return pending rows to price."""
        return self.journal.rows_to_price(after_row, limit)

    @_guarded
    async def set_prices(self, updates: Sequence[tuple[Any, ...]]) -> None:
        """Record preflight results."""
        self.journal.set_prices(updates)

    @_guarded
    async def begin_run(self) -> None:
        """Give every row that is not final a fresh attempt budget."""
        self.journal.begin_run()

    @_guarded
    async def claim(
        self,
        limit: int,
        *,
        after_row: int,
        max_attempts: int,
        now: float = 0.0,
        window_from: float | None = None,
    ) -> Claim | None:
        """Move pending rows into a new chunk, recording the intent first."""
        if not self.journal.held:
            raise JournalError(f"the journal {self.where} is not held by this job: nothing sent")
        found = self.journal.claim_chunk(
            limit,
            after_row=after_row,
            max_attempts=max_attempts,
            now=now,
            window_from=window_from if window_from is not None else 0.0,
        )
        if found is None:
            return None
        chunk, rows, resend = found
        return Claim(chunk=chunk, epoch=chunk, rows=tuple(map(_claimed, rows)), resend=resend)

    @_guarded
    async def settle(
        self,
        chunk: int,
        epoch: int,
        *,
        outcomes: Sequence[RowOutcome] = (),
        releases: Sequence[Release] = (),
        doubt: Sequence[int] = (),
        window: tuple[float, float] | None = None,
        error: str | None = None,
        resend: frozenset[int] = frozenset(),
    ) -> bool:
        """Record a chunk's outcome, fenced on (chunk, epoch)."""
        # A RowOutcome is already the tuple the journal records (row, state, status, ...).
        return self.journal.record(
            chunk,
            epoch,
            outcomes=outcomes,
            releases=[(r.status, r.reason, int(r.row in resend), r.row) for r in releases],
            doubt=doubt,
            window=window,
            error=error,
        )

    @_guarded
    async def in_doubt(self) -> list[DoubtChunk]:
        """Return the chunks that are not done."""
        out = []
        for chunk, epoch, rows, window_from, window_to in self.journal.in_doubt():
            # A chunk its holder left in flight has no end: the engine closes the window at
            # the server's present (the request cannot have arrived after its sender died).
            window = (
                None
                if not window_from
                else (float(window_from), math.inf if window_to is None else float(window_to))
            )
            out.append(
                DoubtChunk(
                    chunk=chunk,
                    epoch=epoch,
                    rows=tuple((int(r), str(c), t) for r, c, t in rows),
                    window=window,
                )
            )
        return out

    @_guarded
    async def exclude(self, rows: Sequence[int], status: str, reason: str) -> None:
        """Settle pending rows as invalid (excluded)."""
        self.journal.exclude_rows(rows, status, reason)

    @_guarded
    async def count_pending(self, max_attempts: int | None = None) -> int:
        """Return how many rows wait to be sent."""
        return self.journal.count_pending(max_attempts)

    @_guarded
    async def count_unsettled(self) -> tuple[int, int, int]:
        """Return how many rows wait to be sent, how many a chunk holds (in flight or in
        doubt) and how many ended ``unknown``, from one snapshot."""
        return self.journal.count_unsettled()

    @_guarded
    async def note_unsent(self, reason: str) -> None:
        """Say why the pending rows were not sent in this run."""
        self.journal.skip_remaining(reason)

    @_guarded
    async def sent_evidence(self) -> SentEvidence | None:
        """Return one message known accepted, with its chunk's window."""
        found = self.journal.sent_evidence()
        if found is None:
            return None
        custom, to, start, end = found
        return SentEvidence(custom_string=custom, to=to, window=(float(start), float(end)))

    @_guarded
    async def counts(self) -> dict[str, int]:
        """Return row counts by reported state."""
        return self.journal.counts()

    @_guarded
    async def totals(self) -> tuple[Decimal, int]:
        """Return the cost and parts of the rows sent."""
        return self.journal.totals()

    async def outcomes(self) -> AsyncIterator[tuple[Any, ...]]:
        """Yield every row's reported outcome in row order."""
        try:
            for row in self.journal.iter_rows():
                yield row
        except sqlite3.Error as exc:
            raise self._guard(exc) from None
