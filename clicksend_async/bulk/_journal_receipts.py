"""Delivery receipts in the campaign journal: rows found by custom_string or message_id."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from .._sansio import clean_text
from ._journal_base import (
    CUSTOM_STRING_INDEX,
    MESSAGE_ID_INDEX,
    Tx,
    decode_record,
    held_unsettled,
    reading,
)


class JournalReceipts:
    """The receipt half of :class:`~._journal.Journal`."""

    _db: sqlite3.Connection
    _custom_indexed: bool

    def _transaction(self) -> Tx:
        return Tx(self._db)

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
        only receipts for that message_id (a custom_string can repeat across campaigns); a
        final state (delivered / failed) is never overwritten by a later "pending" receipt.
        Returns how many receipts belong to a row of this journal.
        """
        matched = 0
        indexed = False
        keep_final = "AND (delivery IS NULL OR delivery = 'pending' OR ? != 'pending')"
        same_message = "AND (message_id IS NULL OR ? IS NULL OR message_id = ?)"
        self._index_custom_strings()
        with self._transaction():
            self._copy_message_ids()
            for update in updates:
                # Receipts come from the network: text a row can hold, or they match nothing.
                delivery, status_code, custom_string, message_id = (
                    clean_text(v) if type(v) is str else v for v in update
                )
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
                        self._db.execute(MESSAGE_ID_INDEX)
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

    def _copy_message_ids(self) -> None:
        """Write the message_id of each row a chunk's record holds into the row itself.

        Receipts match on a row's message_id (a row whose id is known takes only receipts for
        that id), so they are copied before the first receipt is recorded, and for each chunk
        recorded since: a cost paid by campaigns that take receipts, not by every send.
        """
        db = self._db
        for chunk, sent in db.execute(
            "SELECT chunk, sent FROM chunks WHERE sent IS NOT NULL AND ids_copied = 0"
        ).fetchall():
            db.executemany(
                f"UPDATE rows SET message_id = ?2 WHERE row = ?1 AND chunk = {int(chunk)} "
                "AND state IS NULL",
                [(e[0], e[3]) for e in decode_record(sent).values() if e[3] is not None],
            )
            db.execute("UPDATE chunks SET ids_copied = 1 WHERE chunk = ?", (chunk,))

    def delivery_counts(self) -> dict[str, int]:
        """Return sent rows by delivery state ("unreported" when no receipt came yet)."""
        out: dict[str, int] = {}
        db = self._db
        with reading(db):
            # Rows with a chunk and no state of their own are sent, except those an open chunk
            # still holds (taken back out below).
            for delivery, count in db.execute(
                "SELECT delivery, COUNT(*) FROM rows WHERE state = 'sent' "
                "OR (state IS NULL AND chunk IS NOT NULL) GROUP BY delivery"
            ):
                out[delivery or "unreported"] = int(count)
            held = held_unsettled(db)
            for start in range(0, len(held), 500):
                part = held[start : start + 500]
                for (delivery,) in db.execute(
                    f"SELECT delivery FROM rows WHERE row IN ({','.join('?' * len(part))})", part
                ):
                    key = delivery or "unreported"
                    out[key] -= 1
                    if not out[key]:
                        del out[key]
        return out

    def _index_custom_strings(self) -> None:
        """Make the custom_string index before the first lookup by custom_string."""
        if not self._custom_indexed:
            with self._transaction():
                self._db.execute(CUSTOM_STRING_INDEX)
            self._custom_indexed = True
