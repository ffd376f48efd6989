"""The report CSV written while the campaign runs, so that it is ready when the last answer is.

Writing a million-row report after the sends costs seconds of CPU at the end of the campaign,
while the event loop spent most of the campaign waiting for the rate limiter. The writer follows
the journal instead: from time to time it appends, in row order, the rows that reached a final
state (sent, rejected, invalid: a resume never sends these again, so their line cannot change)
and stops at the first row that has not. When the run is over, :meth:`ReportWriter.finish`
appends every remaining row as the journal reports it and moves the file into place.

The file it ends with is the file :meth:`BulkReport.to_csv` would write at that moment, with
one exception handled by writing it again whole: a delivery receipt recorded in the journal
while the campaign ran (by a :class:`~._delivery.ReceiptRecorder` of another process) may
concern a row already written.

It is written under a hidden name beside the target and renamed at the end, so the target is
never a half-written report: a campaign that crashes leaves the previous report (if any) as it
was. The hidden name is this writer's own (``.NAME.<pid>-<token>.partial``): a second command
on the same campaign, refused because the first holds the journal, must not truncate or
remove the first's file. One left by a process that is gone is removed by the next writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import glob
import logging
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from .._csvsafe import csv_safe_row
from .._exceptions import ConfigurationError
from ._journal import JOURNAL_SIDE_FILES, Journal
from ._states import FINAL_STATES

__all__ = [
    "REPORT_COLUMNS",
    "ReportWriter",
    "refuse_journal_files",
    "refuse_overwrite",
    "same_file",
    "write_report_rows",
]


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Return True when ``a`` and ``b`` name the same file (existing or not)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def refuse_overwrite(
    target: str | os.PathLike[str], files: Mapping[str, Path], *, label: str = "the report"
) -> None:
    """Raise ConfigurationError when a report at ``target`` would replace one of ``files``
    (what each is, by the file)."""
    for what, path in files.items():
        if same_file(target, path):
            raise ConfigurationError(
                f"{label} {os.fspath(target)} is {what}: writing the report there would "
                "replace it; choose another file for the report"
            )


def refuse_journal_files(
    target: str | os.PathLike[str], journal: Path | None, *, label: str = "the report"
) -> None:
    """Refuse a report at ``target`` over ``journal`` (the record of who was texted, which
    keeps a resume from texting anyone twice) or a file it keeps beside it."""
    if journal is None:
        return
    files = {"the campaign journal": journal}
    files.update({f"the journal's {s} file": Path(f"{journal}{s}") for s in JOURNAL_SIDE_FILES})
    refuse_overwrite(target, files, label=label)


logger = logging.getLogger("clicksend_async.bulk")

#: The report's columns, in order (:meth:`BulkReport.to_csv`).
REPORT_COLUMNS = (
    "row",
    "to",
    "state",
    "status",
    "message_id",
    "parts",
    "price",
    "custom_string",
    "reason",
    "delivery",
)

#: Rows the writer appends in one go before handing the event loop back (a few ms of CPU).
_STEP = 1000


def write_report_rows(writer: Any, rows: Iterable[tuple[Any, ...]]) -> None:
    """Write journal rows (``Journal.iter_rows``) as report lines."""
    writerow = writer.writerow
    for row in rows:
        writerow(csv_safe_row(row[:10]))


class ReportWriter:
    """Write ``journal``'s report to ``path`` while the campaign runs (see the module doc)."""

    def __init__(self, journal: Journal, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._journal = journal
        self._partial = self.path.with_name(
            f".{self.path.name}.{os.getpid()}-{secrets.token_hex(3)}.partial"
        )
        self._handle: IO[str] | None = None
        self._writer: Any = None
        #: The first row not written yet.
        self.next_row = 1
        self._failed: BaseException | None = None

    def __repr__(self) -> str:
        return f"<ReportWriter {self.path} next_row={self.next_row}>"

    def open(self) -> ReportWriter:
        """Create the hidden file and write the header (an OSError says why it cannot be)."""
        refuse_journal_files(self.path, self._journal.path)
        _remove_stale(self.path)
        self._handle = self._partial.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REPORT_COLUMNS)
        return self

    def advance(self, limit: int = _STEP) -> int:
        """Append up to ``limit`` rows from :attr:`next_row` while they are final; return how many.

        Synchronous on purpose: the journal cannot change while its rows are being read.
        """
        if self._writer is None or self._failed is not None:
            return 0
        writerow = self._writer.writerow
        written = 0
        # The rows of this step only (at most ``limit``): the open chunks' other rows need not
        # be looked up.
        rows = self._journal.iter_rows(self.next_row, self.next_row + limit)
        try:
            for row in rows:
                if row[2] not in FINAL_STATES:
                    break
                writerow(csv_safe_row(row[:10]))
                self.next_row = row[0] + 1
                written += 1
        finally:
            rows.close()  # type: ignore[attr-defined]
        return written

    async def follow(self, interval: float = 0.5) -> None:
        """Call :meth:`advance` every ``interval`` seconds until cancelled.

        An error (a full disk) stops the following; :meth:`finish` then writes the report
        whole, and raises the error again if it persists.
        """
        try:
            while True:
                await asyncio.sleep(interval)
                # Long stretches in steps, handing the event loop back between them.
                while self.advance() == _STEP:  # noqa: ASYNC110 - a yield, not a poll
                    await asyncio.sleep(0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("report %s: writing while sending stopped: %s", self.path, exc)
            self._failed = exc

    def finish(self, *, rewrite: bool = False) -> Path:
        """Write every row not written yet, then move the file to :attr:`path`; return it.

        ``rewrite`` (or an earlier error) writes the whole report again from the journal.
        """
        if self._handle is None or self._failed is not None or rewrite:
            self._close()
            self.open()
            self.next_row = 1
            self._failed = None
        assert self._handle is not None
        write_report_rows(self._writer, self._journal.iter_rows(self.next_row))
        self._handle.close()
        self._handle = None
        os.replace(self._partial, self.path)
        return self.path

    def discard(self) -> None:
        """Remove the hidden file (the campaign failed before it had a report)."""
        self._close()
        with contextlib.suppress(FileNotFoundError):
            self._partial.unlink()

    def _close(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
            self._writer = None


def _remove_stale(path: Path) -> None:
    """Remove the hidden files a writer of ``path`` left when its process died (the pid in
    the name is gone); any other is another live command's, and stays."""
    if os.name != "posix":
        return  # os.kill(pid, 0) asks whether it lives only on POSIX (elsewhere it kills it)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.partial"):
        pid = stale.name[len(path.name) + 2 :].partition("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                stale.unlink()
        except OSError:  # alive, another user's: not ours to remove
            continue
