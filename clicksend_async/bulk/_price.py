"""Pricing: preflight through ``/price``, and the budget and balance checks before any send."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from .._exceptions import BudgetExceededError, ClickSendError, DecodeError, ValidationError
from .._sansio import clean_text
from ._budget import RateTable, add_rate, message_rate_key
from ._channels import _decimal, _int, _parts_of, _price_of
from ._jobstate import JobState
from ._report import BulkOutcome, BulkPlan

__all__ = ["PriceState", "Pricing"]

#: Per-message statuses that, at preflight pricing, settle a row as rejected without sending.
_PRICE_KEEP_PENDING = frozenset({"SUCCESS", "THROTTLED", "INSUFFICIENT_CREDIT", "QUEUED"})


@attrs.define
class PriceState:
    """Totals gathered while preflight pricing streams past."""

    cost: Decimal = Decimal(0)
    currency: str | None = None
    blocked: int = 0
    rejected: dict[str, int] = attrs.field(factory=dict)
    error: ClickSendError | None = None
    priced_parts: int = 0
    unpriced: int = 0
    unpriced_parts: int = 0
    short_of_credit: int = 0
    #: ClickSend's part count for the messages it would send, and how many answers lacked one.
    counted_parts: int = 0
    parts_unknown: int = 0
    #: ``/price`` requests made, and the price keys asked (key pricing).
    requests: int = 0
    keys: int = 0
    #: The plan's rate table, for the billed guard while sending.
    table: RateTable = attrs.field(factory=dict)

    def total(self) -> Decimal:
        """Return the priced cost plus an estimate (mean price per part) for unpriced rows."""
        if not self.unpriced_parts or not self.priced_parts:
            return self.cost
        per_part = self.cost / self.priced_parts
        return (self.cost + per_part * self.unpriced_parts).quantize(Decimal("0.0001"))


class Pricing(JobState):
    """The pricing stage of :class:`~._engine.BulkJob`."""

    _balance_task: asyncio.Task[Any] | None = None

    def _new_price_state(self) -> PriceState:
        return PriceState()

    async def _price_all(self, state: PriceState) -> None:
        """Price every valid row through ``/price``, chunk by chunk, ``concurrency`` at a time."""
        sem = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()

        async def price(rows: list[tuple[int, str, str]]) -> None:
            try:
                await self._price_chunk(rows, state)
            finally:
                sem.release()

        cursor = 0
        try:
            while state.error is None:
                await sem.acquire()
                rows = await self._store.rows_to_price(cursor, self.chunk_size)
                if not rows:
                    sem.release()
                    break
                cursor = rows[-1][0]
                state.requests += 1
                task = asyncio.create_task(price(rows))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        if state.error is not None:
            raise state.error

    async def _ask_prices(self, payloads: list[str], state: PriceState) -> list[Any] | None:
        """Send one ``/price`` request and return its messages, having noted the currency and
        the blocked count; None (with ``state.error`` set) when it failed."""
        try:
            data = await self._session.data(
                "POST", self.channel.price_path, content=self._body(payloads)
            )
        except ClickSendError as exc:
            state.error = exc
            return None
        if not isinstance(data, Mapping):
            state.error = DecodeError(f"{self.channel.price_path}: expected an object in data")
            return None
        currency = data.get("_currency") or data.get("currency")
        if isinstance(currency, Mapping) and state.currency is None:
            name = currency.get("currency_name_short")
            state.currency = None if name is None else str(name)
        state.blocked += _int(data.get("blocked_count")) or 0
        messages = data.get("messages") or []
        return messages if isinstance(messages, list) else []

    async def _price_chunk(self, chunk: list[tuple[int, str, str]], state: PriceState) -> None:
        if state.error is not None:
            return
        messages = await self._ask_prices([r[2] for r in chunk], state)
        if messages is None:
            return
        by_custom = {
            m.get("custom_string"): m for m in messages if type(m) is dict or isinstance(m, Mapping)
        }
        updates: list[tuple[Any, ...]] = []
        prices: dict[str, tuple[Decimal | None, str | None]] = {}
        for index, (row, custom, payload) in enumerate(chunk):
            found = by_custom.get(custom)
            if (
                found is None
                and len(messages) == len(chunk)
                and isinstance(messages[index], Mapping)
            ):
                found = messages[index]
            if found is None:
                continue
            status = clean_text(str(found.get("status") or ""))
            price, price_text = _price_of(found.get("message_price"), prices)
            parts = _parts_of(found.get("message_parts"))
            if status in _PRICE_KEEP_PENDING or not status:
                if parts is None:
                    state.parts_unknown += 1
                else:
                    state.counted_parts += parts
                if price is not None:
                    state.cost += price
                    state.priced_parts += parts or 0
                    with contextlib.suppress(ValueError, TypeError, ValidationError):
                        rate = message_rate_key(json.loads(payload), self.channel, self._limits)
                        if rate is not None:
                            add_rate(state.table, rate, price)
                else:
                    # Priced without a price (INSUFFICIENT_CREDIT ...): estimated later.
                    state.unpriced += 1
                    state.unpriced_parts += parts or 1
                if status == "INSUFFICIENT_CREDIT":
                    state.short_of_credit += 1
                updates.append((price_text, parts, None, None, None, row))
            else:
                state.rejected[status] = state.rejected.get(status, 0) + 1
                reason = f"refused at preflight pricing: {status}"
                updates.append((None, parts, "rejected", status, reason, row))
                to = found.get("to")
                await self._emit(
                    BulkOutcome(
                        row=row,
                        to=None if to is None else str(to),
                        state="rejected",
                        status=status,
                        custom_string=custom,
                        reason=reason,
                    )
                )
        await self._store.set_prices(updates)

    def _check_budget(self, plan: BulkPlan) -> None:
        if (
            self.max_cost is not None
            and plan.total_cost is not None
            and plan.total_cost > self.max_cost
        ):
            raise BudgetExceededError(
                f"the campaign would cost {plan.total_cost} {plan.currency or ''}, over "
                f"max_cost {self.max_cost}; nothing was sent".replace("  ", " "),
                plan=plan,
            )
        if self.max_segments is not None and plan.billable_segments > self.max_segments:
            counted = ""
            if plan.billable_segments != plan.segments:
                counted = f" as ClickSend counts them ({plan.segments} by 3GPP's count)"
            raise BudgetExceededError(
                f"the campaign is {plan.billable_segments} segments{counted}, over max_segments "
                f"{self.max_segments}; nothing was sent",
                plan=plan,
            )

    def _ask_balance_early(self) -> None:
        """Ask for the balance now (planning validated the input), to come back while pricing."""
        if self.check_balance and not self.dry_run and self._balance_task is None:
            self._balance_task = asyncio.create_task(self._session.data("GET", "/account"))

    async def _drop_balance(self) -> None:
        """Cancel an early balance request whose answer is not wanted (planning failed)."""
        task, self._balance_task = self._balance_task, None
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def _check_plan(self, plan: BulkPlan) -> None:
        """Check the budget and the balance; a refused plan is marked so in the store, so no
        worker ever sends it."""
        try:
            self._check_budget(plan)
            if self.check_balance and plan.total_cost is not None and not self.dry_run:
                await self._check_balance(plan)
        except BudgetExceededError as exc:
            await self._store.set_meta({"refused": clean_text(str(exc))})
            raise
        finally:
            await self._drop_balance()
        if await self._store.get_meta("refused") is not None:
            await self._store.set_meta({"refused": ""})  # within budget now (a top-up)

    async def _check_balance(self, plan: BulkPlan) -> None:
        task, self._balance_task = self._balance_task, None
        data = await (task if task is not None else self._session.data("GET", "/account"))
        balance = _decimal(data.get("balance")) if isinstance(data, Mapping) else None
        cost = plan.total_cost
        if balance is None or cost is None:
            return
        self._plan = plan = attrs.evolve(plan, balance=balance)
        already = (await self._store.totals())[0]
        if plan.short_of_credit and not already:
            raise BudgetExceededError(
                f"ClickSend priced {plan.short_of_credit} message(s) as INSUFFICIENT_CREDIT: the "
                f"balance {balance} does not cover the campaign (about {cost}); nothing was sent",
                plan=plan,
            )
        if cost - already > balance:
            raise BudgetExceededError(
                f"the campaign would cost {cost - already}, more than the account "
                f"balance {balance}; nothing was sent",
                plan=plan,
            )
