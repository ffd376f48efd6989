"""What every stage of a campaign reads: its options, its store, its counters and its events.

:class:`~._engine.BulkJob` sets all of this up; the stages (:mod:`._price`, :mod:`._plan`) are
its base classes and read it through the names declared here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from .._session import Session
from .._validation import Limits
from ._channels import Channel
from ._report import BulkOutcome, BulkPlan, ProgressEvent
from ._rows import BodyTemplate
from ._store import CampaignStore

__all__ = ["JobState", "ProgressHook"]

ProgressHook = Callable[[ProgressEvent], Awaitable[None] | None]


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
    preflight: bool
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


def payload_defaults(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the defaults a job was given, without the ones left unset (None)."""
    return {k: v for k, v in values.items() if v is not None}
