"""The campaign journal: one SQLite file that holds a campaign, owned by one process at a time.

What it holds:

- ``meta``: the campaign id, its fingerprint (channel, template, options, every row's recipient
  and body), the row count and the plan;
- ``rows``: one line per input row: custom_string, the exact message payload, segments and,
  once known, the outcome (rejected / invalid / unknown, or sent when reconciliation found it)
  and the chunk that holds or settled it; ``attempts`` counts this run's attempts, ``tried``
  every run's;
- ``chunks``: each ``messages[]`` request. A claim moves rows into a new chunk and records the
  intent in one transaction, before the request is built; the outcome is written after, fenced
  on the chunk's epoch. The rows its answer sent are one chunk-level record (``chunks.sent``,
  with their cost and parts), not an ``UPDATE`` of each row (schema 4): such a row keeps its
  chunk and no state, and the readers (:mod:`._journal_read`) take its outcome from the
  record. A chunk that is not ``done`` when a run starts is in doubt: its rows are reconciled
  through the history before anything of them is sent again.

Protection: an exclusive lock (``<journal>.lock``, taken by :meth:`Journal.acquire` for planning
and sending, released at the end of a run) stops a second process. The lock file can be removed
under its holder, so the holder also marks the journal (``meta.holder``, taken off when it gives
the journal up): a process that finds the lock file gone, the mark on and a chunk written in
the last two minutes refuses the journal, and every claim checks the mark in its own
transaction, so a holder whose journal was taken anyway claims nothing more. A damaged journal
is refused with :class:`~clicksend_async.JournalError`, never read as a fresh campaign, and a
resume of a journal that holds no campaign is refused too. A rollback journal (not WAL) with
``synchronous=NORMAL``: every commit is in the one file, and a crash of the process loses
nothing committed.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import sqlite3
import time
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from .._exceptions import ConfigurationError, JournalError, JournalLockedError
from ._states import ChunkState, SentColumns

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the lock is best effort there
    fcntl = None  # type: ignore[assignment]

__all__ = ["JOURNAL_SIDE_FILES", "Journal", "RowRecord"]

from ._journal_base import (
    _OPEN,
    _SCHEMA,
    SCHEMA_VERSION,
    Holder,
    RowRecord,
    Tx,
    damaged,
    encode_columns,
    encode_record,
    finalize,
    held_rows,
    migrate,
    rollback,
)
from ._journal_read import JournalReading, cost_text, encode, record_totals
from ._journal_receipts import JournalReceipts

#: Pending rows written by one INSERT statement: 600 parameters, within the 999 that SQLite
#: builds before 3.32 allow.
_PENDING_PER_INSERT = 100
_INSERT_PENDING_MANY = (
    "INSERT INTO rows (row, custom_string, recipient, payload, parts, encoding) VALUES "
    + ", ".join(["(?, ?, ?, ?, ?, ?)"] * _PENDING_PER_INSERT)
)
_chain = itertools.chain.from_iterable
#: The reason column of a record of rows an answer sent: none has one.
_NO_REASON = (None,)
#: Planned rows kept in one open transaction before it is committed (see add_rows).
_HOLD_ROWS = 50_000


#: How long after its last chunk a holder whose lock file was removed may still be sending
#: (a request's timeout and its outcome, with room): a journal without its lock file is not
#: taken over sooner.
LIVE_HOLDER_SECONDS = 120.0

#: Files SQLite and the lock keep beside a journal: its rollback journal (kept, empty, in
#: TRUNCATE mode), a WAL journal's side files, and the lock.
JOURNAL_SIDE_FILES = ("-journal", "-wal", "-shm", ".lock")

#: SQLite's result codes for a database another connection holds (SQLITE_BUSY, SQLITE_LOCKED).
_BUSY = frozenset({5, 6})


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Return True when ``exc`` says another connection holds the database."""
    return getattr(exc, "sqlite_errorcode", None) in _BUSY or "locked" in str(exc)


def _identity(path: Path | None) -> tuple[int, int] | None:
    """Return the (device, inode) of the file at ``path``, or None when there is none."""
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _remove_own(path: Path, handle: Any) -> None:
    """Remove the file at ``path`` if it is still the one ``handle`` has open."""
    with contextlib.suppress(OSError):
        if os.path.samestat(os.fstat(handle.fileno()), os.stat(path)):
            path.unlink()


class Journal(JournalReceipts, JournalReading):
    """A campaign journal in a SQLite file (``path=None``: a private temporary file)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.temporary = path is None
        self._closed = True
        self._custom_indexed = False
        self._held = 0  # planned rows written in an open transaction (add_rows)
        #: This holder's mark in ``meta`` (see _lock); None for a temporary journal.
        self._token: str | None = None
        #: The journal file this process holds (device, inode), checked by every claim, at
        #: its absolute path (the process may change directory while it runs).
        self._identity: tuple[int, int] | None = None
        self._where = None if self.path is None else Path(os.path.abspath(self.path))
        target = "" if path is None else str(path)
        if self.path is not None and self.path.is_dir():
            raise ConfigurationError(f"the journal {path} is a folder, not a file")
        try:
            self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ConfigurationError(f"cannot open the journal {path}: {exc}") from None
        try:
            self._setup()
        except BaseException:
            self._db.close()
            raise
        self._closed = False
        self._holder = Holder(self._db)
        self.finalizer = weakref.finalize(self, finalize, self._db, self._holder)

    # -- ownership ------------------------------------------------------------------------

    @property
    def held(self) -> bool:
        """Return True while this journal holds the campaign (between acquire and release)."""
        return self._holder.lock_file is not None or (self.temporary and self._holder.held)

    def acquire(self) -> None:
        """Take the campaign for this process: only the holder may plan or send.

        Raises :class:`~clicksend_async.JournalLockedError` while another holds it, and
        :class:`~clicksend_async.JournalError` when the journal lost writes it had made.
        """
        if self.held:
            return
        if self.temporary:
            self._holder.held = True
            return
        self._lock()

    def release(self) -> None:
        """Give the campaign up (another process may then resume it)."""
        self._unmark()
        self._holder.release()

    def _unmark(self) -> None:
        """Take this holder's mark off the journal: it was given up, not abandoned."""
        token, self._token = self._token, None
        if token is None or self._closed:
            return
        with contextlib.suppress(sqlite3.Error):
            self._commit_held()
            self._db.execute("DELETE FROM meta WHERE key = 'holder' AND value = ?", (token,))

    # -- opening --------------------------------------------------------------------------

    def _lock(self) -> None:
        assert self.path is not None
        lock_path = Path(str(self.path) + ".lock")
        created = False
        try:
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                handle = open(lock_path, "a+b")  # noqa: SIM115 - held until close()
            else:
                created = True
                handle = os.fdopen(fd, "a+b")
        except OSError as exc:
            raise ConfigurationError(f"cannot open the journal lock {lock_path}: {exc}") from None
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise JournalLockedError(
                    f"the journal {self.path} is in use by another process (or another job): "
                    "only one may send a campaign at a time; wait for it to finish"
                ) from None
        # The lock is only as good as its file: removed while held (a clean-up of "stale"
        # locks), it lets a second process lock a new one. So the holder also marks the journal
        # itself, and every claim checks the mark in the claim's own transaction: once another
        # process took the journal, this one claims (and sends) nothing more.
        token = secrets.token_hex(8)
        try:
            if created:
                try:
                    self._refuse_a_live_holder()
                except JournalLockedError:
                    # The file we made must not let the next attempt in: it would find it.
                    _remove_own(lock_path, handle)
                    raise
            self.set_meta("holder", token)
        except sqlite3.OperationalError as exc:
            handle.close()
            if _busy(exc):
                # The lock file was gone and another process is inside a write (or frozen in
                # one): it holds the journal.
                raise self._in_use() from None
            raise
        except BaseException:
            handle.close()
            raise
        self._token = token
        self._identity = _identity(self._where)
        self._holder.lock_file = handle

    def _refuse_a_live_holder(self) -> None:
        """Refuse a journal whose lock file we had to create while its holder's mark is still
        on it and its chunks were written to moments ago: the lock file was removed under a
        process that may still be sending (a dead holder leaves its lock file, and a holder
        that gave the journal up takes its mark off)."""
        if self.get_meta("holder") is None:
            return
        found = self._db.execute("SELECT MAX(started_at), MAX(finished_at) FROM chunks").fetchone()
        latest = max((float(t) for t in found if t is not None), default=None)
        if latest is None:
            return
        quiet = time.time() - latest
        # Dated further ahead than that, the chunk was written by a clock that disagrees with
        # ours (this host's was stepped back since): its age says nothing, and refusing until
        # our clock caught up could last hours.
        if -LIVE_HOLDER_SECONDS < quiet < LIVE_HOLDER_SECONDS:
            raise JournalLockedError(
                f"the journal {self.path} has no lock file, but the process that holds it "
                f"wrote a chunk {max(quiet, 0.0):.0f} s ago and may still be sending: only one "
                "may send a campaign at a time. If no other process uses this journal, run "
                f"again in {LIVE_HOLDER_SECONDS - max(quiet, 0.0):.0f} s"
            )

    def _check_holder(self) -> None:
        """Raise JournalLockedError when another process has taken the journal since we did
        (inside a write transaction: the check and the write it guards are one)."""
        if self._token is None:
            return
        if self._identity is not None and _identity(self._where) != self._identity:
            # Removed (or another file moved over it): what is written from now on goes to a
            # file no resume will find, and a campaign started again from the path would send
            # to everyone this run sent to. Nothing more is sent.
            raise JournalError(
                f"the journal {self.path} was removed or replaced while this process held it: "
                "it claims nothing more (outcomes written from now on would be in a file no "
                "resume can find); keep the journal where the campaign started until it ends"
            )
        found = self._db.execute("SELECT value FROM meta WHERE key = 'holder'").fetchone()
        if found is None or found[0] != self._token:
            raise JournalLockedError(
                f"the journal {self.path} was taken by another process while this one held it "
                f"(its lock file {self.path}.lock was removed or replaced): this process "
                "claims nothing more; the other one carries the campaign on"
            )

    def _unlock(self) -> None:
        if self._holder.lock_file is not None:
            with contextlib.suppress(OSError):
                self._holder.lock_file.close()
            self._holder.lock_file = None

    def _setup(self) -> None:
        db = self._db
        try:
            # A rollback journal, not WAL: every commit lands in this one file, so there is no
            # side file whose loss would take committed outcomes with it (a journal copied,
            # moved or restored alone still holds every chunk it recorded).
            db.execute("PRAGMA journal_mode=TRUNCATE")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            version = self.get_meta("schema")
            if version in ("1", "2", "3"):
                migrate(self, version)
            elif version is None:
                self.set_meta("schema", SCHEMA_VERSION)
            elif version != SCHEMA_VERSION:
                raise ConfigurationError(
                    f"{self.path} has journal schema {version}, expected {SCHEMA_VERSION}"
                )
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                # Another process is inside a write (or frozen in one, SIGSTOP): the journal is
                # in use, not damaged; a new journal would start the campaign over.
                raise self._in_use() from None
            raise damaged(self.path, exc) from None

    def _in_use(self) -> JournalLockedError:
        """Return the error for a database another process is writing (or frozen in)."""
        return JournalLockedError(
            f"the journal {self.path} is in use by another process (its database is "
            "locked: another command is writing it, or is stopped in the middle of a "
            "write): only one may send a campaign at a time; wait for it to finish"
        )

    def __repr__(self) -> str:
        return f"Journal({str(self.path) if self.path else '<temporary>'!r})"

    def close(self) -> None:
        """Close the database and release the lock (a temporary journal disappears)."""
        if not self._closed:
            with contextlib.suppress(sqlite3.Error):
                self._commit_held()
            if self.held:
                self._unmark()
            self._closed = True
            self.finalizer.detach()
            finalize(self._db, self._holder)

    @property
    def closed(self) -> bool:
        """Return True once closed."""
        return self._closed

    # -- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """Return one meta value."""
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set one meta value."""
        self._commit_held()
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def set_meta_many(self, values: dict[str, str]) -> None:
        """Set several meta values in one transaction."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items())
            )

    def plan_json(self) -> dict[str, Any] | None:
        """Return the stored plan, once planning completed."""
        raw = self.get_meta("plan")
        return None if raw is None else dict(json.loads(raw))

    # -- planning -------------------------------------------------------------------------

    def reset_rows(self) -> None:
        """Forget rows and chunks (an unfinished plan, before anything was sent)."""
        with self._transaction():
            self._check_holder()
            self._db.execute("DELETE FROM rows")
            self._db.execute("DELETE FROM chunks")
            self._db.execute("DELETE FROM meta WHERE key NOT IN ('schema', 'in_use', 'holder')")

    def add_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert planned rows: (row, custom_string, recipient, payload, parts, encoding,
        state, status, reason).

        The transaction is left open for the next batch and committed every ``_HOLD_ROWS``
        rows, or by the next other write (every other write commits it first) or ``close()``:
        a commit waits for the disk, and planning a million rows in batches of a thousand
        would wait a thousand times. Rows lost with an uncommitted transaction belong to a
        plan that never finished, which the next run plans again (nothing was sent from it).
        """
        # Most rows are pending: written without their three empty columns, which makes
        # SQLite's insert a third cheaper (binding a NULL costs as much as a value).
        pending = [r[:6] for r in rows if r[6] is None and r[7] is None and r[8] is None]
        # And a hundred to a statement: a statement a row costs a quarter more.
        whole = len(pending) - len(pending) % _PENDING_PER_INSERT
        if not self._held:
            self._db.execute("BEGIN IMMEDIATE")
        try:
            if not self._held:
                self._check_holder()
            if whole:
                self._db.executemany(
                    _INSERT_PENDING_MANY,
                    [
                        tuple(_chain(pending[start : start + _PENDING_PER_INSERT]))
                        for start in range(0, whole, _PENDING_PER_INSERT)
                    ],
                )
            self._db.executemany(
                "INSERT INTO rows (row, custom_string, recipient, payload, parts, encoding) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                pending[whole:],
            )
            if len(pending) != len(rows):
                self._db.executemany(
                    "INSERT INTO rows (row, custom_string, recipient, payload, parts, encoding, "
                    "state, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r for r in rows if not (r[6] is None and r[7] is None and r[8] is None)],
                )
        except BaseException:
            self._held = 0
            rollback(self._db)
            raise
        self._held += len(rows) or 1
        if self._held >= _HOLD_ROWS:
            self._commit_held()

    def rows_to_price(self, after_row: int, limit: int) -> list[tuple[int, str, str]]:
        """Return up to ``limit`` pending rows after ``after_row``: (row, custom, payload)."""
        return list(
            self._db.execute(
                "SELECT row, custom_string, payload FROM rows WHERE state IS NULL "
                "AND chunk IS NULL AND row > ? ORDER BY row LIMIT ?",
                (after_row, limit),
            )
        )

    def set_prices(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Record preflight results: (est_price, parts, state, status, reason, row)."""
        with self._transaction():
            self._check_holder()
            self._db.executemany(
                "UPDATE rows SET est_price = ?, parts = COALESCE(?, parts), state = ?, "
                "status = ?, reason = ? WHERE row = ?",
                rows,
            )

    # -- sending --------------------------------------------------------------------------

    def begin_run(self) -> None:
        """Give every row that is not final a fresh attempt budget."""
        with self._transaction():
            self._check_holder()
            self._db.execute("UPDATE rows SET attempts = 0 WHERE attempts != 0")

    def claim(
        self, limit: int, *, after_row: int, max_attempts: int, now: float, window_from: float
    ) -> tuple[int, list[tuple[int, str, str | None, str, int]]] | None:
        """Move up to ``limit`` pending rows into a new chunk, recording the intent first.

        Returns (chunk, [(row, custom_string, recipient, payload, resend)]), or None when no
        row is pending after ``after_row`` (see :meth:`claim_chunk`).
        """
        found = self.claim_chunk(
            limit, after_row=after_row, max_attempts=max_attempts, now=now, window_from=window_from
        )
        if found is None:
            return None
        chunk, rows, resend = found
        return chunk, [(*r, int(r[0] in resend)) for r in rows]

    def claim_chunk(
        self, limit: int, *, after_row: int, max_attempts: int, now: float, window_from: float
    ) -> tuple[int, list[tuple[int, str, str | None, str]], frozenset[int]] | None:
        """Move up to ``limit`` pending rows into a new chunk, recording the intent first.

        Returns (chunk, [(row, custom_string, recipient, payload)], rows to re-send), or None
        when no row is pending after ``after_row``. One transaction: the chunk's line (the
        intent) and the rows it now holds.
        """
        db = self._db
        with self._transaction():
            self._check_holder()
            found = db.execute(
                "SELECT row, custom_string, recipient, payload FROM rows "
                "WHERE state IS NULL AND chunk IS NULL AND row > ? AND attempts < ? "
                "ORDER BY row LIMIT ?",
                (after_row, max_attempts, limit),
            ).fetchall()
            if not found:
                return None
            first, last = found[0][0], found[-1][0]
            resend = frozenset(
                r
                for (r,) in db.execute(
                    "SELECT row FROM rows WHERE row BETWEEN ? AND ? AND resend != 0 "
                    "AND state IS NULL AND chunk IS NULL AND attempts < ?",
                    (first, last, max_attempts),
                )
            )
            members = [r[0] for r in found]
            cur = db.execute(
                "INSERT INTO chunks (state, started_at, size, resend, rows, window_from) "
                "VALUES ('in_flight', ?, ?, ?, ?, ?)",
                (
                    now,
                    len(found),
                    int(bool(resend)),
                    encode(members),
                    window_from,
                ),
            )
            chunk = cur.lastrowid
            assert chunk is not None
            db.execute("UPDATE chunks SET epoch = chunk WHERE chunk = ?", (chunk,))
            # The same predicate over the claimed range holds exactly the rows found: they were
            # the first eligible rows after the cursor.
            db.execute(
                f"UPDATE rows SET chunk = {int(chunk)}, attempts = attempts + 1, "
                "tried = tried + 1 WHERE row BETWEEN ? AND ? AND state IS NULL AND chunk IS NULL "
                "AND attempts < ?",
                (first, last, max_attempts),
            )
        return int(chunk), found, resend

    def settle(
        self,
        chunk: int,
        epoch: int,
        *,
        outcomes: Iterable[tuple[Any, ...]] = (),
        releases: Iterable[tuple[Any, ...]] = (),
        doubt: Sequence[int] = (),
        window: tuple[float, float] | None = None,
        error: str | None = None,
        now: float | None = None,
    ) -> bool:
        """Record a chunk's outcome in one transaction, fenced on (chunk, epoch).

        ``outcomes``: (state, status, message_id, price, parts, reason, row); ``releases``:
        (status, reason, resend, row), rows back to pending; ``doubt``: rows the chunk keeps
        holding while it is in doubt.
        """
        return self.record(
            chunk,
            epoch,
            outcomes=[(o[6], o[0], o[1], o[2], o[3], o[4], o[5]) for o in outcomes],
            releases=releases,
            doubt=doubt,
            window=window,
            error=error,
            now=now,
        )

    def record(
        self,
        chunk: int,
        epoch: int,
        *,
        outcomes: Sequence[tuple[Any, ...]] = (),
        releases: Iterable[tuple[Any, ...]] = (),
        doubt: Sequence[int] = (),
        window: tuple[float, float] | None = None,
        error: str | None = None,
        now: float | None = None,
    ) -> bool:
        """Record a chunk's outcome like :meth:`settle`, with each outcome in
        :class:`~._states.RowOutcome` order: (row, state, status, message_id, price, parts,
        reason).

        The rows the first outcome of a chunk says were sent are written as one chunk-level
        record (``chunks.sent``), not as an ``UPDATE`` of each row: such a row keeps no state
        of its own, and every reader takes its outcome from the record.
        """
        db = self._db
        number = int(chunk)
        releases = list(releases)
        with self._transaction():
            found = db.execute(
                "SELECT epoch, state, rows FROM chunks WHERE chunk = ?", (number,)
            ).fetchone()
            if found is None or found[0] != epoch or found[1] not in _OPEN:
                return False
            listed = json.loads(found[2]) if found[2] else []
            held = f"AND chunk = {number}"
            if (
                type(outcomes) is SentColumns
                and found[1] == ChunkState.IN_FLIGHT
                and not releases
                and outcomes.rows == listed
                and None not in outcomes.parts
            ):
                # The common answer: every row the chunk holds was sent, column by column.
                state, still = ChunkState.DONE, set[int]()
                sent: str | None = encode_columns(
                    outcomes.rows,
                    outcomes.message_id,
                    outcomes.status,
                    outcomes.price,
                    outcomes.parts,
                    _NO_REASON,
                )
                cost, unparted = cost_text(outcomes.price_counts), None
                parts = sum(cast("Sequence[int]", outcomes.parts))  # none is None (tested above)
            else:
                if releases:
                    db.executemany(
                        "UPDATE rows SET chunk = NULL, state = NULL, status = ?, reason = ?, "
                        f"resend = ? WHERE row = ? {held}",
                        releases,
                    )
                record: list[tuple[Any, ...]] = []
                if found[1] == ChunkState.IN_FLIGHT:
                    # Every row the chunk lists is still held with no state: no read needed.
                    members = set(listed)
                    released = {r[3] for r in releases}
                    record = [
                        o
                        for o in outcomes
                        if o[1] == "sent" and o[0] in members and o[0] not in released
                    ]
                    per_row = [o for o in outcomes if o[1] != "sent"] if record else list(outcomes)
                else:
                    per_row = list(outcomes)
                if per_row:
                    db.executemany(
                        "UPDATE rows SET state = ?2, status = ?3, message_id = ?4, price = ?5, "
                        f"parts = COALESCE(?6, parts), reason = ?7 WHERE row = ?1 {held}",
                        per_row,
                    )
                if found[1] == ChunkState.IN_FLIGHT:
                    ended = {o[0] for o in per_row if o[1] != "unknown"}
                    recorded = {o[0] for o in record}
                    unknown = {o[0] for o in per_row if o[1] == "unknown"}
                    still = members - released - recorded - ended
                    unsettled = still - unknown
                else:
                    unknown = set(held_rows(db, number, listed, "state = 'unknown'"))
                    unsettled = set(held_rows(db, number, listed, "state IS NULL"))
                    still = unknown | unsettled
                # A held row nobody gave an outcome stays held, in doubt: the chunk is done only
                # when it holds no row.
                state = (
                    ChunkState.IN_DOUBT
                    if unsettled
                    else ChunkState.UNKNOWN
                    if still
                    else ChunkState.DONE
                )
                cost, parts, unparted = record_totals(record)
                sent = encode_record(record) if record else None
            db.execute(
                "UPDATE chunks SET state = ?, finished_at = ?, error = COALESCE(?, error), "
                "rows = ?, window_from = COALESCE(?, window_from), "
                "window_to = COALESCE(?, window_to), sent = COALESCE(?, sent), "
                "sent_cost = COALESCE(?, sent_cost), sent_parts = sent_parts + ?, "
                "sent_unparted = COALESCE(?, sent_unparted) WHERE chunk = ?",
                (
                    str(state),
                    time.time() if now is None else now,
                    error,
                    encode(sorted(still)) if still else None,
                    None if window is None else window[0],
                    None if window is None else window[1],
                    sent,
                    cost,
                    parts,
                    unparted,
                    number,
                ),
            )
        return True

    def exclude_rows(self, rows: Sequence[int], status: str, reason: str) -> None:
        """Settle pending rows as invalid without sending them (their number is excluded)."""
        with self._transaction():
            self._db.executemany(
                "UPDATE rows SET state = 'invalid', status = ?, reason = ? "
                "WHERE row = ? AND state IS NULL AND chunk IS NULL",
                [(status, reason, row) for row in rows],
            )

    def count_pending(self, max_attempts: int | None = None) -> int:
        """Return how many rows wait to be sent (below ``max_attempts`` this run, if given)."""
        sql = "SELECT COUNT(*) FROM rows WHERE state IS NULL AND chunk IS NULL"
        if max_attempts is None:
            return int(self._db.execute(sql).fetchone()[0])
        return int(self._db.execute(sql + " AND attempts < ?", (max_attempts,)).fetchone()[0])

    def skip_remaining(self, reason: str) -> None:
        """Say why the rows still pending were not sent (they stay resumable).

        Rows a chunk holds are left alone: they are in doubt, not pending. A row released
        with its own reason (throttled, out of credit ...) keeps it, with this one added.
        """
        with self._transaction():
            self._check_holder()
            self._db.execute(
                "UPDATE rows SET reason = CASE WHEN tried > 0 AND reason IS NOT NULL "
                "AND reason != ? THEN reason || '; ' || ? ELSE ? END "
                "WHERE state IS NULL AND chunk IS NULL",
                (reason, reason, reason),
            )

    def row_count(self) -> int:
        """Return how many rows the journal holds."""
        return int(self._db.execute("SELECT COUNT(*) FROM rows").fetchone()[0])

    # -- helpers --------------------------------------------------------------------------

    def _transaction(self) -> Tx:
        self._commit_held()
        return Tx(self._db)

    def _commit_held(self) -> None:
        """Commit the rows add_rows left in an open transaction, if any."""
        if self._held:
            self._held = 0
            try:
                self._db.execute("COMMIT")
            except BaseException:
                # Planned rows only (nothing is sent before the plan is complete): the plan
                # that failed is planned again by the next run.
                rollback(self._db)
                raise
