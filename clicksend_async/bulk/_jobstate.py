"""What every stage of a campaign reads: its options, its store, its counters and its events.

:class:`~._engine.BulkJob` sets all of this up; the stages (:mod:`._price`, :mod:`._plan`) are
its base classes and read it through the names declared here.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from .._phone import compare_key
from .._session import Session
from .._validation import Limits
from ._budget import BilledGuard, RateTable, table_from_json
from ._channels import Channel
from ._journal import Journal
from ._report import BulkOutcome, BulkPlan, ProgressEvent
from ._rows import BodyTemplate
from ._states import Claim, Release, RowOutcome, SentColumns
from ._store import CampaignStore

__all__ = ["EXCLUDED", "EXCLUDED_WHY", "JobState", "ProgressHook", "Slot"]

ProgressHook = Callable[[ProgressEvent], Awaitable[None] | None]

#: The status and reason of a row not sent because its number is excluded.
EXCLUDED = "EXCLUDED"
EXCLUDED_WHY = "excluded: the number is on the exclusion list (exclude / exclude_lists)"


class JobState:
    """The options, store, counters and event plumbing of one campaign."""

    _session: Session
    channel: Channel
    _store: CampaignStore
    _recipients: Any
    _template: BodyTemplate | None
    _subject_template: BodyTemplate | None
    _defaults: dict[str, Any]
    _request_extra: dict[str, Any]
    _flush_header: str
    chunk_size: int
    concurrency: int
    preflight: str | bool
    max_cost: Decimal | None
    max_segments: int | None
    check_balance: bool
    dry_run: bool
    dedupe: bool | str
    allow_empty_fields: bool
    transliterate: bool
    _exclude: set[str]
    exclude_lists: tuple[int | str, ...]
    _lists_loaded: bool
    _row_transliterated: bool
    _limits: Limits
    _clock: Callable[[], float]
    _resume: bool | None
    _plan: BulkPlan | None
    _defaults_error: Any
    _on_progress: ProgressHook | None
    _queue: asyncio.Queue[BulkOutcome | None] | None
    _started: float
    _in_flight: int
    _sent: int
    _rejected: int
    _unknown: int
    _cost: Decimal
    _abort: str | None
    #: True when this job made the plan (its exclusions were applied to every row then).
    _planned_here: bool
    #: The billed guard (with max_cost), and the plan's rate table when planned here.
    _guard: BilledGuard | None = None
    _rate_table: RateTable | None = None

    def _stopping(self) -> bool:
        return self._abort is not None

    def _count_settled(self, outcomes: Sequence[RowOutcome]) -> None:
        """Count rows settled by reconciliation (sent, rejected, unknown)."""
        self._tally(outcomes)
        if self._guard is not None:
            self._guard.settled(outcomes)

    def _count_chunk(self, claim: Claim, outcomes: Sequence[RowOutcome], doubt: Any) -> None:
        """Count a chunk's recorded answer (and tell the billed guard)."""
        self._tally(outcomes)
        if self._guard is not None:
            self._guard.recorded(claim, outcomes, doubt)

    def _tally(self, outcomes: Sequence[RowOutcome]) -> None:
        # Prices repeat (one per destination and part count): each distinct text is parsed
        # once per chunk, not once per row.
        prices: Mapping[str | None, int]
        if type(outcomes) is SentColumns:  # every row sent, its prices already counted
            self._sent += len(outcomes)
            prices = outcomes.price_counts
        else:
            counted: dict[str | None, int] = {}
            for o in outcomes:
                state = o.state
                if state == "sent":
                    self._sent += 1
                    counted[o.price] = counted.get(o.price, 0) + 1
                elif state == "rejected":
                    self._rejected += 1
                elif state == "unknown":
                    self._unknown += 1
            prices = counted
        for text, count in prices.items():
            if text is not None:
                self._cost += Decimal(text) * count

    async def _billed_guard(self, max_cost: Decimal) -> BilledGuard:
        if self._guard is None:
            mean = (self._plan.mean_price() if self._plan is not None else None) or Decimal(0)
            table = self._rate_table
            if table is None:  # planned by another process (a worker, a resume)
                table = table_from_json(await self._store.get_meta("rate_table"))
            self._guard = BilledGuard(
                max_cost=max_cost,
                channel=self.channel,
                limits=self._limits,
                table=table,
                mean=mean,
                billed_before=(await self._store.totals())[0] - self._cost,
            )
        return self._guard

    async def _claim_over_budget(self, claim: Claim) -> bool:
        """Give a claim back whole, and stop, when sending it could take what ClickSend bills
        past ``max_cost`` (:class:`~._budget.BilledGuard`). Its request has not been built, so
        its rows are surely not sent."""
        if self.max_cost is None:
            return False
        guard = await self._billed_guard(self.max_cost)
        ahead = guard.admit(claim)
        if ahead is None:
            return False
        billed = guard.billed
        ahead += guard.expected()
        await self._store.settle(
            claim.chunk,
            claim.epoch,
            releases=[
                Release(r.row, None, "not sent: max_cost would be passed") for r in claim.rows
            ],
            resend=claim.resend,
        )
        if self._abort is None:
            self._abort = (
                f"max_cost {self.max_cost} would be passed: {billed} billed so far, about "
                f"{ahead.quantize(Decimal('0.0001'))} more for the chunks in flight and the next"
            )
        return True

    def _campaign_country(self) -> str | None:
        country = self._defaults.get("country")
        return str(country) if country else None

    def _compare_key(self, to: str | None, country: Any, row: int | None = None) -> str | None:
        """Return a row's number as opt-outs and dedupe compare it (E.164).

        A local number phonenumbers knows to be invalid is refused (``ValidationError``).
        """
        purpose = "exclude=" if self._exclude else "dedupe="
        own = str(country) if country else self._campaign_country()
        return compare_key(to, own, purpose=purpose, validate=row is not None, row=row)

    def _body(self, payloads: list[str]) -> bytes:
        """Return one ``messages[]`` request body from the rows' payload JSON."""
        head = '{"messages":['
        if self._flush_header:
            head = "{" + self._flush_header + ',"messages":['
        return (head + ",".join(payloads) + "]}").encode()

    async def _emit(self, outcome: BulkOutcome) -> None:
        if self._queue is not None:
            await self._queue.put(outcome)

    def _pending_estimate(self, plan: BulkPlan | None) -> int:
        if plan is None:
            return 0
        sendable = plan.messages - sum(plan.rejected_statuses.values())
        return max(0, sendable - self._sent - self._rejected - self._unknown)

    async def _progress(
        self,
        phase: str,
        *,
        rows: int | None = None,
        valid: int | None = None,
        invalid: int | None = None,
    ) -> None:
        hook = self._on_progress
        if hook is None:
            return
        plan = self._plan
        event = ProgressEvent(
            phase=phase,
            rows=rows if rows is not None else (plan.rows if plan else 0),
            valid=valid if valid is not None else (plan.messages if plan else 0),
            invalid=invalid if invalid is not None else (plan.invalid if plan else 0),
            sent=self._sent,
            rejected=self._rejected,
            unknown=self._unknown,
            in_flight=self._in_flight,
            pending=self._pending_estimate(plan) if phase != "planning" else 0,
            cost=self._cost,
            elapsed=time.monotonic() - self._started,
        )
        result = hook(event)
        if result is not None:
            await result

    async def _exclude_before_claim(self, cursor: int) -> None:
        """Settle the excluded rows the next claim would take, unless this job planned them."""
        if self._exclude and not self._planned_here:
            # Each pass that drops rows lets the claim reach further: check until none drop.
            while await self._drop_excluded(cursor):
                pass

    async def _claim_holds_excluded(self, claim: Claim) -> bool:
        """Give a claim back whole when it holds a row excluded now, and say so.

        Another worker can claim rows between the check before a claim and the claim itself,
        so this claim may reach rows nobody checked. Its request has not been built: every row
        goes back to pending (surely not sent), and the next check settles the excluded ones.
        """
        if not self._exclude or self._planned_here:
            return False
        for r in claim.rows:
            message = json.loads(r.payload)
            if self._compare_key(message.get("to"), message.get("country")) in self._exclude:
                reason = "not sent: its claim held a number excluded since the plan"
                await self._store.settle(
                    claim.chunk,
                    claim.epoch,
                    releases=[Release(x.row, None, reason) for x in claim.rows],
                    resend=claim.resend,
                )
                return True
        return False

    async def _drop_excluded(self, cursor: int) -> int:
        """Settle pending rows whose number is excluded now (a resume honours the exclusions
        of the current run, which may have grown since the plan); return how many."""
        dropped: list[tuple[int, str | None]] = []
        for row, _, payload in await self._store.rows_to_price(cursor, self.chunk_size):
            try:
                message = json.loads(payload)
            except (TypeError, ValueError):
                continue  # not a message payload (cannot happen for a pending row)
            to = message.get("to")
            if to and self._compare_key(to, message.get("country")) in self._exclude:
                dropped.append((row, to))
        if not dropped:
            return 0
        await self._store.exclude([row for row, _ in dropped], EXCLUDED, EXCLUDED_WHY)
        for row, to in dropped:
            await self._emit(
                BulkOutcome(row=row, to=to, state="invalid", status=EXCLUDED, reason=EXCLUDED_WHY)
            )
        return len(dropped)

    # -- counters and events --------------------------------------------------------------

    async def _emit_unsettled(self) -> None:
        """Stream the rows that end this run without an outcome (not sent, skipped)."""
        if self._queue is None:
            return
        async for row, to, state, status, _, _, _, custom, reason, _, _ in self._store.outcomes():
            if state in ("skipped", "not_sent"):
                await self._queue.put(
                    BulkOutcome(
                        row=row,
                        to=to,
                        state=state,
                        status=status,
                        custom_string=custom,
                        reason=reason,
                    )
                )


async def snapshot(store: CampaignStore) -> Journal:
    """Copy a store's reported outcomes into a temporary journal (a shared store's report)."""
    journal = Journal()
    batch: list[tuple[Any, ...]] = []
    sql = (
        "INSERT INTO rows (row, recipient, state, status, message_id, parts, price, "
        "custom_string, reason, delivery, delivery_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    async for record in store.outcomes():
        batch.append(tuple(record))
        if len(batch) >= 1000:
            journal._db.executemany(sql, batch)
            batch = []
    journal._db.executemany(sql, batch)
    return journal


def payload_defaults(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the defaults a job was given, without the ones left unset (None)."""
    return {k: v for k, v in values.items() if v is not None}


class Slot:
    """One request's hold on the concurrency semaphore, released once."""

    __slots__ = ("_sem",)

    def __init__(self, sem: asyncio.Semaphore) -> None:
        self._sem: asyncio.Semaphore | None = sem

    def release(self) -> None:
        """Release the semaphore (a second call does nothing)."""
        if self._sem is not None:
            self._sem.release()
            self._sem = None
