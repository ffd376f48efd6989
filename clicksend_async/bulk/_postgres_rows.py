"""PostgresStore's plan and sending: rows loaded with COPY, claims, fenced outcomes, takeovers."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._postgres_base import _PostgresBase
from ._postgres_schema import (
    _COPY_COLUMNS,
    _OPEN,
    _money,
    logger,
)
from ._states import (
    Claim,
    ClaimedRow,
    DoubtChunk,
    PlannedRow,
    Release,
    RowOutcome,
    outcome_columns,
)


class _PostgresRows(_PostgresBase):
    """The plan and the sending half of :class:`PostgresStore`."""

    #: The plan's mean price per message (see :meth:`_row_estimate`), read once.
    _est_row: Decimal | None = None

    async def get_meta(self, key: str) -> str | None:
        """Return one campaign-level value."""
        async with self._tx() as conn:
            value = await conn.fetchval(
                f"SELECT meta ->> $2 FROM {self._t('campaigns')} WHERE campaign = $1",
                self.campaign,
                key,
            )
        return None if value is None else str(value)

    async def set_meta(self, values: Mapping[str, str]) -> None:
        """Set campaign-level values in one transaction (storing the plan ends planning)."""
        async with self._tx() as conn:
            if "plan" in values:
                await self._planning(conn)
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET meta = meta || $2::jsonb, "
                "planner = CASE WHEN $3 THEN NULL ELSE planner END WHERE campaign = $1",
                self.campaign,
                json.dumps(dict(values)),
                "plan" in values,
            )

    async def reset(self) -> None:
        """Forget an unfinished plan (rows, chunks and meta), before anything was sent."""
        async with self._tx() as conn:
            await self._planning(conn)
            await conn.execute(f"DELETE FROM {self._t('rows')} WHERE campaign = $1", self.campaign)
            await conn.execute(
                f"DELETE FROM {self._t('chunks')} WHERE campaign = $1", self.campaign
            )
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET meta = '{{}}', committed = 0, unsent = NULL "
                "WHERE campaign = $1",
                self.campaign,
            )

    async def row_count(self) -> int:
        """Return how many rows the campaign holds."""
        async with self._tx() as conn:
            count = await conn.fetchval(
                f"SELECT count(*) FROM {self._t('rows')} WHERE campaign = $1", self.campaign
            )
        return int(count)

    async def add_rows(self, rows: Sequence[PlannedRow]) -> None:
        """Append planned rows with COPY (one transaction per call)."""
        if not rows:
            return
        async with self._tx() as conn:
            await self._planning(conn)
            await conn.copy_records_to_table(
                "rows",
                schema_name=self._schema,
                columns=list(_COPY_COLUMNS),
                records=[(self.campaign, *r) for r in rows],
            )

    async def rows_to_price(self, after_row: int, limit: int) -> list[tuple[int, str, str]]:
        """Return up to ``limit`` pending rows after ``after_row``: (row, custom, payload)."""
        async with self._tx() as conn:
            found = await conn.fetch(
                f"SELECT row, custom_string, payload FROM {self._t('rows')} "
                "WHERE campaign = $1 AND state IS NULL AND chunk IS NULL AND row > $2 "
                "ORDER BY row LIMIT $3",
                self.campaign,
                after_row,
                limit,
            )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in found]

    async def set_prices(self, updates: Sequence[tuple[Any, ...]]) -> None:
        """Record preflight results: (est_price, parts, state, status, reason, row)."""
        if not updates:
            return
        async with self._tx() as conn:
            await conn.executemany(
                f"UPDATE {self._t('rows')} SET est_price = $2, parts = COALESCE($3, parts), "
                "state = $4, status = $5, reason = $6 WHERE campaign = $1 AND row = $7",
                [(self.campaign, *u) for u in updates],
            )

    # -- sending --------------------------------------------------------------------------

    async def begin_run(self) -> None:
        """Give every row that is not final a fresh attempt budget (a new run started)."""
        async with self._tx() as conn:
            # Only rows that are not final need a budget (every worker's start would otherwise
            # rewrite every row sent so far). Rows another worker is settling right now are
            # skipped, not waited for: they are in that worker's run, and waiting on them could
            # deadlock with its settle.
            await conn.execute(
                f"UPDATE {self._t('rows')} SET attempts = 0 WHERE campaign = $1 AND row IN ("
                f"SELECT row FROM {self._t('rows')} WHERE campaign = $1 AND attempts != 0 "
                "AND (state IS NULL OR state = 'unknown') FOR UPDATE SKIP LOCKED)",
                self.campaign,
            )

    async def claim(
        self,
        limit: int,
        *,
        after_row: int,
        max_attempts: int,
        now: float | None = None,
        window_from: float | None = None,
    ) -> Claim | None:
        """Move up to ``limit`` pending rows into a new chunk held by this worker, recording
        the intent to send it, in one transaction.

        Returns None when no row is pending after ``after_row``, when the campaign is not
        ``open``, or when the budget cannot cover the next row (the campaign is then
        ``stopping``, with the reason). ``now`` is accepted for the protocol; the chunk's
        start and lease are in the database's clock.
        """
        self._require_held()
        del now
        async with self._tx() as conn:
            budgeted = await conn.fetchval(
                f"SELECT budget IS NOT NULL FROM {self._t('campaigns')} WHERE campaign = $1",
                self.campaign,
            )
            # FOR SHARE lets claims run side by side yet makes a state change wait for them:
            # once set_state commits, no claim that saw "open" can still commit. A budget needs
            # the reservations made one after another.
            lock = "FOR UPDATE" if budgeted else "FOR SHARE"
            campaign = await conn.fetchrow(
                f"SELECT state, meta ? 'plan' AS planned, budget, committed "
                f"FROM {self._t('campaigns')} WHERE campaign = $1 {lock}",
                self.campaign,
            )
            if campaign is None or campaign["state"] != "open" or not campaign["planned"]:
                return None
            found = await conn.fetch(
                "SELECT row, custom_string, recipient, payload, resend, est_price "
                f"FROM {self._t('rows')} WHERE campaign = $1 AND state IS NULL "
                "AND chunk IS NULL AND row > $2 AND attempts < $3 ORDER BY row LIMIT $4 "
                "FOR UPDATE SKIP LOCKED",
                self.campaign,
                after_row,
                max_attempts,
                limit,
            )
            if not found:
                return None
            budget = campaign["budget"]
            if budget is not None:
                committed = Decimal(campaign["committed"])
                fallback = await self._row_estimate(conn)
                fitting = []
                for r in found:
                    cost = _money(r["est_price"]) if r["est_price"] else fallback
                    if committed + cost > budget:
                        break
                    committed += cost
                    fitting.append(r)
                if not fitting:
                    await conn.execute(
                        f"UPDATE {self._t('campaigns')} SET state = 'stopping', reason = $2 "
                        "WHERE campaign = $1 AND state = 'open'",
                        self.campaign,
                        f"max_cost {budget} reached: the rest would cost more",
                    )
                    return None
                found = fitting
                await conn.execute(
                    f"UPDATE {self._t('campaigns')} SET committed = $2 WHERE campaign = $1",
                    self.campaign,
                    committed,
                )
            members = [int(r["row"]) for r in found]
            chunk, epoch = await conn.fetchrow(
                f"INSERT INTO {self._t('chunks')} (campaign, epoch, owner, state, size, resend, "
                f"lease_until, window_from) VALUES ($1, nextval('{self._schema}.epochs'), $2, "
                "'in_flight', $3, $4, clock_timestamp() + make_interval(secs => $5), $6) "
                "RETURNING chunk, epoch",
                self.campaign,
                self.owner,
                len(found),
                any(r["resend"] for r in found),
                self.lease,
                window_from if window_from else None,
            )
            await conn.execute(
                f"UPDATE {self._t('rows')} SET chunk = $2, attempts = attempts + 1, "
                "tried = tried + 1 WHERE campaign = $1 AND row = ANY($3::integer[])",
                self.campaign,
                chunk,
                members,
            )
        self._mine.add(int(chunk))
        return Claim(
            chunk=int(chunk),
            epoch=int(epoch),
            rows=tuple(
                ClaimedRow(
                    int(r["row"]), str(r["custom_string"]), r["recipient"], str(r["payload"])
                )
                for r in found
            ),
            resend=frozenset(int(r["row"]) for r in found if r["resend"]),
        )

    async def _row_estimate(self, conn: Any) -> Decimal:
        """Return what a row without its own price is reserved at: the plan's mean price per
        message (key pricing prices one row per key, so most rows carry no price)."""
        if self._est_row is None:
            text = await conn.fetchval(
                f"SELECT meta->>'est_row_price' FROM {self._t('campaigns')} WHERE campaign = $1",
                self.campaign,
            )
            if text is None:
                return Decimal(0)  # no plan yet (or no estimate): not cached
            self._est_row = _money(text)
        return self._est_row

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
        """Record what is known about a chunk, fenced on ``(chunk, epoch)``: False, writing
        nothing, when the chunk is done or was taken over under a newer epoch."""
        number = int(chunk)
        async with self._tx() as conn:
            found = await conn.fetchrow(
                f"SELECT epoch, state FROM {self._t('chunks')} "
                "WHERE chunk = $1 AND campaign = $2 FOR UPDATE",
                number,
                self.campaign,
            )
            if found is None or found["epoch"] != epoch or found["state"] not in _OPEN:
                return False
            delta = Decimal(0)
            fallback = await self._row_estimate(conn)

            def est_of(text: str | None) -> Decimal:
                return _money(text) if text else fallback

            if outcomes:
                settled = await conn.fetch(
                    f"UPDATE {self._t('rows')} r SET state = u.state, status = u.status, "
                    "message_id = u.message_id, price = u.price, "
                    "parts = COALESCE(u.parts, r.parts), reason = u.reason "
                    "FROM unnest($3::integer[], $4::text[], $5::text[], $6::text[], "
                    "$7::text[], $8::integer[], $9::text[]) "
                    "AS u(row, state, status, message_id, price, parts, reason) "
                    "WHERE r.campaign = $1 AND r.row = u.row AND r.chunk = $2 "
                    "RETURNING r.state, r.est_price, r.price",
                    self.campaign,
                    number,
                    *outcome_columns(outcomes),
                )
                for state, est, price in settled:
                    # The reservation of a row becomes what it cost (sent), or nothing
                    # (rejected); an unknown row keeps its reservation: it may have been sent.
                    if state == "sent":
                        delta += (_money(price) if price else est_of(est)) - est_of(est)
                    elif state == "rejected":
                        delta -= est_of(est)
            if releases:
                released = await conn.fetch(
                    f"UPDATE {self._t('rows')} r SET chunk = NULL, state = NULL, "
                    "status = u.status, reason = u.reason, resend = u.resend "
                    "FROM unnest($3::integer[], $4::text[], $5::text[], $6::boolean[]) "
                    "AS u(row, status, reason, resend) "
                    "WHERE r.campaign = $1 AND r.row = u.row AND r.chunk = $2 "
                    "RETURNING r.est_price",
                    self.campaign,
                    number,
                    [r.row for r in releases],
                    [r.status for r in releases],
                    [r.reason for r in releases],
                    [r.row in resend for r in releases],
                )
                for (est,) in released:
                    delta -= est_of(est)
            unknown = await conn.fetchval(
                f"SELECT EXISTS (SELECT 1 FROM {self._t('rows')} WHERE campaign = $1 "
                "AND chunk = $2 AND state = 'unknown')",
                self.campaign,
                number,
            )
            state = "in_doubt" if doubt else "unknown" if unknown else "done"
            await conn.execute(
                f"UPDATE {self._t('chunks')} SET state = $2, finished_at = clock_timestamp(), "
                "error = COALESCE($3, error), window_from = COALESCE($4, window_from), "
                "window_to = COALESCE($5, window_to) WHERE chunk = $1",
                number,
                state,
                error,
                None if window is None else window[0],
                None if window is None else window[1],
            )
            if delta:
                await conn.execute(
                    f"UPDATE {self._t('campaigns')} SET committed = committed + $2 "
                    "WHERE campaign = $1",
                    self.campaign,
                    delta,
                )
        return True

    async def in_doubt(self) -> list[DoubtChunk]:
        """Return the chunks in doubt, taking over those whose holder is gone.

        In-doubt and unknown chunks are returned as they are; a chunk left in flight (or in
        doubt) by a worker whose lease ended more than ``grace`` ago is taken over first: a
        new epoch and this worker as owner, so the old holder's late writes are fenced out.
        A taken-over chunk is for reconciliation, never for claiming: its rows stay held.
        """
        chunks, _ = await self._doubts(("in_doubt", "unknown"))
        return chunks

    async def doubts_to_settle(self) -> tuple[list[DoubtChunk], set[int]]:
        """Return every chunk of the campaign in doubt now, whoever holds it, after taking over
        those whose holder is gone; and which of them this worker owns (the reconciler lease
        holder settles them all in one read).

        Chunks that ended ``unknown`` are left for a later run (as :meth:`in_doubt` returns
        them), unless taken over here: a reconciliation pass does not read them again."""
        return await self._doubts(("in_doubt",))

    async def _doubts(self, states: tuple[str, ...]) -> tuple[list[DoubtChunk], set[int]]:
        async with self._tx() as conn:
            taken = await conn.fetch(
                f"UPDATE {self._t('chunks')} SET epoch = nextval('{self._schema}.epochs'), "
                "owner = $2, lease_until = clock_timestamp() + make_interval(secs => $3) "
                "WHERE campaign = $1 AND state = ANY($5::text[]) "
                "AND lease_until < clock_timestamp() - make_interval(secs => $4) "
                "RETURNING chunk",
                self.campaign,
                self.owner,
                self.lease,
                self.grace,
                list(_OPEN),
            )
            if taken:
                logger.warning(
                    "took over %d chunk(s) whose holder is gone; reconciling them first",
                    len(taken),
                )
            chunks = await conn.fetch(
                f"SELECT chunk, epoch, owner, window_from, window_to FROM {self._t('chunks')} "
                "WHERE campaign = $1 AND (state = ANY($2::text[]) OR chunk = ANY($3::bigint[])) "
                "ORDER BY chunk",
                self.campaign,
                list(states),
                [t["chunk"] for t in taken],
            )
            members = await conn.fetch(
                f"SELECT chunk, row, custom_string, recipient FROM {self._t('rows')} "
                "WHERE campaign = $1 AND chunk = ANY($2::bigint[]) "
                "AND (state IS NULL OR state = 'unknown') ORDER BY chunk, row",
                self.campaign,
                [c["chunk"] for c in chunks],
            )
        self._mine.update(int(t["chunk"]) for t in taken)
        by_chunk: dict[int, list[tuple[int, str, str | None]]] = {}
        for m in members:
            by_chunk.setdefault(int(m["chunk"]), []).append(
                (int(m["row"]), str(m["custom_string"]), m["recipient"])
            )
        out = []
        for c in chunks:
            start, end = c["window_from"], c["window_to"]
            # A chunk its holder left in flight has no end: the engine closes the window at
            # the server's present (the request cannot have arrived after its sender died).
            window = None if not start else (float(start), math.inf if end is None else float(end))
            out.append(
                DoubtChunk(
                    chunk=int(c["chunk"]),
                    epoch=int(c["epoch"]),
                    rows=tuple(by_chunk.get(int(c["chunk"]), ())),
                    window=window,
                )
            )
        return out, {int(c["chunk"]) for c in chunks if c["owner"] == self.owner}

    async def still_in_doubt(
        self, chunks: Sequence[tuple[int, int]], *, again: bool = False
    ) -> set[int]:
        """Return which of the ``(chunk, epoch)`` pairs are still in flight or in doubt under
        that epoch (a worker waiting for the reconciler lease holder to settle them); with
        ``again``, also those that ended ``unknown`` (a new run reads them again)."""
        states = list(_OPEN) if again else ["in_flight", "in_doubt"]
        async with self._tx() as conn:
            found = await conn.fetch(
                f"SELECT c.chunk FROM {self._t('chunks')} c "
                "JOIN unnest($2::bigint[], $3::bigint[]) AS u(chunk, epoch) "
                "ON c.chunk = u.chunk AND c.epoch = u.epoch "
                "WHERE c.campaign = $1 AND c.state = ANY($4::text[])",
                self.campaign,
                [c for c, _ in chunks],
                [e for _, e in chunks],
                states,
            )
        return {int(r[0]) for r in found}

    async def settled_rows(self, rows: Sequence[tuple[int, int]]) -> list[RowOutcome]:
        """Return the outcomes recorded for ``(row, chunk)`` pairs whose row is still that
        chunk's and has ended (sent, rejected or unknown): what another worker's
        reconciliation found for rows this worker sent."""
        async with self._tx() as conn:
            found = await conn.fetch(
                "SELECT r.row, r.state, r.status, r.message_id, r.price, r.parts, r.reason "
                f"FROM {self._t('rows')} r "
                "JOIN unnest($2::integer[], $3::bigint[]) AS u(row, chunk) "
                "ON r.row = u.row AND r.chunk = u.chunk "
                "WHERE r.campaign = $1 AND r.state IS NOT NULL ORDER BY r.row",
                self.campaign,
                [r for r, _ in rows],
                [c for _, c in rows],
            )
        return [
            RowOutcome(
                int(r[0]), str(r[1]), r[2], r[3], r[4], None if r[5] is None else int(r[5]), r[6]
            )
            for r in found
        ]
