"""The shared campaign store: one campaign in PostgreSQL, sent by many workers at once.

Implements :class:`~._store.CampaignStore` with the same row and chunk semantics as the SQLite
store (:mod:`._journal`), for any number of workers on any number of hosts:

- **Claims** are one transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` of the first pending
  rows, a new chunk (owner, an epoch from a sequence, a lease in the *database's* clock) and the
  rows marked held by it. Two workers never hold the same row.
- **Fencing.** Every outcome is written only while the chunk is still open under the epoch the
  writer holds. A chunk whose holder went quiet for longer than ``lease + grace`` is taken over
  by :meth:`PostgresStore.in_doubt` with a new epoch and reconciled first; the old holder's late
  answer then writes nothing.
- **Leases** are renewed by a heartbeat while the store is open (:meth:`PostgresStore.renew`),
  and :meth:`PostgresStore.lease_left` tells a pre-send guard how long a chunk stays ours.
- **One campaign state** (open / stopping / aborted, with a reason) that every worker reads, so
  an account out of credit or refused credentials stops them all; a **budget** reserved at
  claim time, so ``max_cost`` holds across workers; one **reconciler lease** per campaign, under
  which one worker settles every worker's chunks in doubt with one history read
  (:meth:`doubts_to_settle`; the others watch :meth:`still_in_doubt` and read what was found
  with :meth:`settled_rows`).

Every time comparison uses the database's ``clock_timestamp()``: workers' clocks never meet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from ._postgres_rows import _PostgresRows
from ._postgres_schema import (
    _REPORTED,
    redact_dsn,
)
from ._states import (
    SentEvidence,
)

__all__ = ["PostgresStore", "redact_dsn"]


class PostgresStore(_PostgresRows):
    """A campaign store in PostgreSQL, shared by every worker of one campaign.

    Args:
        dsn_or_pool: a ``postgresql://`` DSN (the store makes and closes its own pool) or an
            asyncpg pool (the caller's: never closed here).
        campaign: the campaign's name; every worker of the campaign uses the same one.
        owner: this worker's name in leases (default: host, process and a random suffix).
        lease: seconds a claimed chunk stays this worker's without a heartbeat (default 120).
            A chunk's request leaves only while its lease outlasts the HTTP timeout plus a
            margin (the pre-send guard), so the lease must be longer than the timeout.
        grace: seconds past an expired lease before another worker takes the chunk over.
        max_cost: a budget for the whole campaign across workers, reserved at claim time.
        heartbeat: seconds between lease renewals while open (default ``lease / 3``; 0: none).
        schema: the PostgreSQL schema that holds the tables.
    """

    async def chunk_window_from(self, chunk: int) -> float | None:
        """Return the start of a chunk's server-time window as recorded at its claim."""
        async with self._tx() as conn:
            found = await conn.fetchval(
                f"SELECT window_from FROM {self._t('chunks')} WHERE chunk = $1 AND campaign = $2",
                chunk,
                self.campaign,
            )
        return None if not found else float(found)

    async def exclude(self, rows: Sequence[int], status: str, reason: str) -> None:
        """Settle pending rows as invalid without sending them (their number is excluded)."""
        async with self._tx() as conn:
            await conn.execute(
                f"UPDATE {self._t('rows')} SET state = 'invalid', status = $3, reason = $4 "
                "WHERE campaign = $1 AND row = ANY($2::integer[]) AND state IS NULL "
                "AND chunk IS NULL",
                self.campaign,
                list(rows),
                status,
                reason,
            )

    async def pending_numbers(self, after_row: int, limit: int) -> list[tuple[int, str | None]]:
        """Return (row, recipient) of pending rows after ``after_row`` (exclusion checks)."""
        async with self._tx() as conn:
            found = await conn.fetch(
                f"SELECT row, recipient FROM {self._t('rows')} WHERE campaign = $1 "
                "AND state IS NULL AND chunk IS NULL AND row > $2 ORDER BY row LIMIT $3",
                self.campaign,
                after_row,
                limit,
            )
        return [(int(r[0]), r[1]) for r in found]

    async def count_pending(self, max_attempts: int | None = None) -> int:
        """Return how many rows wait to be sent (below ``max_attempts`` this run, if given)."""
        async with self._tx() as conn:
            count = await conn.fetchval(
                f"SELECT count(*) FROM {self._t('rows')} WHERE campaign = $1 "
                "AND state IS NULL AND chunk IS NULL AND ($2::integer IS NULL OR attempts < $2)",
                self.campaign,
                max_attempts,
            )
        return int(count)

    async def count_unsettled(self) -> tuple[int, int, int]:
        """Return how many rows wait to be sent, how many a chunk holds (in flight or in
        doubt) and how many ended ``unknown``, from one snapshot (so "nothing pending and
        nothing held" is never two reads that a claim or a release fell between)."""
        async with self._tx() as conn:
            pending, held, unknown = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE state IS NULL AND chunk IS NULL), "
                "count(*) FILTER (WHERE state IS NULL AND chunk IS NOT NULL), "
                f"count(*) FILTER (WHERE state = 'unknown') FROM {self._t('rows')} "
                "WHERE campaign = $1",
                self.campaign,
            )
        return int(pending), int(held), int(unknown)

    async def note_unsent(self, reason: str) -> None:
        """Say why the pending rows were not sent (they stay resumable); rows held by a chunk
        are in doubt, not pending, and keep theirs."""
        async with self._tx() as conn:
            # Rows never tried take the campaign's note when read (outcomes()): writing it into
            # each of millions of pending rows at the end of every worker's slice would cost a
            # full rewrite of the campaign each time. Rows released with a reason of their own
            # (few) keep it, with this one added, as the SQLite journal does.
            await conn.execute(
                f"UPDATE {self._t('rows')} SET reason = CASE WHEN reason IS NOT NULL "
                "AND reason != $2 THEN reason || '; ' || $2 ELSE $2 END "
                "WHERE campaign = $1 AND state IS NULL AND chunk IS NULL AND tried > 0 "
                "AND reason IS DISTINCT FROM $2",
                self.campaign,
                reason,
            )
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET unsent = $2 WHERE campaign = $1",
                self.campaign,
                reason,
            )

    async def sent_evidence(self) -> SentEvidence | None:
        """Return one message known accepted, with its chunk's window (a lookup canary)."""
        async with self._tx() as conn:
            found = await conn.fetchrow(
                "SELECT r.custom_string, r.recipient, c.window_from, c.window_to "
                f"FROM {self._t('chunks')} c JOIN {self._t('rows')} r "
                "ON r.campaign = c.campaign AND r.chunk = c.chunk "
                "WHERE c.campaign = $1 AND c.state = 'done' AND r.state = 'sent' "
                "AND c.window_from IS NOT NULL AND c.window_to IS NOT NULL "
                "AND r.recipient IS NOT NULL ORDER BY c.chunk DESC LIMIT 1",
                self.campaign,
            )
        if found is None:
            return None
        return SentEvidence(
            custom_string=str(found[0]), to=str(found[1]), window=(float(found[2]), float(found[3]))
        )

    # -- reading --------------------------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        """Return row counts by reported state (``not_sent`` / ``skipped`` for pending)."""
        async with self._tx() as conn:
            found = await conn.fetch(
                f"SELECT {_REPORTED} AS s, count(*) FROM {self._t('rows')} "
                "WHERE campaign = $1 GROUP BY s",
                self.campaign,
            )
        return {str(s): int(n) for s, n in found}

    async def totals(self) -> tuple[Decimal, int]:
        """Return the cost and parts of the rows sent."""
        async with self._tx() as conn:
            found = await conn.fetch(
                f"SELECT price, count(*), sum(parts) FROM {self._t('rows')} "
                "WHERE campaign = $1 AND state = 'sent' GROUP BY price",
                self.campaign,
            )
        cost = Decimal(0)
        parts = 0
        for price, count, part in found:
            if price:
                cost += Decimal(price) * count
            parts += int(part or 0)
        return cost, parts

    async def budget(self) -> tuple[Decimal | None, Decimal]:
        """Return the campaign's budget (None: none) and what its claims have committed."""
        async with self._tx() as conn:
            found = await conn.fetchrow(
                f"SELECT budget, committed FROM {self._t('campaigns')} WHERE campaign = $1",
                self.campaign,
            )
        return (None, Decimal(0)) if found is None else (found[0], Decimal(found[1]))

    async def outcomes(self) -> AsyncIterator[tuple[Any, ...]]:
        """Yield (row, to, state, status, message_id, parts, price, custom_string, reason,
        delivery, delivery_status) in row order, with the reported state."""
        after = 0
        async with self._tx() as conn:
            unsent = await conn.fetchval(
                f"SELECT unsent FROM {self._t('campaigns')} WHERE campaign = $1", self.campaign
            )
        while True:
            # Keyset pages: no cursor (and no connection) is held between pages.
            async with self._tx() as conn:
                page = await conn.fetch(
                    f"SELECT row, recipient, {_REPORTED}, status, message_id, parts, price, "
                    "custom_string, CASE WHEN state IS NULL AND chunk IS NULL AND tried = 0 "
                    "THEN COALESCE(reason, $3) ELSE reason END, delivery, delivery_status "
                    f"FROM {self._t('rows')} WHERE campaign = $1 AND row > $2 "
                    "ORDER BY row LIMIT 1000",
                    self.campaign,
                    after,
                    unsent,
                )
            for record in page:
                yield tuple(record)
            if len(page) < 1000:
                return
            after = int(page[-1][0])
