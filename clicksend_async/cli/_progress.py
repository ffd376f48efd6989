"""Progress a person reads: a spinner while planning, then rate, ETA and live counts.

On a terminal (stderr) a rich progress bar; elsewhere (a log file, ``docker logs``) one plain
line every few seconds, so a long campaign still shows it is alive. Nothing with ``--quiet`` or
``--json`` (stdout then carries the JSON; progress would only be noise on stderr).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.status import Status

from ..bulk import ProgressEvent

__all__ = ["Display", "format_eta", "progress_line"]

#: Seconds between two plain progress lines when stderr is not a terminal.
PLAIN_EVERY = 5.0


def format_eta(seconds: float | None) -> str:
    """Return ``0:42`` / ``1:02:03`` (or ``--:--`` while there is no rate yet)."""
    if seconds is None:
        return "--:--"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def eta_seconds(event: ProgressEvent, total: int) -> float | None:
    """Return the seconds left at the current rate for ``total`` rows of this run."""
    done = event.sent + event.rejected + event.unknown
    rate = event.rate
    if rate <= 0:
        return None
    return max(0, total - done) / rate


def progress_line(event: ProgressEvent, total: int, currency: str) -> str:
    """Return the counts, rate, ETA and cost of one progress event as plain text."""
    done = event.sent + event.rejected + event.unknown
    return (
        f"{done:,}/{total:,} sent {event.sent:,} rejected {event.rejected:,} "
        f"unknown {event.unknown:,} | {event.rate:,.1f}/s ETA "
        f"{format_eta(eta_seconds(event, total))} | {event.cost:,.2f} {currency}".rstrip()
    )


class Display:
    """Spinner while planning, progress while sending; ``display(event)`` is the engine's hook."""

    def __init__(
        self, console: Console, *, enabled: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._console = console
        self.enabled = enabled
        self.terminal = enabled and console.is_terminal
        self._clock = clock
        self._status: Status | None = None
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._currency = ""
        self._total = 0
        self._sending = False
        self._printed_at: float | None = None
        #: The latest event, kept for the final summary.
        self.last: ProgressEvent | None = None

    @contextlib.contextmanager
    def planning(self, what: str) -> Iterator[None]:
        """Show a spinner (on a terminal) while the plan is made."""
        if not self.terminal:
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
        """Show the progress of ``total`` messages while the block runs."""
        self._currency = currency or ""
        self._total = max(total, 0)
        self._sending = True
        if not self.terminal:
            try:
                yield
            finally:
                self._sending = False
            return
        progress = Progress(
            TextColumn("[bold]sending"),
            BarColumn(bar_width=12),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            console=self._console,
            transient=False,
        )
        with progress:
            self._progress = progress
            self._task = progress.add_task("sending", total=self._total, stats="")
            try:
                yield
            finally:
                self._progress = None
                self._task = None
                self._sending = False

    def stopping(self, message: str) -> None:
        """Say (above the bar) that the campaign is stopping."""
        if self.enabled:
            target = self._progress.console if self._progress is not None else self._console
            target.print(f"[yellow]{message}[/]")

    def __call__(self, event: ProgressEvent) -> None:
        self.last = event
        if not self.enabled:
            return
        if event.phase == "planning" and self._status is not None:
            self._status.update(f"planning: {event.rows:,} rows read, {event.invalid:,} invalid")
        if not self._sending or event.phase == "planning":
            return
        progress, task = self._progress, self._task
        if progress is None or task is None:
            self._plain(event)
            return
        eta = format_eta(eta_seconds(event, self._total))
        stats = (
            f"sent {event.sent:,} · rejected {event.rejected:,} · "
            f"{'[bold red]' if event.unknown else ''}unknown {event.unknown:,}"
            f"{'[/]' if event.unknown else ''} · {event.rate:,.0f}/s · ETA {eta} · "
            f"{event.cost:,.2f} {self._currency}"
        )
        done = event.sent + event.rejected + event.unknown
        progress.update(task, completed=done, stats=stats.rstrip())

    def _plain(self, event: ProgressEvent) -> None:
        now = self._clock()
        if event.phase != "done" and (
            self._printed_at is not None and now - self._printed_at < PLAIN_EVERY
        ):
            return
        self._printed_at = now
        self._console.print(
            "progress: " + progress_line(event, self._total, self._currency),
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
