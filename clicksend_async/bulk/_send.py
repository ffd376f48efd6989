"""Sending: one claimed chunk through the session, and what its answer proves (the only place a
campaign's send leaves).

The outcome of a chunk is decided by :func:`classify` (pure) from what happened, and the rule is
total: a row goes back to pending only on positive evidence that it was not sent; everything
else, including *any* exception while building, sending, decoding or recording the request,
leaves the chunk in doubt for the reconciler. Nothing here can lose a row: the rows stay held by
their chunk in the store until an outcome is recorded under the chunk's epoch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from .._exceptions import (
    APIError,
    AuthenticationError,
    ConnectError,
    PermissionDeniedError,
    RateLimitError,
    RateLimiterUnavailableError,
    RequestVetoedError,
)
from .._guard import BeforeSend, RequestInfo, guarded
from .._hooks import log_context
from .._sansio import RequestKind, clean_text
from .._session import Session
from ._channels import _MAX_PARTS, Channel, _parts_of, _price_of
from ._report import BulkOutcome
from ._states import Claim, DoubtChunk, Release, RowOutcome, SentColumns, _new
from ._store import CampaignStore

__all__ = ["ChunkResult", "ChunkSender", "classify", "lease_needed"]

logger = logging.getLogger("clicksend_async.bulk")

#: How far a chunk's window reaches beyond the instants the request was in flight, in seconds:
#: the history's dates are whole seconds.
WINDOW_MARGIN = 1.0
#: Seconds of lease beyond the HTTP timeout a chunk must hold when its request leaves.
LEASE_MARGIN = 5.0
#: The timeout the pre-send guard counts for a request that has none.
ASSUMED_TIMEOUT = 30.0


def lease_needed(lease: float | None, timeout: float | None) -> float:
    """Return the lease a chunk must have left when its request leaves (the pre-send guard).

    The request's timeout (``ASSUMED_TIMEOUT`` when it has none) plus a margin:
    ``LEASE_MARGIN``, at most a quarter of a ``lease`` that is known.
    """
    margin = LEASE_MARGIN if lease is None else min(LEASE_MARGIN, lease / 4)
    return (timeout or ASSUMED_TIMEOUT) + margin


_THROTTLED_AGAIN = (
    "THROTTLED on re-send after an unknown outcome: an identical message went out seconds "
    "earlier, so it was probably sent already"
)


class ChunkResult(NamedTuple):
    """What one answer (or failure) says about each row of a chunk."""

    outcomes: Sequence[RowOutcome]
    releases: list[Release]
    doubt: list[int]
    #: Why the campaign must stop (out of credit, credentials refused), if it must.
    abort: str | None = None
    error: str | None = None


def _by_custom(messages: list[Any]) -> dict[Any, Mapping[str, Any]]:
    """Return the answer's messages by custom_string, the first of each (garbage skipped)."""
    try:
        # Reversed, so that the first message of a repeated custom_string wins; a key that is
        # not a non-empty string never equals a claimed row's custom_string.
        return {m.get("custom_string"): m for m in reversed(messages)}
    except (AttributeError, TypeError):  # not a mapping, or an unhashable custom_string
        pass
    by_custom: dict[Any, Mapping[str, Any]] = {}
    for m in messages:
        if isinstance(m, Mapping):
            custom = m.get("custom_string")
            if type(custom) is str and custom:
                by_custom.setdefault(custom, m)
    return by_custom


#: The per-message statuses of a message ClickSend accepted.
_SENT = ("SUCCESS", "QUEUED")
_SENT_SET = frozenset(_SENT)
_STR = frozenset({str})
_INT = frozenset({int})
_PRICE_TYPES = frozenset({str, type(None)})
_row_of = itemgetter(0)
_custom_of = itemgetter(1)


def _all_sent(claim: Claim, messages: list[Any]) -> SentColumns | None:
    """Return the outcomes of an answer that sent every row of ``claim`` in its order, column
    by column, or None for any other answer (:func:`classify` then reads it row by row).

    Every message must be a mapping with the five fields, the custom_strings the claim's in
    the claim's order (each row its own message), every status SUCCESS or QUEUED, every
    message_id an ASCII string, every price a string or null and every part count an int from 0 to
    ``_MAX_PARTS``: what the row-by-row reading would make of the same answer.
    """
    rows = claim.rows
    if not rows or len(messages) != len(rows):
        return None
    try:
        # A column at a time: a tuple a message would be a thousand objects for the collector.
        customs = [m["custom_string"] for m in messages]
        statuses = [m["status"] for m in messages]
        ids = [m["message_id"] for m in messages]
        prices = [m["message_price"] for m in messages]
        parts = [m["message_parts"] for m in messages]
        if (
            customs != list(map(_custom_of, rows))
            or set(map(type, statuses)) != _STR
            or not _SENT_SET.issuperset(statuses)
            or set(map(type, ids)) != _STR
            or not all(map(str.isascii, ids))
            or not _PRICE_TYPES.issuperset(map(type, prices))
            or set(map(type, parts)) != _INT
            or min(parts) < 0
            or max(parts) > _MAX_PARTS
        ):
            return None
        counted = Counter(prices)
    except Exception:  # not a mapping, a field missing, an unhashable value ...
        return None
    cache: dict[str, tuple[Any, str | None]] = {}
    texts = {price: _price_of(price, cache)[1] for price in counted}
    by_text: dict[str | None, int] = {}
    for price, count in counted.items():
        text = texts[price]
        by_text[text] = by_text.get(text, 0) + count
    column = [texts[prices[0]]] * len(rows) if len(texts) == 1 else list(map(texts.get, prices))
    return SentColumns(list(map(_row_of, rows)), statuses, ids, column, parts, by_text)


def classify(claim: Claim, data: Any) -> ChunkResult:
    """Return what a 2xx answer to ``claim`` proves about each of its rows (pure).

    Rows are matched by ``custom_string`` only; a row the answer does not list is in doubt.
    """
    messages = data.get("messages") if isinstance(data, Mapping) else None
    if not isinstance(messages, list):
        return ChunkResult([], [], [r.row for r in claim.rows], error="answer without messages[]")
    every = _all_sent(claim, messages)
    if every is not None:
        return ChunkResult(every, [], [])
    by_custom = _by_custom(messages)
    outcomes: list[RowOutcome] = []
    releases: list[Release] = []
    doubt: list[int] = []
    abort: str | None = None
    prices: dict[str, Any] = {}
    resend = claim.resend
    sent = outcomes.append
    for r in claim.rows:
        found = by_custom.get(r.custom_string)
        if found is None:
            doubt.append(r.row)
            continue
        status = found.get("status")
        if type(status) is str and status in _SENT:
            # The common answer, with no call it can do without: a cached price text, an int
            # part count and a str message_id are taken as they are.
            price = found.get("message_price")
            cached = prices.get(price) if type(price) is str else None
            if cached is None:
                cached = _price_of(price, prices)
            parts = found.get("message_parts")
            if type(parts) is not int or not 0 <= parts <= _MAX_PARTS:
                parts = _parts_of(parts)
            message_id = found.get("message_id")
            if message_id is not None and (type(message_id) is not str or not message_id.isascii()):
                message_id = clean_text(str(message_id))
            sent(_new(RowOutcome, (r.row, "sent", status, message_id, cached[1], parts, None)))
            continue
        if type(status) is not str:
            status = "" if status is None else str(status)
        status = clean_text(status)
        # A str subclass, or SUCCESS in another case or with spaces: both sent and refused are
        # final, so reading it as sent changes the report, never whether a row is sent again.
        if status.strip().upper() in _SENT:
            _, price_text = _price_of(found.get("message_price"), prices)
            message_id = found.get("message_id")
            outcomes.append(
                RowOutcome(
                    r.row,
                    "sent",
                    str(status),
                    None if message_id is None else clean_text(str(message_id)),
                    price_text,
                    _parts_of(found.get("message_parts")),
                )
            )
        elif status == "THROTTLED":
            if r.row in resend:
                outcomes.append(RowOutcome(r.row, "unknown", status, reason=_THROTTLED_AGAIN))
            else:
                releases.append(
                    Release(r.row, status, "THROTTLED: an identical message was sent recently")
                )
        elif status == "INSUFFICIENT_CREDIT":
            abort = "the account ran out of credit (INSUFFICIENT_CREDIT)"
            releases.append(
                Release(
                    r.row,
                    status,
                    "not sent: the account ran out of credit (INSUFFICIENT_CREDIT); "
                    "top up and resume",
                )
            )
        elif not status:
            doubt.append(r.row)  # listed, yet no status: no proof either way
        else:
            message_id = found.get("message_id")
            outcomes.append(
                RowOutcome(
                    r.row,
                    "rejected",
                    status,
                    None if message_id is None else clean_text(str(message_id)),
                    reason=f"ClickSend refused it: {status}",
                )
            )
    return ChunkResult(outcomes, releases, doubt, abort)


def classify_failure(claim: Claim, exc: BaseException) -> ChunkResult:
    """Return what a failed request proves about its rows (pure)."""
    rows = [r.row for r in claim.rows]
    try:
        text = clean_text(str(exc))  # it can quote the server
    except Exception:  # an exception whose text cannot be had
        text = f"({type(exc).__name__} without a readable message)"
    if isinstance(exc, RateLimitError | ConnectError):
        why = (
            "rate limited (429)"
            if isinstance(exc, RateLimitError)
            else f"vetoed before it left ({text})"
            if isinstance(exc, RequestVetoedError)
            else "the shared rate limiter was unreachable"
            if isinstance(exc, RateLimiterUnavailableError)
            else "no connection"
        )
        return ChunkResult([], [Release(r, None, f"not sent: {why}") for r in rows], [], error=text)
    if isinstance(exc, APIError) and 400 <= exc.wire_status < 500:
        # A 4xx answer refuses the whole request: nothing of it was processed.
        if isinstance(exc, AuthenticationError | PermissionDeniedError):
            reason = f"not sent: {type(exc).__name__}: {text}"
            return ChunkResult(
                [],
                [Release(r, exc.response_code, reason) for r in rows],
                [],
                abort=f"{type(exc).__name__}: {text}",
                error=text,
            )
        status = exc.response_code or f"HTTP_{exc.status_code}"
        reason = f"request refused: {exc.response_msg or text}"
        return ChunkResult(
            [RowOutcome(r, "rejected", status, reason=reason) for r in rows], [], [], error=text
        )
    # Anything else (a timeout, a reset, a 5xx, an unreadable or error answer, or any other
    # exception at any step) may have followed a commit on the server.
    return ChunkResult([], [], rows, error=f"{type(exc).__name__}: {text}")


class ChunkSender:
    """Send claimed chunks and record their outcomes; hand chunks in doubt to the reconciler."""

    def __init__(
        self,
        *,
        session: Session,
        channel: Channel,
        store: CampaignStore,
        body: Callable[[list[str]], bytes],
        on_doubt: Callable[[DoubtChunk], None],
        on_result: Callable[[Claim, ChunkResult, tuple[float, float] | None], Awaitable[None]],
        timeout: float | None = None,
        elapsed: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._elapsed = elapsed
        self._channel = channel
        self._store = store
        self._body = body
        self._on_doubt = on_doubt
        self._on_result = on_result
        self._timeout = timeout

    async def send(self, claim: Claim, answered: Callable[[], None] | None = None) -> None:
        """Send one chunk and record its outcome (re-raises only cancellation).

        ``answered`` is called once the request is over (answered, or failed), before the
        answer is classified and recorded: the request no longer counts against concurrency.
        """
        clock = self._session.server_clock
        started = clock.local()
        try:
            with log_context(chunk=claim.chunk), guarded(self._lease_guard(claim)):
                body = self._body([r.payload for r in claim.rows])
                try:
                    envelope = await self._session.request(
                        "POST",
                        self._channel.send_path,
                        content=body,
                        kind=RequestKind.SEND,
                        timeout=self._timeout,
                    )
                finally:
                    if answered is not None:
                        answered()
            result = classify(claim, envelope.get("data"))
        except asyncio.CancelledError:
            # The request may have left: the chunk stays held, in doubt, for the next run.
            await self._record(claim, ChunkResult([], [], [r.row for r in claim.rows]), started)
            raise
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                await self._record(claim, classify_failure(claim, exc), started)
                raise
            logger.warning(
                "chunk %d (%d rows): %s",
                claim.chunk,
                len(claim.rows),
                type(exc).__name__,
                extra={"chunk": claim.chunk, "rows": len(claim.rows)},
            )
            result = classify_failure(claim, exc)
        await self._record(claim, result, started)

    def _lease_guard(self, claim: Claim) -> BeforeSend:
        """Return the pre-send check of a chunk: its lease must outlast the request.

        A worker frozen past its lease (a long GC pause, SIGSTOP) must not send a chunk another
        worker may have taken over: right before the request leaves, after the rate-limit
        permit, the lease left must cover the HTTP timeout plus a margin, or nothing is sent
        and the rows go back (a vetoed request surely did not leave).
        """
        lease_left = getattr(self._store, "lease_left", None)
        lease = getattr(self._store, "lease", None)
        # Only the chunk's numbers: aiohttp's timers and tasks copy the context this guard is
        # set in and can outlive the request, so a closure over the claim kept its payloads.
        chunk, epoch = claim.chunk, claim.epoch
        known = lease if isinstance(lease, int | float) else None

        async def guard(info: RequestInfo) -> None:
            if lease_left is None or info.kind != "send":
                return
            needed = lease_needed(known, info.timeout)
            left = await lease_left(chunk, epoch)
            if left < needed:
                raise RequestVetoedError(
                    f"chunk {chunk}: {left:.1f} s of lease left, {needed:.1f} s needed"
                )

        return guard

    async def _record(self, claim: Claim, result: ChunkResult, started: float) -> None:
        ended = self._elapsed()
        clock = self._session.server_clock
        window = clock.window(started, clock.local(), WINDOW_MARGIN)
        recorded = await self._store.settle(
            claim.chunk,
            claim.epoch,
            outcomes=result.outcomes,
            releases=result.releases,
            doubt=result.doubt,
            window=window,
            error=result.error,
            resend=claim.resend,
        )
        if not recorded:
            logger.warning("chunk %d was taken over; its answer is dropped", claim.chunk)
            return
        await self._on_result(claim, result, window)
        if result.doubt:
            by_row = {r.row: r for r in claim.rows}
            self._on_doubt(
                DoubtChunk(
                    chunk=claim.chunk,
                    epoch=claim.epoch,
                    rows=tuple(
                        (row, by_row[row].custom_string, by_row[row].to) for row in result.doubt
                    ),
                    window=window,
                    ended=ended,
                )
            )


def outcome_events(claim: Claim, result: ChunkResult) -> Sequence[BulkOutcome]:
    """Return the stream events of a recorded chunk result (final and unknown rows)."""
    by_row = {r.row: r for r in claim.rows}
    events = []
    for o in result.outcomes:
        r = by_row[o.row]
        events.append(
            BulkOutcome(
                row=o.row,
                to=r.to,
                state=o.state,
                status=o.status,
                message_id=o.message_id,
                parts=o.parts,
                price=None if o.price is None else _price_of(o.price, {})[0],
                custom_string=r.custom_string,
                reason=o.reason,
            )
        )
    return events
