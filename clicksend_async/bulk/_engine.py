"""The bulk-send engine: a campaign's stages, run in order over its store.

1. **Plan** (:mod:`._plan`, no network): every row validated, counted and written to the store
   before the first request; a bad file or row is reported first.
2. **Price** (:mod:`._price`): preflight through ``/price``; ``max_cost``, ``max_segments`` and
   the balance are checked by :meth:`BulkJob.plan` too, so a confirmed plan never fails later.
3. **Send** (:mod:`._send`): chunks are claimed from the store (intent recorded before the
   request is built), sent ``concurrency`` at a time, and their outcomes recorded, fenced.
4. **Reconcile** (:mod:`._reconcile`): chunks in doubt are settled through the history in
   ClickSend's time, one coalesced read at a time; only proved absence releases a row.
5. **Report** (:mod:`._report`): every input row in exactly one state (a task's error is kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from decimal import Decimal
from typing import Any

from .._exceptions import ConfigurationError, ValidationError
from .._sansio import clean_text
from .._session import Session
from .._tracing import campaign_span
from .._validation import (
    DEFAULT_LIMITS,
    MAX_MESSAGES_PER_REQUEST,
    Limits,
    check_media_file,
    path_segment,
)
from ._channels import SMS, VOICE, Channel, mms_channel
from ._jobstate import ProgressHook, Slot, snapshot
from ._journal import Journal
from ._plan import Planning, Recipients, _exclusion_set
from ._reconcile import Reconciler, close_open_windows, provable
from ._report import BulkOutcome, BulkPlan, BulkReport
from ._rows import BodyTemplate
from ._send import ChunkResult, ChunkSender, outcome_events
from ._sqlite_store import SqliteStore
from ._states import Claim, DoubtChunk, SentEvidence
from ._store import CampaignStore

__all__ = ["SMS", "VOICE", "BulkJob", "Channel", "Recipients", "mms_channel"]

logger = logging.getLogger("clicksend_async.bulk")

#: Rows claimed per store call while excluded numbers are checked before sending.
_EXCLUDE_SCAN = 5000
#: History reads settling chunks in doubt at once (a store of one owner; each read's requests
#: still pass the client's rate limiter, and its lookups their own bound).
RECONCILE_READS = 3
#: What :meth:`BulkJob._sleep_or_get` returns when nothing came.
_NOTHING = object()


class BulkJob(Planning):
    """One campaign: ``await job.plan()``, ``await job.run()`` or ``async for o in job.stream()``.

    Made by ``client.sms.bulk(...)`` (and ``mms.bulk``, ``voice.bulk``); see
    :meth:`clicksend_async.resources.sms.SmsResource.send_bulk` for the arguments.
    """

    def __init__(
        self,
        session: Session,
        channel: Channel,
        recipients: Recipients,
        *,
        body: str | None = None,
        defaults: Mapping[str, Any] | None = None,
        request_extra: Mapping[str, Any] | None = None,
        chunk_size: int = MAX_MESSAGES_PER_REQUEST,
        concurrency: int = 4,
        preflight: bool | str = True,
        max_cost: Decimal | float | str | None = None,
        max_segments: int | None = None,
        check_balance: bool = True,
        dry_run: bool = False,
        dedupe: bool | str = False,
        allow_empty_fields: bool = False,
        transliterate: bool = False,
        exclude: Iterable[Any] | None = None,
        exclude_lists: Iterable[int | str] = (),
        journal: str | Journal | None = None,
        store: CampaignStore | None = None,
        resume: bool | None = None,
        on_progress: ProgressHook | None = None,
        limits: Limits = DEFAULT_LIMITS,
        reconcile_settle: float = 2.0,
        throttle_pause: float = 6.0,
        max_attempts: int = 4,
        send_timeout: float | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 1 <= chunk_size <= MAX_MESSAGES_PER_REQUEST:
            raise ValidationError(
                f"must be from 1 to {MAX_MESSAGES_PER_REQUEST}", field="chunk_size"
            )
        if concurrency < 1:
            raise ValidationError("must be at least 1", field="concurrency")
        if max_attempts < 1:
            raise ValidationError("must be at least 1", field="max_attempts")
        if channel.name == "mms":
            check_media_file((request_extra or {}).get("media_file"))
        if dedupe not in (False, True, "number"):
            raise ValidationError(
                f"must be True (same number and text), 'number' (same number) or False, "
                f"not {dedupe!r}",
                field="dedupe",
            )
        if store is not None and journal is not None:
            raise ConfigurationError("give a journal or a store, not both")
        self._session = session
        self.channel = channel
        self._recipients = recipients
        self._template = None if body is None else BodyTemplate.compile(body)
        self._defaults = dict(defaults or {})
        subject = self._defaults.get("subject")
        self._subject_template = (
            BodyTemplate.compile(subject)
            if channel.name == "mms" and isinstance(subject, str) and "{" in subject
            else None
        )
        self._request_extra = dict(request_extra or {})
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        if preflight not in (True, False, "key", "exact"):
            raise ValidationError(
                f"must be True or 'key' (price one message per price key), 'exact' (price "
                f"every row) or False, not {preflight!r}",
                field="preflight",
            )
        self.preflight: str | bool = "key" if preflight is True else preflight
        self.max_cost = None if max_cost is None else Decimal(str(max_cost))
        self.max_segments = max_segments
        self.check_balance = check_balance
        self.dry_run = dry_run
        self.dedupe = dedupe
        self.allow_empty_fields = allow_empty_fields
        self.transliterate = transliterate
        self._exclude = _exclusion_set(exclude, self._defaults.get("country"))
        self.exclude_lists = tuple(exclude_lists)
        for list_id in self.exclude_lists:
            path_segment(list_id)  # a bad id is refused now, not after the input was read
        self._lists_loaded = not self.exclude_lists
        self._row_transliterated = False
        self._on_progress = on_progress
        self._limits = limits
        self._settle = reconcile_settle
        self._throttle_pause = throttle_pause
        self._max_attempts = max_attempts
        self._send_timeout = send_timeout
        self._sleep = sleep
        self._clock = clock
        # Elapsed time (the settle time of chunks in doubt): monotonic, unless a clock was
        # given (a test's fake clock, which its fake sleep moves on).
        self._elapsed = time.monotonic if clock is time.time else clock
        self._resume = resume
        if store is None:
            self._sqlite: SqliteStore | None = SqliteStore(journal)
            self._store = self._sqlite
            self._owns_journal = self._sqlite.owns_journal
        else:
            self._sqlite = store if isinstance(store, SqliteStore) else None
            self._store = store
            self._owns_journal = False
        self._plan = None
        self._budget_checked = False
        self._planned_here = False
        self._defaults_error = None
        self._queue = None
        self._abort: str | None = None
        self._stopped = False
        self._cancelled = False
        self._started = 0.0
        self._in_flight = 0
        self._sent = self._rejected = self._unknown = 0
        self._cost = Decimal(0)
        self._used = False
        self._canary: SentEvidence | None = None
        self._flush_header = json.dumps(self._request_extra, separators=(",", ":"))[1:-1]
        self.reconciler = Reconciler(
            session=session,
            history_path=channel.history_path,
            store=self._store,
            settle=reconcile_settle,
            sleep=sleep,
            emit=self._emit,
            on_settled=self._count_settled,
            canary=lambda: self._canary,
            elapsed=self._elapsed,
        )

    def __repr__(self) -> str:
        return f"<BulkJob {self.channel.name} store={self._store!r}>"

    # -- public ---------------------------------------------------------------------------

    @property
    def journal(self) -> Journal:
        """Return the campaign journal (the SQLite store's file)."""
        if self._sqlite is None:
            raise ConfigurationError("this campaign lives in a shared store, not a journal")
        return self._sqlite.journal

    @property
    def stopped(self) -> bool:
        """Return True once :meth:`stop` was called."""
        return self._stopped

    @property
    def aborted(self) -> str | None:
        """Return why the run stopped early (out of credit, credentials refused ...), if it did."""
        return None if self._abort in (None, "stopped") else self._abort

    @property
    def store(self) -> CampaignStore:
        """Return the campaign store."""
        return self._store

    async def plan(self) -> BulkPlan:
        """Validate, count and (with preflight) price every row, and check the budget and the
        balance; send nothing. A plan this returns is one :meth:`run` will not refuse."""
        if self._plan is None:
            await self._store.open()  # only the holder plans: never two plans in one store
            self._started = self._started or time.monotonic()
            if not self._lists_loaded:
                await self._load_exclude_lists()
            try:
                self._plan = await self._make_plan()
            except BaseException:
                await self._drop_balance()  # asked for early; not wanted if planning failed
                raise
        if not self._budget_checked:
            await self._check_plan(self._plan)
            self._budget_checked = True
        return self._plan

    async def stop(self) -> None:
        """Stop gracefully: no new chunk is sent; the ones in flight finish and are recorded.

        :meth:`run` then returns its report with ``report.stopped`` set; the rows not sent are
        ``skipped`` (or ``not_sent``) and a resume sends them.
        """
        self._stopped = True
        if self._abort is None:
            self._abort = "stopped"

    async def run(self) -> BulkReport:
        """Plan, check the budget, send everything, and return the report.

        Cancelling the task lets the chunks in flight finish and be recorded, then raises
        ``CancelledError`` (a timeout around ``run()`` is a timeout); use :meth:`stop` for a
        graceful stop that returns the report.
        """
        if self._used:
            raise ConfigurationError("a BulkJob runs once; make a new one (the journal resumes)")
        self._used = True
        self._started = time.monotonic()
        try:
            with campaign_span(channel=self.channel.name, store=self._store.where) as span:
                await self._store.open()
                plan = await self.plan()
                span.set("clicksend.rows", plan.rows)
                if self.dry_run:
                    await self._store.note_unsent("dry run: nothing was sent")
                else:
                    await self._send_all(plan)
                span.set("clicksend.sent", self._sent)
                span.set("clicksend.unknown", self._unknown)
        except BaseException:
            if self._owns_journal:
                await self._store.close()
            else:
                await self._store.release()
            raise
        await self._store.release()
        await self._progress("done")
        await self._emit_unsettled()
        if self._sqlite is not None:
            journal, owns = self._sqlite.journal, self._owns_journal
        else:
            # A shared store's rows live on its server: the report reads a private copy.
            journal, owns = await snapshot(self._store), True
        return BulkReport(
            journal=journal,
            plan=self._plan,
            duration=time.monotonic() - self._started,
            cancelled=self._cancelled,
            dry_run=self.dry_run,
            aborted=None if self._abort == "stopped" else self._abort,
            owns_journal=owns,
            stopped=self._stopped,
        )

    async def stream(self) -> AsyncIterator[BulkOutcome]:
        """Run the campaign and yield each row's outcome as soon as it is known."""
        queue: asyncio.Queue[BulkOutcome | None] = asyncio.Queue(maxsize=10_000)
        self._queue = queue
        report_box: list[BulkReport] = []

        async def runner() -> None:
            try:
                report_box.append(await self.run())
            finally:
                await queue.put(None)

        task = asyncio.create_task(runner())
        try:
            while True:
                item = await queue.get()
                if item is None:
                    break
                yield item
            await task
        finally:
            if not task.done():
                self._queue = None  # nobody is listening any more: emits become no-ops
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for report in report_box:
                report.close()

    # -- sending --------------------------------------------------------------------------

    async def _send_all(self, plan: BulkPlan) -> None:
        store = self._store
        await store.begin_run()
        evidence = await store.sent_evidence()
        self._canary = evidence if evidence and provable(evidence.custom_string) else None
        leftovers = await store.in_doubt()
        if leftovers and not self._session.server_clock.known:
            with contextlib.suppress(Exception):
                await self._session.data("GET", "/account")  # learn ClickSend's clock
        leftovers = close_open_windows(leftovers, self._session.server_clock)
        if leftovers:
            # A takeover reconciles first: nothing of a chunk in doubt is sent before that.
            await self._progress("reconciling")
            await self.reconciler.settle_chunks(leftovers)
        if not self._session.server_clock.known:
            with contextlib.suppress(Exception):
                await self._session.data("GET", "/account")  # learn ClickSend's clock
        doubts: asyncio.Queue[DoubtChunk | None] = asyncio.Queue()
        reconciling = asyncio.create_task(self._reconcile_loop(doubts))
        sender = ChunkSender(
            session=self._session,
            channel=self.channel,
            store=store,
            body=self._body,
            on_doubt=doubts.put_nowait,
            on_result=self._count_result,
            timeout=self._send_timeout,
            elapsed=self._elapsed,
        )
        inflight: set[asyncio.Task[None]] = set()
        sem = asyncio.Semaphore(self.concurrency)
        failures: list[BaseException] = []

        def done(slot: Slot, task: asyncio.Task[None]) -> None:
            inflight.discard(task)
            slot.release()
            self._in_flight -= 1
            if not task.cancelled() and task.exception() is not None:
                failures.append(task.exception())  # type: ignore[arg-type]
                if self._abort is None:
                    self._abort = f"the journal could not record a chunk: {task.exception()}"

        try:
            while True:
                cursor = 0
                while not self._stopping():
                    await sem.acquire()
                    if not await self._may_claim():  # an answer that came meanwhile said stop
                        sem.release()
                        break
                    await self._exclude_before_claim(cursor)
                    claim = await store.claim(
                        self.chunk_size,
                        after_row=cursor,
                        max_attempts=self._max_attempts,
                        **self._claim_extra(),
                    )
                    if (
                        claim is None
                        or await self._claim_holds_excluded(claim)
                        or await self._claim_over_budget(claim)
                    ):
                        sem.release()  # given back whole (an excluded row, the budget): again
                        if claim is None:
                            break
                        continue
                    cursor = claim.rows[-1].row
                    self._in_flight += 1
                    # The slot is free once the request is over: the next chunk's request may
                    # leave while this answer is classified and recorded.
                    slot = Slot(sem)
                    task = asyncio.create_task(sender.send(claim, slot.release))
                    inflight.add(task)
                    task.add_done_callback(functools.partial(done, slot))
                if inflight:
                    await asyncio.wait(set(inflight))
                await doubts.join()
                if failures:
                    raise failures[0]
                if self._stopping():
                    break
                if not await store.count_pending(self._max_attempts):
                    # Other workers may still hold rows (a dead one's come back after its
                    # lease, reconciled): wait for them, and send what comes back.
                    if await self.reconciler.finish_held(self._stopping, self._max_attempts):
                        continue
                    break
                await self._progress("sending")
                await self._sleep(self._throttle_pause)
        except asyncio.CancelledError:
            self._cancelled = True
            if self._abort is None:
                self._abort = "cancelled"
            if inflight:
                # Let requests already sent finish and be recorded; cancelling them would turn
                # known outcomes into unknown ones. Chunks left in doubt wait for the next run.
                await asyncio.wait(set(inflight))
            raise
        except Exception:
            if inflight:
                # The run fails (the store stayed unreachable, say): requests already sent
                # still finish and are recorded, or fail to be (fenced, in doubt for the next
                # run); none is left running behind the error.
                await asyncio.wait(set(inflight))
            raise
        finally:
            reconciling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reconciling
        if self._abort is not None:
            await store.note_unsent(f"not sent: {self._abort}")
        elif await store.count_pending():
            await store.note_unsent(
                f"not sent after {self._max_attempts} attempts (rate limited, throttled or "
                "connection failures); a resume tries again"
            )

    async def _may_claim(self) -> bool:
        """Return whether another chunk may be claimed: no stop, budget left, campaign open."""
        if self.max_cost is not None and self._cost >= self.max_cost and self._abort is None:
            self._abort = f"max_cost {self.max_cost} reached while sending"
        return not self._stopping() and not await self._shared_stop()

    async def _shared_stop(self) -> bool:
        """Stop when a shared store's campaign state says so (another worker aborted it)."""
        state = getattr(self._store, "state", None)
        if state is None:
            return False
        current, reason = await state()
        if current == "open":
            return False
        if self._abort is None:
            self._abort = reason or f"the campaign is {current}"
        return True

    def _claim_extra(self) -> dict[str, Any]:
        clock = self._session.server_clock
        now = clock.local()
        window = clock.window(now, now, 1.0)
        return {"now": now, "window_from": None if window is None else window[0]}

    async def _reconcile_loop(self, doubts: asyncio.Queue[DoubtChunk | None]) -> None:
        """Settle chunks in doubt as they come: first by looking for their rows at once, then
        all those due at once in one read.

        A chunk this process sent is first looked for in the history as soon as it is in
        doubt (:meth:`Reconciler.confirm`): a row found is evidence at any moment, so a chunk
        the server accepted is settled without waiting. The others (and chunks from the store)
        are due once their settle time is over (:meth:`Reconciler.deadline`). Chunks that went
        in doubt while the loop waited for an earlier one join its read only if due too; the
        others wait for a later read instead of holding this one back, and with a store of one
        owner up to ``RECONCILE_READS`` reads run at once (a campaign losing answers throughout
        is reconciled while it sends, not all at its end). A shared store's reconciler lease
        makes its reads one at a time.
        """
        elapsed = self._elapsed
        deadline = self.reconciler.deadline
        shared = getattr(self._store, "acquire_reconciler", None) is not None
        gate = asyncio.Semaphore(1 if shared else RECONCILE_READS)
        looks = asyncio.Semaphore(RECONCILE_READS)
        looked: set[tuple[int, int]] = set()  # (chunk, epoch) looked for at once already
        held: list[DoubtChunk | None] = []  # taken from the queue, not settled yet
        reads: set[asyncio.Task[None]] = set()
        crashed: list[BaseException] = []  # a read ended by more than an Exception

        def finished(task: asyncio.Task[None]) -> None:
            reads.discard(task)
            if not task.cancelled() and task.exception() is not None:
                crashed.append(task.exception())  # type: ignore[arg-type]

        def due(chunk: DoubtChunk | None) -> float:
            return -math.inf if chunk is None else deadline(chunk)

        def fail(exc: Exception) -> None:
            logger.error("reconciliation failed: %s: %s", type(exc).__name__, exc)
            if self._abort is None:
                self._abort = (
                    f"reconciliation failed ({type(exc).__name__}: {clean_text(str(exc))})"
                )

        def spawn(work: Coroutine[Any, Any, None]) -> None:
            task = asyncio.create_task(work)
            reads.add(task)
            task.add_done_callback(finished)

        async def read(batch: list[DoubtChunk | None]) -> None:
            try:
                await self._progress("reconciling")
                await self.reconciler.settle_chunks([c for c in batch if c is not None])
            except Exception as exc:
                # Stop sending and say why; the chunks are still in doubt in the store and
                # the next run settles them.
                fail(exc)
            finally:
                gate.release()
                for _ in batch:
                    doubts.task_done()

        async def confirm(chunk: DoubtChunk) -> None:
            try:
                async with looks:
                    settled = await self.reconciler.confirm(chunk)
                if not settled:
                    doubts.put_nowait(chunk)  # back in line, due at its settle time
            except Exception as exc:
                fail(exc)  # as a read that failed: still in doubt in the store
            finally:
                doubts.task_done()

        def take(chunk: DoubtChunk | None) -> None:
            """Hold ``chunk`` for a read, or first look for its rows at once (a chunk this
            process sent, once; :meth:`Reconciler.confirm` decides whether a look can help)."""
            if (
                chunk is not None
                and chunk.ended is not None
                and (chunk.chunk, chunk.epoch) not in looked
            ):
                looked.add((chunk.chunk, chunk.epoch))
                spawn(confirm(chunk))
            else:
                held.append(chunk)

        try:
            while True:
                if not held:
                    take(await doubts.get())
                    continue
                acquired = False
                try:
                    wait = min(due(c) for c in held) - elapsed()
                    if wait > 0:
                        # Woken early by a chunk coming in doubt: it is looked for at once.
                        came = await self._sleep_or_get(doubts, wait)
                        if came is not _NOTHING:
                            take(came)  # type: ignore[arg-type]
                            continue
                    await gate.acquire()
                    acquired = True
                    while not doubts.empty():
                        take(doubts.get_nowait())
                    now = elapsed()
                    batch = [c for c in held if due(c) <= now] or [min(held, key=due)]
                    spawn(read(batch))
                except Exception as exc:  # never lose the loop: the sender waits for it
                    fail(exc)
                    if acquired:
                        gate.release()
                    for _ in held:
                        doubts.task_done()  # still in doubt in the store: the next run's
                    held = []
                    continue
                held = [c for c in held if all(c is not b for b in batch)]
        finally:
            for task in reads:
                task.cancel()
            if reads:
                await asyncio.gather(*reads, return_exceptions=True)
            if crashed:
                raise crashed[0]  # the run ends with it, as if the loop had raised it

    async def _sleep_or_get(self, queue: asyncio.Queue[Any], seconds: float) -> object:
        """Sleep ``seconds``; return what came into ``queue`` meanwhile (ending the sleep
        early), or ``_NOTHING``."""
        getting = asyncio.ensure_future(queue.get())
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({getting, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            getting.cancel()
            await asyncio.gather(sleeping, getting, return_exceptions=True)
        if getting.cancelled():
            return _NOTHING
        return getting.result()

    async def _count_result(
        self, claim: Claim, result: ChunkResult, window: tuple[float, float] | None
    ) -> None:
        if result.abort is not None and self._abort is None:
            self._abort = result.abort
            share = getattr(self._store, "set_state", None)
            if share is not None:
                await share("aborted", result.abort)  # every worker of the campaign stops
        self._count_chunk(claim, result.outcomes, result.doubt)
        if window is not None:
            # The canary is looked for by its custom string: one the history returns as sent
            # (``provable``). The first few rows sent are enough to find one (the engine's own
            # keys always are); rows with a number only.
            for sent in itertools.islice((o for o in result.outcomes if o.state == "sent"), 8):
                row = next(r for r in claim.rows if r.row == sent.row)
                if row.to and provable(row.custom_string):
                    self._canary = SentEvidence(row.custom_string, row.to, window)
                    break
        if self._queue is not None:
            for event in outcome_events(claim, result):
                await self._emit(event)
        await self._progress("sending")
