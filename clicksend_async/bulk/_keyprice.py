"""Pricing by price key, while planning streams rows past (the default preflight).

A message's price is its parts times its destination's per-part rate, and the sender and the
channel's options can change the rate. So rows that agree on all of that cost the same:
the **price key** of a row is its destination (the first six digits of the number, finer than
any country: ``+1`` area codes, ``+44 7781`` Guernsey, ``+7 7`` Kazakhstan), its country field,
its encoding and local part count, and every other field of its payload that is not the number,
the text, the ``custom_string`` or the schedule. One **representative** row per key is priced
through ``/price`` (up to a chunk of representatives a request); every other row of the key
takes its price and ClickSend's part count, so the plan's total is the sum over rows.

Planning collects the keys as the rows stream into the store (no request leaves before the
whole input is validated: a bad file still fails before any network call). Then the keys are
priced, up to ``concurrency`` requests at once, while the balance is asked for. A
representative that ClickSend refuses is that row's own answer (``rejected``, as in exact
pricing); the next row of its key is asked instead, up to :data:`MAX_TRIES` rows, and after
that the key's rows go unpriced (estimated from the others; ClickSend decides at send time).
Refusals that depend on the number itself (a blocked recipient) are seen only by exact pricing
(``preflight="exact"``), which asks for every row; the billed guard while sending stops a
campaign whose bills run past ``max_cost``. A campaign with more than :data:`KEY_LIMIT` keys
(every row its own sender, say) is priced exactly: as many requests, no more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from .._sansio import clean_text
from ._budget import add_rate, destination_prefix, rate_key
from ._channels import _parts_of, _price_of
from ._price import _PRICE_KEEP_PENDING
from ._report import BulkOutcome

if TYPE_CHECKING:
    from ._price import PriceState, Pricing

__all__ = ["MAX_TRIES", "KeyPricer", "generic_key"]

#: Representatives asked per key before its rows go unpriced.
MAX_TRIES = 3

#: Distinct keys kept in memory; past this, the campaign is priced row by row (exact).
KEY_LIMIT = 20_000

#: Payload fields that do not change a message's price (the number's prefix and the parts
#: stand in for ``to`` and ``body``).
_NOT_PRICE = frozenset({"to", "body", "custom_string", "schedule"})


def generic_key(payload: Mapping[str, Any], encoding: str, parts: int) -> Hashable:
    """Return the price key of a payload built row by row (any field may differ)."""
    return (
        destination_prefix(payload.get("to")),
        encoding,
        parts,
        tuple(sorted((k, str(v)) for k, v in payload.items() if k not in _NOT_PRICE)),
    )


class _Candidate(NamedTuple):
    """A row that may be asked for its key's price: (row, custom_string, to, payload)."""

    row: int
    custom_string: str
    to: str | None
    payload: str


@attrs.define(slots=True, eq=False)
class _Key:
    """One price key: rows that may represent it, how many rows it has, and its answer."""

    candidates: list[_Candidate] = attrs.field(factory=list)
    #: Valid rows of the key, and the local part count of each (the key holds it).
    count: int = 1
    parts_each: int = 1
    done: bool = False
    price: Decimal | None = None
    parts: int | None = None
    short_of_credit: bool = False
    #: Representatives ClickSend refused (rejected at preflight, not sent).
    refused: int = 0
    #: The key in the plan's rate table (destination prefix, local parts).
    rate: tuple[str, int] = ("", 1)


class KeyPricer:
    """Collect price keys while planning, then price one row per key; see the module docstring."""

    def __init__(self, job: Pricing, state: PriceState) -> None:
        self._job = job
        self._state = state
        self.keys: dict[Hashable, _Key] = {}
        #: False once the campaign has more keys than :data:`KEY_LIMIT` (priced exactly).
        self.usable = True
        self.requests = 0

    def add(
        self, key: Hashable, row: int, custom: str, to: str | None, payload: str, parts: int
    ) -> None:
        """Count one valid row under its key (called by planning, no request is sent)."""
        found = self.keys.get(key)
        if found is not None:  # the common case, kept short: planning calls this for every row
            found.count += 1
            if found.count <= MAX_TRIES:
                found.candidates.append(_Candidate(row, custom, to, payload))
            return
        if not self.usable:
            return
        if len(self.keys) >= KEY_LIMIT:
            self.usable = False
            self.keys.clear()
            return
        self.keys[key] = _Key(
            candidates=[_Candidate(row, custom, to, payload)],
            parts_each=parts,
            rate=rate_key(to, parts),
        )

    async def price(self) -> None:
        """Ask ``/price`` for one row of every key (again for keys whose row was refused)."""
        state = self._state
        size = self._job.chunk_size
        sem = asyncio.Semaphore(self._job.concurrency)
        waiting = list(self.keys.values())
        while waiting and state.error is None:
            batches = [waiting[i : i + size] for i in range(0, len(waiting), size)]
            self.requests += len(batches)

            async def ask(batch: list[_Key]) -> None:
                async with sem:
                    await self._ask(batch)

            await asyncio.gather(*(ask(b) for b in batches))
            waiting = [k for k in waiting if not k.done]
        if state.error is not None:
            raise state.error
        self._totals()

    def _totals(self) -> None:
        state = self._state
        for key in self.keys.values():
            count = key.count - key.refused
            if count <= 0:
                continue
            if key.parts is None:
                state.parts_unknown += count
            else:
                state.counted_parts += key.parts * count
            if key.price is not None:
                add_rate(state.table, key.rate, key.price)
                state.cost += key.price * count
                state.priced_parts += (key.parts or 0) * count
            else:
                state.unpriced += count
                state.unpriced_parts += max(key.parts_each, 1) * count
            if key.short_of_credit:
                state.short_of_credit += count
        state.keys = len(self.keys)
        state.requests += self.requests

    async def _ask(self, batch: list[_Key]) -> None:
        state = self._state
        if state.error is not None:
            return
        job = self._job
        reps = [k.candidates[k.refused] for k in batch]
        messages = await job._ask_prices([r.payload for r in reps], state)
        if messages is None:
            return
        by_custom = {m.get("custom_string"): m for m in messages if isinstance(m, Mapping)}
        prices: dict[str, tuple[Decimal | None, str | None]] = {}
        refused: list[tuple[Any, ...]] = []
        for index, (key, rep) in enumerate(zip(batch, reps, strict=True)):
            found = by_custom.get(rep.custom_string)
            if (
                found is None
                and len(messages) == len(reps)
                and isinstance(messages[index], Mapping)
            ):
                found = messages[index]
            status = None if found is None else clean_text(str(found.get("status") or ""))
            if found is not None and (status in _PRICE_KEEP_PENDING or not status):
                parts = _parts_of(found.get("message_parts"))
                if parts == 0 and len(key.candidates) - key.refused > 1:
                    # A test number (0 parts, free) is no sample of its prefix: ask another row.
                    key.candidates.pop(key.refused)
                    continue
                key.price, _ = _price_of(found.get("message_price"), prices)
                key.parts = parts
                key.short_of_credit = status == "INSUFFICIENT_CREDIT"
                key.done = True
                continue
            if found is not None and status:  # refused: that row's own answer, as exact says
                state.rejected[status] = state.rejected.get(status, 0) + 1
                reason = f"refused at preflight pricing: {status}"
                parts = _parts_of(found.get("message_parts"))
                refused.append((None, parts, "rejected", status, reason, rep.row))
                key.refused += 1
                await job._emit(
                    BulkOutcome(
                        row=rep.row,
                        to=rep.to,
                        state="rejected",
                        status=status,
                        custom_string=rep.custom_string,
                        reason=reason,
                    )
                )
            else:  # not in the answer: count it as a try, the row itself stays pending
                key.candidates.pop(key.refused)
            if key.refused >= len(key.candidates):
                key.done = True  # unpriced from now on: ClickSend decides at send time
        if refused:
            await job._store.set_prices(refused)
