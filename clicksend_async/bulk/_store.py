"""The campaign store protocol: everything the engine keeps about a campaign goes through it.

The engine is written against :class:`CampaignStore` only. :class:`~._sqlite_store.SqliteStore`
(one file, one owner at a time) is the embedded default; a shared store (PostgreSQL) implements
the same protocol for many workers. What every implementation must guarantee:

- **Ownership.** :meth:`open` takes the campaign for this owner or raises
  :class:`~clicksend_async.JournalLockedError`; nothing is sent by an owner that does not hold it.
- **Intent before send.** :meth:`claim` moves pending rows into a new chunk *and* records that
  the chunk may be sent, in one transaction, before the request is built. A claimed row is
  offered to no other chunk until the chunk's outcome releases it.
- **Fenced outcomes.** Every write about a chunk names its ``(chunk, epoch)``; the store applies
  it only while the chunk is still held under that epoch, and returns False otherwise (a
  takeover gave the chunk a new epoch: the old holder's news is dropped, never merged).
- **A takeover reconciles first.** A chunk whose holder is gone (crashed, or its lease expired)
  is returned by :meth:`in_doubt`, never by :meth:`claim`: its rows go back to pending only
  through reconciliation's evidence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from ._states import Claim, DoubtChunk, PlannedRow, Release, RowOutcome, SentEvidence

__all__ = ["CampaignStore"]


@runtime_checkable
class CampaignStore(Protocol):
    """Where a campaign's plan, rows, chunks and outcomes live (async, transactional)."""

    #: A short description for messages (a path, a DSN without password, a campaign name).
    where: str

    # -- ownership ------------------------------------------------------------------------

    async def open(self) -> None:
        """Take the campaign for this owner (raise ``JournalLockedError`` if another holds it)."""

    async def release(self) -> None:
        """Give the campaign up (another owner may take it); the store stays readable."""

    async def close(self) -> None:
        """Release and close (a temporary store disappears)."""

    # -- the plan -------------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        """Return one campaign-level value (campaign id, fingerprint, plan JSON ...)."""

    async def set_meta(self, values: Mapping[str, str]) -> None:
        """Set campaign-level values in one transaction."""

    async def reset(self) -> None:
        """Forget an unfinished plan (rows and chunks), before anything was sent from it."""

    async def row_count(self) -> int:
        """Return how many rows the store holds."""

    async def add_rows(self, rows: Sequence[PlannedRow]) -> None:
        """Append planned rows (one transaction per call)."""

    async def rows_to_price(self, after_row: int, limit: int) -> list[tuple[int, str, str]]:
        """Return up to ``limit`` pending rows after ``after_row``: (row, custom, payload)."""

    async def set_prices(self, updates: Sequence[tuple[Any, ...]]) -> None:
        """Record preflight results: (est_price, parts, state, status, reason, row)."""

    # -- sending --------------------------------------------------------------------------

    async def begin_run(self) -> None:
        """Give every row that is not final a fresh attempt budget (a new run started)."""

    async def claim(self, limit: int, *, after_row: int, max_attempts: int) -> Claim | None:
        """Move up to ``limit`` pending rows (below ``max_attempts`` this run, after
        ``after_row``, in row order) into a new chunk and record the intent to send it."""

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
        """Record what is known about a chunk, fenced on ``(chunk, epoch)``.

        ``resend`` marks released rows that may have been sent before (an unknown outcome,
        proved absent since): if a re-send of one is THROTTLED, it is ``unknown``, never sent a
        third time.

        ``outcomes`` end rows (sent, rejected, unknown): any sequence of ``RowOutcome``, and for
        the common answer a :class:`~._states.SentColumns` (every row sent), which a store may
        read column by column (:func:`~._states.outcome_columns`); ``releases`` put rows back
        to pending on evidence they were not sent; ``doubt`` rows stay held by the chunk, which
        becomes in doubt over the server-time ``window``. The chunk is done when it holds no
        row. Returns False, writing nothing, when the chunk is no longer held under ``epoch``.
        """

    async def in_doubt(self) -> list[DoubtChunk]:
        """Return the chunks in doubt (or left in flight by a holder that is gone)."""

    async def exclude(self, rows: Sequence[int], status: str, reason: str) -> None:
        """Settle pending rows as invalid without sending them (their number is excluded)."""

    async def count_pending(self, max_attempts: int | None = None) -> int:
        """Return how many rows wait to be sent (below ``max_attempts`` this run, if given)."""

    async def note_unsent(self, reason: str) -> None:
        """Say why the pending rows were not sent in this run (they stay resumable)."""

    async def sent_evidence(self) -> SentEvidence | None:
        """Return one message known accepted, with its chunk's window (a lookup canary)."""

    # -- reading --------------------------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        """Return row counts by reported state (``not_sent`` / ``skipped`` for pending)."""

    async def totals(self) -> tuple[Decimal, int]:
        """Return the cost and parts of the rows sent."""

    def outcomes(self) -> AsyncIterator[tuple[Any, ...]]:
        """Yield (row, to, state, status, message_id, parts, price, custom_string, reason,
        delivery, delivery_status) in row order, with the reported state."""
