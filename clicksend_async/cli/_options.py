"""Options shared by several commands, and the parsing behind them (in the flags' own words)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click

from ._context import Globals

__all__ = [
    "ChannelChoice",
    "body_options",
    "bulk_options",
    "channel_options",
    "output_options",
    "parse_decimal",
    "parse_schedule",
    "resolve_body",
]

F = TypeVar("F", bound=Callable[..., Any])

#: --delimiter may name its character: a tab is hard to type in a shell.
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _apply(command: F, decorators: list[Callable[[F], F]]) -> F:
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _set_output(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    g = ctx.find_object(Globals)
    if g is not None and value:
        setattr(g.output, str(param.name), True)


def output_options(command: F) -> F:
    """Add ``--json`` and ``--quiet`` (also accepted before the command name)."""
    return _apply(
        command,
        [
            click.option(
                "--json",
                is_flag=True,
                expose_value=False,
                callback=_set_output,
                help="Print JSON on stdout (one document, or JSON lines for streams).",
            ),
            click.option(
                "-q",
                "--quiet",
                is_flag=True,
                expose_value=False,
                callback=_set_output,
                help="Print no tables, notes or progress; errors still go to stderr.",
            ),
        ],
    )


def body_options(*, help: str) -> Callable[[F], F]:
    """Add ``--body TEXT`` (``-`` reads stdin) and ``--body-file FILE``."""

    def decorate(command: F) -> F:
        return _apply(
            command,
            [
                click.option("--body", metavar="TEXT", help=help + " '-' reads it from stdin."),
                click.option(
                    "--body-file",
                    type=click.Path(path_type=Path, dir_okay=False),
                    metavar="FILE",
                    help="Read the text from FILE (UTF-8) instead of --body.",
                ),
            ],
        )

    return decorate


def resolve_body(options: Mapping[str, Any], *, required: bool = True) -> str | None:
    """Return the text of ``--body`` / ``--body -`` / ``--body-file``, refusing both or neither."""
    body: str | None = options.get("body")
    path: Path | None = options.get("body_file")
    if body is not None and path is not None:
        raise click.UsageError("give either --body or --body-file, not both")
    if path is not None:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {path}: {exc.strerror or exc}", param_hint="--body-file"
            ) from None
        except UnicodeDecodeError as exc:
            raise click.BadParameter(
                f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8",
                param_hint="--body-file",
            ) from None
        return _strip_final_newline(text, "--body-file")
    if body == "-":
        stream = sys.stdin
        if stdin_is_tty():
            click.echo("reading the message from stdin; end it with Ctrl-D", err=True)
        return _strip_final_newline(stream.read(), "--body -")
    if body is None and required:
        raise click.UsageError("give the message: --body TEXT, --body - (stdin) or --body-file")
    return body


def _strip_final_newline(text: str, hint: str) -> str:
    # A file (or echo) ends with a newline that nobody means to send.
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text.strip():
        raise click.BadParameter("the message is empty", param_hint=hint)
    return text


@attrs.frozen(kw_only=True)
class ChannelChoice:
    """SMS, MMS (with its media file and subject) or voice (with its language and voice)."""

    kind: str = "sms"
    media_file: str | None = None
    subject: str | None = None
    lang: str = "en-us"
    gender: str = "female"

    @property
    def noun(self) -> str:
        """Return what one message is called: ``SMS``, ``MMS``, ``call``."""
        return {"sms": "message", "mms": "MMS", "voice": "call"}[self.kind]


def channel_options(command: F) -> F:
    """Add ``--mms MEDIA_URL`` (+ ``--subject``) and ``--voice`` (+ ``--lang``, ``--gender``)."""
    return _apply(
        command,
        [
            click.option(
                "--mms",
                "mms",
                metavar="MEDIA_URL",
                help="Send MMS with this media file (a jpg or gif URL) instead of SMS.",
            ),
            click.option("--subject", metavar="TEXT", help="The MMS subject (with --mms)."),
            click.option(
                "--voice", "voice", is_flag=True, help="Make text-to-speech calls instead of SMS."
            ),
            click.option(
                "--lang", metavar="CODE", help="Voice language, e.g. en-au (default en-us)."
            ),
            click.option(
                "--gender",
                type=click.Choice(["female", "male"]),
                help="Voice of the call (default female).",
            ),
        ],
    )


def channel_of(options: Mapping[str, Any]) -> ChannelChoice:
    """Return the channel that ``--mms`` / ``--voice`` chose, refusing options that do not fit."""
    mms, voice = options.get("mms"), bool(options.get("voice"))
    subject, lang, gender = options.get("subject"), options.get("lang"), options.get("gender")
    if mms is not None and voice:
        raise click.UsageError("give either --mms MEDIA_URL or --voice, not both")
    if mms is None and subject is not None:
        raise click.UsageError("--subject is for MMS: add --mms MEDIA_URL")
    if not voice and (lang is not None or gender is not None):
        raise click.UsageError("--lang and --gender are for calls: add --voice")
    if mms is not None:
        if not subject or not subject.strip():
            raise click.UsageError("an MMS needs a subject: add --subject TEXT")
        return ChannelChoice(kind="mms", media_file=mms, subject=subject)
    if voice:
        return ChannelChoice(kind="voice", lang=lang or "en-us", gender=gender or "female")
    return ChannelChoice()


def bulk_options(command: F) -> F:
    """Options shared by ``price CSV`` and ``campaign``."""
    return _apply(
        command,
        [
            click.option("--from", "from_", metavar="SENDER", help="Sender id or number."),
            click.option("--country", metavar="ISO2", help="Country of local numbers, e.g. AU."),
            click.option(
                "--chunk-size",
                type=click.IntRange(1, 1000),
                metavar="N",
                help="Messages per request (default 1000).",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 64),
                metavar="N",
                help="Requests in flight at once (default 4).",
            ),
            click.option(
                "--exact-price",
                is_flag=True,
                help="Price every row through /price (as many requests as the sends) instead "
                "of one row per destination prefix, sender and part count.",
            ),
            click.option(
                "--gsm",
                is_flag=True,
                help="Replace look-alikes (curly quotes, dashes, non-breaking spaces ...) with "
                "GSM-7 characters in messages that then fit GSM-7 (160 a part, not 70).",
            ),
            click.option(
                "--exclude-list",
                "exclude_lists",
                multiple=True,
                metavar="LIST_ID",
                help="A ClickSend contact list whose numbers are never texted (your opt-out "
                "list). Repeatable.",
            ),
            click.option(
                "--exclude",
                "exclude",
                multiple=True,
                type=click.Path(path_type=Path, dir_okay=False),
                metavar="FILE",
                help="A CSV of numbers never to text (an opt-out export; phone column by name). "
                "Repeatable.",
            ),
            click.option(
                "--dedupe-numbers",
                is_flag=True,
                help="Text each number once: later rows for a number are reported as invalid.",
            ),
            click.option("--dedupe", is_flag=True, help="Report repeated (to, body) as invalid."),
            click.option(
                "--allow-empty-fields",
                is_flag=True,
                help="Fill an empty template field with nothing instead of refusing the row.",
            ),
            click.option(
                "--delimiter",
                metavar="CHAR",
                help="The CSV's field separator (default: found in the header: , ; tab or |).",
            ),
            click.option(
                "--encoding",
                metavar="NAME",
                help="The CSV's text encoding, e.g. cp1252 (default: UTF-8, or UTF-16 with a BOM).",
            ),
            click.option(
                "--phone-column",
                metavar="NAME",
                help="CSV column with the numbers (default: to, phone, mobile, ... by name).",
            ),
        ],
    )


#: ``--settle SECONDS`` of ``campaign`` and ``worker``: the engine's ``reconcile_settle``.
settle_option = click.option(
    "--settle",
    type=click.FloatRange(min=0.0, max=3600.0),
    metavar="SECONDS",
    help="After an answer is lost, how long past its request the history is read before a "
    "row missing from it counts as not sent and is sent again (default 2). Raise it behind a "
    "proxy or gateway that may hold a request before it reaches ClickSend.",
)


def emulator_option(help: str = "Run against the built-in emulator instead.") -> Callable[[F], F]:
    """Add ``--emulator``: an in-process emulator, no account needed, nothing leaves."""
    return click.option("--emulator", is_flag=True, help=help)


def parse_schedule(value: str | None) -> int | None:
    """Turn ``--schedule`` (ISO-8601 with a timezone, or Unix seconds) into Unix seconds."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            "use ISO-8601 with a timezone, e.g. 2030-01-31T09:00:00+10:00, or Unix seconds",
            param_hint="--schedule",
        ) from None
    if when.tzinfo is None:
        raise click.BadParameter(
            f"{text!r} has no timezone: add one, e.g. {text}+10:00 or {text}Z",
            param_hint="--schedule",
        )
    return int(when.timestamp())


def parse_date(value: str | None, flag: str) -> int | None:
    """Turn a date flag (``2026-11-30``, ISO-8601 with a timezone, Unix seconds) into seconds."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            "use a date (2026-11-30), ISO-8601 (2026-11-30T09:00:00+10:00) or Unix seconds",
            param_hint=flag,
        ) from None
    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)  # a bare date is a UTC day, as the docs say
    return int(when.timestamp())


def parse_decimal(value: str | None, flag: str = "--max-cost") -> Decimal | None:
    """Parse a money amount given on the command line."""
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"not an amount: {value!r}", param_hint=flag) from None
    if not amount.is_finite() or amount < 0:
        raise click.BadParameter("must be a positive amount", param_hint=flag)
    return amount


def stdin_is_tty() -> bool:
    """Return True when stdin is a terminal (so a prompt can be answered)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
