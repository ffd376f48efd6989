"""The campaign journal: a SQLite file the bulk engine writes through, so a campaign resumes.

What it holds:

- ``meta``: the campaign id, its fingerprint (channel, template, defaults, every row's
  recipient and body), the row count and, once preflight is done, the plan;
- ``rows``: one line per input row: its custom_string, the exact message payload, its segment
  count and, when known, its final state (sent / rejected / invalid / unknown) and the chunk
  that settled it;
- ``chunks``: each ``messages[]`` request with the rows it carries, written *before* it is sent
  (intent) and updated after (outcome). A chunk still ``in_flight`` at start-up is one a dead
  process may or may not have sent: its unsettled rows are reconciled through the history
  before anything is re-sent.

Writes are batched: one transaction per input batch during planning and one per chunk while
sending (the intent is one line in ``chunks``, the outcome one update per row). WAL mode with
``synchronous=NORMAL``: a crash of the process loses nothing committed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._exceptions import ConfigurationError

__all__ = ["Journal", "RowRecord"]

SCHEMA_VERSION = "2"

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
    delivery_status TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    size INTEGER NOT NULL,
    resend INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    rows TEXT
);
"""

#: Made on the first lookup by custom_string (reconciliation, delivery receipts), not up front:
#: maintaining it while planning doubled the cost of writing each row, and most campaigns never
#: look a row up. Journals that already have it keep it.
_CUSTOM_STRING_INDEX = "CREATE INDEX IF NOT EXISTS rows_custom_string ON rows (custom_string)"

#: Made on the first lookup by message_id (a delivery receipt without a known custom_string),
#: not up front: message ids are random, so keeping this index while sending costs a random
#: B-tree insert per row, which was 3/4 of the journal's time per message.
_MESSAGE_ID_INDEX = "CREATE INDEX IF NOT EXISTS rows_message_id ON rows (message_id)"

#: One row as the engine reads it back: (row, custom_string, recipient, payload JSON, attempts).
RowRecord = tuple[int, str, str | None, str, int]


class Journal:
    """A campaign journal in a SQLite file (``path=None``: a private temporary file)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.temporary = path is None
        target = "" if path is None else str(path)
        try:
            self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ConfigurationError(f"cannot open the journal {path}: {exc}") from None
        db = self._db
        try:
            if not self.temporary:
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise ConfigurationError(f"{path} is not a campaign journal: {exc}") from None
        version = self.get_meta("schema")
        if version == "1":
            # Schema 1 marked each row with its chunk at the intent; schema 2 lists the rows in
            # the chunk instead. Chunks of schema 1 keep rows = NULL and are read the old way.
            with self._transaction():
                columns = {str(c[1]) for c in db.execute("PRAGMA table_info(chunks)")}
                if "rows" not in columns:
                    db.execute("ALTER TABLE chunks ADD COLUMN rows TEXT")
                self.set_meta("schema", SCHEMA_VERSION)
            version = SCHEMA_VERSION
        if version is None:
            self.set_meta("schema", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            db.close()
            raise ConfigurationError(
                f"{path} has journal schema {version}, expected {SCHEMA_VERSION}"
            )
        self._closed = False
        self._custom_indexed = False

    def __repr__(self) -> str:
        return f"Journal({str(self.path) if self.path else '<temporary>'!r})"

    def close(self) -> None:
        """Close the database (a temporary journal disappears)."""
        if not self._closed:
            self._closed = True
            self._db.close()

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
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def set_meta_many(self, values: dict[str, str]) -> None:
        """Set several meta values in one transaction."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items())
            )

    # -- planning -------------------------------------------------------------------------

    def reset_rows(self) -> None:
        """Forget rows and chunks (an unfinished plan, before anything was sent)."""
        with self._transaction():
            self._db.execute("DELETE FROM rows")
            self._db.execute("DELETE FROM chunks")
            self._db.execute("DELETE FROM meta WHERE key NOT IN ('schema')")

    def add_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert planned rows: (row, custom_string, recipient, payload, parts, encoding,
        state, status, reason)."""
        with self._transaction():
            self._db.executemany(
                "INSERT INTO rows (row, custom_string, recipient, payload, parts, encoding, "
                "state, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def set_prices(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Record preflight results: (est_price, parts, state, status, reason, row)."""
        with self._transaction():
            self._db.executemany(
                "UPDATE rows SET est_price = ?, parts = COALESCE(?, parts), state = ?, "
                "status = ?, reason = ? WHERE row = ?",
                rows,
            )

    # -- sending --------------------------------------------------------------------------

    def pending(self, after_row: int, limit: int) -> list[RowRecord]:
        """Return up to ``limit`` unsent rows after ``after_row``, in row order."""
        cur = self._db.execute(
            "SELECT row, custom_string, recipient, payload, attempts FROM rows "
            "WHERE state IS NULL AND chunk IS NULL AND row > ? ORDER BY row LIMIT ?",
            (after_row, limit),
        )
        return list(cur.fetchall())

    def exclude_rows(self, rows: Sequence[int], status: str, reason: str) -> None:
        """Settle pending rows as invalid without sending them (their number is excluded)."""
        with self._transaction():
            self._db.executemany(
                "UPDATE rows SET state = 'invalid', status = ?, reason = ? "
                "WHERE row = ? AND state IS NULL AND chunk IS NULL",
                [(status, reason, row) for row in rows],
            )

    def count_pending(self, max_attempts: int | None = None) -> int:
        """Return how many rows still wait to be sent (below ``max_attempts``, if given)."""
        sql = "SELECT COUNT(*) FROM rows WHERE state IS NULL AND chunk IS NULL"
        if max_attempts is None:
            return int(self._db.execute(sql).fetchone()[0])
        return int(self._db.execute(sql + " AND attempts < ?", (max_attempts,)).fetchone()[0])

    def start_chunk(self, rows: Sequence[int], *, resend: bool, now: float) -> int:
        """Record the intent to send ``rows`` as one request; return the chunk id.

        One line in ``chunks`` listing the rows: the rows themselves are only written when the
        outcome is known (:meth:`finish_chunk`). Until then :meth:`open_chunks` finds them here.
        """
        with self._transaction():
            cur = self._db.execute(
                "INSERT INTO chunks (state, started_at, size, resend, rows) "
                "VALUES ('in_flight', ?, ?, ?, ?)",
                (now, len(rows), int(resend), json.dumps(list(rows), separators=(",", ":"))),
            )
        chunk = cur.lastrowid
        assert chunk is not None
        return chunk

    def finish_chunk(
        self,
        chunk: int,
        *,
        state: str,
        outcomes: Iterable[tuple[Any, ...]] = (),
        release: Iterable[int] = (),
        unsettled: Sequence[int] | None = None,
        error: str | None = None,
        now: float | None = None,
    ) -> None:
        """Record a chunk's outcome in one transaction.

        ``outcomes`` are (state, status, message_id, price, parts, reason, row); ``release``
        rows go back to pending (they surely were not sent and will be tried again), one more
        attempt each. ``unsettled``: the rows the chunk still owes an outcome for, when it stays
        in flight (rows missing from the answer, about to be reconciled).
        """
        number = int(chunk)
        with self._transaction():
            self._db.executemany(
                "UPDATE rows SET state = ?, status = ?, message_id = ?, price = ?, "
                f"parts = COALESCE(?, parts), reason = ?, chunk = {number} WHERE row = ?",
                list(outcomes),
            )
            self._db.executemany(
                "UPDATE rows SET chunk = NULL, state = NULL, attempts = attempts + 1 WHERE row = ?",
                [(row,) for row in release],
            )
            if unsettled is not None:
                self._db.execute(
                    "UPDATE chunks SET rows = ? WHERE chunk = ?",
                    (json.dumps(list(unsettled), separators=(",", ":")), number),
                )
            self._db.execute(
                "UPDATE chunks SET state = ?, finished_at = ?, error = ? WHERE chunk = ?",
                (state, time.time() if now is None else now, error, number),
            )

    def open_chunks(self) -> list[tuple[int, float, list[tuple[int, str]]]]:
        """Return chunks a previous run left in flight or unknown, with their unsettled rows."""
        chunks = self._db.execute(
            "SELECT chunk, started_at, rows FROM chunks WHERE state IN ('in_flight', 'unknown') "
            "ORDER BY chunk"
        ).fetchall()
        out = []
        for chunk, started_at, listed in chunks:
            found: list[tuple[int, str]] = []
            if listed is None:  # a chunk of schema 1: its rows carry its number
                found = self._db.execute(
                    "SELECT row, custom_string FROM rows WHERE chunk = ? "
                    "AND (state IS NULL OR state = 'unknown') ORDER BY row",
                    (chunk,),
                ).fetchall()
            else:
                members = sorted(set(json.loads(listed)))
                for start in range(0, len(members), 500):
                    part = members[start : start + 500]
                    found += self._db.execute(
                        "SELECT row, custom_string FROM rows WHERE (state IS NULL OR state = "
                        f"'unknown') AND row IN ({','.join('?' * len(part))}) ORDER BY row",
                        part,
                    ).fetchall()
            out.append((int(chunk), float(started_at), [(int(r), str(c)) for r, c in found]))
        return out

    def skip_remaining(self, reason: str) -> None:
        """Note why rows that were never sent are left pending (they stay resumable).

        Rows of a chunk still in flight are left alone: they are not pending, they are in doubt
        (a resume reconciles them).
        """
        flying = sorted(
            {
                int(row)
                for (listed,) in self._db.execute(
                    "SELECT rows FROM chunks WHERE state = 'in_flight' AND rows IS NOT NULL"
                )
                for row in json.loads(listed)
            }
        )
        with self._transaction():
            if not flying:
                self._db.execute(
                    "UPDATE rows SET reason = ? WHERE state IS NULL AND chunk IS NULL", (reason,)
                )
                return
            # Plain SQL rather than json_each: the JSON functions are optional in SQLite builds.
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS flying (row INTEGER PRIMARY KEY)")
            self._db.execute("DELETE FROM flying")
            self._db.executemany("INSERT INTO flying (row) VALUES (?)", [(r,) for r in flying])
            self._db.execute(
                "UPDATE rows SET reason = ? WHERE state IS NULL AND chunk IS NULL "
                "AND row NOT IN (SELECT row FROM flying)",
                (reason,),
            )
            self._db.execute("DELETE FROM flying")

    # -- reading --------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Return row counts by state ("skipped" for rows never settled)."""
        out: dict[str, int] = {}
        for state, count in self._db.execute("SELECT state, COUNT(*) FROM rows GROUP BY state"):
            out[state or "skipped"] = int(count)
        return out

    def totals(self) -> tuple[Decimal, int]:
        """Return the cost and segments of the rows actually sent."""
        cost = Decimal(0)
        parts = 0
        # One line per distinct price, not per row: a campaign has a handful of prices, and a
        # Decimal per row was most of the report's time. Exact (decimal, not float) arithmetic.
        for price, count, part in self._db.execute(
            "SELECT price, COUNT(*), SUM(parts) FROM rows WHERE state = 'sent' GROUP BY price"
        ):
            if price:
                cost += Decimal(price) * count
            parts += int(part or 0)
        return cost, parts

    def row_count(self) -> int:
        """Return how many rows the journal holds."""
        return int(self._db.execute("SELECT COUNT(*) FROM rows").fetchone()[0])

    def iter_rows(self) -> Iterator[tuple[Any, ...]]:
        """Yield (row, recipient, state, status, message_id, parts, price, custom_string,
        reason, delivery, delivery_status) in row order."""
        cur = self._db.execute(
            "SELECT row, recipient, state, status, message_id, parts, price, custom_string, "
            "reason, delivery, delivery_status FROM rows ORDER BY row"
        )
        try:
            while batch := cur.fetchmany(1000):
                yield from batch
        finally:
            # An abandoned iteration may be finalised after the journal was closed.
            with contextlib.suppress(sqlite3.ProgrammingError):
                cur.close()

    def rows_by_custom_string(self, custom_strings: Sequence[str]) -> dict[str, int]:
        """Map custom strings to row numbers."""
        self._index_custom_strings()
        out: dict[str, int] = {}
        for start in range(0, len(custom_strings), 500):
            batch = custom_strings[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row, custom in self._db.execute(
                f"SELECT row, custom_string FROM rows WHERE custom_string IN ({marks})", batch
            ):
                out[str(custom)] = int(row)
        return out

    # -- delivery receipts ----------------------------------------------------------------

    def record_deliveries(
        self, updates: Iterable[tuple[str, str | None, str | None, str | None]]
    ) -> int:
        """Store delivery states: (delivery, status_code, custom_string, message_id).

        Matches by custom_string, then by message_id. A row whose message_id is known takes
        only receipts for that message_id: a custom_string can repeat across campaigns (yours
        is kept when it is unique in this one), and a late receipt of another campaign's message
        must not relabel this one. A final state (delivered / failed) is never overwritten by a
        later "pending" receipt (receipts can arrive out of order). Returns how many receipts
        belong to a row of this journal (a stale "pending" one counts, though it changes nothing).
        """
        matched = 0
        indexed = False
        keep_final = "AND (delivery IS NULL OR delivery = 'pending' OR ? != 'pending')"
        same_message = "AND (message_id IS NULL OR ? IS NULL OR message_id = ?)"
        self._index_custom_strings()
        with self._transaction():
            for delivery, status_code, custom_string, message_id in updates:
                found = False
                if custom_string:
                    cur = self._db.execute(
                        "UPDATE rows SET delivery = ?, delivery_status = ? "
                        f"WHERE custom_string = ? {same_message} {keep_final}",
                        (delivery, status_code, custom_string, message_id, message_id, delivery),
                    )
                    found = cur.rowcount > 0 or self._exists(
                        f"custom_string = ? {same_message}",
                        (custom_string, message_id, message_id),
                    )
                if not found and message_id:
                    if not indexed:  # inside the transaction: a rollback takes it back too
                        self._db.execute(_MESSAGE_ID_INDEX)
                        indexed = True
                    cur = self._db.execute(
                        "UPDATE rows SET delivery = ?, delivery_status = ? "
                        f"WHERE message_id = ? {keep_final}",
                        (delivery, status_code, message_id, delivery),
                    )
                    found = cur.rowcount > 0 or self._exists("message_id = ?", (message_id,))
                matched += found
        return matched

    def _exists(self, where: str, params: tuple[Any, ...]) -> bool:
        return (
            self._db.execute(f"SELECT 1 FROM rows WHERE {where} LIMIT 1", params).fetchone()
            is not None
        )

    def delivery_counts(self) -> dict[str, int]:
        """Return sent rows by delivery state ("unreported" when no receipt came yet)."""
        out: dict[str, int] = {}
        for delivery, count in self._db.execute(
            "SELECT delivery, COUNT(*) FROM rows WHERE state = 'sent' GROUP BY delivery"
        ):
            out[delivery or "unreported"] = int(count)
        return out

    # -- helpers --------------------------------------------------------------------------

    def _transaction(self) -> _Tx:
        return _Tx(self._db)

    def _index_custom_strings(self) -> None:
        """Make the custom_string index before the first lookup by custom_string."""
        if not self._custom_indexed:
            with self._transaction():
                self._db.execute(_CUSTOM_STRING_INDEX)
            self._custom_indexed = True

    def plan_json(self) -> dict[str, Any] | None:
        """Return the stored plan, if preflight completed."""
        raw = self.get_meta("plan")
        return None if raw is None else dict(json.loads(raw))


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")
