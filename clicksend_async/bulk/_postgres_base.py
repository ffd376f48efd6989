"""PostgresStore's ownership: the pool, the campaign row, leases, heartbeats, shared state."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from .._exceptions import JournalError, JournalLockedError, ValidationError
from ._postgres_schema import (
    _IDENTIFIER,
    _OPEN,
    _SCHEMA,
    CAMPAIGN_STATES,
    StoreUnreachableError,
    _asyncpg,
    _unreachable,
    logger,
    redact_dsn,
)


class _PostgresBase:
    """Connections, ownership and leases of a :class:`PostgresStore`."""

    def __init__(
        self,
        dsn_or_pool: Any,
        campaign: str,
        *,
        owner: str | None = None,
        lease: float = 120.0,
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
        #: The chunks this store claimed or took over since it joined: the only ones its
        #: heartbeat renews and its release ends (a previous run's chunks, or a dead process's
        #: under the same owner name, run out their lease and are taken over as usual).
        self._mine: set[int] = set()
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
                    raise StoreUnreachableError(
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
            error = StoreUnreachableError if _unreachable(exc) else JournalError
            raise error(f"the store {self.where} cannot be used: {exc}") from None

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[Any]:
        """Yield a connection inside one transaction; database failures become JournalError."""
        pool = await self._get_pool()
        asyncpg = _asyncpg()
        try:
            async with pool.acquire() as conn, conn.transaction():
                yield conn
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            error = StoreUnreachableError if _unreachable(exc) else JournalError
            raise error(
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
        self._mine = set()
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
                "WHERE campaign = $1 AND owner = $2 AND state = ANY($3::text[]) "
                "AND chunk = ANY($4::bigint[])",
                self.campaign,
                self.owner,
                list(_OPEN),
                sorted(self._mine),
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
        """Extend the leases of this worker's open chunks, and its planner and reconciler
        leases (a heartbeat); return how many chunks."""
        async with self._tx() as conn:
            renewed = await conn.fetchval(
                f"WITH r AS (UPDATE {self._t('chunks')} SET "
                "lease_until = clock_timestamp() + make_interval(secs => $3) "
                "WHERE campaign = $1 AND owner = $2 AND state = ANY($4::text[]) "
                "AND chunk = ANY($5::bigint[]) RETURNING 1) SELECT count(*) FROM r",
                self.campaign,
                self.owner,
                self.lease,
                list(_OPEN),
                sorted(self._mine),
            )
            await conn.execute(
                f"UPDATE {self._t('campaigns')} SET planner_until = CASE WHEN planner = $2 "
                "THEN clock_timestamp() + make_interval(secs => $3) ELSE planner_until END, "
                "reconciler_until = CASE WHEN reconciler = $2 AND reconciler_until > "
                "clock_timestamp() THEN clock_timestamp() + make_interval(secs => $3) "
                "ELSE reconciler_until END WHERE campaign = $1 AND $2 IN (planner, reconciler)",
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

    async def reachable(self) -> bool:
        """Return True when the store's server answers (a worker waiting out an outage)."""
        try:
            async with self._tx() as conn:
                await conn.fetchval("SELECT 1")
        except JournalError:
            return False
        return True

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
