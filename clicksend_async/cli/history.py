"""``history``, ``receipts`` and ``inbound``: what was sent, what was delivered, who replied.

Each prints a table, or with ``--json`` one JSON line per item as the pages arrive (ClickSend's
own field names, as the API returns them).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import click
from rich.table import Table

from .._client import ClickSendClient
from .._converter import unstructure
from ._context import EXIT_OK, Globals, execute, open_client
from ._options import emulator_option, output_options, parse_date
from ._output import plural

__all__ = ["history", "inbound", "receipts"]


def _channel_option(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--voice", "channel", flag_value="voice", help="Calls.")(command)
    command = click.option("--mms", "channel", flag_value="mms", help="MMS.")(command)
    return click.option(
        "--sms", "channel", flag_value="sms", default=True, help="SMS (the default)."
    )(command)


def _limit_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--limit",
        type=click.IntRange(min=0),
        default=100,
        show_default=True,
        metavar="N",
        help="Show at most N items (0: all of them).",
    )(command)


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return ""


def _short(text: str | None, width: int = 40) -> str:
    if not text:
        return ""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


async def _take(items: AsyncIterator[Any], limit: int) -> AsyncIterator[Any]:
    count = 0
    async for item in items:
        if limit and count >= limit:
            return
        count += 1
        yield item


async def _list(
    g: Globals,
    *,
    emulator: bool,
    fetch: Callable[[ClickSendClient], AsyncIterator[Any]],
    columns: list[tuple[str, Callable[[Any], str]]],
    title: str,
    limit: int,
    after: Callable[[ClickSendClient, list[Any]], Any] | None = None,
) -> int:
    """Page through ``fetch``: JSON lines as they arrive, or one table at the end."""
    out = g.output
    shown: list[Any] = []
    async with open_client(g, emulator=emulator) as cs:
        async for item in _take(fetch(cs), limit):
            shown.append(item)
            out.emit(unstructure(item))
        if after is not None:
            await after(cs, shown)
    if out.human:
        if not shown:
            out.note(f"no {title}")
            return EXIT_OK
        table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))
        for name, _ in columns:
            table.add_column(name, overflow="fold")
        for item in shown:
            table.add_row(*(render(item) for _, render in columns))
        out.show(table)
        out.note(plural(len(shown), title.rstrip("s")))
    return EXIT_OK


@click.command(short_help="List sent messages, newest first.")
@_channel_option
@click.option("--since", metavar="DATE", help="Only messages from DATE (2026-11-30, ISO-8601).")
@click.option("--until", metavar="DATE", help="Only messages up to DATE.")
@click.option("--status", metavar="STATUS", help="Only this status, e.g. Delivered.")
@click.option("--to", "to", metavar="NUMBER", help="Only messages to NUMBER.")
@_limit_option
@emulator_option()
@output_options
@click.pass_obj
def history(g: Globals, /, channel: str, **options: Any) -> None:
    """List sent SMS (or --mms, --voice), newest first; filter by date, status, recipient."""
    date_from = parse_date(options["since"], "--since")
    date_to = parse_date(options["until"], "--until")
    q = {k: v for k, v in (("status", options["status"]), ("to", options["to"])) if v}

    def fetch(cs: ClickSendClient) -> AsyncIterator[Any]:
        resource: Any = {"sms": cs.sms, "mms": cs.mms, "voice": cs.voice}[channel]
        paginator: AsyncIterable[Any] = resource.history(
            date_from=date_from, date_to=date_to, q=q or None, order_by="date:desc"
        )
        return paginator.__aiter__()

    columns: list[tuple[str, Callable[[Any], str]]] = [
        ("date", lambda m: _when(m.date)),
        ("to", lambda m: m.to or ""),
        ("status", lambda m: m.status or ""),
        ("message_id", lambda m: m.message_id or ""),
        ("parts", lambda m: "" if m.message_parts is None else str(m.message_parts)),
        ("price", lambda m: "" if m.message_price is None else f"{m.message_price:.4f}"),
        ("body", lambda m: _short(m.body)),
    ]
    execute(
        g,
        lambda: _list(
            g,
            emulator=options["emulator"],
            fetch=fetch,
            columns=columns,
            title="messages",
            limit=options["limit"],
        ),
    )


@click.command(short_help="List delivery receipts.")
@click.argument("message_id", required=False)
@_channel_option
@click.option("--mark-read", is_flag=True, help="Mark the receipts shown as read (SMS only).")
@_limit_option
@emulator_option()
@output_options
@click.pass_obj
def receipts(g: Globals, /, message_id: str | None, channel: str, **options: Any) -> None:
    """List unread delivery receipts (SMS, --mms, --voice), or the receipt of MESSAGE_ID."""
    if options["mark_read"] and channel != "sms":
        raise click.UsageError("--mark-read is for SMS receipts only")
    if message_id is not None and channel != "sms":
        raise click.UsageError("one receipt by MESSAGE_ID is for SMS only; list them instead")

    def fetch(cs: ClickSendClient) -> AsyncIterator[Any]:
        if message_id is not None:
            return _one(cs.sms.receipt(message_id))
        resource: Any = {"sms": cs.sms, "mms": cs.mms, "voice": cs.voice}[channel]
        paginator: AsyncIterable[Any] = resource.receipts()
        return paginator.__aiter__()

    async def mark(cs: ClickSendClient, shown: list[Any]) -> None:
        if options["mark_read"] and shown:
            latest = max((r.timestamp for r in shown if r.timestamp is not None), default=None)
            await cs.sms.mark_receipts_read(date_before=latest)

    columns: list[tuple[str, Callable[[Any], str]]] = [
        ("when", lambda r: _when(r.timestamp)),
        ("message_id", lambda r: r.message_id or ""),
        ("status", lambda r: r.status or ""),
        ("code", lambda r: r.status_code or ""),
        ("text", lambda r: r.status_text or ""),
        ("custom_string", lambda r: r.custom_string or ""),
    ]
    execute(
        g,
        lambda: _list(
            g,
            emulator=options["emulator"],
            fetch=fetch,
            columns=columns,
            title="receipts",
            limit=options["limit"],
            after=mark,
        ),
    )


async def _one(value: Any) -> AsyncIterator[Any]:
    yield await value


@click.command(short_help="List unread replies.")
@click.option("--mark-read", is_flag=True, help="Mark the messages shown as read.")
@_limit_option
@emulator_option()
@output_options
@click.pass_obj
def inbound(g: Globals, /, **options: Any) -> None:
    """List unread inbound SMS (replies kept by a POLL inbound rule)."""

    async def mark(cs: ClickSendClient, shown: list[Any]) -> None:
        if options["mark_read"]:
            for message in shown:
                if message.message_id:
                    await cs.sms.mark_inbound_message_read(message.message_id)

    columns: list[tuple[str, Callable[[Any], str]]] = [
        ("when", lambda m: _when(m.timestamp)),
        ("from", lambda m: m.from_ or ""),
        ("to", lambda m: m.to or ""),
        ("message_id", lambda m: m.message_id or ""),
        ("body", lambda m: _short(m.body)),
        ("reply to", lambda m: m.original_message_id or ""),
    ]
    execute(
        g,
        lambda: _list(
            g,
            emulator=options["emulator"],
            fetch=lambda cs: cs.sms.inbound().__aiter__(),
            columns=columns,
            title="inbound messages",
            limit=options["limit"],
            after=mark,
        ),
    )
