"""``worker`` and ``status``, and ``campaign --store ... --detach``: campaigns across workers.

``campaign RECIPIENTS --store postgresql://... --name NAME --detach`` plans, prices and checks
the budget, opens the campaign in the shared store and exits without sending; ``worker --store
... --name NAME`` (as many as you like, on any host) sends it; ``status`` shows where it stands
and writes the per-row report. ``--store sqlite:///PATH`` is the same as ``--journal PATH``.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

from .._exceptions import BudgetExceededError, ConfigurationError, JournalError, ValidationError
from ..bulk import (
    BulkPlan,
    BulkReport,
    CampaignStatus,
    CampaignStore,
    Journal,
    SqliteStore,
    campaign_status,
    open_store,
)
from ..bulk._jobstate import snapshot
from ..bulk._postgres_store import redact_dsn
from ..bulk._send import ASSUMED_TIMEOUT, lease_needed
from ..bulk._worker import NOT_OPENED_YET, check_max_seconds, prepare_worker, run_for, store_path
from . import _options
from ._context import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    Declined,
    Globals,
    execute,
    exit_code_for,
    open_client,
)
from ._journal import choose_journal
from ._output import kv_table, money, plural, speak_flags
from ._progress import Display

__all__ = [
    "StoreChoice",
    "print_status",
    "run_detached",
    "run_worker",
    "show_status",
    "status",
    "store_choice",
    "worker",
]


class StoreChoice:
    """A ``--store URL`` (and ``--name``) as given: the store to open, and how to show it."""

    def __init__(self, url: str, name: str | None) -> None:
        self.url = url
        self.name = name
        # A bad URL or a missing --name is refused here; nothing is opened or created yet.
        self.path = store_path(url)
        self.shared = self.path is None
        if self.shared and not name:
            raise ValidationError("a PostgreSQL store needs the campaign's name", field="name")

    def open(self, **options: Any) -> CampaignStore:
        """Return the store (a PostgreSQL store takes ``options``: ``max_cost`` ...)."""
        if not self.shared:
            if self.path is None or not self.path.exists():
                raise ConfigurationError(f"there is no journal at {self.path}")
            return SqliteStore(self.path)
        return open_store(self.url, self.name, **options)

    def args(self) -> list[str]:
        """Return ``--store ... --name ...`` for a command to paste (never a password)."""
        args = ["--store", redact_dsn(self.url) if self.shared else self.url]
        if self.name:
            args += ["--name", self.name]
        return args


def store_choice(url: str, name: str | None) -> StoreChoice:
    """Parse ``--store`` and ``--name`` into a choice, as a usage error when they are wrong."""
    try:
        return StoreChoice(url, name)
    except ValidationError as exc:
        hint = "--name" if exc.field == "name" else "--store"
        raise click.BadParameter(exc.reason, param_hint=hint) from None


# -- campaign --store ... --detach ------------------------------------------------------------


async def run_detached(g: Globals, options: Any, choice: StoreChoice, *, detach: bool) -> int:
    """Plan, price, check and open a campaign in a store; with ``detach``, send nothing.

    ``options`` are the ``campaign`` command's :class:`~.campaign.CampaignOptions`. Without
    ``detach`` this process then runs one worker (``worker``'s loop) itself.
    """
    from .campaign import _balance, _confirm, make_job, open_csv, plan_document, print_plan

    out = g.output
    rows, _ = open_csv(options)
    if not (options.yes or _options.stdin_is_tty()):
        raise ConfigurationError(
            "stdin is not a terminal, so the campaign cannot be confirmed: check it with "
            "--dry-run, then pass --yes to open it without asking"
        )
    journal_choice = None
    if choice.shared:
        store: CampaignStore = choice.open(max_cost=options.max_cost)
        if await store.get_meta("plan") is not None:
            await store.close()
            raise ConfigurationError(
                f"the campaign {store.where} is already planned: start workers "
                f"(clicksend-async worker {shlex.join(choice.args())}), see where it stands "
                "(clicksend-async status ...), or choose another --name for a new campaign"
            )
    else:
        assert choice.path is not None
        journal_choice = choose_journal(
            options.csv_path,
            choice.path,
            resume=options.resume,
            dry_run=False,
            emulator=False,
        )
        store = SqliteStore(journal_choice.journal)
    out.note(f"store: {store.where}", style="bold")
    display = Display(g.err, enabled=out.human)
    opened = False
    try:
        async with open_client(g, emulator=options.emulator) as cs:
            job = make_job(cs, options, rows, store=store, on_progress=display)
            shared_state = getattr(store, "set_state", None)
            if shared_state is not None:
                await store.open()
                await shared_state("stopping", NOT_OPENED_YET)  # nobody sends it before the OK
            with display.planning("planning"):
                try:
                    plan = await job.plan()
                except BudgetExceededError as exc:
                    if not isinstance(exc.plan, BulkPlan):
                        raise
                    plan = exc.plan  # shown below, then refused with the flags' names
            balance, currency = await _balance(cs)
            out.emit(
                plan_document(
                    plan,
                    options=options,
                    balance=balance,
                    balance_currency=currency,
                    chunk_size=job.chunk_size,
                    journal=None,
                    blank_lines=rows.blank_lines,
                )
            )
            print_plan(
                g,
                plan,
                title=f"campaign plan: {options.csv_path.name}",
                balance=balance,
                balance_currency=currency,
                chunk_size=job.chunk_size,
                blank_lines=rows.blank_lines,
            )
            from .campaign import budget_problem

            spent, _ = await store.totals()
            problem = budget_problem(plan, options, balance, spent)
            if problem is not None:
                raise BudgetExceededError(problem, plan=plan)
            left = await store.count_pending()
            if not options.yes:
                cost = money(plan.total_cost, plan.currency) if plan.priced else "unpriced"
                verb = "Open" if detach else "Send"
                question = f"{verb} {plural(left, options.channel.noun)} ({cost})"
                if detach:
                    question += " for workers to send"
                if not _confirm(question + "?"):
                    raise Declined
            if shared_state is not None:
                await shared_state("open")
            opened = True
            if not detach:
                await store.release()
                return await _work(
                    g,
                    cs,
                    store,
                    choice,
                    concurrency=options.concurrency,
                    report_path=options.report,
                )
            command = shlex.join([*g.prog, "worker", *choice.args()])
            out.emit(
                {
                    "event": "detached",
                    "store": store.where,
                    "name": choice.name,
                    "to_send": left,
                    "worker_command": command,
                }
            )
            out.note(
                f"campaign opened: {plural(left, options.channel.noun)} to send; start workers "
                f"(as many as you like, on any host) with:\n  {command}",
                style="bold",
            )
            return EXIT_OK
    finally:
        if not opened:
            await _close_unopened(store, journal_choice)
        else:
            await store.close()


async def _close_unopened(store: CampaignStore, journal_choice: Any) -> None:
    """Leave a campaign that was planned but not opened so that no worker ever sends it."""
    set_state = getattr(store, "set_state", None)
    try:
        if set_state is not None and await store.get_meta("plan") is not None:
            await set_state("aborted", "not opened: refused or not confirmed when it was planned")
    finally:
        await store.close()
        if journal_choice is not None:
            journal_choice.close(discard=True)  # a journal this run created goes away


# -- worker -------------------------------------------------------------------------------


async def _work(
    g: Globals,
    cs: Any,
    store: CampaignStore,
    choice: StoreChoice,
    *,
    concurrency: int | None,
    max_seconds: float | None = None,
    report_path: Path | None = None,
    settle: float | None = None,
) -> int:
    """Run one worker of the campaign in ``store`` and print its report; return the status.

    Exit 0 when nothing is left for a worker to do here: every row settled, or held by other
    workers still sending it. Exit 3 while rows wait to be sent (the time was up, the campaign
    stopped, attempts ran out) or rows ended ``unknown``.
    """
    from .campaign import _Stopper

    out = g.output
    display = Display(g.err, enabled=out.human)
    # The engine's own default unless --settle says otherwise.
    settles: dict[str, Any] = {} if settle is None else {"reconcile_settle": settle}
    job = await prepare_worker(
        cs.session, store, concurrency=concurrency or 4, on_progress=display, **settles
    )
    before = await campaign_status(store)
    with _Stopper(g, job, display) as stopper, display.sending(before.pending, before.currency):
        report = await run_for(job, max_seconds)
    with report:
        after = await campaign_status(store)
        last = display.last if display.last is not None and display.last.phase == "done" else None
        time_up = report.stopped and stopper.signum is None
        mine = (0, 0, 0) if last is None else (last.sent, last.rejected, last.unknown)
        out.emit(
            {
                "event": "worker",
                **_status_fields(after),
                "this_worker": {
                    "sent": mine[0],
                    "rejected": mine[1],
                    "unknown": mine[2],
                    "duration": round(report.duration, 3),
                },
                "time_up": time_up,
                "stopped": report.stopped,
                "signal": None if stopper.signum is None else _signal_name(stopper.signum),
                "aborted": None if report.aborted is None else speak_flags(report.aborted),
            }
        )
        print_status(g, after)
        out.show(
            f"this worker: sent {mine[0]:,}, rejected {mine[1]:,}, unknown {mine[2]:,} in "
            f"{report.duration:.1f} s"
        )
        if report_path is not None:
            out.note(f"report: {report.to_csv(report_path)}", style="bold")
    unknown = after.unknown  # ended unknown (counts["unknown"] also holds rows in flight)
    if unknown > 0:
        out.warn(
            f"WARNING: {plural(unknown, 'row')} in state UNKNOWN: the request may or may not "
            "have reached ClickSend, and its history could not tell. Do NOT send them again "
            "blindly: check the history (the report lists their custom_string).",
        )
    if report.aborted and stopper.signum is None:
        out.warn(f"The campaign stopped early: {speak_flags(report.aborted)}", "yellow")
    if stopper.signum is not None:
        return exit_code_for(stopper.signum)
    if after.pending and after.state == "open":
        again = shlex.join([*g.prog, "worker", *choice.args()])
        why = "time is up" if time_up else "not sent yet"
        out.warn(
            f"{why}: {plural(after.pending, 'row')} still to send; start another worker:"
            f"\n  {again}",
            "yellow",
        )
    elif after.held:
        out.note(f"{plural(after.held, 'row')} still held by other workers", style="bold")
    return EXIT_INCOMPLETE if after.pending or unknown > 0 else EXIT_OK


def _signal_name(signum: int) -> str:
    import signal

    return signal.Signals(signum).name


async def run_worker(
    g: Globals,
    choice: StoreChoice,
    *,
    concurrency: int | None,
    max_seconds: float | None,
    report_path: Path | None,
    lease: float | None = None,
    grace: float | None = None,
    settle: float | None = None,
) -> int:
    """Open the store and the client and run one worker."""
    leases = {k: v for k, v in (("lease", lease), ("grace", grace)) if v is not None}
    store = choice.open(**leases)
    try:
        async with open_client(g, emulator=False) as cs:
            if lease is not None:
                check_lease(lease, cs.session.transport.timeout)
            return await _work(
                g,
                cs,
                store,
                choice,
                concurrency=concurrency,
                max_seconds=max_seconds,
                report_path=report_path,
                settle=settle,
            )
    finally:
        await store.close()


def check_lease(lease: float, timeout: float | None) -> None:
    """Refuse a lease too short for a request to leave within it (nothing would be sent).

    The pre-send guard sends a chunk only while its lease outlasts the request's timeout plus
    a margin (:func:`~clicksend_async.bulk._send.lease_needed`): the same rule, checked here.
    """
    request = timeout or ASSUMED_TIMEOUT
    needed = lease_needed(lease, timeout)
    if lease < needed:
        raise ConfigurationError(
            f"--lease {lease:g} is too short: a chunk is sent only while its lease outlasts the "
            f"request's timeout ({request:g} s, --timeout) plus a margin, {needed:g} s in all; "
            "give a longer --lease or a shorter --timeout"
        )


def _store_options(command: Any) -> Any:
    command = click.option(
        "--name",
        metavar="NAME",
        help="The campaign's name in a PostgreSQL store (every worker gives the same).",
    )(command)
    return click.option(
        "--store",
        required=True,
        metavar="URL",
        help="postgresql://... (a shared store) or sqlite:///PATH (a journal, as --journal).",
    )(command)


@click.command(short_help="Send a campaign planned in a store (one of many workers).")
@_store_options
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
    metavar="N",
    help="Stop gracefully after N seconds (a task queue runs workers in slices).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    metavar="N",
    help="Requests in flight at once in this worker (default 4).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="Write every row's outcome (the campaign as it stands) to this CSV.",
)
@click.option(
    "--lease",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="How long a claimed chunk stays this worker's without a heartbeat (PostgreSQL; "
    "default 120). Longer than --timeout: a chunk is sent only while its lease outlasts it.",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Seconds past an expired lease before another worker takes the chunk over "
    "(PostgreSQL; default 10).",
)
@_options.settle_option
@_options.output_options
@click.pass_obj
def worker(g: Globals, /, store: str, name: str | None, **options: Any) -> None:
    """Run one worker of a campaign planned with `campaign ... --detach`.

    Start as many as you like, on any host: each claims chunks from the store, sends them and
    records their outcomes; nobody is texted twice. It runs until the campaign is done, the
    campaign stops for every worker (out of credit, budget spent), or --max-seconds pass.
    A campaign that is not planned is refused. Exit 0 when nothing is left to send (rows still
    in flight in other workers are theirs), 3 while rows wait to be sent (start another worker)
    or rows ended unknown.
    """
    choice = store_choice(store, name)
    check_max_seconds(options["max_seconds"])
    for flag in ("lease", "grace"):
        if options[flag] is not None and not choice.shared:
            raise click.BadParameter(
                "leases are a PostgreSQL store's (a journal has one owner)",
                param_hint=f"--{flag}",
            )
    execute(
        g,
        lambda: run_worker(
            g,
            choice,
            concurrency=options["concurrency"],
            max_seconds=options["max_seconds"],
            report_path=options["report"],
            lease=options["lease"],
            grace=options["grace"],
            settle=options["settle"],
        ),
    )


# -- status -------------------------------------------------------------------------------


def _status_fields(found: CampaignStatus) -> dict[str, Any]:
    fields = found.to_json()
    if fields["reason"] is not None:
        fields["reason"] = speak_flags(fields["reason"])
    return fields


def print_status(g: Globals, found: CampaignStatus) -> None:
    """Print where a campaign stands."""
    state = "finished" if found.finished else found.state
    table = kv_table(f"campaign {state}")
    table.add_row("store", found.where)
    table.add_row("channel", found.channel or "-")
    if found.reason:
        table.add_row("stopped because", speak_flags(found.reason))
    for key in ("sent", "rejected", "invalid", "unknown", "not_sent", "skipped"):
        count = found.counts.get(key, 0)
        if count or key in ("sent", "rejected", "invalid"):
            label = {"skipped": "not attempted", "not_sent": "not sent"}.get(key, key)
            table.add_row(label, f"{count:,}")
    table.add_row("to send", f"{found.pending:,}")
    if found.held:
        table.add_row("in flight / in doubt", f"{found.held:,}")
    currency = None if found.plan is None else found.plan.currency
    table.add_row("cost", money(found.cost, currency))
    table.add_row("segments", f"{found.segments:,}")
    g.output.show()
    g.output.show(table)


async def show_status(g: Globals, choice: StoreChoice, report_path: Path | None) -> int:
    """Read a campaign's status (and write its report); take no part in it."""
    store = choice.open()
    try:
        found = await campaign_status(store)
        if not found.planned and not found.rows:
            raise JournalError(f"the store {store.where} holds no campaign")
        g.output.emit({"event": "status", **_status_fields(found), "report": _written(report_path)})
        print_status(g, found)
        if report_path is not None:
            if isinstance(store, SqliteStore):
                journal, owns = store.journal, False
            else:
                journal, owns = await snapshot(store), True
            with _report(journal, found.plan, owns) as report:
                g.output.note(f"report: {report.to_csv(report_path)}", style="bold")
    finally:
        await store.close()
    return EXIT_OK


def _written(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _report(journal: Journal, plan: BulkPlan | None, owns: bool) -> BulkReport:
    return BulkReport(journal=journal, plan=plan, duration=0.0, owns_journal=owns)


@click.command(short_help="Show where a campaign in a store stands, and its report.")
@_store_options
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="Write every row's outcome to this CSV.",
)
@_options.output_options
@click.pass_obj
def status(g: Globals, /, store: str, name: str | None, report: Path | None) -> None:
    """Show a campaign's progress in its store: rows by state, to send, in flight, cost.

    Reads only: it never claims, sends or takes over anything, so it is safe while workers
    run. With --report, writes every row's outcome to a CSV; with --json, one document.
    """
    choice = store_choice(store, name)
    if report is not None and not report.parent.is_dir():
        raise click.BadParameter("no such directory", param_hint="--report")
    execute(g, lambda: show_status(g, choice, report))
