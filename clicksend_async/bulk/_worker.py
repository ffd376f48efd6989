"""Workers: send a campaign already planned in a store, without its recipients.

A campaign is planned once (``cs.sms.bulk(..., store=store).plan()`` or ``clicksend-async
campaign ... --detach``); the plan, the channel and the request's shared fields (media file,
senders, ``shorten_urls``) are in the store's meta, and every row's payload is in its rows. Any
number of workers, on any host, then run :func:`work` against the same store: each claims
chunks, sends them and records their outcomes through the store's fencing, so a recipient is
texted once whatever the workers do. A worker never plans: an unplanned campaign is refused.

``max_seconds`` bounds a worker (a task queue runs campaigns in slices): when it is up the
worker stops gracefully (:meth:`BulkJob.stop`), and a later worker carries on. Use
:func:`campaign_status` to tell whether there is more to do.

**The store going away.** Every send needs the store (the claim records the intent, the
pre-send guard reads the lease), so while the store's server is unreachable a worker sends
nothing. It says so in the log, waits for the server (up to ``store_outage`` seconds, default
:data:`STORE_OUTAGE`) and then carries on with a fresh run, which reconciles first like any
worker that starts; past that time it raises the store's error. A store that cannot be reached
when the worker starts is an error at once (most often a wrong address).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs

from .._exceptions import ConfigurationError, JournalError, ValidationError
from .._session import Session
from .._validation import MAX_MESSAGES_PER_REQUEST
from ._channels import SMS, VOICE, Channel, mms_channel
from ._engine import BulkJob
from ._jobstate import ProgressHook
from ._postgres_schema import StoreUnreachableError
from ._postgres_store import PostgresStore
from ._report import BulkPlan, BulkReport
from ._sqlite_store import SqliteStore
from ._states import ALL_STATES
from ._store import CampaignStore

__all__ = [
    "NOT_OPENED_YET",
    "STORE_OUTAGE",
    "CampaignStatus",
    "campaign_status",
    "check_max_seconds",
    "open_store",
    "prepare_worker",
    "run_for",
    "store_path",
    "work",
]


#: The reason a campaign's shared state is ``stopping`` while ``campaign --detach`` waits for its
#: budget check and confirmation: a worker that starts meanwhile claims nothing, and the
#: campaign is not finished (it opens, or is left ``aborted``).
NOT_OPENED_YET = "being planned: waiting for the budget check and the confirmation"

#: Seconds a worker waits for its store's server to come back before it gives up.
STORE_OUTAGE = 300.0

logger = logging.getLogger("clicksend_async.bulk")


class _CampaignWorker(BulkJob):
    """A :class:`BulkJob` whose plan is the one stored: it sends, it never plans."""

    def __init__(self, session: Session, plan: BulkPlan, channel: Channel, **kwargs: Any) -> None:
        super().__init__(session, channel, (), **kwargs)
        self._stored_plan = plan
        #: How to make the job that carries on after the store came back (prepare_worker's
        #: arguments), and that job once made: a stop reaches it.
        self._remake: Callable[[], Awaitable[BulkJob]] | None = None
        self._successor: BulkJob | None = None
        self.store_outage = STORE_OUTAGE

    async def plan(self) -> BulkPlan:
        """Return the stored plan (the budget and balance were checked when it was made)."""
        self._plan = self._stored_plan
        return self._stored_plan

    async def stop(self) -> None:
        """Stop gracefully (and the run that carries on after a store outage, if any)."""
        await super().stop()
        if self._successor is not None:
            await self._successor.stop()


async def _stored_plan(
    store: CampaignStore,
) -> tuple[BulkPlan, Channel, dict[str, Any], int | None]:
    """Read what a worker needs from the store's meta, or say why it cannot work."""
    stored = await store.get_meta("plan")
    if stored is None:
        raise JournalError(
            f"the campaign {store.where} is not planned: a worker never plans; plan it first "
            "(clicksend-async campaign ... --detach, or cs.sms.bulk(..., store=store).plan())"
        )
    refused = await store.get_meta("refused")
    if refused:
        raise JournalError(
            f"the campaign {store.where} was refused when it was planned ({refused}); "
            "nothing of it is sent"
        )
    request = await store.get_meta("request")
    if request is None:
        raise JournalError(
            f"the campaign {store.where} was planned by an older version, which did not record "
            "the request's shared fields a worker needs; resume it with the recipients instead"
        )
    try:
        plan = BulkPlan.from_json(json.loads(stored))
        extra = json.loads(request)
        if not isinstance(extra, dict):
            raise TypeError("the request fields are not an object")
    except (ValueError, TypeError, KeyError) as exc:
        raise JournalError(f"the campaign {store.where} holds an unreadable plan: {exc}") from None
    name = await store.get_meta("channel")
    if name == "sms":
        channel = SMS
    elif name == "voice":
        channel = VOICE
    elif name == "mms" and isinstance(extra.get("media_file"), str):
        channel = mms_channel(extra["media_file"])
    else:
        raise JournalError(f"the campaign {store.where} has an unknown channel {name!r}")
    stored_chunk = await store.get_meta("chunk_size")
    chunk_size = int(stored_chunk) if stored_chunk and stored_chunk.isdigit() else None
    return plan, channel, extra, chunk_size


async def prepare_worker(
    session: Session,
    store: CampaignStore,
    *,
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
) -> BulkJob:
    """Return a job that sends the campaign planned in ``store`` (refused if not planned)."""
    if not (store_outage >= 0 and not math.isinf(store_outage)):
        raise ValidationError("must be zero or more seconds", field="store_outage")
    options: dict[str, Any] = {
        "concurrency": concurrency,
        "chunk_size": chunk_size,
        "exclude": exclude,
        "on_progress": on_progress,
        "max_attempts": max_attempts,
        "send_timeout": send_timeout,
        "throttle_pause": throttle_pause,
        "reconcile_settle": reconcile_settle,
        "sleep": sleep,
        "clock": clock,
        "store_outage": store_outage,
    }
    plan, channel, extra, stored_chunk = await _stored_plan(store)
    country = await store.get_meta("country")
    # The plan's max_cost also stops this worker; a shared store's own budget
    # (PostgresStore(max_cost=...)) is the one that holds across workers.
    max_cost = await store.get_meta("max_cost")
    job = _CampaignWorker(
        session,
        plan,
        channel,
        defaults={"country": country} if country else None,
        request_extra=extra,
        chunk_size=chunk_size or stored_chunk or MAX_MESSAGES_PER_REQUEST,
        concurrency=concurrency,
        preflight=False,
        max_cost=max_cost or None,
        check_balance=False,
        exclude=exclude,
        store=store,
        resume=True,
        on_progress=on_progress,
        max_attempts=max_attempts,
        send_timeout=send_timeout,
        throttle_pause=throttle_pause,
        reconcile_settle=reconcile_settle,
        sleep=sleep,
        clock=clock,
    )
    job.store_outage = store_outage

    async def remake() -> BulkJob:
        return await prepare_worker(session, store, **options)

    job._remake = remake
    return job


def check_max_seconds(max_seconds: float | None) -> None:
    """Refuse a time limit that is not a positive, finite number of seconds."""
    if max_seconds is not None and not (max_seconds > 0 and not math.isinf(max_seconds)):
        raise ValidationError("must be a positive number of seconds", field="max_seconds")


async def run_for(job: BulkJob, max_seconds: float | None) -> BulkReport:
    """Run ``job``; after ``max_seconds`` stop it gracefully (in-flight chunks are recorded).

    A worker's job (:func:`prepare_worker`) outlives an outage of its store: it sends nothing
    while the store is unreachable, waits for it (``store_outage``) and carries on with a new
    run of the same worker.
    """
    check_max_seconds(max_seconds)
    loop = asyncio.get_running_loop()
    stopping: set[asyncio.Task[None]] = set()

    def time_up() -> None:
        task = loop.create_task(job.stop())
        stopping.add(task)
        task.add_done_callback(stopping.discard)

    handle = None if max_seconds is None else loop.call_later(max_seconds, time_up)
    try:
        current = job
        while True:
            try:
                return await current.run()
            except StoreUnreachableError as exc:
                if not isinstance(job, _CampaignWorker) or job._remake is None:
                    raise
                await _wait_for_store(job.store, job.store_outage, exc)
                current = await job._remake()
                job._successor = current
                if job.stopped:
                    await current.stop()  # the time ran out (or a signal came) meanwhile
    finally:
        if handle is not None:
            handle.cancel()


async def _wait_for_store(
    store: CampaignStore, outage: float, error: StoreUnreachableError
) -> None:
    """Wait until the store answers again; re-raise ``error`` after ``outage`` seconds."""
    reachable = getattr(store, "reachable", None)
    if reachable is None or outage <= 0:
        raise error
    logger.error(
        "%s: this worker sends nothing until the store is back (waiting up to %.0f s)",
        error,
        outage,
    )
    deadline = time.monotonic() + outage
    pause = 0.1
    while time.monotonic() < deadline:
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 2.0)
        if await reachable():
            logger.warning("the store %s is reachable again: this worker carries on", store.where)
            return
    raise StoreUnreachableError(
        f"{error}; it stayed unreachable for {outage:.0f} s, and this worker sent "
        "nothing meanwhile: start a worker again once the store is back (it reconciles first)"
    ) from None


async def work(
    session: Session,
    store: CampaignStore,
    *,
    max_seconds: float | None = None,
    **options: Any,
) -> BulkReport:
    """Run one worker of a campaign planned in ``store``; return the campaign's report.

    ``options`` are :func:`prepare_worker`'s (``concurrency``, ``chunk_size``, ``exclude``,
    ``on_progress``, ``store_outage`` ...). A store unreachable when the worker starts is an
    error at once (a wrong DSN); one that goes away mid-run is waited for (``store_outage``
    seconds): the worker sends nothing meanwhile, then carries on.
    """
    check_max_seconds(max_seconds)  # before anything is read from the store
    job = await prepare_worker(session, store, **options)
    return await run_for(job, max_seconds)


@attrs.frozen(kw_only=True)
class CampaignStatus:
    """Where a campaign stands in its store (read-only: nothing is claimed or taken over)."""

    #: The store and campaign, without any password.
    where: str
    #: True once a plan is stored (workers can start).
    planned: bool
    channel: str | None
    #: The campaign's shared state: ``open``, ``stopping`` or ``aborted`` (SQLite: ``open``).
    state: str
    #: Why the campaign is not open (out of credit, max_cost reached ...).
    reason: str | None
    #: Rows by reported state (``sent``, ``rejected``, ``invalid``, ``unknown``, ``not_sent``,
    #: ``skipped``); rows a chunk holds are counted as ``unknown`` until they settle.
    counts: dict[str, int]
    #: Rows waiting to be sent (``not_sent`` and ``skipped``).
    pending: int
    #: Rows a chunk holds (in flight, or in doubt until reconciled).
    held: int
    #: Rows that ended ``unknown`` (maybe sent; check the history before sending them again).
    unknown: int = 0
    cost: Decimal
    segments: int
    #: The plan, once stored.
    plan: BulkPlan | None = attrs.field(repr=False, default=None)

    @property
    def rows(self) -> int:
        """Return how many rows the campaign holds."""
        return sum(self.counts.values())

    @property
    def currency(self) -> str | None:
        """Return the plan's currency, once priced."""
        return None if self.plan is None else self.plan.currency

    @property
    def finished(self) -> bool:
        """Return True when no worker has anything left to do (every row settled, or the
        campaign stopped for every worker)."""
        if not self.planned or (self.state == "stopping" and self.reason == NOT_OPENED_YET):
            return False
        return self.state != "open" or self.pending + self.held == 0

    def to_json(self) -> dict[str, Any]:
        """Return the status as JSON values (``clicksend-async status --json``)."""
        return {
            "where": self.where,
            "planned": self.planned,
            "channel": self.channel,
            "state": self.state,
            "reason": self.reason,
            "finished": self.finished,
            "rows": self.rows,
            "counts": dict(self.counts),
            "pending": self.pending,
            "held": self.held,
            "unknown": self.unknown,
            "cost": str(self.cost),
            "currency": self.currency,
            "segments": self.segments,
        }


async def campaign_status(store: CampaignStore) -> CampaignStatus:
    """Return where the campaign in ``store`` stands, without taking part in it."""
    stored = await store.get_meta("plan")
    plan = None
    if stored is not None:
        try:
            plan = BulkPlan.from_json(json.loads(stored))
        except (ValueError, TypeError, KeyError) as exc:
            raise JournalError(
                f"the campaign {store.where} holds an unreadable plan: {exc}"
            ) from None
    state, reason = "open", None
    read_state = getattr(store, "state", None)
    if read_state is not None:
        state, reason = await read_state()
    found = await store.counts()
    counts = {str(s): found.get(str(s), 0) for s in ALL_STATES}
    unsettled = getattr(store, "count_unsettled", None)
    if unsettled is not None:
        pending, held, unknown = await unsettled()  # one snapshot: see ``finished``
    else:
        pending, held, unknown = await store.count_pending(), 0, counts["unknown"]
    cost, segments = await store.totals()
    return CampaignStatus(
        where=store.where,
        planned=stored is not None,
        channel=await store.get_meta("channel"),
        state=state,
        reason=reason,
        counts=counts,
        pending=pending,
        held=held,
        unknown=unknown,
        cost=cost,
        segments=segments,
        plan=plan,
    )


def store_path(url: str) -> Path | None:
    """Return the journal path of a ``sqlite:///PATH`` URL, None for ``postgresql://``; refuse
    any other URL (nothing is opened or created)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("postgresql", "postgres"):
        return None
    if scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
        path = unquote(url.split(":", 1)[1].removeprefix("///"))
        if not path or path.startswith("//"):
            raise ValidationError(
                "must be sqlite:///PATH (three slashes, then the journal's path)", field="store"
            )
        return Path(path)
    raise ValidationError(
        "must be postgresql://... (a shared store) or sqlite:///PATH (a journal file)",
        field="store",
    )


def open_store(url: str, name: str | None = None, **options: Any) -> CampaignStore:
    """Return the store a URL names: ``postgresql://...`` (campaign ``name``) or
    ``sqlite:///path`` (a journal file, the same as ``journal=path``).

    ``options`` go to :class:`PostgresStore` (``lease``, ``grace``, ``max_cost`` ...).
    """
    path = store_path(url)
    if path is not None:
        if options:
            raise ConfigurationError(
                f"a SQLite store takes no {', '.join(sorted(options))} (PostgreSQL only)"
            )
        return SqliteStore(path)
    if not name:
        raise ValidationError("a PostgreSQL store needs the campaign's name", field="name")
    return PostgresStore(url, name, **options)
