"""Campaign workers: send a campaign already planned in a store, from any process or host.

Planning needs the recipients (``cs.sms.bulk(rows, store=store).plan()``); a worker does not:
``await cs.bulk.work(store)`` sends what the store holds, on any channel. See
:mod:`clicksend_async.bulk._worker`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ..bulk._jobstate import ProgressHook
from ..bulk._report import BulkReport
from ..bulk._store import CampaignStore
from ..bulk._worker import STORE_OUTAGE, CampaignStatus, campaign_status, work
from ._base import Resource

__all__ = ["BulkResource"]


class BulkResource(Resource):
    """Campaigns across workers: run a worker, read a campaign's status."""

    async def work(
        self,
        store: CampaignStore,
        *,
        max_seconds: float | None = None,
        concurrency: int = 4,
        chunk_size: int | None = None,
        exclude: Iterable[Any] | None = None,
        on_progress: ProgressHook | None = None,
        max_attempts: int = 4,
        send_timeout: float | None = None,
        throttle_pause: float = 6.0,
        reconcile_settle: float = 2.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        store_outage: float = STORE_OUTAGE,
    ) -> BulkReport:
        """Run one worker of the campaign planned in ``store`` and return its report.

        The plan, the channel and the request's shared fields come from the store; the worker
        sends until nothing is left to claim, the campaign stops for every worker (out of
        credit, budget spent), or ``max_seconds`` pass (then it stops gracefully: chunks in
        flight finish and are recorded, and ``report.stopped`` is set). An unplanned campaign
        raises :class:`~clicksend_async.JournalError`. Start as many workers as you like.
        While the store's server is unreachable mid-run the worker sends nothing and waits up
        to ``store_outage`` seconds for it, then carries on.
        """
        return await work(
            self._session,
            store,
            max_seconds=max_seconds,
            concurrency=concurrency,
            chunk_size=chunk_size,
            exclude=exclude,
            on_progress=on_progress,
            max_attempts=max_attempts,
            send_timeout=send_timeout,
            throttle_pause=throttle_pause,
            reconcile_settle=reconcile_settle,
            sleep=sleep,
            clock=clock,
            store_outage=store_outage,
        )

    async def status(self, store: CampaignStore) -> CampaignStatus:
        """Return where the campaign in ``store`` stands (``status.finished``: nothing left)."""
        return await campaign_status(store)
