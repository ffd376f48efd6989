"""``account balance`` and ``account usage``: what is left, and what a month cost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from ._context import EXIT_OK, Globals, execute, open_client
from ._options import emulator_option, output_options
from ._output import kv_table, money

__all__ = ["account"]

#: The channels ``account usage`` reports, as AccountUsage names them.
USAGE_CHANNELS = ("sms", "mms", "voice", "fax", "post", "email", "email_transactional", "postcards")


@click.group(short_help="The balance, and the usage of a month.")
def account() -> None:
    """Read the account: its balance, and its usage by month."""


@account.command()
@emulator_option()
@output_options
@click.pass_obj
def balance(g: Globals, emulator: bool) -> None:
    """Print the account's balance and currency."""

    async def work() -> int:
        async with open_client(g, emulator=emulator) as cs:
            info = await cs.account.get()
        currency = info.currency.code if info.currency is not None else None
        # Chosen fields only: the account answer can carry a subaccount's API key.
        g.output.emit(
            {
                "balance": None if info.balance is None else str(info.balance),
                "currency": currency,
                "account_name": info.account_name,
                "username": info.username,
                "user_id": info.user_id,
                "low_credit_amount": (
                    None if info.low_credit_amount is None else str(info.low_credit_amount)
                ),
            }
        )
        table = kv_table()
        table.add_row("balance", money(info.balance, currency))
        if info.account_name:
            table.add_row("account", info.account_name)
        if info.username:
            table.add_row("username", info.username)
        g.output.show(table)
        return EXIT_OK

    execute(g, work)


def _month(value: str | None) -> tuple[int, int]:
    if value is None:
        now = datetime.now(UTC)
        return now.year, now.month
    try:
        when = datetime.strptime(value.strip(), "%Y-%m")
    except ValueError:
        raise click.BadParameter("use YYYY-MM, e.g. 2026-11", param_hint="--month") from None
    return when.year, when.month


@account.command()
@click.option("--month", metavar="YYYY-MM", help="The month (default: this one, UTC).")
@emulator_option()
@output_options
@click.pass_obj
def usage(g: Globals, month: str | None, emulator: bool) -> None:
    """Print what each channel cost in a month (messages and price, all subaccounts)."""
    year, number = _month(month)

    async def work() -> int:
        async with open_client(g, emulator=emulator) as cs:
            report = await cs.account.usage(year, number)
        currency = report.currency.code if report.currency is not None else None
        channels: dict[str, Any] = {}
        for name in USAGE_CHANNELS:
            total = getattr(report, f"{name}_total")
            rows = getattr(report, name)
            count = total.count if total is not None else sum(r.total_count for r in rows)
            price = total.price if total is not None else sum(r.total_price for r in rows)
            if count or price or rows:
                channels[name] = {"count": count, "price": str(price)}
        g.output.emit({"year": year, "month": number, "currency": currency, "channels": channels})
        table = kv_table(f"usage {year}-{number:02d}")
        for name, values in channels.items():
            table.add_row(name, f"{values['count']:,} ({money(_dec(values['price']), currency)})")
        if not channels:
            table.add_row("nothing", "no messages this month")
        g.output.show(table)
        return EXIT_OK

    execute(g, work)


def _dec(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)
