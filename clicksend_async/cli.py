"""The ``clicksend-async`` command line: send, price, resumable campaigns, the emulator.

Why click and rich: click gives nested subcommands, options backed by environment variables,
prompts and an in-process ``CliRunner`` to test it all; rich gives tables and a live progress bar
that fall back to plain text when the output is not a terminal. Both are the optional ``cli``
extra, so this is the only module that imports them: the package imports without them, and
:func:`main` then says how to install them.

Commands (``clicksend-async COMMAND --help`` for every option)::

    send       one SMS (or a few) now or scheduled; prints the result table
    price      price one SMS, or a whole CSV through the bulk engine's preflight (sends nothing)
    campaign   a CSV campaign: check, plan, confirm, send with a progress bar, report; resumable
    emulator   run the built-in ClickSend emulator (its own options pass straight through)

A campaign always has a journal (a SQLite file) so that a crash can be resumed without texting
anyone twice: ``--journal PATH``, or by default ``RECIPIENTS.csv.journal.db`` next to the CSV.
With ``--emulator`` and no ``--journal`` the journal is temporary: the in-process emulator forgets
everything when the command ends, so there would be nothing to resume against.

Exit statuses: 0 every row reached a final state (sent, rejected or invalid), a dry run, or an
accepted send; 1 an error you can act on (the message says what to do), a rejected send, or a
declined confirmation; 2 a usage error; 3 the campaign ended with rows unknown or not sent (resume
it); 4 a budget (``--max-cost``, ``--max-segments``, the balance) would be exceeded, nothing sent;
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import attrs

from ._client import ClickSendClient
from ._exceptions import (
    APIError,
    AuthenticationError,
    BudgetExceededError,
    ClickSendError,
    ConfigurationError,
    JournalMismatchError,
    PermissionDeniedError,
    SendOutcomeUnknownError,
    TransportError,
    ValidationError,
)
from ._version import __version__
from .bulk import (
    BodyTemplate,
    BulkJob,
    BulkPlan,
    BulkReport,
    Journal,
    ProgressEvent,
    RecipientsCsv,
    read_recipients_csv,
)
from .bulk._rows import DEFAULT_ENCODING, header_key
from .models.messages import SendResult, SmsMessage

if TYPE_CHECKING:
    import click
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.status import Status

__all__ = ["EXIT_BUDGET", "EXIT_INCOMPLETE", "EXIT_INTERRUPTED", "build_cli", "main"]

#: Exit status: the campaign ended with rows in state unknown or skipped (resume it).
EXIT_INCOMPLETE = 3
#: Exit status: the plan exceeds --max-cost, --max-segments or the balance; nothing was sent.
EXIT_BUDGET = 4
#: Exit status: interrupted with Ctrl-C.
EXIT_INTERRUPTED = 130

INSTALL_HINT = "the clicksend-async command needs the cli extra: pip install 'clicksend-async[cli]'"

NO_CREDENTIALS = (
    "no ClickSend credentials: set CLICKSEND_USERNAME and CLICKSEND_API_KEY (direct access), "
    "or MATON_API_KEY (and optionally MATON_CONNECTION) for the Maton gateway; or pass "
    "--username/--api-key or --maton-api-key; or try it out with --emulator"
)

#: Balance of the in-process emulator: generous, so demos never run out of credit.
EMULATOR_BALANCE = Decimal("1000000")
#: How many invalid rows the plan summary lists (the report has all of them).
SHOWN_INVALID_ROWS = 5
JOURNAL_SUFFIX = ".journal.db"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    cli = build_cli()
    try:
        # Standalone mode: click handles usage errors and always ends with SystemExit.
        cli.main(args=None if argv is None else list(argv), prog_name="clicksend-async")
    except SystemExit as exc:
        code = exc.code
    return code if isinstance(code, int) else 0 if code is None else 1


# -- global options, output, errors -----------------------------------------------------------


@attrs.define
class _Globals:
    """The group's options, resolved, plus the two consoles."""

    out: Console
    err: Console
    username: str | None = None
    api_key: str | None = None
    maton_api_key: str | None = None
    connection: str | None = None
    base_url: str | None = None
    rate: float | None = None
    timeout: float = 30.0
    verbose: int = 0
    explicit_direct: bool = False
    explicit_maton: bool = False

    def client_kwargs(self) -> dict[str, Any]:
        """Return the ClickSendClient options other than credentials."""
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if self.rate is not None:
            kwargs["rate_limit"] = None if self.rate == 0 else self.rate
        return kwargs

    def make_client(self) -> ClickSendClient:
        """Build the client from flags first, then the environment (like ``from_env``)."""
        kwargs = self.client_kwargs()
        if self.base_url:
            kwargs["base_url"] = self.base_url
        if self.explicit_maton and self.explicit_direct:
            raise ConfigurationError(
                "give either --maton-api-key (Maton gateway) or --username/--api-key (direct), "
                "not both"
            )
        use_gateway = self.explicit_maton or (not self.explicit_direct and self.maton_api_key)
        if use_gateway and self.maton_api_key:
            return ClickSendClient(
                maton_api_key=self.maton_api_key, connection_id=self.connection or None, **kwargs
            )
        if self.username and self.api_key:
            return ClickSendClient(username=self.username, api_key=self.api_key, **kwargs)
        if self.username or self.api_key:
            missing = "CLICKSEND_API_KEY" if self.username else "CLICKSEND_USERNAME"
            flag = "--api-key" if self.username else "--username"
            raise ConfigurationError(
                f"{missing} is not set (or pass {flag}): direct access needs both "
                "CLICKSEND_USERNAME and CLICKSEND_API_KEY"
            )
        raise ConfigurationError(NO_CREDENTIALS)


class _Declined(Exception):
    """The user said no at the confirmation prompt."""


def _describe(exc: BaseException) -> str:
    """Return a one-line, actionable description of an error (never with a credential)."""
    if isinstance(exc, AuthenticationError):
        return (
            "ClickSend refused the credentials (HTTP 401): check CLICKSEND_USERNAME and "
            "CLICKSEND_API_KEY (or MATON_API_KEY for the gateway)"
        )
    if isinstance(exc, PermissionDeniedError):
        return f"ClickSend refused the request (HTTP 403, the account may not do this): {exc}"
    if isinstance(exc, SendOutcomeUnknownError):
        return (
            f"{exc}. The message may or may not have been sent: check the SMS history "
            "before sending it again"
        )
    if isinstance(exc, TransportError):
        return f"cannot reach ClickSend: {exc}; check the network, --base-url and --timeout"
    if isinstance(exc, JournalMismatchError):
        return (
            f"{exc}. To resume, give the same CSV, --body and options as the original run; "
            "to start a new campaign, choose another --journal path"
        )
    if isinstance(exc, APIError):
        return f"ClickSend refused the request: {exc}"
    return str(exc)


def _error(g: _Globals, message: str) -> None:
    from rich.text import Text

    text = Text("error: ", style="bold red")
    text.append(message)
    g.err.print(text, soft_wrap=True)


def _note(g: _Globals, message: str, style: str = "dim") -> None:
    from rich.text import Text

    g.err.print(Text(message, style=style), soft_wrap=True)


@contextlib.contextmanager
def _logging(g: _Globals) -> Iterator[None]:
    """Send the package's log records to stderr (warnings always, -v info, -vv debug)."""
    from rich.logging import RichHandler

    logger = logging.getLogger("clicksend_async")
    handler = RichHandler(console=g.err, show_path=False, show_time=g.verbose > 0)
    level = logging.DEBUG if g.verbose > 1 else logging.INFO if g.verbose else logging.WARNING
    handler.setLevel(level)
    # What the plan table shows anyway (the UCS-2 hint, in the CLI's own words) is not logged.
    handler.addFilter(lambda record: not getattr(record, "shown_in_plan", False))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(min(level, previous) if previous else level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _execute(g: _Globals, work: Callable[[], Awaitable[int]]) -> NoReturn:
    """Run ``work`` in a new event loop; turn every expected failure into a message + status."""
    import click

    code = 1
    with _logging(g):
        try:
            code = asyncio.run(_call(work))
        except KeyboardInterrupt:
            _error(g, "interrupted")
            code = EXIT_INTERRUPTED
        except _Declined:
            _error(g, "not confirmed: nothing was sent")
            code = 1
        except BudgetExceededError as exc:
            _error(g, f"over budget: {exc}")
            code = EXIT_BUDGET
        except ClickSendError as exc:
            _error(g, _describe(exc))
            code = 1
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            _error(g, f"{exc.strerror or exc}{where}")
            code = 1
    raise click.exceptions.Exit(code)


async def _call(work: Callable[[], Awaitable[int]]) -> int:
    return await work()


# -- parsing helpers ---------------------------------------------------------------------------


def _parse_schedule(value: str | None) -> int | None:
    """Turn ``--schedule`` (ISO-8601 with a timezone, or Unix seconds) into Unix seconds."""
    import click

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


def _money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return "not priced"
    return f"{amount:,.4f} {currency or ''}".rstrip()


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _excluded_numbers(options: _CampaignOptions) -> set[str]:
    """Read the --exclude files (each a CSV with a phone column) into one set of numbers."""
    numbers: set[str] = set()
    for path in options.exclude:
        for row in read_recipients_csv(path):
            value = row.get("to")
            if value:
                numbers.add(str(value))
    return numbers


#: --delimiter may name its character: a tab is hard to type in a shell.
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _open_csv(options: _CampaignOptions) -> tuple[RecipientsCsv, BodyTemplate]:
    """Read the CSV header and check the template's fields against it (no network)."""
    path = options.csv_path
    delimiter = options.delimiter
    if delimiter is not None:
        delimiter = _DELIMITER_NAMES.get(delimiter.lower(), delimiter)
    recipients = read_recipients_csv(
        path,
        phone_column=options.phone_column,
        encoding=options.encoding or DEFAULT_ENCODING,
        delimiter=delimiter,
    )
    template = BodyTemplate.compile(options.body)
    available = [*recipients.columns]
    if "to" not in available:
        available.append("to")
    missing = [name for name in template.fields if name not in available]
    if missing:
        names = ", ".join(f"{{{name}}}" for name in missing)
        loose = {header_key(column): column for column in recipients.columns}
        meant = [
            f"{{{loose[header_key(name)]}}} for {{{name}}}"
            for name in missing
            if header_key(name) in loose
        ]
        hint = f" (did you mean {', '.join(meant)}?)" if meant else ""
        raise ValidationError(
            f"the --body template uses {names}, but {path.name} has no such column; its "
            "columns are: " + ", ".join(recipients.columns) + hint
        )
    return recipients, template


# -- the journal -------------------------------------------------------------------------------


@attrs.define
class _JournalChoice:
    """Which journal a campaign uses and whether this run created it."""

    journal: Journal
    path: Path | None
    created: bool

    def close(self, *, discard: bool) -> bool:
        """Close it; with ``discard``, delete a file this run created. Return True if deleted."""
        self.journal.close()
        if not (discard and self.created and self.path is not None):
            return False
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()
        return True


def default_journal_path(csv_path: Path) -> Path:
    """Return the journal a campaign on ``csv_path`` uses by default: next to the CSV."""
    return csv_path.with_name(csv_path.name + JOURNAL_SUFFIX)


def _holds_campaign(journal: Journal) -> bool:
    return journal.row_count() > 0 or journal.get_meta("campaign") is not None


def _choose_journal(
    csv_path: Path,
    path: Path | None,
    *,
    resume: bool,
    dry_run: bool,
    emulator: bool,
) -> _JournalChoice:
    """Open the campaign journal, refusing to start over a campaign that is not resumed."""
    if path is None and (emulator or (dry_run and not resume)):
        return _JournalChoice(Journal(None), None, created=True)
    if path is None:
        path = default_journal_path(csv_path)
    if dry_run and not resume:
        return _JournalChoice(Journal(None), None, created=True)
    existed = path.exists()
    if resume and not existed:
        raise ConfigurationError(f"--resume: there is no journal at {path}, so nothing to resume")
    if not path.parent.is_dir():
        raise ConfigurationError(f"cannot write the journal {path}: no such directory")
    try:
        journal = Journal(path)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{exc}; choose another place with --journal PATH") from exc
    if existed and not resume and _holds_campaign(journal):
        journal.close()
        raise ConfigurationError(
            f"the journal {path} already holds a campaign: pass --journal {path} --resume to "
            "continue it, or choose a new --journal path to start another campaign"
        )
    return _JournalChoice(journal, path, created=not existed)


# -- output: tables ----------------------------------------------------------------------------


def _kv_table(title: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _ucs2_reasons(plan: BulkPlan) -> str:
    """Name the characters that made messages UCS-2, and say when --gsm would help."""
    shown = [
        f"{char!r} U+{ord(char):04X} ({count:,})"
        for char, count in list(plan.ucs2_characters.items())[:5]
    ]
    text = ", ".join(shown)
    if plan.gsm_fixable:
        text += f"; --gsm makes {_plural(plan.gsm_fixable, 'message')} GSM-7"
    return text


def _by_encoding(values: dict[str, int]) -> str:
    if not values:
        return ""
    return " (" + ", ".join(f"{name}: {count:,}" for name, count in sorted(values.items())) + ")"


def _print_plan(
    g: _Globals,
    plan: BulkPlan,
    *,
    title: str,
    balance: Decimal | None,
    balance_currency: str | None,
    chunk_size: int,
    journal: Journal | None = None,
    blank_lines: int = 0,
) -> None:
    """Print the preflight summary of a plan."""
    from rich.table import Table

    table = _kv_table(title)
    rows_text = f"{plan.rows:,}"
    if blank_lines:
        rows_text += f" ({blank_lines:,} blank line{'s' if blank_lines != 1 else ''} skipped)"
    table.add_row("rows", rows_text)
    table.add_row("messages", f"{plan.messages:,}{_by_encoding(dict(plan.messages_by_encoding))}")
    segments = f"{plan.segments:,}{_by_encoding(dict(plan.segments_by_encoding))}"
    if plan.priced_segments is not None and plan.priced_segments != plan.segments:
        segments += f"; ClickSend bills {plan.priced_segments:,}"
    table.add_row("segments", segments)
    if plan.transliterated:
        table.add_row("made GSM-7", f"{_plural(plan.transliterated, 'message')} (--gsm)")
    if plan.ucs2_characters:
        table.add_row("UCS-2 because of", _ucs2_reasons(plan))
    if plan.long_messages:
        table.add_row("long messages", f"{plan.long_messages:,} over 6 segments each")
    invalid = f"{plan.invalid:,}"
    why = []
    if plan.duplicates:
        why.append(_plural(plan.duplicates, "duplicate"))
    if plan.excluded:
        why.append(f"{plan.excluded:,} excluded")
    if why:
        invalid += f" ({', '.join(why)})"
    table.add_row("invalid rows", invalid)
    refused = sum(plan.rejected_statuses.values())
    if refused:
        detail = ", ".join(f"{k} {v:,}" for k, v in sorted(plan.rejected_statuses.items()))
        table.add_row("refused at pricing", f"{refused:,} ({detail})")
    if plan.blocked:
        table.add_row("blocked", f"{plan.blocked:,}")
    currency = plan.currency or balance_currency
    table.add_row("cost", _money(plan.total_cost, currency) if plan.priced else "not priced")
    if plan.short_of_credit:
        table.add_row("short of credit", f"{plan.short_of_credit:,} messages")
    if balance is not None:
        table.add_row("balance", _money(balance, balance_currency or currency))
    to_send = plan.messages - refused
    if journal is not None:
        counts = journal.counts()
        done = {k: counts.get(k, 0) for k in ("sent", "rejected", "unknown")}
        if done["sent"] or done["unknown"]:
            spent, _ = journal.totals()
            table.add_row(
                "already done",
                f"sent {done['sent']:,}, rejected {done['rejected']:,}, "
                f"unknown {done['unknown']:,} ({_money(spent, currency)})",
            )
        in_doubt = sum(len(rows) for _, _, rows in journal.open_chunks())
        to_send = counts.get("skipped", 0)
        table.add_row("to send", f"{to_send:,}")
        if in_doubt:
            table.add_row("in doubt", f"{in_doubt:,} (checked against the history first)")
    if to_send > 0:
        requests = -(-to_send // chunk_size)
        table.add_row("requests", f"{requests:,} (up to {chunk_size:,} messages each)")
    g.out.print()
    g.out.print(table)
    if plan.invalid_rows:
        g.out.print()
        rows = Table(title="invalid rows", title_justify="left", box=None, pad_edge=False)
        rows.add_column("row", justify="right", no_wrap=True)
        rows.add_column("to", no_wrap=True, max_width=18, overflow="ellipsis")
        rows.add_column("reason", overflow="fold")
        for invalid_row in plan.invalid_rows[:SHOWN_INVALID_ROWS]:
            rows.add_row(str(invalid_row.row), invalid_row.to or "", invalid_row.reason)
        g.out.print(rows)
        more = plan.invalid - min(plan.invalid, SHOWN_INVALID_ROWS)
        if more > 0:
            g.out.print(f"... and {more:,} more (--report writes every row)")


def _print_send_result(g: _Globals, result: SendResult) -> None:
    from rich.table import Table
    from rich.text import Text

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
    g.out.print(table)


def _print_report(g: _Globals, report: BulkReport, last: ProgressEvent | None) -> None:
    """Print the final summary; ``last`` is this run's final progress event, if any."""
    from rich.text import Text

    stopped = report.cancelled or report.stopped
    table = _kv_table("campaign " + ("interrupted" if stopped else "finished"))
    for state in ("sent", "rejected", "invalid", "unknown", "not_sent", "skipped"):
        count = report.counts.get(state, 0)
        if count or state in ("sent", "rejected", "invalid"):
            style = "bold red" if state == "unknown" else "yellow" if state == "skipped" else ""
            table.add_row(state, Text(f"{count:,}", style=style))
    table.add_row("cost", _money(report.total_cost, report.currency))
    table.add_row("segments", f"{report.segments:,}")
    table.add_row("duration", f"{report.duration:.1f} s")
    # The report counts every row of the campaign; a resumed run sent only part of them.
    this_run = None if last is None else (last.sent, last.rejected, last.unknown)
    if this_run is not None and this_run != (report.sent, report.rejected, report.unknown):
        sent, rejected, unknown = this_run
        table.add_row("this run", f"sent {sent:,}, rejected {rejected:,}, unknown {unknown:,}")
    rate = report.throughput if last is None else last.rate
    table.add_row("throughput", f"{rate:.1f} messages/s")
    g.out.print()
    g.out.print(table)
    if report.unknown:
        g.err.print(
            Text(
                f"WARNING: {_plural(report.unknown, 'row')} in state UNKNOWN: the request may or "
                "may not have reached ClickSend, and its history could not tell. Do NOT send "
                "them again blindly: check the SMS history (the report lists their "
                "custom_string).",
                style="bold red",
            ),
        )
    if report.aborted:
        g.err.print(Text(f"The campaign stopped early: {report.aborted}", style="yellow"))


# -- progress ----------------------------------------------------------------------------------


class _Display:
    """Spinner while planning, progress bar while sending (on a terminal only)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self.enabled = console.is_terminal
        self._status: Status | None = None
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._currency = ""
        #: The latest event, kept for the final summary.
        self.last: ProgressEvent | None = None

    @contextlib.contextmanager
    def planning(self, what: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        with self._console.status(f"{what}: reading, checking and pricing rows...") as status:
            self._status = status
            try:
                yield
            finally:
                self._status = None

    @contextlib.contextmanager
    def sending(self, total: int, currency: str | None) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._currency = currency or ""
        progress = Progress(
            TextColumn("[bold]sending"),
            BarColumn(bar_width=14),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )
        with progress:
            self._progress = progress
            self._task = progress.add_task("sending", total=max(total, 0), stats="")
            try:
                yield
            finally:
                self._progress = None
                self._task = None

    def __call__(self, event: ProgressEvent) -> None:
        self.last = event
        if event.phase == "planning" and self._status is not None:
            self._status.update(f"planning: {event.rows:,} rows read, {event.invalid:,} invalid")
        progress, task = self._progress, self._task
        if progress is None or task is None:
            return
        stats = (
            f"sent {event.sent:,} rej {event.rejected:,} fly {event.in_flight} "
            f"{event.cost:.2f} {self._currency} {event.rate:.0f}/s"
        )
        if event.unknown:
            stats += f" [red]unknown {event.unknown:,}[/]"
        progress.update(task, completed=event.sent + event.rejected + event.unknown, stats=stats)


# -- the commands' work ------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _client(g: _Globals, *, emulator: bool) -> AsyncIterator[ClickSendClient]:
    """Yield an open client: to the in-process emulator, or from the flags/environment."""
    if emulator:
        if g.base_url:
            raise ConfigurationError("--emulator and --base-url cannot be used together")
        from .testing import ClickSendEmulator

        async with ClickSendEmulator(balance=EMULATOR_BALANCE) as emu:
            _note(g, f"using the built-in emulator at {emu.url}: nothing leaves this machine")
            async with emu.client(**g.client_kwargs()) as cs:
                yield cs
        return
    cs = g.make_client()
    async with cs:
        yield cs


async def _balance(cs: ClickSendClient) -> tuple[Decimal | None, str | None]:
    account = await cs.account.get()
    currency = account.currency.code if account.currency is not None else None
    return account.balance, currency


def _messages(
    to: Sequence[str], body: str, from_: str | None, schedule: int | None, country: str | None
) -> list[SmsMessage]:
    return [
        SmsMessage(to=number, body=body, from_=from_, schedule=schedule, country=country)
        for number in to
    ]


async def _send(
    g: _Globals,
    *,
    to: Sequence[str],
    body: str,
    from_: str | None,
    schedule: int | None,
    country: str | None,
    emulator: bool,
) -> int:
    messages = _messages(to, body, from_, schedule, country)
    async with _client(g, emulator=emulator) as cs:
        result = await cs.sms.send(messages)
    _print_send_result(g, result)
    rejected = result.rejected
    if rejected:
        statuses = ", ".join(sorted({m.status for m in rejected}))
        _error(g, f"ClickSend refused {_plural(len(rejected), 'message')}: {statuses}")
        return 1
    return 0


async def _price_one(
    g: _Globals,
    *,
    to: Sequence[str],
    body: str,
    from_: str | None,
    country: str | None,
    emulator: bool,
) -> int:
    messages = _messages(to, body, from_, None, country)
    async with _client(g, emulator=emulator) as cs:
        result = await cs.sms.price(messages)
    _print_send_result(g, result)
    currency = result.currency.code if result.currency is not None else None
    g.out.print(f"total: {_money(result.total_price, currency)}")
    if result.rejected:
        statuses = ", ".join(sorted({m.status for m in result.rejected}))
        _error(g, f"ClickSend would refuse {_plural(len(result.rejected), 'message')}: {statuses}")
        return 1
    return 0


@attrs.frozen(kw_only=True)
class _CampaignOptions:
    """Everything ``campaign`` (and ``price CSV``) was asked to do."""

    csv_path: Path
    body: str
    from_: str | None = None
    schedule: int | None = None
    country: str | None = None
    phone_column: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    allow_empty: bool = False
    gsm: bool = False
    exclude: tuple[Path, ...] = ()
    exclude_lists: tuple[str, ...] = ()
    dry_run: bool = False
    max_cost: Decimal | None = None
    max_segments: int | None = None
    concurrency: int | None = None
    chunk_size: int | None = None
    dedupe: bool | str = False
    journal: Path | None = None
    resume: bool = False
    report: Path | None = None
    emulator: bool = False
    yes: bool = False

    def job_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "from_": self.from_,
            "schedule": self.schedule,
            "country": self.country,
            "dedupe": self.dedupe,
            "allow_empty_fields": self.allow_empty,
            "transliterate": self.gsm,
            "exclude": _excluded_numbers(self) if self.exclude else None,
            "exclude_lists": self.exclude_lists,
            "max_cost": self.max_cost,
            "max_segments": self.max_segments,
        }
        if self.concurrency is not None:
            options["concurrency"] = self.concurrency
        if self.chunk_size is not None:
            options["chunk_size"] = self.chunk_size
        return options


def _budget_problem(
    plan: BulkPlan,
    options: _CampaignOptions,
    balance: Decimal | None,
    spent: Decimal,
) -> str | None:
    """Return why the plan may not start (mirrors the engine's checks), or None."""
    cost = plan.total_cost
    money = plan.currency or ""
    if options.max_cost is not None and cost is not None and cost > options.max_cost:
        return (
            f"the campaign would cost {_money(cost, money)}, over --max-cost "
            f"{_money(options.max_cost, money)}; nothing was sent"
        )
    if options.max_segments is not None and plan.billable_segments > options.max_segments:
        return (
            f"the campaign is {plan.billable_segments:,} segments, over --max-segments "
            f"{options.max_segments:,}; nothing was sent"
        )
    if balance is not None and cost is not None:
        if plan.short_of_credit and not spent:
            return (
                f"ClickSend priced {_plural(plan.short_of_credit, 'message')} as "
                f"INSUFFICIENT_CREDIT: the balance {_money(balance, money)} does not cover the "
                f"campaign ({_money(cost, money)}); nothing was sent"
            )
        if cost - spent > balance:
            return (
                f"the campaign would cost {_money(cost - spent, money)}, more than the balance "
                f"{_money(balance, money)}; nothing was sent"
            )
    return None


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _confirm(g: _Globals, question: str) -> bool:
    """Ask on the terminal; Ctrl-C at the prompt interrupts at once (not after Enter)."""
    import click

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT)
    if in_main:
        # asyncio.run's handler only cancels the task, which a blocking read never notices.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return click.confirm(question, default=False, err=True)
    except click.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        return False
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGINT, previous)


async def _price_csv(g: _Globals, options: _CampaignOptions) -> int:
    # Checks the header against the template; blank fields are refused by the engine.
    rows, _ = _open_csv(options)
    display = _Display(g.err)
    journal = Journal(None)
    try:
        async with _client(g, emulator=options.emulator) as cs:
            job = cs.sms.bulk(
                rows,
                body=options.body,
                dry_run=True,
                journal=journal,
                on_progress=display,
                **options.job_options(),
            )
            with display.planning("pricing"):
                plan = await job.plan()
            balance, currency = await _balance(cs)
    finally:
        journal.close()
    _print_plan(
        g,
        plan,
        title=f"price of {options.csv_path.name}",
        balance=balance,
        balance_currency=currency,
        chunk_size=job.chunk_size,
        blank_lines=rows.blank_lines,
    )
    return 0


def _resume_hint(choice: _JournalChoice) -> str:
    if choice.path is None:
        return (
            "the journal was temporary, so this campaign cannot be resumed; use --journal PATH "
            "to make a campaign resumable"
        )
    return f"resume: run the same command with --journal {choice.path} --resume"


async def _campaign(g: _Globals, options: _CampaignOptions) -> int:
    # Checks the header against the template; blank fields are refused by the engine.
    rows, _ = _open_csv(options)
    if options.report is not None and not options.report.parent.is_dir():
        raise ConfigurationError(f"cannot write the report {options.report}: no such directory")
    if not (options.yes or options.dry_run or _stdin_is_tty()):
        raise ConfigurationError(
            "stdin is not a terminal, so the campaign cannot be confirmed: check it with "
            "--dry-run, then pass --yes to send without asking"
        )
    choice = _choose_journal(
        options.csv_path,
        options.journal,
        resume=options.resume,
        dry_run=options.dry_run,
        emulator=options.emulator,
    )
    if choice.path is None:
        where = "a dry run keeps no journal" if options.dry_run else "temporary (--emulator)"
        _note(g, f"journal: {where}")
    else:
        verb = "resuming from" if options.resume else "writing"
        _note(g, f"journal: {verb} {choice.path}", style="bold")
    display = _Display(g.err)
    started = False
    try:
        async with _client(g, emulator=options.emulator) as cs:
            job: BulkJob = cs.sms.bulk(
                rows,
                body=options.body,
                journal=choice.journal,
                on_progress=display,
                **options.job_options(),
            )
            with display.planning("planning"):
                try:
                    plan = await job.plan()
                except BudgetExceededError as exc:
                    if not isinstance(exc.plan, BulkPlan):
                        raise
                    plan = exc.plan  # shown below, then refused with the flags' names
            balance, balance_currency = await _balance(cs)
            _print_plan(
                g,
                plan,
                title=f"campaign plan: {options.csv_path.name}",
                balance=balance,
                balance_currency=balance_currency,
                chunk_size=job.chunk_size,
                journal=choice.journal,
                blank_lines=rows.blank_lines,
            )
            spent, _ = choice.journal.totals()
            problem = _budget_problem(plan, options, balance, spent)
            if problem is not None:
                raise BudgetExceededError(problem, plan=plan)
            if options.dry_run:
                _note(g, "dry run: nothing was sent", style="bold")
                return 0
            counts = choice.journal.counts()
            left = counts.get("skipped", 0) + counts.get("not_sent", 0)
            if left == 0:
                _note(g, "nothing left to send", style="bold")
            elif not options.yes:
                cost = _money(plan.total_cost, plan.currency) if plan.priced else "unpriced"
                if not _confirm(g, f"Send {_plural(left, 'message')} ({cost})?"):
                    raise _Declined
            started = True
            with display.sending(left, plan.currency), _graceful_stop(job) as signals:
                report = await job.run()
            if signals:
                _STOP_SIGNALS[id(report)] = signals[0]
        return _finish(g, report, options, choice, display.last)
    finally:
        if choice.close(discard=not started):
            _note(g, f"nothing was sent: removed the new journal {choice.path}")


#: The signal that stopped a campaign, by report (SIGINT: 130, SIGTERM: 143).
_STOP_SIGNALS: dict[int, int] = {}


@contextlib.contextmanager
def _graceful_stop(job: BulkJob) -> Iterator[list[int]]:
    """Map Ctrl-C and SIGTERM to ``job.stop()``: chunks in flight finish, the report prints."""
    loop = asyncio.get_running_loop()
    received: list[int] = []
    stopping: set[asyncio.Task[None]] = set()

    def on_signal(number: int) -> None:
        received.append(number)
        task = loop.create_task(job.stop())
        stopping.add(task)
        task.add_done_callback(stopping.discard)

    installed = []
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, on_signal, number)
            installed.append(number)
    try:
        yield received
    finally:
        for number in installed:
            loop.remove_signal_handler(number)


def _finish(
    g: _Globals,
    report: BulkReport,
    options: _CampaignOptions,
    choice: _JournalChoice,
    last: ProgressEvent | None,
) -> int:
    """Print the outcome, write the report CSV, and return the exit status."""
    _print_report(g, report, last if last is not None and last.phase == "done" else None)
    if options.report is not None:
        written = report.to_csv(options.report)
        _note(g, f"report: {written}", style="bold")
    if report.cancelled or report.stopped:
        _error(g, "interrupted: rows not yet sent were skipped; " + _resume_hint(choice))
        signal_number = _STOP_SIGNALS.pop(id(report), signal.SIGINT)
        return EXIT_INTERRUPTED if signal_number == signal.SIGINT else 128 + int(signal_number)
    if report.complete:
        return 0
    if report.skipped:
        _note(g, f"{_plural(report.skipped, 'row')} not sent; {_resume_hint(choice)}", "yellow")
    return EXIT_INCOMPLETE


# -- the click application ---------------------------------------------------------------------


def _decimal(value: str | None) -> Decimal | None:
    import click

    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"not an amount: {value!r}", param_hint="--max-cost") from None
    if not amount.is_finite() or amount < 0:
        raise click.BadParameter("must be a positive amount", param_hint="--max-cost")
    return amount


def build_cli() -> click.Group:
    """Return the ``clicksend-async`` click group (click and rich must be installed)."""
    import click
    from click.core import ParameterSource
    from rich.console import Console

    def bulk_options(command: Callable[..., Any]) -> Callable[..., Any]:
        """Options shared by ``price CSV`` and ``campaign``."""
        decorators = [
            click.option(
                "--phone-column",
                metavar="NAME",
                help="CSV column with the numbers (default: to, phone, mobile, ... by name).",
            ),
            click.option(
                "--encoding",
                metavar="NAME",
                help="The CSV's text encoding, e.g. cp1252 (default: UTF-8, or UTF-16 with a BOM).",
            ),
            click.option(
                "--delimiter",
                metavar="CHAR",
                help="The CSV's field separator (default: found in the header: , ; tab or |).",
            ),
            click.option(
                "--allow-empty-fields",
                is_flag=True,
                help="Fill an empty template field with nothing instead of refusing the row.",
            ),
            click.option("--dedupe", is_flag=True, help="Report repeated (to, body) as invalid."),
            click.option(
                "--dedupe-numbers",
                is_flag=True,
                help="Text each number once: later rows for a number are reported as invalid.",
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
                "--exclude-list",
                "exclude_lists",
                multiple=True,
                metavar="LIST_ID",
                help="A ClickSend contact list whose numbers are never texted (your opt-out "
                "list). Repeatable.",
            ),
            click.option(
                "--gsm",
                is_flag=True,
                help="Replace look-alikes (curly quotes, dashes, non-breaking spaces ...) with "
                "GSM-7 characters in messages that then fit GSM-7 (160 a part, not 70).",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 64),
                metavar="N",
                help="Requests in flight at once (default 4).",
            ),
            click.option(
                "--chunk-size",
                type=click.IntRange(1, 1000),
                metavar="N",
                help="Messages per request (default 1000).",
            ),
            click.option("--country", metavar="ISO2", help="Country of local numbers, e.g. AU."),
            click.option("--from", "from_", metavar="SENDER", help="Sender id or number."),
        ]
        for decorator in decorators:
            command = decorator(command)
        return command

    @click.group(
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
        epilog="Exit status: 0 done, 1 error, 2 usage, 3 rows unknown or not sent (resume), "
        "4 over budget, 130 interrupted.",
    )
    @click.option(
        "--username",
        envvar="CLICKSEND_USERNAME",
        show_envvar=True,
        metavar="NAME",
        help="ClickSend API username (direct access).",
    )
    @click.option(
        "--api-key",
        envvar="CLICKSEND_API_KEY",
        show_envvar=True,
        metavar="KEY",
        help="ClickSend API key (direct access).",
    )
    @click.option(
        "--maton-api-key",
        envvar="MATON_API_KEY",
        show_envvar=True,
        metavar="KEY",
        help="Maton API key (gateway access; wins over the CLICKSEND_* variables).",
    )
    @click.option(
        "--connection",
        envvar="MATON_CONNECTION",
        show_envvar=True,
        metavar="ID",
        help="Maton connection id.",
    )
    @click.option(
        "--base-url", metavar="URL", help="API base URL ending in /v3 (a proxy, an emulator)."
    )
    @click.option(
        "--rate",
        type=click.FloatRange(min=0),
        metavar="N",
        help="Client rate limit in requests per second (default 5; 0: no limit).",
    )
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=30.0,
        show_default=True,
        metavar="SECONDS",
        help="Seconds for one HTTP exchange.",
    )
    @click.option("-v", "--verbose", count=True, help="Log to stderr (-vv: every request).")
    @click.version_option(__version__, "-V", "--version", prog_name="clicksend-async")
    @click.pass_context
    def cli(
        ctx: click.Context,
        username: str | None,
        api_key: str | None,
        maton_api_key: str | None,
        connection: str | None,
        base_url: str | None,
        rate: float | None,
        timeout: float,
        verbose: int,
    ) -> None:
        """Send SMS with ClickSend: one message, a price check, or a resumable CSV campaign.

        Credentials come from the flags, else from the environment like
        ClickSendClient.from_env(): MATON_API_KEY (gateway) or CLICKSEND_USERNAME +
        CLICKSEND_API_KEY (direct). Try everything without an account with --emulator:

        \b
            clicksend-async campaign examples/recipients.csv \\
                --body "Hi {first_name}" --emulator --yes
        """

        def given(name: str) -> bool:
            return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE

        def clean(value: str | None) -> str | None:
            return value.strip() or None if value is not None else None

        ctx.obj = _Globals(
            out=Console(highlight=False),
            err=Console(stderr=True, highlight=False),
            username=clean(username),
            api_key=clean(api_key),
            maton_api_key=clean(maton_api_key),
            connection=clean(connection),
            base_url=clean(base_url),
            rate=rate,
            timeout=timeout,
            verbose=verbose,
            explicit_direct=given("username") or given("api_key"),
            explicit_maton=given("maton_api_key"),
        )

    @cli.command()
    @click.option(
        "--to",
        "to",
        multiple=True,
        required=True,
        metavar="NUMBER",
        help="Recipient in E.164 (+61411111111); repeat for several.",
    )
    @click.option("--body", required=True, help="The message text.")
    @click.option("--from", "from_", metavar="SENDER", help="Sender id or number.")
    @click.option(
        "--schedule", metavar="WHEN", help="Send later: ISO-8601 with a timezone, or Unix seconds."
    )
    @click.option("--country", metavar="ISO2", help="Country of a local number, e.g. AU.")
    @click.option("--emulator", is_flag=True, help="Send to the built-in emulator instead.")
    @click.pass_obj
    def send(
        g: _Globals,
        to: tuple[str, ...],
        body: str,
        from_: str | None,
        schedule: str | None,
        country: str | None,
        emulator: bool,
    ) -> None:
        """Send an SMS now or at --schedule; exit 1 if ClickSend refuses it."""
        when = _parse_schedule(schedule)
        _execute(
            g,
            lambda: _send(
                g,
                to=to,
                body=body,
                from_=from_,
                schedule=when,
                country=country,
                emulator=emulator,
            ),
        )

    @cli.command()
    @click.argument("recipients", required=False, type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--to",
        "to",
        multiple=True,
        metavar="NUMBER",
        help="Price one message to NUMBER (repeat for several) instead of a CSV.",
    )
    @click.option(
        "--body", required=True, help='The text, or for a CSV a template such as "Hi {first_name}".'
    )
    @bulk_options
    @click.option("--emulator", is_flag=True, help="Price against the built-in emulator.")
    @click.pass_obj
    def price(
        g: _Globals,
        recipients: Path | None,
        to: tuple[str, ...],
        body: str,
        from_: str | None,
        country: str | None,
        chunk_size: int | None,
        concurrency: int | None,
        dedupe: bool,
        dedupe_numbers: bool,
        gsm: bool,
        exclude: tuple[Path, ...],
        exclude_lists: tuple[str, ...],
        allow_empty_fields: bool,
        phone_column: str | None,
        encoding: str | None,
        delimiter: str | None,
        emulator: bool,
    ) -> None:
        """Price messages without sending: --to NUMBER, or a RECIPIENTS CSV (the preflight)."""
        if (recipients is None) == (not to):
            raise click.UsageError("give either a RECIPIENTS.csv file or --to NUMBER (not both)")
        if recipients is None:
            _execute(
                g,
                lambda: _price_one(
                    g, to=to, body=body, from_=from_, country=country, emulator=emulator
                ),
            )
        options = _CampaignOptions(
            csv_path=recipients,
            body=body,
            from_=from_,
            country=country,
            phone_column=phone_column,
            encoding=encoding,
            delimiter=delimiter,
            allow_empty=allow_empty_fields,
            chunk_size=chunk_size,
            concurrency=concurrency,
            dedupe="number" if dedupe_numbers else dedupe,
            gsm=gsm,
            exclude=exclude,
            exclude_lists=exclude_lists,
            dry_run=True,
            emulator=emulator,
        )
        _execute(g, lambda: _price_csv(g, options))

    @cli.command()
    @click.argument("recipients", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--body", required=True, help='Template filled from each row, e.g. "Hi {first_name}".'
    )
    @click.option(
        "--schedule", metavar="WHEN", help="Send later: ISO-8601 with a timezone, or Unix seconds."
    )
    @bulk_options
    @click.option("--dry-run", is_flag=True, help="Plan and price, print the summary, stop.")
    @click.option("--max-cost", metavar="AMOUNT", help="Refuse to start above this cost.")
    @click.option(
        "--max-segments",
        type=click.IntRange(min=1),
        metavar="N",
        help="Refuse to start above this many segments.",
    )
    @click.option(
        "--journal",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="PATH",
        help="Campaign journal (default: RECIPIENTS + .journal.db, next to the CSV).",
    )
    @click.option("--resume", is_flag=True, help="Continue the campaign in --journal.")
    @click.option(
        "--report",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="PATH",
        help="Write every row's outcome to this CSV.",
    )
    @click.option("--emulator", is_flag=True, help="Run against the built-in emulator.")
    @click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.pass_obj
    def campaign(
        g: _Globals,
        recipients: Path,
        body: str,
        schedule: str | None,
        from_: str | None,
        country: str | None,
        chunk_size: int | None,
        concurrency: int | None,
        dedupe: bool,
        dedupe_numbers: bool,
        gsm: bool,
        exclude: tuple[Path, ...],
        exclude_lists: tuple[str, ...],
        allow_empty_fields: bool,
        phone_column: str | None,
        encoding: str | None,
        delimiter: str | None,
        dry_run: bool,
        max_cost: str | None,
        max_segments: int | None,
        journal: Path | None,
        resume: bool,
        report: Path | None,
        emulator: bool,
        yes: bool,
    ) -> None:
        """Send a personalised SMS to every row of RECIPIENTS (a CSV), resumably.

        Checks the CSV and the template, plans and prices every row, shows the plan, asks
        (unless --yes), then sends with a progress bar. Every row ends sent, rejected or
        invalid; the journal makes a crashed or interrupted campaign resumable without
        texting anyone twice.
        """
        if resume and journal is None:
            raise click.UsageError(
                "--resume needs --journal PATH (the journal of the campaign to continue)"
            )
        options = _CampaignOptions(
            csv_path=recipients,
            body=body,
            from_=from_,
            schedule=_parse_schedule(schedule),
            country=country,
            phone_column=phone_column,
            encoding=encoding,
            delimiter=delimiter,
            allow_empty=allow_empty_fields,
            dry_run=dry_run,
            max_cost=_decimal(max_cost),
            max_segments=max_segments,
            concurrency=concurrency,
            chunk_size=chunk_size,
            dedupe="number" if dedupe_numbers else dedupe,
            gsm=gsm,
            exclude=exclude,
            exclude_lists=exclude_lists,
            journal=journal,
            resume=resume,
            report=report,
            emulator=emulator,
            yes=yes,
        )
        _execute(g, lambda: _campaign(g, options))

    @cli.command(
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )
    @click.pass_context
    def emulator(ctx: click.Context) -> None:
        """Run the built-in ClickSend emulator (emulator --help for its options)."""
        from .testing._cli import main as emulator_main

        ctx.exit(emulator_main(list(ctx.args)))

    return cli
