"""The billed guard: ``max_cost`` holds while sending, on what ClickSend bills.

Preflight pricing estimates; every send answer carries what ClickSend actually charged
(``message_price``). Before a chunk is sent, the guard adds up what this campaign was billed
so far, what the rows in flight and in doubt are expected to cost, and what this chunk is
expected to cost; if that could pass ``max_cost``, the chunk is given back unsent and the
campaign stops (resumable after raising the budget).

"Expected" is each row's own estimate: the price that preflight pricing found for its
destination prefix and local part count (the plan's **rate table**, kept in the store so that
workers and resumes have it), or the plan's mean price per message for a row the table does
not know. Estimates are scaled by how ClickSend's bills compare with the estimates of the same
rows so far (never below 1), so bills above the estimate tighten the guard at once, and a
campaign billed as estimated is never stopped short of a ``max_cost`` its plan fits in. A row
whose outcome is unknown counts at its estimate: it may have been sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..segments import count_segments
from ._channels import Channel
from ._states import Claim, ClaimedRow, RowOutcome

__all__ = [
    "BilledGuard",
    "RateTable",
    "add_rate",
    "destination_prefix",
    "message_rate_key",
    "rate_key",
    "table_from_json",
    "table_to_json",
]

#: (destination prefix, local part count) -> the price preflight found for such a message.
RateTable = dict[tuple[str, int], Decimal]


def destination_prefix(to: Any) -> str:
    """Return what decides a number's rate: ``+`` and its first six digits, finer than any
    country (``+1`` area codes, ``+44 7781`` Guernsey, ``+7 7`` Kazakhstan)."""
    return "" if to is None else str(to)[:7]


def rate_key(to: str | None, parts: int) -> tuple[str, int]:
    """Return the rate table's key of a message: its destination prefix and parts."""
    return (destination_prefix(to), parts)


def message_rate_key(message: Any, channel: Channel, limits: Any) -> tuple[str, int] | None:
    """Return the rate key of a decoded payload (its body's local part count, as planned)."""
    body = message.get("body") if isinstance(message, Mapping) else None
    if not isinstance(body, str):
        return None
    if channel.name == "sms":
        parts = count_segments(body).segments  # sms_body_info would log long messages again
    else:
        parts = channel.body_info(body, "message", None, limits).segments
    return rate_key(message.get("to"), parts)


def table_to_json(table: RateTable) -> str:
    """Return the rate table as JSON (the store keeps it in the campaign's meta)."""
    return json.dumps([[p, n, str(v)] for (p, n), v in sorted(table.items())])


def table_from_json(text: str | None) -> RateTable:
    """Read a rate table written by :func:`table_to_json` (empty when there is none)."""
    if not text:
        return {}
    try:
        return {(str(p), int(n)): Decimal(v) for p, n, v in json.loads(text)}
    except (ValueError, TypeError, ArithmeticError):
        return {}


def add_rate(table: RateTable, key: tuple[str, int], price: Decimal | None) -> None:
    """Keep the higher price of a key priced twice (two senders on one prefix)."""
    if price is not None and (key not in table or price > table[key]):
        table[key] = price


class BilledGuard:
    """Track billed and expected cost of one run; see the module docstring."""

    def __init__(
        self,
        *,
        max_cost: Decimal,
        channel: Channel,
        limits: Any,
        table: RateTable,
        mean: Decimal,
        billed_before: Decimal,
    ) -> None:
        self.max_cost = max_cost
        self._channel = channel
        self._limits = limits
        self._table = table
        self._mean = mean
        #: Billed for rows sent (earlier runs included), and the estimate of the same rows.
        self.billed = billed_before
        self._billed_est = Decimal(0)
        self._billed_here = Decimal(0)
        #: Expected cost of chunks in flight, by chunk, and of rows in doubt, by row.
        self._inflight: dict[int, dict[int, Decimal]] = {}
        self._doubt: dict[int, Decimal] = {}

    # -- estimates -------------------------------------------------------------------------

    def estimate(self, row: ClaimedRow) -> Decimal:
        """Return a claimed row's expected price (its rate, or the plan's mean)."""
        if not self._table:
            return self._mean
        try:
            message = json.loads(row.payload)
        except (TypeError, ValueError):
            return self._mean
        key = message_rate_key(message, self._channel, self._limits)
        return self._mean if key is None else self._table.get(key, self._mean)

    def _ratio(self) -> Decimal:
        if self._billed_est <= 0 or self._billed_here <= self._billed_est:
            return Decimal(1)
        return self._billed_here / self._billed_est

    def expected(self) -> Decimal:
        """Return the expected cost of everything sent or in doubt but not billed yet."""
        ahead = sum((sum(c.values(), Decimal(0)) for c in self._inflight.values()), Decimal(0))
        return (ahead + sum(self._doubt.values(), Decimal(0))) * self._ratio()

    # -- the run ---------------------------------------------------------------------------

    def admit(self, claim: Claim) -> Decimal | None:
        """Take a chunk in flight and return None, or return its expected cost when sending
        it could take the campaign past ``max_cost`` (the caller gives it back)."""
        costs = {r.row: self.estimate(r) for r in claim.rows}
        chunk = sum(costs.values(), Decimal(0)) * self._ratio()
        if self.billed + self.expected() + chunk > self.max_cost:
            return chunk
        self._inflight[claim.chunk] = costs
        return None

    def recorded(self, claim: Claim, outcomes: Sequence[RowOutcome], doubt: Iterable[int]) -> None:
        """Take a chunk's recorded answer: sent rows billed, rows in doubt kept expected."""
        costs = self._inflight.pop(claim.chunk, {})
        self._bill(outcomes, costs)
        for row in doubt:
            if row in costs:
                self._doubt[row] = costs[row]

    def settled(self, outcomes: Sequence[RowOutcome]) -> None:
        """Take rows settled by reconciliation (their doubt is over)."""
        costs = {o.row: self._doubt.pop(o.row) for o in outcomes if o.row in self._doubt}
        self._bill(outcomes, costs)

    def _bill(self, outcomes: Sequence[RowOutcome], costs: Mapping[int, Decimal]) -> None:
        for o in outcomes:
            if o.state == "sent":
                price = Decimal(o.price) if o.price is not None else costs.get(o.row, self._mean)
                self.billed += price
                self._billed_here += price
                self._billed_est += costs.get(o.row, self._mean)
            elif o.state == "unknown":  # it may have been sent: it counts, at its estimate
                self.billed += costs.get(o.row, self._mean)
