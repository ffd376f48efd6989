"""``campaign`` (and ``price RECIPIENTS.csv``): a CSV campaign of SMS, MMS or calls, resumable.

Checks the CSV and the template (no network), plans and prices every row, shows the plan, asks
(unless ``--yes``), then sends with live progress and prints the report. Ctrl-C or SIGTERM
stop it gracefully (no new requests; those in flight are recorded), print the summary and the
exact command that resumes it, and exit 130 or 143.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click
from rich.table import Table
from rich.text import Text

from .._client import ClickSendClient
from .._exceptions import BudgetExceededError, ConfigurationError, ValidationError
from ..bulk import (
    BodyTemplate,
    BulkJob,
    BulkOutcome,
    BulkPlan,
    BulkReport,
    Journal,
    OutcomeState,
    ProgressEvent,
    RecipientsCsv,
    read_recipients_csv,
)
from ..bulk._report_csv import ReportWriter, refuse_journal_files, refuse_overwrite
from ..bulk._rows import DEFAULT_ENCODING, header_key
from . import _options
from ._context import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    Declined,
    Globals,
    add_signal_handler,
    execute,
    exit_code_for,
    open_client,
)
from ._journal import JournalChoice, choose_journal, default_journal_path
from ._options import (
    DELIMITER_NAMES,
    ChannelChoice,
    body_options,
    bulk_options,
    channel_of,
    channel_options,
    emulator_option,
    output_options,
    parse_decimal,
    parse_schedule,
    resolve_body,
    settle_option,
)
from ._output import kv_table, money, plural, speak_flags
from ._progress import Display
from .workers import StoreChoice, run_detached, store_choice

__all__ = ["CampaignOptions", "campaign", "price_csv"]

#: How many invalid rows the plan summary lists (the report has all of them).
SHOWN_INVALID_ROWS = 5


@attrs.frozen(kw_only=True)
class CampaignOptions:
    """Everything ``campaign`` (and ``price CSV``) was asked to do."""

    csv_path: Path
    body: str
    channel: ChannelChoice = attrs.field(factory=ChannelChoice)
    from_: str | None = None
    schedule: int | None = None
    country: str | None = None
    phone_column: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    allow_empty: bool = False
    gsm: bool = False
    exact_price: bool = False
    exclude: tuple[Path, ...] = ()
    exclude_lists: tuple[str, ...] = ()
    dry_run: bool = False
    max_cost: Decimal | None = None
    max_segments: int | None = None
    concurrency: int | None = None
    chunk_size: int | None = None
    settle: float | None = None
    dedupe: bool | str = False
    journal: Path | None = None
    resume: bool = False
    report: Path | None = None
    emulator: bool = False
    yes: bool = False

    @classmethod
    def from_click(cls, recipients: Path, options: dict[str, Any], **fixed: Any) -> CampaignOptions:
        """Build the options from a command's click parameters."""
        values: dict[str, Any] = {
            "csv_path": recipients,
            "body": resolve_body(options),
            "channel": channel_of(options),
            "from_": options.get("from_"),
            "country": options.get("country"),
            "phone_column": options.get("phone_column"),
            "encoding": options.get("encoding"),
            "delimiter": options.get("delimiter"),
            "allow_empty": bool(options.get("allow_empty_fields")),
            "chunk_size": options.get("chunk_size"),
            "concurrency": options.get("concurrency"),
            "dedupe": "number" if options.get("dedupe_numbers") else bool(options.get("dedupe")),
            "gsm": bool(options.get("gsm")),
            "exact_price": bool(options.get("exact_price")),
            "exclude": tuple(options.get("exclude") or ()),
            "exclude_lists": tuple(options.get("exclude_lists") or ()),
            "emulator": bool(options.get("emulator")),
        }
        values.update(fixed)
        return cls(**values)

    def job_options(self) -> dict[str, Any]:
        """Return the bulk engine's options for this campaign."""
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
            "preflight": "exact" if self.exact_price else True,
        }
        if self.concurrency is not None:
            options["concurrency"] = self.concurrency
        if self.chunk_size is not None:
            options["chunk_size"] = self.chunk_size
        if self.settle is not None:
            options["reconcile_settle"] = self.settle
        if self.resume:
            options["resume"] = True  # never starts over: a journal without a campaign refuses
        return options


def _excluded_numbers(options: CampaignOptions) -> set[str]:
    """Read the --exclude files (each a CSV with a phone column) into one set of numbers."""
    numbers: set[str] = set()
    for path in options.exclude:
        for row in read_recipients_csv(path):
            value = row.get("to")
            if value:
                numbers.add(str(value))
    return numbers


def open_csv(options: CampaignOptions) -> tuple[RecipientsCsv, BodyTemplate]:
    """Read the CSV header and check the template's fields against it (no network)."""
    path = options.csv_path
    delimiter = options.delimiter
    if delimiter is not None:
        delimiter = DELIMITER_NAMES.get(delimiter.lower(), delimiter)
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


def make_job(
    cs: ClickSendClient, options: CampaignOptions, rows: RecipientsCsv, **engine: Any
) -> BulkJob:
    """Return the bulk job of the chosen channel (SMS, MMS or voice)."""
    channel = options.channel
    kwargs = {"body": options.body, **options.job_options(), **engine}
    if channel.kind == "mms":
        assert channel.media_file is not None
        return cs.mms.bulk(channel.media_file, rows, subject=channel.subject, **kwargs)
    if channel.kind == "voice":
        return cs.voice.bulk(rows, voice=channel.gender, lang=channel.lang, **kwargs)
    return cs.sms.bulk(rows, **kwargs)


# -- the plan ---------------------------------------------------------------------------------


def _ucs2_reasons(plan: BulkPlan) -> str:
    """Name the characters that made messages UCS-2, and say when --gsm would help."""
    shown = [
        f"{char!r} U+{ord(char):04X} ({count:,})"
        for char, count in list(plan.ucs2_characters.items())[:5]
    ]
    text = ", ".join(shown)
    if plan.gsm_fixable:
        text += f"; --gsm makes {plural(plan.gsm_fixable, 'message')} GSM-7"
    return text


def _by_encoding(values: dict[str, int]) -> str:
    if not values:
        return ""
    return " (" + ", ".join(f"{name}: {count:,}" for name, count in sorted(values.items())) + ")"


def _to_send(plan: BulkPlan, journal: Journal | None, counts: dict[str, int] | None) -> int:
    if journal is not None:
        counts = journal.counts() if counts is None else counts
        return counts.get("skipped", 0) + counts.get("not_sent", 0)
    return plan.messages - sum(plan.rejected_statuses.values())


def plan_document(
    plan: BulkPlan,
    *,
    options: CampaignOptions,
    balance: Decimal | None,
    balance_currency: str | None,
    chunk_size: int,
    journal: Journal | None,
    blank_lines: int,
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Return the plan as the JSON output shows it (``counts``: the journal's, if read)."""
    data = plan.to_json()
    data["invalid_rows"] = [
        {"row": r.row, "to": r.to, "reason": speak_flags(r.reason)} for r in plan.invalid_rows
    ]
    to_send = _to_send(plan, journal, counts)
    return {
        "event": "plan",
        "file": str(options.csv_path),
        "channel": options.channel.kind,
        "blank_lines": blank_lines,
        "to_send": to_send,
        "requests": -(-to_send // chunk_size) if to_send > 0 else 0,
        "account_balance": None if balance is None else str(balance),
        "account_currency": balance_currency,
        "plan": data,
    }


def print_plan(
    g: Globals,
    plan: BulkPlan,
    *,
    title: str,
    balance: Decimal | None,
    balance_currency: str | None,
    chunk_size: int,
    journal: Journal | None = None,
    blank_lines: int = 0,
    counts: dict[str, int] | None = None,
) -> None:
    """Print the preflight summary of a plan (``counts``: the journal's, if read)."""
    table = kv_table(title)
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
        table.add_row("made GSM-7", f"{plural(plan.transliterated, 'message')} (--gsm)")
    if plan.ucs2_characters:
        table.add_row("UCS-2 because of", _ucs2_reasons(plan))
    if plan.long_messages:
        table.add_row("long messages", f"{plan.long_messages:,} over 6 segments each")
    invalid = f"{plan.invalid:,}"
    why = []
    if plan.duplicates:
        why.append(plural(plan.duplicates, "duplicate"))
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
    cost = money(plan.total_cost, currency) if plan.priced else "not priced"
    if plan.pricing == "key":
        cost += (
            f" (estimated from {plural(plan.price_keys, 'price key')} in "
            f"{plural(plan.price_requests, 'request')}; --exact-price prices every row)"
        )
    table.add_row("cost", cost)
    if plan.short_of_credit:
        table.add_row("short of credit", f"{plan.short_of_credit:,} messages")
    if balance is not None:
        table.add_row("balance", money(balance, balance_currency or currency))
    to_send = plan.messages - refused
    if journal is not None:
        counts = journal.counts() if counts is None else counts
        done = {k: counts.get(k, 0) for k in ("sent", "rejected", "unknown")}
        if done["sent"] or done["unknown"]:
            spent, _ = journal.totals()
            table.add_row(
                "already done",
                f"sent {done['sent']:,}, rejected {done['rejected']:,}, "
                f"unknown {done['unknown']:,} ({money(spent, currency)})",
            )
        in_doubt = sum(len(rows) for _, _, rows in journal.open_chunks())
        to_send = _to_send(plan, journal, counts)
        table.add_row("to send", f"{to_send:,}")
        if in_doubt:
            table.add_row("in doubt", f"{in_doubt:,} (checked against the history first)")
    if to_send > 0:
        requests = -(-to_send // chunk_size)
        table.add_row("requests", f"{requests:,} (up to {chunk_size:,} messages each)")
    g.output.show()
    g.output.show(table)
    if plan.invalid_rows:
        g.output.show()
        rows = Table(title="invalid rows", title_justify="left", box=None, pad_edge=False)
        rows.add_column("row", justify="right", no_wrap=True)
        rows.add_column("to", no_wrap=True, max_width=18, overflow="ellipsis")
        rows.add_column("reason", overflow="fold")
        for invalid_row in plan.invalid_rows[:SHOWN_INVALID_ROWS]:
            rows.add_row(
                str(invalid_row.row), invalid_row.to or "", speak_flags(invalid_row.reason)
            )
        g.output.show(rows)
        more = plan.invalid - min(plan.invalid, SHOWN_INVALID_ROWS)
        if more > 0:
            g.output.show(f"... and {more:,} more (--report writes every row)")


def budget_problem(
    plan: BulkPlan,
    options: CampaignOptions,
    balance: Decimal | None,
    spent: Decimal,
) -> str | None:
    """Return why the plan may not start (mirrors the engine's checks), or None."""
    cost = plan.total_cost
    currency = plan.currency or ""
    if options.max_cost is not None and cost is not None and cost > options.max_cost:
        return (
            f"the campaign would cost {money(cost, currency)}, over --max-cost "
            f"{money(options.max_cost, currency)}; nothing was sent"
        )
    if options.max_segments is not None and plan.billable_segments > options.max_segments:
        return (
            f"the campaign is {plan.billable_segments:,} segments, over --max-segments "
            f"{options.max_segments:,}; nothing was sent"
        )
    if balance is not None and cost is not None:
        if plan.short_of_credit and not spent:
            return (
                f"ClickSend priced {plural(plan.short_of_credit, 'message')} as "
                f"INSUFFICIENT_CREDIT: the balance {money(balance, currency)} does not cover the "
                f"campaign ({money(cost, currency)}); nothing was sent"
            )
        if cost - spent > balance:
            return (
                f"the campaign would cost {money(cost - spent, currency)}, more than the balance "
                f"{money(balance, currency)}; nothing was sent"
            )
    return None


async def _balance(cs: ClickSendClient) -> tuple[Decimal | None, str | None]:
    account = await cs.account.get()
    currency = account.currency.code if account.currency is not None else None
    return account.balance, currency


def _confirm(question: str) -> bool:
    """Ask on the terminal; Ctrl-C at the prompt interrupts at once (not after Enter)."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT)
    if in_main:
        # The loop's handler only wakes the loop, which a blocking read never lets run.
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


# -- price RECIPIENTS.csv ----------------------------------------------------------------------


async def price_csv(g: Globals, options: CampaignOptions) -> int:
    """Plan and price a whole CSV through the engine's preflight; send nothing."""
    # Checks the header against the template; blank fields are refused by the engine.
    rows, _ = open_csv(options)
    display = Display(g.err, enabled=g.output.human)
    journal = Journal(None)
    try:
        async with open_client(g, emulator=options.emulator) as cs:
            job = make_job(cs, options, rows, dry_run=True, journal=journal, on_progress=display)
            with display.planning("pricing"):
                plan = await job.plan()
            balance, currency = await _balance(cs)
        document = plan_document(
            plan,
            options=options,
            balance=balance,
            balance_currency=currency,
            chunk_size=job.chunk_size,
            journal=None,
            blank_lines=rows.blank_lines,
        )
    finally:
        journal.close()
    document["event"] = "price"
    g.output.emit(document)
    print_plan(
        g,
        plan,
        title=f"price of {options.csv_path.name}",
        balance=balance,
        balance_currency=currency,
        chunk_size=job.chunk_size,
        blank_lines=rows.blank_lines,
    )
    return EXIT_OK


# -- campaign ----------------------------------------------------------------------------------


class _Stopper:
    """Turn SIGINT / SIGTERM into ``job.stop()``; a second signal cancels (in-flight still land)."""

    def __init__(self, g: Globals, job: BulkJob, display: Display) -> None:
        self._g = g
        self._job = job
        self._display = display
        self._task = asyncio.current_task()
        self._loop = asyncio.get_running_loop()
        self._sigint = False
        self._stopping: set[asyncio.Task[None]] = set()
        #: The first signal received, if any.
        self.signum: int | None = None

    def __enter__(self) -> _Stopper:
        # SIGTERM already reaches the command's own handler, which asks this hook first.
        self._g.on_signal = self._on_signal
        self._g.output.on_stdout_closed = self.output_closed
        self._sigint = add_signal_handler(
            self._loop, signal.SIGINT, lambda: self._on_signal(signal.SIGINT)
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._g.on_signal = None
        # The summary still goes nowhere quietly: the campaign is over, its report is due.
        self._g.output.on_stdout_closed = _ignore
        if self._sigint:
            self._loop.remove_signal_handler(signal.SIGINT)

    def output_closed(self) -> None:
        """Stdout's reader went away (``--json | head``): stop as on SIGPIPE, gracefully."""
        self._on_signal(getattr(signal, "SIGPIPE", signal.SIGTERM))

    def _on_signal(self, signum: int) -> bool:
        name = signal.Signals(signum).name
        if self.signum is None:
            self.signum = signum
            self._display.stopping(
                f"{name}: stopping: no new requests; those in flight finish and are recorded "
                "(again: stop sooner)"
            )
            task = self._loop.create_task(self._job.stop())
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)
        elif self._task is not None:
            self._display.stopping(f"{name} again: cancelling; requests in flight still land")
            self._task.cancel()
        return True


def _ignore() -> None:
    """Nothing to do: stdout is closed, and what is left to print for it is dropped."""


def resume_command(g: Globals, options: CampaignOptions, choice: JournalChoice) -> str | None:
    """Return the command that resumes this campaign, ready to paste (None: not resumable)."""
    if choice.path is None:
        return None
    args = list(g.argv)
    if "--resume" not in args:
        at = next(
            (
                i + (1 if arg.startswith("--journal=") else 2)
                for i, arg in enumerate(args)
                if arg == "--journal" or arg.startswith("--journal=")
            ),
            None,
        )
        if at is None or options.journal is None:
            args += ["--journal", str(choice.path), "--resume"]
        else:
            args.insert(min(at, len(args)), "--resume")
    return shlex.join([*g.prog, *args])


def _resume_hint(g: Globals, options: CampaignOptions, choice: JournalChoice) -> str:
    command = resume_command(g, options, choice)
    if command is None:
        return (
            "the journal was temporary, so this campaign cannot be resumed; use --journal PATH "
            "to make a campaign resumable"
        )
    hint = f"resume it with:\n  {command}"
    if "-" in g.argv:
        hint += "\n  (and give the message on stdin again)"
    return hint


def _summary_document(
    report: BulkReport,
    *,
    stopped_by: int | None,
    resume: str | None,
    this_run: ProgressEvent | None,
) -> dict[str, Any]:
    return {
        "event": "summary",
        "counts": dict(report.counts),
        "complete": report.complete,
        "cost": str(report.total_cost),
        "estimated_cost": None if report.estimated_cost is None else str(report.estimated_cost),
        "currency": report.currency,
        "segments": report.segments,
        "duration": round(report.duration, 3),
        "throughput": round(report.throughput if this_run is None else this_run.rate, 3),
        "stopped": bool(getattr(report, "stopped", False)) or stopped_by is not None,
        "cancelled": report.cancelled,
        "signal": None if stopped_by is None else signal.Signals(stopped_by).name,
        "aborted": None if report.aborted in (None, "stopped") else speak_flags(report.aborted),
        "resume_command": resume,
    }


def outcome_document(outcome: BulkOutcome) -> dict[str, Any]:
    """Return one row's outcome as a JSON line."""
    return {
        "event": "outcome",
        "row": outcome.row,
        "to": outcome.to,
        "state": outcome.state,
        "status": outcome.status,
        "message_id": outcome.message_id,
        "parts": outcome.parts,
        "price": None if outcome.price is None else str(outcome.price),
        "custom_string": outcome.custom_string,
        "reason": None if outcome.reason is None else speak_flags(outcome.reason),
    }


def print_report(
    g: Globals, report: BulkReport, last: ProgressEvent | None, *, stopped_by: int | None
) -> None:
    """Print the final summary; ``last`` is this run's final progress event, if any."""
    if stopped_by is not None:
        verb = f"stopped ({signal.Signals(stopped_by).name})"
    else:
        verb = "interrupted" if report.cancelled else "finished"
    table = kv_table(f"campaign {verb}")
    for state in ("sent", "rejected", "invalid", "unknown", "not_sent", "skipped"):
        count = report.counts.get(state, 0)
        if count or state in ("sent", "rejected", "invalid"):
            resumable = state in ("skipped", "not_sent")
            style = "bold red" if state == "unknown" else "yellow" if resumable else ""
            label = {"skipped": "not attempted", "not_sent": "not sent"}.get(state, state)
            table.add_row(label, Text(f"{count:,}", style=style))
    table.add_row("cost", money(report.total_cost, report.currency))
    if report.estimated_cost is not None:
        table.add_row("estimated", money(report.estimated_cost, report.currency))
    table.add_row("segments", f"{report.segments:,}")
    table.add_row("duration", f"{report.duration:.1f} s")
    # The report counts every row of the campaign; a resumed run sent only part of them.
    this_run = None if last is None else (last.sent, last.rejected, last.unknown)
    if this_run is not None and this_run != (report.sent, report.rejected, report.unknown):
        sent, rejected, unknown = this_run
        table.add_row("this run", f"sent {sent:,}, rejected {rejected:,}, unknown {unknown:,}")
    rate = report.throughput if last is None else last.rate
    table.add_row("throughput", f"{rate:.1f} messages/s")
    g.output.show()
    g.output.show(table)
    if report.unknown:
        g.output.warn(
            f"WARNING: {plural(report.unknown, 'row')} in state UNKNOWN: the request may or "
            "may not have reached ClickSend, and its history could not tell. Do NOT send "
            "them again blindly: check the history (the report lists their custom_string)."
        )
    if report.aborted and report.aborted != "stopped" and stopped_by is None:
        g.output.warn(f"The campaign stopped early: {speak_flags(report.aborted)}", "yellow")


def _report_of(job: BulkJob, plan: BulkPlan, journal: Journal, duration: float) -> BulkReport:
    """Build the report of a streamed run (``stream()`` hands back outcomes, not the report)."""
    return BulkReport(
        journal=journal,
        plan=plan,
        duration=duration,
        dry_run=False,
        aborted=job.aborted,
        stopped=job.stopped,
    )


async def run_campaign(g: Globals, options: CampaignOptions) -> int:
    """Check, plan, confirm, send, report; return the exit status."""
    out = g.output
    # Checks the header against the template; blank fields are refused by the engine.
    rows, _ = open_csv(options)
    if options.report is not None and not options.report.parent.is_dir():
        raise ConfigurationError(f"cannot write the report {options.report}: no such directory")
    if options.report is not None:
        _refuse_report_over_inputs(options)
    if not (options.yes or options.dry_run or _options.stdin_is_tty()):
        raise ConfigurationError(
            "stdin is not a terminal, so the campaign cannot be confirmed: check it with "
            "--dry-run, then pass --yes to send without asking"
        )
    choice = choose_journal(
        options.csv_path,
        options.journal,
        resume=options.resume,
        dry_run=options.dry_run,
        emulator=options.emulator,
    )
    if choice.path is None:
        where = "a dry run keeps no journal" if options.dry_run else "temporary (--emulator)"
        out.note(f"journal: {where}")
    else:
        verb = "resuming from" if options.resume else "writing"
        out.note(f"journal: {verb} {choice.path}", style="bold")
    display = Display(g.err, enabled=out.human)
    started = False
    writer: ReportWriter | None = None
    try:
        if options.report is not None and not options.dry_run:
            # Written while the campaign runs (rows in order, each once final), so that the
            # report is ready with the last answer instead of seconds after it.
            writer = _open_report(choice.journal, options.report)
        async with open_client(g, emulator=options.emulator) as cs:
            job = make_job(cs, options, rows, journal=choice.journal, on_progress=display)
            with display.planning("planning"):
                try:
                    plan = await job.plan()
                except BudgetExceededError as exc:
                    if not isinstance(exc.plan, BulkPlan):
                        raise
                    plan = exc.plan  # shown below, then refused with the flags' names
            balance: Decimal | None
            balance_currency: str | None
            if plan.balance is not None and plan.currency is not None:
                # The engine's balance check read it already: no second request (and no
                # second rate-limit slot) before the first send.
                balance, balance_currency = plan.balance, plan.currency
            else:
                balance, balance_currency = await _balance(cs)
            # Read once (a query over every row) for the plan's "to send" and the confirmation.
            counts = choice.journal.counts()
            out.emit(
                plan_document(
                    plan,
                    options=options,
                    balance=balance,
                    balance_currency=balance_currency,
                    chunk_size=job.chunk_size,
                    journal=choice.journal,
                    blank_lines=rows.blank_lines,
                    counts=counts,
                )
            )
            print_plan(
                g,
                plan,
                title=f"campaign plan: {options.csv_path.name}",
                balance=balance,
                balance_currency=balance_currency,
                chunk_size=job.chunk_size,
                journal=choice.journal,
                blank_lines=rows.blank_lines,
                counts=counts,
            )
            spent, _ = choice.journal.totals()
            problem = budget_problem(plan, options, balance, spent)
            if problem is not None:
                raise BudgetExceededError(problem, plan=plan)
            if options.dry_run:
                out.note("dry run: nothing was sent", style="bold")
                return EXIT_OK
            left = _to_send(plan, choice.journal, counts)
            if left == 0:
                out.note("nothing left to send", style="bold")
            elif not options.yes:
                cost = money(plan.total_cost, plan.currency) if plan.priced else "unpriced"
                noun = options.channel.noun
                if not _confirm(f"Send {plural(left, noun)} ({cost})?"):
                    raise Declined
            started = True
            follower = None if writer is None else asyncio.create_task(writer.follow())
            try:
                with _Stopper(g, job, display) as stopper, display.sending(left, plan.currency):
                    if out.json:
                        report = await _stream(job, plan, choice.journal, out.emit)
                    else:
                        report = await job.run()
            finally:
                if follower is not None:
                    follower.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await follower
        code = _finish(g, report, options, choice, display.last, stopper.signum, writer)
        writer = None  # finished: the report is in place
        return code
    finally:
        if writer is not None:
            writer.discard()
        if choice.close(discard=not started):
            out.note(f"nothing was sent: removed the new journal {choice.path}")


async def _stream(
    job: BulkJob, plan: BulkPlan, journal: Journal, emit: Callable[[Any], None]
) -> BulkReport:
    """Run the job through ``stream()``, printing each row's outcome as a JSON line."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    # Invalid rows are settled by the plan, before any send: their lines come first.
    for row, to, state, status, _, _, _, custom, reason, _, _ in journal.iter_rows():
        if state == OutcomeState.INVALID:
            emit(
                outcome_document(
                    BulkOutcome(
                        row=row,
                        to=to,
                        state=state,
                        status=status,
                        custom_string=custom,
                        reason=reason,
                    )
                )
            )
    async for outcome in job.stream():
        emit(outcome_document(outcome))
    return _report_of(job, plan, journal, loop.time() - began)


def _refuse_report_over_inputs(options: CampaignOptions) -> None:
    """Refuse a report path that is one of the campaign's own files.

    The report is moved into place at the end: over the recipients' CSV (or the excluded
    numbers) it would destroy the input a resume checks against; over the journal or its side
    files, the record of who was texted.
    """
    assert options.report is not None
    inputs = {"the recipients' CSV": options.csv_path}
    inputs.update({f"the excluded numbers {path}": path for path in options.exclude})
    refuse_overwrite(options.report, inputs, label="--report")
    journal = options.journal or default_journal_path(options.csv_path)
    refuse_journal_files(options.report, journal, label="--report")


def _open_report(journal: Journal, path: Path) -> ReportWriter:
    """Start the report CSV beside ``path``; refuse the campaign if it cannot be written."""
    try:
        return ReportWriter(journal, path).open()
    except OSError as exc:
        raise ConfigurationError(f"cannot write the report {path}: {exc.strerror or exc}") from None


def _finish(
    g: Globals,
    report: BulkReport,
    options: CampaignOptions,
    choice: JournalChoice,
    last: ProgressEvent | None,
    stopped_by: int | None,
    writer: ReportWriter | None,
) -> int:
    """Print the outcome, write the report CSV, and return the exit status."""
    out = g.output
    this_run = last if last is not None and last.phase == "done" else None
    print_report(g, report, this_run, stopped_by=stopped_by)
    resume = resume_command(g, options, choice) if not report.complete else None
    out.emit(_summary_document(report, stopped_by=stopped_by, resume=resume, this_run=this_run))
    if writer is not None:
        # A receipt recorded meanwhile may concern a row written already: then write it whole.
        late = any(state != "unreported" and n for state, n in report.deliveries.items())
        written = writer.finish(rewrite=late)
        out.note(f"report: {written}", style="bold")
    if stopped_by is not None or report.cancelled:
        signum = stopped_by if stopped_by is not None else signal.SIGINT
        what = f"{'stopped' if stopped_by is not None else 'interrupted'} by "
        what += signal.Signals(signum).name
        if report.complete:
            out.warn(f"{what}: every row had already reached a final state", "yellow")
        else:
            left = plural(report.skipped, "row")
            out.warn(f"{what}: {left} not sent yet; {_resume_hint(g, options, choice)}", "yellow")
        return exit_code_for(signum)
    if report.complete:
        return EXIT_OK
    if report.skipped:
        out.warn(
            f"{plural(report.skipped, 'row')} not sent; {_resume_hint(g, options, choice)}",
            "yellow",
        )
    return EXIT_INCOMPLETE


@click.command(short_help="Send to every row of a CSV, resumably.")
@click.argument("recipients", type=click.Path(dir_okay=False, path_type=Path))
@body_options(help='Template filled from each row, e.g. "Hi {first_name}".')
@channel_options
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
@settle_option
@click.option(
    "--store",
    metavar="URL",
    help="Keep the campaign in postgresql://... (shared by workers) or sqlite:///PATH.",
)
@click.option("--name", metavar="NAME", help="The campaign's name in a PostgreSQL --store.")
@click.option(
    "--detach",
    is_flag=True,
    help="Plan, price, check and open the campaign in --store, then exit: workers send it.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="Write every row's outcome to this CSV.",
)
@emulator_option("Run against the built-in emulator.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@output_options
@click.pass_obj
def campaign(g: Globals, /, recipients: Path, **options: Any) -> None:
    """Send a personalised SMS, MMS (--mms) or call (--voice) to every row of a CSV.

    Checks the CSV and the template, plans and prices every row, shows the plan, asks
    (unless --yes), then sends with live progress (rate, ETA, counts). Every row ends sent,
    rejected or invalid; the journal makes a crashed or stopped campaign resumable without
    texting anyone twice. Ctrl-C or SIGTERM stop it gracefully and print the command that
    resumes it. With --json: the plan, one line per row as it settles, then the summary.
    """
    store = _store_of(options)
    if store is not None and options["detach"] and options["emulator"]:
        raise click.UsageError(
            "--detach with --emulator: the built-in emulator ends with this command, so no "
            "worker could send to it; run `clicksend-async emulator` and give its --base-url"
        )
    if options["resume"] and options["journal"] is None:
        raise click.UsageError(
            "--resume needs --journal PATH (the journal of the campaign to continue)"
        )
    settings = CampaignOptions.from_click(
        recipients,
        options,
        schedule=parse_schedule(options["schedule"]),
        dry_run=options["dry_run"],
        max_cost=parse_decimal(options["max_cost"]),
        max_segments=options["max_segments"],
        journal=options["journal"],
        resume=options["resume"],
        report=options["report"],
        yes=options["yes"],
        settle=options["settle"],
    )
    if store is not None and store.shared and not settings.dry_run:
        detach = bool(options["detach"])
        execute(g, lambda: run_detached(g, settings, store, detach=detach))
    if store is not None and options["detach"] and not settings.dry_run:
        execute(g, lambda: run_detached(g, settings, store, detach=True))
    execute(g, lambda: run_campaign(g, settings))


def _store_of(options: dict[str, Any]) -> StoreChoice | None:
    """Read ``--store``/``--name``/``--detach``; ``sqlite:///PATH`` becomes ``--journal PATH``."""
    url = options.pop("store")
    if url is None:
        if options["detach"] or options["name"]:
            flag = "--detach" if options["detach"] else "--name"
            raise click.UsageError(f"{flag} needs --store URL (where the workers find it)")
        return None
    if options["journal"] is not None:
        raise click.UsageError("give --store or --journal, not both")
    store = store_choice(url, options["name"])
    if not store.shared:
        options["journal"] = store.path
    elif options["resume"]:
        raise click.UsageError(
            "--resume is for a --journal; a campaign in a PostgreSQL store is continued by "
            "starting workers (clicksend-async worker --store ... --name ...)"
        )
    return store
