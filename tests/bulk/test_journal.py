"""The campaign journal on its own: intents, outcomes, what a resume finds, old journals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from clicksend_async import ConfigurationError
from clicksend_async.bulk import Journal


def planned(journal: Journal, n: int) -> list[int]:
    journal.add_rows(
        [
            (row, f"cs-{row}", f"+614111111{row:02d}", "{}", 1, "GSM-7", None, None, None)
            for row in range(1, n + 1)
        ]
    )
    return list(range(1, n + 1))


def indexes(journal: Journal) -> set[str]:
    db = sqlite3.connect(str(journal.path))
    try:
        return {str(n) for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        db.close()


def test_intent_lists_the_rows_and_a_resume_finds_them(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = Journal(path)
    planned(journal, 5)
    chunk = journal.start_chunk([1, 2, 3], resend=False, now=100.0)
    journal.close()  # the process dies with the request in flight

    journal = Journal(path)
    assert journal.open_chunks() == [(chunk, 100.0, [(1, "cs-1"), (2, "cs-2"), (3, "cs-3")])]
    # The rows in flight are not pending, whatever reason a skip gives the others.
    journal.skip_remaining("cancelled")
    reasons = {row[0]: row[8] for row in journal.iter_rows()}
    assert reasons == {1: None, 2: None, 3: None, 4: "cancelled", 5: "cancelled"}
    journal.close()


def test_outcomes_release_and_unsettled_rows() -> None:
    journal = Journal()
    planned(journal, 4)
    chunk = journal.start_chunk([1, 2, 3, 4], resend=False, now=1.0)
    journal.finish_chunk(
        chunk,
        state="in_flight",
        outcomes=[("sent", "SUCCESS", "m-1", "0.07", 1, None, 1)],
        release=[2],  # THROTTLED: back to pending with one attempt counted
        unsettled=[3, 4],  # missing from the answer: to be reconciled
    )
    assert journal.open_chunks() == [(chunk, 1.0, [(3, "cs-3"), (4, "cs-4")])]
    assert [(r[0], r[4]) for r in journal.pending(0, 10)] == [(2, 1), (3, 0), (4, 0)]
    journal.finish_chunk(chunk, state="reconciled", outcomes=[], release=[3, 4])
    assert journal.open_chunks() == []
    assert [(r[0], r[4]) for r in journal.pending(0, 10)] == [(2, 1), (3, 1), (4, 1)]
    assert journal.count_pending(max_attempts=1) == 0
    settled = {row[0]: (row[2], row[4]) for row in journal.iter_rows()}
    assert settled[1] == ("sent", "m-1")
    journal.close()


def test_unknown_chunks_are_reconciled_again_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = Journal(path)
    planned(journal, 2)
    chunk = journal.start_chunk([1, 2], resend=False, now=5.0)
    journal.finish_chunk(
        chunk, state="unknown", outcomes=[("unknown", None, None, None, None, "?", 1)]
    )
    journal.close()
    journal = Journal(path)
    # Row 2 had no outcome written (still in doubt); row 1 is unknown: both are looked up.
    assert journal.open_chunks() == [(chunk, 5.0, [(1, "cs-1"), (2, "cs-2")])]
    journal.close()


def test_custom_string_index_is_made_on_first_lookup(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db")
    planned(journal, 3)
    assert "rows_custom_string" not in indexes(journal)
    assert journal.rows_by_custom_string(["cs-2", "nope"]) == {"cs-2": 2}
    assert "rows_custom_string" in indexes(journal)
    assert journal.record_deliveries([("delivered", "201", "cs-3", None)]) == 1
    journal.close()


OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (
    row INTEGER PRIMARY KEY, custom_string TEXT, recipient TEXT, payload TEXT, parts INTEGER,
    encoding TEXT, est_price TEXT, state TEXT, status TEXT, message_id TEXT, price TEXT,
    reason TEXT, chunk INTEGER, attempts INTEGER NOT NULL DEFAULT 0, delivery TEXT,
    delivery_status TEXT
);
CREATE INDEX rows_custom_string ON rows (custom_string);
CREATE TABLE chunks (
    chunk INTEGER PRIMARY KEY, state TEXT NOT NULL, started_at REAL NOT NULL,
    finished_at REAL, size INTEGER NOT NULL, resend INTEGER NOT NULL DEFAULT 0, error TEXT
);
INSERT INTO meta VALUES ('schema', '1');
INSERT INTO rows (row, custom_string, payload, chunk, attempts) VALUES
    (1, 'cs-1', '{}', 1, 1), (2, 'cs-2', '{}', 1, 1), (3, 'cs-3', '{}', NULL, 0);
INSERT INTO chunks (chunk, state, started_at, size) VALUES (1, 'in_flight', 7.0, 2);
"""


def test_a_schema_1_journal_is_migrated_and_its_chunk_in_flight_found(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.close()
    journal = Journal(path)
    assert journal.get_meta("schema") == "2"
    assert journal.open_chunks() == [(1, 7.0, [(1, "cs-1"), (2, "cs-2")])]
    assert [r[0] for r in journal.pending(0, 10)] == [3]
    chunk = journal.start_chunk([3], resend=False, now=8.0)
    assert journal.open_chunks()[-1] == (chunk, 8.0, [(3, "cs-3")])
    journal.close()


def test_an_unknown_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);")
    db.execute("INSERT INTO meta VALUES ('schema', '99')")
    db.commit()
    db.close()
    with pytest.raises(ConfigurationError, match="schema 99"):
        Journal(path)
