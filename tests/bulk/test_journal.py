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


def claim(journal: Journal, n: int, *, after: int = 0, now: float = 100.0) -> tuple[int, list[int]]:
    journal.acquire()
    found = journal.claim(n, after_row=after, max_attempts=4, now=now, window_from=now - 1)
    assert found is not None
    chunk, rows = found
    return chunk, [r[0] for r in rows]


def test_a_claim_records_the_intent_and_holds_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = Journal(path)
    planned(journal, 5)
    chunk, rows = claim(journal, 3)
    assert rows == [1, 2, 3]
    # Held rows are offered to no other chunk.
    _, others = claim(journal, 10)
    assert others == [4, 5]
    assert journal.claim(10, after_row=0, max_attempts=4, now=0, window_from=0) is None
    journal.close()  # the process dies with both requests in flight

    journal = Journal(path)
    doubt = journal.in_doubt()
    assert [(c, [r for r, _, _ in rows]) for c, _, rows, _, _ in doubt] == [
        (chunk, [1, 2, 3]),
        (chunk + 1, [4, 5]),
    ]
    # Rows in doubt are not pending, whatever reason the rest gets.
    journal.skip_remaining("cancelled")
    assert journal.counts() == {"unknown": 5}
    journal.close()


def test_outcomes_releases_and_doubt_are_fenced_on_the_epoch() -> None:
    journal = Journal()
    planned(journal, 4)
    chunk, _ = claim(journal, 4)
    assert not journal.settle(
        chunk, chunk + 99, outcomes=[("sent", "SUCCESS", "m", "1", 1, None, 1)]
    )
    assert journal.settle(
        chunk,
        chunk,
        outcomes=[("sent", "SUCCESS", "m-1", "0.07", 1, None, 1)],
        releases=[("THROTTLED", "throttled", 0, 2)],
        doubt=[3, 4],
        window=(10.0, 12.0),
    )
    assert journal.in_doubt() == [
        (chunk, chunk, [(3, "cs-3", "+61411111103"), (4, "cs-4", "+61411111104")], 10.0, 12.0)
    ]
    assert journal.count_pending() == 1  # row 2; rows 3 and 4 are held in doubt
    assert journal.settle(
        chunk,
        chunk,
        releases=[("NOT_IN_HISTORY", "absent", 1, 3)],
        outcomes=[("sent", "SUCCESS", "m-4", "0.07", 1, "found", 4)],
    )
    assert journal.in_doubt() == []
    assert journal.count_pending() == 2
    assert journal.count_pending(max_attempts=1) == 0  # both were attempted once this run
    journal.begin_run()
    assert journal.count_pending(max_attempts=1) == 2  # a new run: a fresh budget
    assert journal.counts() == {"sent": 2, "not_sent": 2}
    # A chunk that is done takes no more news.
    assert not journal.settle(chunk, chunk, outcomes=[("rejected", "X", None, None, None, "", 2)])
    journal.close()


def test_unknown_rows_are_reconciled_again_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = Journal(path)
    planned(journal, 2)
    chunk, _ = claim(journal, 2)
    journal.settle(chunk, chunk, outcomes=[("unknown", None, None, None, None, "?", 1)], doubt=[2])
    journal.close()
    journal = Journal(path)
    assert [[r for r, _, _ in rows] for _, _, rows, _, _ in journal.in_doubt()] == [[1, 2]]
    journal.close()


def test_a_second_owner_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    from clicksend_async import JournalLockedError

    path = tmp_path / "j.db"
    journal = Journal(path)
    journal.acquire()
    other = Journal(path)  # reading is fine...
    with pytest.raises(JournalLockedError, match="in use"):
        other.acquire()  # ...taking the campaign is not
    journal.release()
    other.acquire()
    other.close()
    journal.close()


def test_a_journal_copied_alone_mid_campaign_keeps_every_commit(tmp_path: Path) -> None:
    import os
    import shutil

    path = tmp_path / "j.db"
    journal = Journal(path)
    planned(journal, 3)
    chunk, _ = claim(journal, 3)
    # Copied as a backup tool would, while in use: no side file holds committed writes.
    shutil.copy(path, tmp_path / "copy.db")
    journal.close()
    assert not os.path.exists(str(path) + "-wal")
    copy = Journal(tmp_path / "copy.db")
    assert [c for c, *_ in copy.in_doubt()] == [chunk]  # the intent survived: reconciled first
    copy.close()


def test_a_damaged_journal_is_one_typed_error(tmp_path: Path) -> None:
    from clicksend_async import ClickSendError

    path = tmp_path / "j.db"
    journal = Journal(path)
    planned(journal, 50)
    journal.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\x00garbage" * 100)
    with pytest.raises(ClickSendError):
        Journal(path).row_count()


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
    assert journal.get_meta("schema") == "4"
    assert journal.open_chunks() == [(1, 7.0, [(1, "cs-1"), (2, "cs-2")])]
    assert journal.count_pending() == 1
    _, rows = claim(journal, 10)
    assert rows == [3]
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
