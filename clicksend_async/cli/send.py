"""``send`` (SMS, ``--mms MEDIA``, ``--voice``) and ``price`` (a message, or a whole CSV)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click
from rich.table import Table
from rich.text import Text

from .._client import ClickSendClient
from ..models.messages import MmsMessage, SendResult, SmsMessage, VoiceMessage
from ._context import EXIT_ERROR, EXIT_OK, Globals, execute, open_client
from ._options import (
    ChannelChoice,
    body_options,
    bulk_options,
    channel_of,
    channel_options,
    emulator_option,
    output_options,
    parse_schedule,
    resolve_body,
)
from ._output import money, plural
from .campaign import CampaignOptions, price_csv

__all__ = ["price", "send"]

F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen(kw_only=True)
class _Message:
    """What ``send`` / ``price --to`` were asked to send."""

    to: tuple[str, ...]
    body: str
    channel: ChannelChoice
    from_: str | None = None
    schedule: int | None = None
    country: str | None = None


def _messages(m: _Message) -> list[Any]:
    common: dict[str, Any] = {
        "body": m.body,
        "from_": m.from_,
        "schedule": m.schedule,
        "country": m.country,
    }
    if m.channel.kind == "mms":
        return [MmsMessage(to=n, subject=m.channel.subject or "", **common) for n in m.to]
    if m.channel.kind == "voice":
        gender, lang = m.channel.gender, m.channel.lang
        return [VoiceMessage(to=n, voice=gender, lang=lang, **common) for n in m.to]
    return [SmsMessage(to=n, **common) for n in m.to]


async def _call(cs: ClickSendClient, m: _Message, *, price: bool) -> SendResult:
    messages = _messages(m)
    if m.channel.kind == "mms":
        assert m.channel.media_file is not None
        call = cs.mms.price if price else cs.mms.send
        return await call(m.channel.media_file, messages)
    resource = cs.voice if m.channel.kind == "voice" else cs.sms
    return await (resource.price(messages) if price else resource.send(messages))


def result_document(command: str, channel: str, result: SendResult) -> dict[str, Any]:
    """Return a send or price result as the JSON output shows it."""
    currency = result.currency.code if result.currency is not None else None
    return {
        "command": command,
        "channel": channel,
        "total_price": str(result.total_price),
        "currency": currency,
        "accepted": len(result.accepted),
        "rejected": len(result.rejected),
        "messages": [
            {
                "to": m.to,
                "status": m.status,
                "accepted": m.accepted,
                "message_id": m.message_id,
                "parts": m.message_parts,
                "price": None if m.message_price is None else str(m.message_price),
                "custom_string": m.custom_string,
            }
            for m in result.messages
        ],
    }


def print_result(g: Globals, result: SendResult) -> None:
    """Print one row per message: to, status, message_id, parts, price, currency."""
    currency = result.currency.code if result.currency is not None else None
    # 80 columns: the 36-character message id stays whole; the status folds if it must.
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("to", no_wrap=True)
    table.add_column("status", overflow="fold", min_width=7)
    table.add_column("message_id", no_wrap=True, min_width=36)
    table.add_column("parts", justify="right")
    table.add_column("price", justify="right")
    table.add_column("currency")
    for m in result.messages:
        table.add_row(
            m.to or "",
            Text(m.status, style="" if m.accepted else "bold red"),
            m.message_id or "",
            "" if m.message_parts is None else str(m.message_parts),
            "" if m.message_price is None else f"{m.message_price:.4f}",
            currency or "",
        )
    g.output.show(table)


async def _send(g: Globals, m: _Message, *, emulator: bool) -> int:
    async with open_client(g, emulator=emulator) as cs:
        result = await _call(cs, m, price=False)
    g.output.emit(result_document("send", m.channel.kind, result))
    print_result(g, result)
    rejected = result.rejected
    if rejected:
        statuses = ", ".join(sorted({r.status for r in rejected}))
        g.output.error(f"ClickSend refused {plural(len(rejected), m.channel.noun)}: {statuses}")
        return EXIT_ERROR
    return EXIT_OK


async def _price_one(g: Globals, m: _Message, *, emulator: bool) -> int:
    async with open_client(g, emulator=emulator) as cs:
        result = await _call(cs, m, price=True)
    g.output.emit(result_document("price", m.channel.kind, result))
    print_result(g, result)
    currency = result.currency.code if result.currency is not None else None
    g.output.show(f"total: {money(result.total_price, currency)}")
    if result.rejected:
        statuses = ", ".join(sorted({r.status for r in result.rejected}))
        noun = m.channel.noun
        g.output.error(f"ClickSend would refuse {plural(len(result.rejected), noun)}: {statuses}")
        return EXIT_ERROR
    return EXIT_OK


def _to_option(help: str, *, required: bool) -> Callable[[F], F]:
    return click.option("--to", "to", multiple=True, required=required, metavar="NUMBER", help=help)


@click.command(short_help="Send an SMS, MMS or call, now or later.")
@_to_option("Recipient in E.164 (+61411111111); repeat for several.", required=True)
@body_options(help="The message text (or the words a call speaks).")
@channel_options
@click.option("--from", "from_", metavar="SENDER", help="Sender id or number.")
@click.option(
    "--schedule", metavar="WHEN", help="Send later: ISO-8601 with a timezone, or Unix seconds."
)
@click.option("--country", metavar="ISO2", help="Country of a local number, e.g. AU.")
@emulator_option("Send to the built-in emulator instead.")
@output_options
@click.pass_obj
def send(g: Globals, /, to: Sequence[str], **options: Any) -> None:
    """Send an SMS (or --mms, --voice) now or at --schedule; exit 1 if ClickSend refuses it."""
    message = _Message(
        to=tuple(to),
        body=resolve_body(options) or "",
        channel=channel_of(options),
        from_=options["from_"],
        schedule=parse_schedule(options["schedule"]),
        country=options["country"],
    )
    execute(g, lambda: _send(g, message, emulator=options["emulator"]))


@click.command(short_help="Price a message or a whole CSV; send nothing.")
@click.argument("recipients", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_to_option("Price one message to NUMBER (repeat for several) instead of a CSV.", required=False)
@body_options(help='The text, or for a CSV a template such as "Hi {first_name}".')
@channel_options
@bulk_options
@emulator_option("Price against the built-in emulator.")
@output_options
@click.pass_obj
def price(g: Globals, /, recipients: Path | None, to: Sequence[str], **options: Any) -> None:
    """Price messages without sending: --to NUMBER, or a RECIPIENTS CSV (the preflight)."""
    if (recipients is None) == (not to):
        raise click.UsageError("give either a RECIPIENTS.csv file or --to NUMBER (not both)")
    if recipients is None:
        message = _Message(
            to=tuple(to),
            body=resolve_body(options) or "",
            channel=channel_of(options),
            from_=options["from_"],
            country=options["country"],
        )
        execute(g, lambda: _price_one(g, message, emulator=options["emulator"]))
    settings = CampaignOptions.from_click(recipients, options, dry_run=True)
    execute(g, lambda: price_csv(g, settings))
