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
  claim time, so ``max_cost`` holds across workers; one **reconciler lease** per campaign.

Every time comparison uses the database's ``clock_timestamp()``: workers' clocks never meet.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import math
import os
import re
import secrets
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from .._exceptions import ConfigurationError, JournalError, JournalLockedError, ValidationError
from ._states import (
    Claim,
    ClaimedRow,
    DoubtChunk,
    PlannedRow,
    Release,
    RowOutcome,
    SentEvidence,
)

__all__ = ["CAMPAIGN_STATES", "PostgresStore"]

logger = logging.getLogger("clicksend_async.bulk")

#: The shared states of a campaign: ``open`` (send), ``stopping`` (claim nothing more; chunks in
#: flight finish), ``aborted`` (stop: out of credit, credentials refused ...).
CAMPAIGN_STATES: Final = ("open", "stopping", "aborted")

_OPEN: Final = ("in_flight", "in_doubt", "unknown")

#: The state a report shows for each row, exactly as the SQLite journal reports it.
_REPORTED: Final = (
    "CASE WHEN state IS NOT NULL THEN state WHEN chunk IS NOT NULL THEN 'unknown' "
    "WHEN tried > 0 THEN 'not_sent' ELSE 'skipped' END"
)

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")

#: Columns of ``rows`` that :meth:`PostgresStore.add_rows` loads with COPY.
_COPY_COLUMNS: Final = (
    "campaign",
    "row",
    "custom_string",
    "recipient",
    "payload",
    "parts",
    "encoding",
    "state",
    "status",
    "reason",
)

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE SEQUENCE IF NOT EXISTS {s}.epochs;
CREATE TABLE IF NOT EXISTS {s}.campaigns (
    campaign text PRIMARY KEY,
    meta jsonb NOT NULL DEFAULT '{{}}',
    state text NOT NULL DEFAULT 'open',
    reason text,
    planner text,
    planner_until timestamptz,
    reconciler text,
    reconciler_until timestamptz,
    budget numeric,
    committed numeric NOT NULL DEFAULT 0,
    unsent text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS {s}.rows (
    campaign text NOT NULL,
    row integer NOT NULL,
    custom_string text,
    recipient text,
    payload text,
    parts integer,
    encoding text,
    est_price text,
    state text,
    status text,
    message_id text,
    price text,
    reason text,
    chunk bigint,
    attempts integer NOT NULL DEFAULT 0,
    delivery text,
    delivery_status text,
    tried integer NOT NULL DEFAULT 0,
    resend boolean NOT NULL DEFAULT false,
    PRIMARY KEY (campaign, row)
);
CREATE INDEX IF NOT EXISTS rows_chunk ON {s}.rows (campaign, chunk) WHERE chunk IS NOT NULL;
CREATE INDEX IF NOT EXISTS rows_pending ON {s}.rows (campaign, row)
    WHERE state IS NULL AND chunk IS NULL;
CREATE TABLE IF NOT EXISTS {s}.chunks (
    chunk bigserial PRIMARY KEY,
    campaign text NOT NULL,
    epoch bigint NOT NULL,
    owner text NOT NULL,
    state text NOT NULL,
    size integer NOT NULL,
    resend boolean NOT NULL DEFAULT false,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    lease_until timestamptz NOT NULL,
    window_from double precision,
    window_to double precision,
    error text
);
CREATE INDEX IF NOT EXISTS chunks_open ON {s}.chunks (campaign, chunk)
    WHERE state IN ('in_flight', 'in_doubt', 'unknown');
"""


def _asyncpg() -> Any:
    """Import asyncpg on first use: the package works without it until a store is opened."""
    try:
        return importlib.import_module("asyncpg")
    except ImportError:
        raise ConfigurationError(
            "PostgresStore needs asyncpg: pip install 'clicksend-async[postgres]'"
        ) from None


def redact_dsn(dsn: str) -> str:
    """Return a DSN without its password (for messages, reprs and logs)."""
    if "://" in dsn:
        parts = urlsplit(dsn)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.split(':', 1)[0]}@{host}"
        query = re.sub(r"(?i)(^|&)password=[^&]*", r"\1password=***", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    return re.sub(r"(?i)password\s*=\s*('[^']*'|\S+)", "password=***", dsn)


def _money(text: str | None) -> Decimal:
    return Decimal(text) if text else Decimal(0)


class PostgresStore:
    """A campaign store in PostgreSQL, shared by every worker of one campaign.

    Args:
        dsn_or_pool: a ``postgresql://`` DSN (the store makes and closes its own pool) or an
            asyncpg pool (the caller's: never closed here).
        campaign: the campaign's name; every worker of the campaign uses the same one.
        owner: this worker's name in leases (default: host, process and a random suffix).
        lease: seconds a claimed chunk stays this worker's without a heartbeat.
        grace: seconds past an expired lease before another worker takes the chunk over.
        max_cost: a budget for the whole campaign across workers, reserved at claim time.
        heartbeat: seconds between lease renewals while open (default ``lease / 3``; 0: none).
        schema: the PostgreSQL schema that holds the tables.
    """

    def __init__(
        self,
        dsn_or_pool: Any,
        campaign: str,
        *,
        owner: str | None = None,
        lease: float = 30.0,
        grace: float = 10.0,
        max_cost: Decimal | float | str | None = None,
        heartbeat: float | None = None,
        schema: str = "clicksend_async",
    ) -> None:
        if not isinstance(campaign, str) or not campaign or len(campaign) > 200:
            raise ValidationError(
                "must be a non-empty name of at most 200 characters", field="campaign"
            )
        if not lease > 0 or math.isinf(lease):
            raise ValidationError("must be a positive number of seconds", field="lease")
        if not grace >= 0 or math.isinf(grace):
            raise ValidationError("must be zero or more seconds", field="grace")
        if not _IDENTIFIER.fullmatch(schema):
            raise ValidationError("must be a lower-case SQL identifier", field="schema")
        beat = lease / 3 if heartbeat is None else heartbeat
        if not 0 <= beat < lease:
            # A heartbeat slower than the lease lets the lease lapse between beats.
            raise ValidationError("must be 0 (none) or shorter than the lease", field="heartbeat")
        try:
            budget = None if max_cost is None else Decimal(str(max_cost))
        except ArithmeticError:
            budget = Decimal("NaN")
        if budget is not None and not (budget.is_finite() and budget >= 0):
            raise ValidationError("must be a non-negative amount", field="max_cost")
        self.campaign = campaign
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = float(lease)
        self.grace = float(grace)
        self.max_cost = budget
        self.heartbeat = float(beat)
        self._schema = schema
        if isinstance(dsn_or_pool, str):
            self._dsn: str | None = dsn_or_pool
            self._pool: Any = None
            self.where = f"{redact_dsn(dsn_or_pool)} campaign {campaign}"
        else:
            self._dsn = None
            self._pool = dsn_or_pool
            self.where = f"<asyncpg pool> campaign {campaign}"
        self._ready = False
        self._held = False
        self._beating: asyncio.Task[None] | None = None
        self._pool_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"PostgresStore({self.where!r}, owner={self.owner!r})"

    # -- plumbing -------------------------------------------------------------------------

    def _t(self, table: str) -> str:
        return f"{self._schema}.{table}"

    async def _get_pool(self) -> Any:
        async with self._pool_lock:
            if self._pool is None:
                asyncpg = _asyncpg()
                assert self._dsn is not None
                try:
                    self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=4)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    raise JournalError(
                        f"the store {self.where} cannot be reached: {type(exc).__name__}: {exc}"
                    ) from None
            if not self._ready:
                await self._create_schema(self._pool)
                self._ready = True
            return self._pool

    async def _create_schema(self, pool: Any) -> None:
        asyncpg = _asyncpg()
        try:
            async with pool.acquire() as conn, conn.transaction():
                # Workers starting together would race on CREATE ... IF NOT EXISTS; and once
                # the schema exists no DDL runs at all: CREATE INDEX IF NOT EXISTS still locks
                # its table, which deadlocks with the claims of workers already sending.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", self._schema)
                if await conn.fetchval("SELECT to_regclass($1)", f"{self._schema}.chunks_open"):
                    return
                await conn.execute(_SCHEMA.format(s=self._schema))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise JournalError(f"the store {self.where} cannot be used: {exc}") from None

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[Any]:
        """Yield a connection inside one transaction; database failures become JournalError."""
        pool = await self._get_pool()
        asyncpg = _asyncpg()
        try:
            async with pool.acquire() as conn, conn.transaction():
                yield conn
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise JournalError(
                f"the store {self.where} cannot be used: {type(exc).__name__}: {exc}"
            ) from None

    def _require_held(self) -> None:
        if not self._held:
            raise JournalError(f"the store {self.where} is not open in this worker: nothing sent")

    # -- ownership ------------------------------------------------------------------------

    async def open(self) -> None:
        """Join the campaign as a worker (registering it if new); only one worker plans it.

        Raises :class:`~clicksend_async.JournalLockedError` while another worker is planning
        a campaign that has no plan yet.
        """
        if self._held:
            return
        try:
            await self._join()
        except BaseException:
            # A store that could not join holds no connection (its pool is closed here).
            await self.close()
            raise
        self._held = True
        if self.heartbeat > 0:
            self._beating = asyncio.create_task(self._beat())

    async def _join(self) -> None:
        async with self._tx() as conn:
            await conn.execute(
                f"INSERT INTO {self._t('campaigns')} (campaign) VALUES ($1) "
                "ON CONFLICT (campaign) DO NOTHING",
                self.campaign,
            )
            planned, planner = await conn.fetchrow(
                f"SELECT meta ? 'plan', planner FROM {self._t('campaigns')} "
                "WHERE campaign = $1 FOR UPDATE",
                self.campaign,
            )
            if not planned:
                taken = await conn.fetchval(
                    f"UPDATE {self._t('campaigns')} SET planner = $2, "
                    "planner_until = clock_timestamp() + make_interval(secs => $3) "
                    "WHERE campaign = $1 AND (planner IS NULL OR planner = $2 "
                    "OR planner_until < clock_timestamp()) RETURNING 1",
                    self.campaign,
                    self.owner,
                    self.lease,
                )
                if taken is None:
                    raise JournalLockedError(
                        f"the campaign {self.where} is being planned by {planner}: only one "
                        "worker plans a campaign; start workers once its plan is stored"
                    )
            if self.max_cost is not None:
                await conn.execute(
                    f"UPDATE {self._t('campaigns')} SET budget = $2 WHERE campaign = $1",
                    self.campaign,
                    self.max_cost,
                )

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.renew()
            except JournalError as exc:
                # Not fatal: an expired lease only lets another worker take the chunk over,
                # and this worker's late outcome is then fenced out.
                logger.warning("lease renewal failed: %s", exc)

    async def release(self) -> None:
        """Leave the campaign: leases of chunks still held end now (others take them over after
        ``grace``), and the planner and reconciler leases are given up."""
        beating, self._beating = self._beating, None
        if beating is not None:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        if not self._held:
            return
        self._held = False
        async with self._tx() as conn:
            await conn.execute(
                f"UPDATE {self._t('chunks')} SET lease_until = clock_timestamp() "
                "WHERE campaign = $1 AND owner = $2 AND state = ANY($3::text[])",
                self.campaign,
                self.owner,
                list(_OPEN),
            )
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET "
                "planner = CASE WHEN planner = $2 THEN NULL ELSE planner END, "
                "reconciler = CASE WHEN reconciler = $2 THEN NULL ELSE reconciler END "
                "WHERE campaign = $1",
                self.campaign,
                self.owner,
            )

    async def close(self) -> None:
        """Release the campaign and close the pool if this store made it."""
        try:
            if self._held:
                await self.release()
        finally:
            if self._dsn is not None and self._pool is not None:
                pool, self._pool = self._pool, None
                self._ready = False
                await pool.close()

    async def renew(self) -> int:
        """Extend the leases of this worker's open chunks (a heartbeat); return how many."""
        async with self._tx() as conn:
            renewed = await conn.fetchval(
                f"WITH r AS (UPDATE {self._t('chunks')} SET "
                "lease_until = clock_timestamp() + make_interval(secs => $3) "
                "WHERE campaign = $1 AND owner = $2 AND state = ANY($4::text[]) RETURNING 1) "
                "SELECT count(*) FROM r",
                self.campaign,
                self.owner,
                self.lease,
                list(_OPEN),
            )
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET "
                "planner_until = clock_timestamp() + make_interval(secs => $3) "
                "WHERE campaign = $1 AND planner = $2",
                self.campaign,
                self.owner,
                self.lease,
            )
        return int(renewed)

    async def lease_left(self, chunk: int, epoch: int) -> float:
        """Return the seconds this worker still holds ``chunk`` under ``epoch`` (0: not held)."""
        async with self._tx() as conn:
            left = await conn.fetchval(
                "SELECT EXTRACT(EPOCH FROM lease_until - clock_timestamp()) "
                f"FROM {self._t('chunks')} WHERE chunk = $1 AND campaign = $2 AND epoch = $3 "
                "AND owner = $4 AND state = ANY($5::text[])",
                chunk,
                self.campaign,
                epoch,
                self.owner,
                list(_OPEN),
            )
        return 0.0 if left is None else max(0.0, float(left))

    async def acquire_reconciler(self, ttl: float) -> bool:
        """Take (or extend) the campaign's reconciler lease for ``ttl`` seconds; False when
        another worker holds it."""
        async with self._tx() as conn:
            taken = await conn.fetchval(
                f"UPDATE {self._t('campaigns')} SET reconciler = $2, "
                "reconciler_until = clock_timestamp() + make_interval(secs => $3) "
                "WHERE campaign = $1 AND (reconciler IS NULL OR reconciler = $2 "
                "OR reconciler_until < clock_timestamp()) RETURNING 1",
                self.campaign,
                self.owner,
                float(ttl),
            )
        return taken is not None

    async def release_reconciler(self) -> None:
        """Give up the reconciler lease if this worker holds it."""
        async with self._tx() as conn:
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET reconciler = NULL, reconciler_until = NULL "
                "WHERE campaign = $1 AND reconciler = $2",
                self.campaign,
                self.owner,
            )

    async def set_state(self, state: str, reason: str | None = None) -> None:
        """Set the campaign's shared state (``open``, ``stopping`` or ``aborted``) for every
        worker; claims made after this commits see it."""
        if state not in CAMPAIGN_STATES:
            raise ValidationError(f"must be one of {', '.join(CAMPAIGN_STATES)}", field="state")
        async with self._tx() as conn:
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET state = $2, reason = $3 WHERE campaign = $1",
                self.campaign,
                state,
                reason,
            )

    async def state(self) -> tuple[str, str | None]:
        """Return the campaign's shared state and why it is not open."""
        async with self._tx() as conn:
            found = await conn.fetchrow(
                f"SELECT state, reason FROM {self._t('campaigns')} WHERE campaign = $1",
                self.campaign,
            )
        return ("open", None) if found is None else (str(found[0]), found[1])

    # -- the plan -------------------------------------------------------------------------

    async def _planning(self, conn: Any) -> None:
        """Refuse plan writes from a worker that does not hold the planner lease."""
        held = await conn.fetchval(
            f"UPDATE {self._t('campaigns')} SET "
            "planner_until = clock_timestamp() + make_interval(secs => $3) "
            "WHERE campaign = $1 AND planner = $2 AND NOT meta ? 'plan' RETURNING 1",
            self.campaign,
            self.owner,
            self.lease,
        )
        if held is None:
            raise JournalLockedError(
                f"the campaign {self.where} is not being planned by this worker (another "
                "planned it, or its plan is stored): nothing written"
            )

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
                fitting = []
                for r in found:
                    cost = _money(r["est_price"])
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
                    [o.row for o in outcomes],
                    [o.state for o in outcomes],
                    [o.status for o in outcomes],
                    [o.message_id for o in outcomes],
                    [o.price for o in outcomes],
                    [o.parts for o in outcomes],
                    [o.reason for o in outcomes],
                )
                for state, est, price in settled:
                    # The reservation of a row becomes what it cost (sent), or nothing
                    # (rejected); an unknown row keeps its reservation: it may have been sent.
                    if state == "sent":
                        delta += (_money(price) if price else _money(est)) - _money(est)
                    elif state == "rejected":
                        delta -= _money(est)
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
                    delta -= _money(est)
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
                f"SELECT chunk, epoch, window_from, window_to FROM {self._t('chunks')} "
                "WHERE campaign = $1 AND (state = ANY($2::text[]) OR chunk = ANY($3::bigint[])) "
                "ORDER BY chunk",
                self.campaign,
                ["in_doubt", "unknown"],
                [t["chunk"] for t in taken],
            )
            members = await conn.fetch(
                f"SELECT chunk, row, custom_string, recipient FROM {self._t('rows')} "
                "WHERE campaign = $1 AND chunk = ANY($2::bigint[]) "
                "AND (state IS NULL OR state = 'unknown') ORDER BY chunk, row",
                self.campaign,
                [c["chunk"] for c in chunks],
            )
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
        return out

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
