"""The reading half of the campaign journal: counts, totals, per-row outcomes, sent evidence.

A row an answer sent keeps no state of its own: it has its chunk and no state, and its
outcome is in the chunk's record (``chunks.sent``). Every reader here derives it from there,
and takes the rows an open chunk still holds (in flight or in doubt) as unknown.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from ._journal_base import (
    _OPEN,
    _REPORTED,
    SentRecords,
    decode_record,
    held_rows,
    held_unsettled,
    reading,
    rows_by_number,
)

__all__ = ["JournalReading", "cost_text", "record_totals"]

#: Compact JSON for the lists a chunk's line holds (its rows, its record).
encode = json.JSONEncoder(separators=(",", ":")).encode


def record_totals(record: Sequence[tuple[Any, ...]]) -> tuple[str | None, int, str | None]:
    """Return a chunk record's cost (exact decimal text), billed parts and the rows whose
    parts the answer left out (their planned parts count, as for a row's own outcome)."""
    if not record:
        return None, 0, None
    counted = list(map(itemgetter(5), record))
    unparted = None
    if None in counted:
        unparted = encode([o[0] for o in record if o[5] is None])
        counted = [p for p in counted if p is not None]
    return cost_text(Counter(map(itemgetter(4), record))), sum(counted), unparted


def cost_text(prices: Mapping[str | None, int]) -> str | None:
    """Return the exact cost of rows counted by price text (None when none has a price)."""
    if not any(prices):
        return None
    return str(sum((Decimal(p) * n for p, n in prices.items() if p), Decimal(0)))


class JournalReading:
    """The reading half of :class:`~._journal.Journal`."""

    _db: sqlite3.Connection

    def _reading(self) -> contextlib.AbstractContextManager[None]:
        return reading(self._db)

    def count_unsettled(self) -> tuple[int, int, int]:
        """Return how many rows wait to be sent, how many a chunk holds (in flight or in
        doubt) and how many ended ``unknown``, from one snapshot."""
        with self._reading():
            pending, unknown = self._db.execute(
                "SELECT COALESCE(SUM(state IS NULL AND chunk IS NULL), 0), "
                "COALESCE(SUM(state = 'unknown'), 0) FROM rows"
            ).fetchone()
            held = len(held_unsettled(self._db))
        return int(pending), held, int(unknown)

    def sent_evidence(self) -> tuple[str, str, float, float] | None:
        """Return (custom_string, to, window_from, window_to) of a recently sent row."""
        db = self._db
        # A row reconciled as sent says so itself; a row an answer sent is in its chunk's record.
        own = db.execute(
            "SELECT c.chunk, r.custom_string, r.recipient, c.window_from, c.window_to "
            "FROM chunks c JOIN rows r ON r.chunk = c.chunk WHERE c.state = 'done' "
            "AND r.state = 'sent' AND c.window_from IS NOT NULL AND c.window_to IS NOT NULL "
            "AND r.recipient IS NOT NULL ORDER BY c.chunk DESC LIMIT 1"
        ).fetchone()
        for sent, window_from, window_to in db.execute(
            "SELECT sent, window_from, window_to FROM chunks WHERE state = 'done' "
            "AND sent IS NOT NULL AND window_from IS NOT NULL AND window_to IS NOT NULL "
            "AND chunk > ? ORDER BY chunk DESC",
            (-1 if own is None else own[0],),
        ).fetchall():
            rows = list(decode_record(sent))
            found = next(
                ((c, t) for _, c, t in rows_by_number(db, rows) if t is not None and c is not None),
                None,
            )
            if found is not None:
                return found[0], found[1], window_from, window_to
        return None if own is None else (own[1], own[2], own[3], own[4])

    # -- reading --------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Return row counts by reported state."""
        out: dict[str, int] = {}
        with self._reading():
            # A row with no state and a chunk is sent (in its chunk's record) unless an open
            # chunk still holds it: those are counted as unknown below.
            for state, count in self._db.execute(
                f"SELECT {_REPORTED} AS s, COUNT(*) FROM rows GROUP BY s"
            ):
                out[str(state)] = int(count)
            held = len(held_unsettled(self._db))
        if held:
            out["sent"] -= held
            out["unknown"] = out.get("unknown", 0) + held
            if not out["sent"]:
                del out["sent"]
        return out

    def totals(self) -> tuple[Decimal, int]:
        """Return the cost and segments of the rows actually sent."""
        cost = Decimal(0)
        parts = 0
        db = self._db
        with self._reading():
            # One line per distinct price, not per row: exact decimal arithmetic, little work.
            for price, count, part in db.execute(
                "SELECT price, COUNT(*), SUM(parts) FROM rows WHERE state = 'sent' GROUP BY price"
            ):
                if price:
                    cost += Decimal(price) * count
                parts += int(part or 0)
            # Rows sent by an answer: each chunk's record carries its sums.
            for sent_cost, sent_parts, unparted in db.execute(
                "SELECT sent_cost, sent_parts, sent_unparted FROM chunks WHERE sent IS NOT NULL"
            ).fetchall():
                if sent_cost:
                    cost += Decimal(sent_cost)
                parts += int(sent_parts or 0)
                if unparted:
                    planned = json.loads(unparted)
                    for start in range(0, len(planned), 500):
                        part_rows = planned[start : start + 500]
                        parts += int(
                            db.execute(
                                "SELECT COALESCE(SUM(parts), 0) FROM rows WHERE row IN "
                                f"({','.join('?' * len(part_rows))})",
                                part_rows,
                            ).fetchone()[0]
                        )
        return cost, parts

    def iter_rows(self, start: int = 1, stop: int | None = None) -> Iterator[tuple[Any, ...]]:
        """Yield (row, recipient, state, status, message_id, parts, price, custom_string,
        reason, delivery, delivery_status) in row order, rows ``start`` to ``stop``
        (excluded; None: to the end), ``state`` as reported."""
        held = set(held_unsettled(self._db, start, stop))
        records = SentRecords(self._db)
        # ``record``: the chunk whose record holds the row's outcome (no state of its own).
        cur = self._db.execute(
            f"SELECT row, recipient, {_REPORTED}, status, message_id, parts, price, "
            "custom_string, reason, delivery, delivery_status, "
            "CASE WHEN state IS NULL THEN chunk END AS record FROM rows "
            "WHERE row >= ? AND row < ? ORDER BY row",
            (start, 2**62 if stop is None else stop),
        )
        current = -1
        columns = None
        try:
            while batch := cur.fetchmany(1000):
                for line in batch:
                    chunk = line[11]
                    if chunk is None:
                        yield line[:11]  # the row holds its state (or is pending)
                        continue
                    row = line[0]
                    if chunk != current:
                        current, columns = chunk, records.columns(chunk)
                    i = None if columns is None or row in held else columns[0].get(row)
                    if i is None or columns is None:
                        # Held by an open chunk (or claimed since this read began): unknown.
                        yield (*line[:2], "unknown", *line[3:11])
                        continue
                    _, ids, status, price, parts, reason = columns
                    part = parts[i]
                    yield (
                        row,
                        line[1],
                        "sent",
                        status[i],
                        ids[i],
                        line[5] if part is None else part,
                        price[i],
                        line[7],
                        reason[i],
                        line[9],
                        line[10],
                    )
        finally:
            # An abandoned iteration may be finalised after the journal was closed.
            with contextlib.suppress(sqlite3.ProgrammingError):
                cur.close()

    def in_doubt(self) -> list[tuple[int, int, list[tuple[int, str, str | None]], Any, Any]]:
        """Return chunks not done: (chunk, epoch, [(row, custom, to)], window_from, window_to).

        Their rows are those the chunk still holds (pending) or left unknown.
        """
        out = []
        for chunk, epoch, window_from, window_to, listed in self._db.execute(
            "SELECT chunk, epoch, window_from, window_to, rows FROM chunks "
            "WHERE state IN (?, ?, ?) ORDER BY chunk",
            _OPEN,
        ).fetchall():
            members = held_rows(
                self._db,
                int(chunk),
                json.loads(listed) if listed else [],
                "(state IS NULL OR state = 'unknown')",
            )
            rows = rows_by_number(self._db, members)
            out.append(
                (
                    int(chunk),
                    int(epoch if epoch is not None else chunk),
                    rows,
                    window_from,
                    window_to,
                )
            )
        return out

    def open_chunks(self) -> list[tuple[int, float, list[tuple[int, str]]]]:
        """Return chunks not done with their open rows: (chunk, started_at, [(row, custom)])."""
        started = dict(self._db.execute("SELECT chunk, started_at FROM chunks").fetchall())
        return [
            (chunk, float(started.get(chunk, 0.0)), [(r, c) for r, c, _ in rows])
            for chunk, _, rows, _, _ in self.in_doubt()
        ]
