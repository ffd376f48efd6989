"""Row and chunk states, the transitions between them, and the named records the stages pass.

A row's life (``state`` as the store keeps it):

    pending ──claim──▶ in flight (its chunk holds it; no other chunk can) ──▶ one of
      • sent / rejected                       final (the answer listed the row)
      • pending again (released)              only on positive evidence it was not sent: a 429,
                                              a connection that never opened, a per-message
                                              status that says so (THROTTLED,
                                              INSUFFICIENT_CREDIT), or its absence from a
                                              complete history read past the settle time
      • in doubt (the chunk is)               anything else: a timeout, a reset, a 5xx, an
                                              unreadable or error answer, *any* exception while
                                              building, sending, decoding or recording
    in doubt ──reconcile──▶ sent (found in the history) / pending (proved absent) / unknown

``unknown`` is what reconciliation could not prove either way; a later run reconciles it
again. The report adds two labels for rows that are not final: ``not_sent`` (attempted, surely
not sent, resumable: the reason says why) and ``skipped`` (never attempted, resumable).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, NamedTuple, overload

__all__ = [
    "FINAL_STATES",
    "ChunkState",
    "Claim",
    "ClaimedRow",
    "DoubtChunk",
    "OutcomeState",
    "PlannedRow",
    "Release",
    "RowOutcome",
    "SentColumns",
    "outcome_columns",
]


class OutcomeState(enum.StrEnum):
    """The one state each input row is reported in."""

    #: Accepted by ClickSend (message_id, parts, price known).
    SENT = "sent"
    #: Refused by ClickSend per message (``status`` says why: INVALID_RECIPIENT ...); not sent.
    REJECTED = "rejected"
    #: Failed local validation, excluded or a duplicate; never sent (``reason`` says why).
    INVALID = "invalid"
    #: The request may have gone out and neither its answer nor the history could tell.
    UNKNOWN = "unknown"
    #: Attempted and surely not sent (rate limited, throttled, out of credit, proved absent
    #: from the history): safe to send again, and a resume does (``reason`` says why).
    NOT_SENT = "not_sent"
    #: Never attempted (dry run, stopped, budget or abort); a resume sends it.
    SKIPPED = "skipped"


#: Every state a report can hold, in report order.
ALL_STATES: Final = tuple(OutcomeState)
#: States that end a row for good: a resume never sends these again.
FINAL_STATES: Final = frozenset({OutcomeState.SENT, OutcomeState.REJECTED, OutcomeState.INVALID})


class ChunkState(enum.StrEnum):
    """Where a chunk (one ``messages[]`` request) is in its life."""

    #: Claimed, intent recorded: the request is about to leave or has left.
    IN_FLIGHT = "in_flight"
    #: The request may have reached ClickSend and its outcome is not known yet.
    IN_DOUBT = "in_doubt"
    #: Reconciliation could not prove the outcome of some rows (they are ``unknown``).
    UNKNOWN = "unknown"
    #: Every row has its outcome (or went back to pending on evidence).
    DONE = "done"


class PlannedRow(NamedTuple):
    """One input row as planning writes it to the store."""

    row: int
    custom_string: str | None
    to: str | None
    payload: str | None  # the message's JSON, None when the row is not sendable
    parts: int | None
    encoding: str | None
    state: str | None  # None (pending) or "invalid"
    status: str | None
    reason: str | None


class ClaimedRow(NamedTuple):
    """One row of a claimed chunk, as the sender needs it."""

    row: int
    custom_string: str
    to: str | None
    payload: str


class Claim(NamedTuple):
    """A chunk claimed for sending: its rows are held by it and offered to no one else.

    ``epoch`` fences every write about the chunk: a store accepts an outcome only while the
    chunk is still held under that epoch (a takeover gives it a new one).
    """

    chunk: int
    epoch: int
    rows: tuple[ClaimedRow, ...]
    resend: frozenset[int]  # rows sent before with an unknown outcome, proved absent since


class RowOutcome(NamedTuple):
    """A final or unknown outcome for one row of a chunk."""

    row: int
    state: str  # sent / rejected / unknown
    status: str | None = None
    message_id: str | None = None
    price: str | None = None
    parts: int | None = None
    reason: str | None = None


#: A NamedTuple made straight from its fields' tuple (what its ``_make`` does, without the call).
_new = tuple.__new__


def _sent(
    row: int, status: str, message_id: str | None, price: str | None, parts: int | None
) -> RowOutcome:
    return _new(RowOutcome, (row, "sent", status, message_id, price, parts, None))


class SentColumns(Sequence[RowOutcome]):
    """The outcomes of a chunk whose answer sent every row, column by column.

    A sequence of :class:`RowOutcome` like any other outcomes (each made when read), which
    the common answer builds without a tuple a row, and which the stages that count or
    journal a whole chunk read column by column instead.
    """

    __slots__ = ("message_id", "parts", "price", "price_counts", "rows", "status")

    def __init__(
        self,
        rows: list[int],
        status: Sequence[str],
        message_id: Sequence[str | None],
        price: Sequence[str | None],
        parts: Sequence[int | None],
        price_counts: Mapping[str | None, int],
    ) -> None:
        n = len(rows)
        if not len(status) == len(message_id) == len(price) == len(parts) == n:
            raise ValueError("every column of a chunk's outcomes holds one value a row")
        if sum(price_counts.values()) != n:
            raise ValueError("the price counts of a chunk's outcomes must add up to its rows")
        self.rows = rows
        self.status = status
        self.message_id = message_id
        self.price = price
        self.parts = parts
        #: How many rows each price text holds (None: the answer gave no price).
        self.price_counts = price_counts

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[RowOutcome]:
        return map(_sent, self.rows, self.status, self.message_id, self.price, self.parts)

    @overload
    def __getitem__(self, index: int) -> RowOutcome: ...

    @overload
    def __getitem__(self, index: slice) -> list[RowOutcome]: ...

    def __getitem__(self, index: int | slice) -> RowOutcome | list[RowOutcome]:
        if isinstance(index, slice):
            return list(self)[index]
        return _sent(
            self.rows[index],
            self.status[index],
            self.message_id[index],
            self.price[index],
            self.parts[index],
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SentColumns({len(self)} rows sent)"


def outcome_columns(outcomes: Sequence[RowOutcome]) -> tuple[list[Any], ...]:
    """Return outcomes as seven lists, one a field of :class:`RowOutcome` (a store's bulk
    write); those of a :class:`SentColumns` without making a tuple a row."""
    if type(outcomes) is SentColumns:
        n = len(outcomes)
        return (
            list(outcomes.rows),
            ["sent"] * n,
            list(outcomes.status),
            list(outcomes.message_id),
            list(outcomes.price),
            list(outcomes.parts),
            [None] * n,
        )
    listed = list(outcomes)
    return tuple([o[i] for o in listed] for i in range(len(RowOutcome._fields)))


class Release(NamedTuple):
    """A row going back to pending, with the evidence that it was not sent."""

    row: int
    status: str | None
    reason: str


class DoubtChunk(NamedTuple):
    """A chunk in doubt: which rows it owes an outcome for and when it was in flight.

    ``window`` is the interval of ClickSend's clock (Unix seconds) in which the server may have
    accepted the rows; None when it is not known (no answer ever carried a ``Date``).

    ``ended`` is when its request ended on this process's elapsed-time clock (monotonic), for a
    chunk this process sent: its settle time is counted from there, on one clock. A chunk from
    the store (an earlier run, another worker) has None: its settle time is counted in
    ClickSend's time from the end of its window.
    """

    chunk: int
    epoch: int
    rows: tuple[tuple[int, str, str | None], ...]  # (row, custom_string, to)
    window: tuple[float, float] | None
    ended: float | None = None


class SentEvidence(NamedTuple):
    """A message the engine knows ClickSend accepted: a canary for history lookups."""

    custom_string: str
    to: str
    window: tuple[float, float]


def money(value: Decimal | None) -> str | None:
    """Return a price as the store keeps it (exact decimal text)."""
    return None if value is None else str(value)
