"""The campaign journal's schema, its migrations and its low-level helpers (lock holder,
transactions)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import IO, Any

from .._exceptions import JournalError

SCHEMA_VERSION = "4"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    row INTEGER PRIMARY KEY,
    custom_string TEXT,
    recipient TEXT,
    payload TEXT,
    parts INTEGER,
    encoding TEXT,
    est_price TEXT,
    state TEXT,
    status TEXT,
    message_id TEXT,
    price TEXT,
    reason TEXT,
    chunk INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivery TEXT,
    delivery_status TEXT,
    tried INTEGER NOT NULL DEFAULT 0,
    resend INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    size INTEGER NOT NULL,
    resend INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    rows TEXT,
    epoch INTEGER,
    window_from REAL,
    window_to REAL,
    sent TEXT,
    sent_cost TEXT,
    sent_parts INTEGER NOT NULL DEFAULT 0,
    sent_unparted TEXT,
    ids_copied INTEGER NOT NULL DEFAULT 0
);
"""

#: Made on the first lookup by custom_string (receipts), not up front: maintaining it while
#: planning doubled the cost of writing each row, and most campaigns never look a row up.
CUSTOM_STRING_INDEX = "CREATE INDEX IF NOT EXISTS rows_custom_string ON rows (custom_string)"
#: Made on the first lookup by message_id, not up front (a random B-tree insert per row).
MESSAGE_ID_INDEX = "CREATE INDEX IF NOT EXISTS rows_message_id ON rows (message_id)"

#: The state a report shows for each row (pending rows: attempted or never attempted). A row
#: with a chunk and no state of its own is sent (its outcome is in the chunk's record) unless an
#: open chunk still holds it: those (:func:`held_unsettled`) are unknown until reconciled, and
#: readers of this expression correct for them.
_REPORTED = (
    "CASE WHEN state IS NOT NULL THEN state WHEN chunk IS NOT NULL THEN 'sent' "
    "WHEN tried > 0 THEN 'not_sent' ELSE 'skipped' END"
)

#: One row as older callers read it back: (row, custom_string, recipient, payload, attempts).
RowRecord = tuple[int, str, str | None, str, int]

_OPEN = ("in_flight", "in_doubt", "unknown")


def damaged(path: object, exc: BaseException) -> JournalError:
    return JournalError(f"the journal {path} is damaged or not a campaign journal: {exc}")


#: Columns schema 4 added to ``chunks``: the chunk-level record of the rows an answer sent.
_SCHEMA4_CHUNK_COLUMNS = (
    ("sent", "TEXT"),
    ("sent_cost", "TEXT"),
    ("sent_parts", "INTEGER NOT NULL DEFAULT 0"),
    ("sent_unparted", "TEXT"),
    ("ids_copied", "INTEGER NOT NULL DEFAULT 0"),
)


def migrate(journal: Any, version: str) -> None:
    """Bring a schema 1, 2 or 3 journal to this schema, in one transaction."""
    db = journal._db
    with journal._transaction():
        chunk_columns = {str(c[1]) for c in db.execute("PRAGMA table_info(chunks)")}
        for name, kind in (
            ("rows", "TEXT"),
            ("epoch", "INTEGER"),
            ("window_from", "REAL"),
            ("window_to", "REAL"),
            *_SCHEMA4_CHUNK_COLUMNS,
        ):
            if name not in chunk_columns:
                db.execute(f"ALTER TABLE chunks ADD COLUMN {name} {kind}")
        row_columns = {str(c[1]) for c in db.execute("PRAGMA table_info(rows)")}
        for name in ("tried", "resend"):
            if name not in row_columns:
                db.execute(f"ALTER TABLE rows ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0")
        if version in ("1", "2"):
            db.execute("UPDATE rows SET tried = attempts WHERE attempts > 0")
            db.execute("UPDATE chunks SET epoch = chunk WHERE epoch IS NULL")
            db.execute("UPDATE chunks SET state = 'done' WHERE state NOT IN (?, ?, ?)", _OPEN)
        if version == "1":
            # Schema 1 marked each row with its chunk at the intent: list them in the chunk.
            for (chunk,) in db.execute(
                "SELECT chunk FROM chunks WHERE rows IS NULL AND state != 'done'"
            ).fetchall():
                members = [
                    r for (r,) in db.execute("SELECT row FROM rows WHERE chunk = ?", (chunk,))
                ]
                db.execute(
                    "UPDATE chunks SET rows = ? WHERE chunk = ?", (json.dumps(members), chunk)
                )
        if version in ("1", "2"):
            # Schema 2 wrote a row's chunk only with its outcome: hold in-doubt rows now.
            for chunk, listed in db.execute(
                "SELECT chunk, rows FROM chunks WHERE state != 'done' AND rows IS NOT NULL"
            ).fetchall():
                db.executemany(
                    "UPDATE rows SET chunk = ? WHERE row = ? AND state IS NULL",
                    [(chunk, r) for r in json.loads(listed)],
                )
        # Schema 4 reads a row with no state that a chunk no longer lists as sent by that
        # chunk's record; older schemas reported such a row unknown, so it says so itself.
        listed_open: set[int] = set()
        for (listed,) in db.execute(
            "SELECT rows FROM chunks WHERE state IN (?, ?, ?) AND rows IS NOT NULL", _OPEN
        ):
            listed_open.update(int(r) for r in json.loads(listed))
        stray = [
            (int(r),)
            for (r,) in db.execute(
                "SELECT row FROM rows WHERE state IS NULL AND chunk IS NOT NULL"
            ).fetchall()
            if int(r) not in listed_open
        ]
        db.executemany("UPDATE rows SET state = 'unknown' WHERE row = ?", stray)
        journal.set_meta("schema", SCHEMA_VERSION)


class Holder:
    """The lock of a held journal, released on close, on garbage collection or at exit."""

    __slots__ = ("db", "held", "lock_file")

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.lock_file: IO[bytes] | None = None
        self.held = False

    def release(self) -> None:
        """Say the journal is no longer in use, then release the lock."""
        self.held = False
        if self.lock_file is None:
            return
        with contextlib.suppress(OSError):
            self.lock_file.close()
        self.lock_file = None


def finalize(db: sqlite3.Connection, holder: Holder) -> None:
    holder.release()
    with contextlib.suppress(sqlite3.Error):
        db.close()


class Tx:
    """One write transaction: committed at the end of the block, rolled back on an error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            rollback(self._db)
            return
        try:
            self._db.execute("COMMIT")
        except BaseException:
            rollback(self._db)  # a COMMIT that failed (a full disk) may leave it open
            raise


def rollback(db: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already done it.

    After some errors (a full disk, an I/O error) SQLite rolls the transaction back itself;
    a ROLLBACK then fails with "no transaction is active" and would hide the error that
    matters, which the caller re-raises.
    """
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")


@contextlib.contextmanager
def reading(db: sqlite3.Connection) -> Iterator[None]:
    """Read several statements from one snapshot (a deferred read transaction)."""
    if db.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("COMMIT")


def held_rows(db: sqlite3.Connection, chunk: int, listed: Sequence[int], where: str) -> list[int]:
    """Return which of a chunk's listed rows it still holds and match ``where``.

    By primary key, a few hundred at a time: a lookup by the chunk column would read the
    whole table (it has no index, which would cost every claim a write per row).
    """
    out: list[int] = []
    members = sorted(set(listed))
    for start in range(0, len(members), 500):
        part = members[start : start + 500]
        out += [
            int(r)
            for (r,) in db.execute(
                f"SELECT row FROM rows WHERE row IN ({','.join('?' * len(part))}) "
                f"AND chunk = {int(chunk)} AND {where}",
                part,
            )
        ]
    return out


def rows_by_number(
    db: sqlite3.Connection, rows: Sequence[int]
) -> list[tuple[int, str, str | None]]:
    """Return (row, custom_string, recipient) of ``rows``, in row order, by primary key."""
    out: list[tuple[int, str, str | None]] = []
    for start in range(0, len(rows), 500):
        part = list(rows[start : start + 500])
        out += db.execute(
            "SELECT row, custom_string, recipient FROM rows WHERE row IN "
            f"({','.join('?' * len(part))}) ORDER BY row",
            part,
        ).fetchall()
    return out


def held_unsettled(db: sqlite3.Connection, low: int = 1, high: int | None = None) -> list[int]:
    """Return the rows open chunks hold with no state yet (in flight or in doubt), of those
    numbered ``low`` to ``high`` (excluded; None: no end).

    Any other row with no state and a chunk was sent, and its outcome is in that chunk's
    record (``chunks.sent``).
    """
    out: list[int] = []
    for chunk, listed in db.execute(
        "SELECT chunk, rows FROM chunks WHERE state IN (?, ?, ?) AND rows IS NOT NULL", _OPEN
    ).fetchall():
        members = json.loads(listed)
        if low > 1 or high is not None:
            members = [r for r in members if r >= low and (high is None or r < high)]
        if members:
            out += held_rows(db, int(chunk), members, "state IS NULL")
    return out


_compact = json.JSONEncoder(separators=(",", ":")).encode


def _column(values: Sequence[Any]) -> Any:
    """Return one value for a column whose values are all equal, else the list."""
    first = values[0]
    if values.count(first) == len(values) and (first is None or type(first) is not list):
        return [first]
    return values


def encode_record(record: Sequence[Sequence[Any]]) -> str:
    """Return the chunk-level record of outcomes ``(row, "sent", status, message_id, price,
    parts, reason)``, column by column (see :func:`encode_columns`)."""
    return encode_columns(
        [o[0] for o in record],
        [o[3] for o in record],
        [o[2] for o in record],
        [o[4] for o in record],
        [o[5] for o in record],
        [o[6] for o in record],
    )


_ONLY_STR = {str}


def encode_columns(
    rows: Sequence[int],
    ids: Sequence[Any],
    status: Sequence[Any],
    price: Sequence[Any],
    parts: Sequence[Any],
    reason: Sequence[Any],
) -> str:
    """Return the chunk-level record of sent rows given column by column.

    ``[rows, message_ids, status, price, parts, reason]``: the message ids joined by newlines
    when none holds one (JSON escapes one long string far faster than a thousand short ones);
    a column whose values are all equal is held once, as a one-element list.
    """
    joined: Any = ids
    if set(map(type, ids)) == _ONLY_STR:
        text = "\n".join(ids)
        if text.count("\n") == len(ids) - 1:
            joined = text
    return _compact(
        [rows, joined, _column(status), _column(price), _column(parts), _column(reason)]
    )


#: A decoded chunk record: its rows' positions, then its message ids, statuses, prices,
#: parts and reasons, one list each, in the rows' order.
Columns = tuple[dict[int, int], list[Any], list[Any], list[Any], list[Any], list[Any]]


def decode_columns(text: str) -> Columns:
    """Return a chunk-level record column by column (the inverse of :func:`encode_record`)."""
    rows, ids, *columns = json.loads(text)
    n = len(rows)
    if type(ids) is str:
        ids = ids.split("\n")
    status, price, parts, reason = (c * n if len(c) == 1 else c for c in columns)
    return dict(zip(rows, range(n), strict=True)), ids, status, price, parts, reason


def decode_record(text: str) -> dict[int, tuple[Any, ...]]:
    """Return a chunk-level record's outcomes by row: (row, "sent", status, message_id, price,
    parts, reason)."""
    index, ids, status, price, parts, reason = decode_columns(text)
    return {
        row: (row, "sent", status[i], ids[i], price[i], parts[i], reason[i])
        for row, i in index.items()
    }


class SentRecords:
    """Decoded chunk records (``chunks.sent``), a few at a time, column by column.

    Rows read in row order meet chunks in order, so a small cache decodes each record about
    once.
    """

    __slots__ = ("_cache", "_db")

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._cache: dict[int, Columns | None] = {}

    def columns(self, chunk: int) -> Columns | None:
        """Return the record of ``chunk`` (None when it has none)."""
        if chunk in self._cache:
            return self._cache[chunk]
        raw = self._db.execute("SELECT sent FROM chunks WHERE chunk = ?", (chunk,)).fetchone()
        found = None if raw is None or raw[0] is None else decode_columns(raw[0])
        if len(self._cache) >= 16:
            del self._cache[next(iter(self._cache))]
        self._cache[chunk] = found
        return found
