"""What the bulk engine tells you: the plan before sending, outcomes, progress, the report."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from ._journal import Journal
from ._report_csv import REPORT_COLUMNS, refuse_journal_files, write_report_rows
from ._states import ALL_STATES, OutcomeState

__all__ = ["BulkOutcome", "BulkPlan", "BulkReport", "InvalidRow", "OutcomeState", "ProgressEvent"]


@attrs.frozen(kw_only=True)
class InvalidRow:
    """A row refused before sending: its 1-based input row, recipient and reason."""

    row: int
    to: str | None
    reason: str


@attrs.frozen(kw_only=True)
class BulkOutcome:
    """The final state of one input row."""

    row: int
    to: str | None
    state: str
    status: str | None = None
    message_id: str | None = None
    parts: int | None = None
    price: Decimal | None = None
    custom_string: str | None = None
    reason: str | None = None
    delivery: str | None = None


@attrs.frozen(kw_only=True)
class BulkPlan:
    """What a campaign will send and cost, computed before the first send."""

    rows: int
    messages: int
    invalid: int
    duplicates: int
    segments: int
    segments_by_encoding: Mapping[str, int]
    messages_by_encoding: Mapping[str, int]
    long_messages: int
    total_cost: Decimal | None
    currency: str | None
    blocked: int
    priced: bool
    chunks: int
    invalid_rows: list[InvalidRow] = attrs.field(factory=list, repr=False)
    rejected_statuses: Mapping[str, int] = attrs.field(factory=dict)
    balance: Decimal | None = None
    #: Messages that preflight pricing said the balance cannot cover.
    short_of_credit: int = 0
    #: Parts as ClickSend counted them at preflight pricing (the messages it would send), or
    #: None without preflight or when an answer did not say. It can exceed :attr:`segments`,
    #: the local 3GPP count: ClickSend documents a line break as 2 characters, 3GPP as 1.
    priced_segments: int | None = None
    #: The characters that made messages UCS-2 (70 characters a part instead of 160), with
    #: how many messages hold each: the most common ten.
    ucs2_characters: Mapping[str, int] = attrs.field(factory=dict)
    #: UCS-2 messages that ``transliterate=True`` would make GSM-7 (curly quotes, dashes,
    #: non-breaking spaces ... replaced by GSM-7 look-alikes, as ``to_gsm`` does).
    gsm_fixable: int = 0
    #: Messages that ``transliterate=True`` made GSM-7 in this plan.
    transliterated: int = 0
    #: Rows not sent because their number is excluded (``exclude`` / ``exclude_lists``);
    #: counted in :attr:`invalid`, with status ``EXCLUDED`` in the report.
    excluded: int = 0
    #: How the plan was priced: ``"key"`` (one representative message per price key, the
    #: default), ``"exact"`` (every row) or None (no preflight).
    pricing: str | None = None
    #: Distinct price keys (destination prefix, sender, encoding, parts ...) with ``"key"``.
    price_keys: int = 0
    #: ``/price`` requests the preflight made.
    price_requests: int = 0

    def mean_price(self) -> Decimal | None:
        """Return the estimate per message it may send (refused at pricing excluded), or None
        when the plan is unpriced or sends nothing."""
        sendable = self.messages - sum(self.rejected_statuses.values())
        if self.total_cost is None or sendable <= 0:
            return None
        return self.total_cost / sendable

    @property
    def billable_segments(self) -> int:
        """Return the larger of the local count and ClickSend's (what budgets are checked on)."""
        return max(self.segments, self.priced_segments or 0)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the journal stores this)."""
        return {
            "rows": self.rows,
            "messages": self.messages,
            "invalid": self.invalid,
            "duplicates": self.duplicates,
            "segments": self.segments,
            "segments_by_encoding": dict(self.segments_by_encoding),
            "messages_by_encoding": dict(self.messages_by_encoding),
            "long_messages": self.long_messages,
            "total_cost": None if self.total_cost is None else str(self.total_cost),
            "currency": self.currency,
            "blocked": self.blocked,
            "priced": self.priced,
            "chunks": self.chunks,
            "invalid_rows": [[r.row, r.to, r.reason] for r in self.invalid_rows],
            "rejected_statuses": dict(self.rejected_statuses),
            "balance": None if self.balance is None else str(self.balance),
            "short_of_credit": self.short_of_credit,
            "priced_segments": self.priced_segments,
            "ucs2_characters": dict(self.ucs2_characters),
            "gsm_fixable": self.gsm_fixable,
            "transliterated": self.transliterated,
            "excluded": self.excluded,
            "pricing": self.pricing,
            "price_keys": self.price_keys,
            "price_requests": self.price_requests,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BulkPlan:
        """Rebuild a plan stored by :meth:`to_json`."""
        cost = data.get("total_cost")
        balance = data.get("balance")
        return cls(
            rows=int(data["rows"]),
            messages=int(data["messages"]),
            invalid=int(data["invalid"]),
            duplicates=int(data.get("duplicates", 0)),
            segments=int(data["segments"]),
            segments_by_encoding=dict(data["segments_by_encoding"]),
            messages_by_encoding=dict(data["messages_by_encoding"]),
            long_messages=int(data.get("long_messages", 0)),
            total_cost=None if cost is None else Decimal(cost),
            currency=data.get("currency"),
            blocked=int(data.get("blocked", 0)),
            priced=bool(data.get("priced")),
            chunks=int(data.get("chunks", 0)),
            invalid_rows=[InvalidRow(row=r, to=t, reason=w) for r, t, w in data["invalid_rows"]],
            rejected_statuses=dict(data.get("rejected_statuses", {})),
            balance=None if balance is None else Decimal(balance),
            short_of_credit=int(data.get("short_of_credit", 0)),
            priced_segments=(
                None if data.get("priced_segments") is None else int(data["priced_segments"])
            ),
            ucs2_characters={
                str(k): int(v) for k, v in dict(data.get("ucs2_characters") or {}).items()
            },
            gsm_fixable=int(data.get("gsm_fixable", 0)),
            transliterated=int(data.get("transliterated", 0)),
            excluded=int(data.get("excluded", 0)),
            pricing=(
                data["pricing"]
                if "pricing" in data
                else "exact"
                if data.get("priced")
                else None  # a plan stored before key pricing
            ),
            price_keys=int(data.get("price_keys", 0)),
            price_requests=int(data.get("price_requests", 0)),
        )


@attrs.frozen(kw_only=True)
class ProgressEvent:
    """A snapshot of a running campaign, for progress bars and metrics."""

    phase: str  # "planning", "pricing", "sending", "reconciling", "done"
    rows: int
    valid: int
    invalid: int
    sent: int
    rejected: int
    unknown: int
    in_flight: int
    pending: int
    cost: Decimal
    elapsed: float

    @property
    def rate(self) -> float:
        """Return messages settled per second so far."""
        return (self.sent + self.rejected) / self.elapsed if self.elapsed > 0 else 0.0


class BulkReport:
    """Counts, cost and timing of a campaign, with every row's outcome (read from the journal).

    The outcomes live in the campaign journal, not in memory: iterate :meth:`outcomes` or
    write them with :meth:`to_csv`. Close the report (or use it as a context manager) to
    release a temporary journal.
    """

    def __init__(
        self,
        *,
        journal: Journal,
        plan: BulkPlan | None,
        duration: float,
        cancelled: bool = False,
        dry_run: bool = False,
        aborted: str | None = None,
        owns_journal: bool = False,
        stopped: bool = False,
    ) -> None:
        self._journal = journal
        self._owns_journal = owns_journal
        self.plan = plan
        self.duration = duration
        self.cancelled = cancelled
        self.dry_run = dry_run
        self.aborted = aborted
        #: True when :meth:`BulkJob.stop` ended the run (the rest is resumable).
        self.stopped = stopped
        counts = journal.counts()
        self.counts: dict[str, int] = {str(s): counts.get(str(s), 0) for s in ALL_STATES}
        self.total_cost, self.segments = journal.totals()
        #: Sent rows by delivery state, from receipts recorded in the journal.
        self.deliveries: dict[str, int] = journal.delivery_counts()
        self.currency = plan.currency if plan else None

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items())
        return f"<BulkReport {counts} cost={self.total_cost} duration={self.duration:.1f}s>"

    def __enter__(self) -> BulkReport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the journal if the report owns it (a temporary one)."""
        if self._owns_journal:
            self._journal.close()

    @property
    def sent(self) -> int:
        """Return how many rows were accepted by ClickSend."""
        return self.counts["sent"]

    @property
    def rejected(self) -> int:
        """Return how many rows ClickSend refused."""
        return self.counts["rejected"]

    @property
    def invalid(self) -> int:
        """Return how many rows failed validation."""
        return self.counts["invalid"]

    @property
    def unknown(self) -> int:
        """Return how many rows may or may not have been sent."""
        return self.counts["unknown"]

    @property
    def not_sent(self) -> int:
        """Return how many rows were attempted and surely not sent (resumable)."""
        return self.counts["not_sent"]

    @property
    def skipped(self) -> int:
        """Return how many rows were never attempted (resumable)."""
        return self.counts["skipped"]

    @property
    def rows(self) -> int:
        """Return how many input rows the campaign had."""
        return sum(self.counts.values())

    @property
    def complete(self) -> bool:
        """Return True when every row reached a final state (nothing unknown, unsent or skipped)."""
        return self.unknown == 0 and self.skipped == 0 and self.not_sent == 0

    @property
    def throughput(self) -> float:
        """Return rows settled by ClickSend per second of the run."""
        settled = self.sent + self.rejected
        return settled / self.duration if self.duration > 0 else 0.0

    def outcomes(self) -> Iterator[BulkOutcome]:
        """Yield every row's outcome in row order."""
        for (
            row,
            to,
            state,
            status,
            message_id,
            parts,
            price,
            custom,
            reason,
            delivery,
            _,
        ) in self._journal.iter_rows():
            yield BulkOutcome(
                row=row,
                to=to,
                state=state,
                status=status,
                message_id=message_id,
                parts=parts,
                price=None if price is None else Decimal(price),
                custom_string=custom,
                reason=reason,
                delivery=delivery,
            )

    @property
    def estimated_cost(self) -> Decimal | None:
        """Return what preflight pricing estimated for the whole plan (None: not priced).

        :attr:`total_cost` is what ClickSend billed for the rows sent (each send answer's
        ``message_price``); the two differ when ClickSend counts parts or prices a
        destination differently from the estimate, or when not every row was sent.
        """
        plan = self.plan
        return None if plan is None or not plan.priced else plan.total_cost

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write one line per row (row, to, state, status, message_id, parts, price, ...)."""
        target = Path(path)
        refuse_journal_files(target, getattr(self._journal, "path", None))
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(REPORT_COLUMNS)
            write_report_rows(writer, self._journal.iter_rows())
        return target

    def summary(self) -> str:
        """Return a short human summary."""
        parts = [f"{k} {v}" for k, v in self.counts.items() if v]
        money = f"{self.total_cost} {self.currency or ''}".strip()
        if self.estimated_cost is not None:
            money += f" billed (estimated {self.estimated_cost})"
        text = f"{', '.join(parts) or 'nothing'}; cost {money}; {self.duration:.1f}s"
        if self.unknown:
            text += (
                f"\nWARNING: {self.unknown} row(s) in state 'unknown': they may or may not have"
                " been sent. Check the history before sending them again."
            )
        if self.not_sent:
            text += (
                f"\n{self.not_sent} row(s) were attempted and surely not sent (see their reason);"
                " a resume sends them."
            )
        if self.cancelled or self.stopped:
            text += "\nThe campaign was stopped; the rest can be resumed with the journal."
        if self.aborted:
            text += f"\nThe campaign stopped early: {self.aborted}"
        return text
