"""The campaign journal on its own: intents, outcomes, what a resume finds, old journals."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clicksend_async import ConfigurationError
from clicksend_async.bulk import Journal
from clicksend_async.bulk._states import SentColumns


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


def test_a_journal_whose_holder_froze_mid_write_is_in_use_not_damaged(tmp_path: Path) -> None:
    """A command stopped (SIGSTOP) in the middle of a write holds SQLite's lock: opening the
    journal then waits out the busy timeout and fails. That is "in use", not "damaged" (whose
    advice, another journal, would start the campaign over and text everyone again)."""
    from clicksend_async import JournalLockedError

    path = tmp_path / "j.db"
    Journal(path).close()
    frozen = sqlite3.connect(path, isolation_level=None)
    frozen.execute("BEGIN EXCLUSIVE")  # a writer that never commits
    try:
        with pytest.raises(JournalLockedError, match="in use by another process"):
            Journal(path)
    finally:
        frozen.execute("ROLLBACK")
        frozen.close()
    Journal(path).close()  # once it lets go, the journal opens


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


# -- schema 4: the rows an answer sent are one chunk-level record ------------------------------


def raw_states(journal: Journal) -> dict[int, tuple[object, object]]:
    return {int(r): (s, c) for r, s, c in journal._db.execute("SELECT row, state, chunk FROM rows")}


def test_a_chunk_answer_is_one_record_read_back_per_row() -> None:
    journal = Journal()
    planned(journal, 5)
    chunk, _ = claim(journal, 5)
    assert journal.count_unsettled() == (0, 5, 0)
    assert journal.counts() == {"unknown": 5}  # in flight: held, outcome not known yet
    assert journal.settle(
        chunk,
        chunk,
        outcomes=[
            ("sent", "SUCCESS", "m-1", "0.07", 1, None, 1),
            ("sent", "QUEUED", "m-2", "0.07", 2, None, 2),
            ("sent", "SUCCESS", "m-3", "0.05", None, None, 3),  # no parts: the planned ones
            ("rejected", "INVALID_RECIPIENT", None, None, None, "refused", 4),
        ],
        doubt=[5],
        window=(10.0, 12.0),
    )
    # The sent rows were not written one by one: they keep their chunk and no state.
    assert raw_states(journal) == {
        1: (None, chunk),
        2: (None, chunk),
        3: (None, chunk),
        4: ("rejected", chunk),
        5: (None, chunk),
    }
    assert journal.counts() == {"sent": 3, "rejected": 1, "unknown": 1}
    assert journal.count_unsettled() == (0, 1, 0)
    assert journal.totals() == (Decimal("0.19"), 4)
    assert [r[:9] for r in journal.iter_rows()] == [
        (1, "+61411111101", "sent", "SUCCESS", "m-1", 1, "0.07", "cs-1", None),
        (2, "+61411111102", "sent", "QUEUED", "m-2", 2, "0.07", "cs-2", None),
        (3, "+61411111103", "sent", "SUCCESS", "m-3", 1, "0.05", "cs-3", None),
        (4, "+61411111104", "rejected", "INVALID_RECIPIENT", None, 1, None, "cs-4", "refused"),
        (5, "+61411111105", "unknown", None, None, 1, None, "cs-5", None),
    ]
    assert [r for _, _, rows, _, _ in journal.in_doubt() for r, _, _ in rows] == [5]
    # Reconciliation finds row 5: the row records it itself; the chunk is done.
    assert journal.settle(
        chunk, chunk, outcomes=[("sent", "SUCCESS", "m-5", "0.07", 1, "found", 5)]
    )
    assert journal.in_doubt() == []
    assert journal.counts() == {"sent": 4, "rejected": 1}
    assert journal.count_unsettled() == (0, 0, 0)
    assert journal.totals() == (Decimal("0.26"), 5)
    assert [r[2:5] for r in journal.iter_rows()][4] == ("sent", "SUCCESS", "m-5")
    assert journal.delivery_counts() == {"unreported": 4}
    journal.close()


def test_a_released_row_sent_by_a_later_chunk_reports_that_chunks_outcome() -> None:
    journal = Journal()
    planned(journal, 2)
    chunk, _ = claim(journal, 2)
    journal.settle(
        chunk,
        chunk,
        outcomes=[("sent", "SUCCESS", "m-1", "0.07", 1, None, 1)],
        releases=[("THROTTLED", "throttled", 0, 2)],
    )
    assert journal.counts() == {"sent": 1, "not_sent": 1}
    again, rows = claim(journal, 10)
    assert rows == [2]
    journal.settle(again, again, outcomes=[("sent", "SUCCESS", "m-2", "0.07", 1, None, 2)])
    # The release's status and reason are gone: the row's outcome is the later chunk's.
    assert [(*r[2:5], r[8]) for r in journal.iter_rows()] == [
        ("sent", "SUCCESS", "m-1", None),
        ("sent", "SUCCESS", "m-2", None),
    ]
    journal.close()


def test_a_held_row_no_outcome_names_stays_held_in_doubt() -> None:
    journal = Journal()
    planned(journal, 3)
    chunk, _ = claim(journal, 3)
    # An outcome that forgets a row does not end it: the chunk keeps holding it.
    assert journal.settle(chunk, chunk, outcomes=[("sent", "SUCCESS", "m-1", "0.07", 1, None, 1)])
    assert [(c, [r for r, _, _ in rows]) for c, _, rows, _, _ in journal.in_doubt()] == [
        (chunk, [2, 3])
    ]
    assert journal.counts() == {"sent": 1, "unknown": 2}
    journal.close()


def test_receipts_match_rows_sent_by_a_chunk_record(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db")
    planned(journal, 3)
    chunk, _ = claim(journal, 3)
    journal.settle(
        chunk,
        chunk,
        outcomes=[(("sent", "SUCCESS", f"m-{r}", "0.07", 1, None, r)) for r in (1, 2, 3)],
    )
    assert journal.record_deliveries([("delivered", "201", None, "m-2")]) == 1  # by message_id
    # A row whose message_id is known takes no receipt for another message.
    assert journal.record_deliveries([("failed", "301", "cs-1", "elsewhere")]) == 0
    assert journal.record_deliveries([("failed", "301", "cs-1", "m-1")]) == 1
    assert journal.delivery_counts() == {"delivered": 1, "failed": 1, "unreported": 1}
    assert [(r[0], r[4], r[9]) for r in journal.iter_rows()] == [
        (1, "m-1", "failed"),
        (2, "m-2", "delivered"),
        (3, "m-3", None),
    ]
    journal.close()


def test_a_receipt_holding_a_lone_surrogate_is_matched_or_not_never_fatal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db")
    planned(journal, 2)
    chunk, _ = claim(journal, 2)
    journal.settle(
        chunk, chunk, outcomes=[("sent", "SUCCESS", f"m-{r}", "0.07", 1, None, r) for r in (1, 2)]
    )
    # A JSON receipt's "\\udfff" escape: text SQLite refuses. It matches nothing (no row holds it)
    # and the status next to a good match is stored as text a file can hold.
    assert journal.record_deliveries([("failed", "3\udfff", "cs-\ud800", "m-\ud800")]) == 0
    assert journal.record_deliveries([("delivered", "20\ud8001", "cs-1", None)]) == 1
    assert next((r[0], r[9], r[10]) for r in journal.iter_rows()) == (1, "delivered", "20?1")
    journal.close()


def test_sent_evidence_comes_from_the_latest_chunk_record() -> None:
    journal = Journal()
    planned(journal, 4)
    first, _ = claim(journal, 2)
    second, _ = claim(journal, 2, after=2)
    assert journal.sent_evidence() is None
    journal.settle(
        first,
        first,
        outcomes=[("sent", "SUCCESS", "m-1", None, 1, None, 1)],
        doubt=[2],
        window=(1.0, 2.0),
    )
    journal.settle(first, first, outcomes=[("sent", "SUCCESS", "m-2", None, 1, "found", 2)])
    assert journal.sent_evidence() == ("cs-2", "+61411111102", 1.0, 2.0)
    journal.settle(
        second,
        second,
        outcomes=[("sent", "SUCCESS", f"m-{r}", None, 1, None, r) for r in (3, 4)],
        window=(5.0, 6.0),
    )
    assert journal.sent_evidence() == ("cs-3", "+61411111103", 5.0, 6.0)
    journal.close()


def test_a_chunk_in_flight_when_the_process_died_is_reconciled_into_a_record(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.db"
    journal = Journal(path)
    planned(journal, 2)
    claim(journal, 2)
    journal.close()  # died with the request in flight
    journal = Journal(path)
    assert journal.counts() == {"unknown": 2}
    [(found, epoch, rows, _, _)] = journal.in_doubt()
    assert [r for r, _, _ in rows] == [1, 2]
    journal.acquire()
    assert journal.settle(
        found,
        epoch,
        outcomes=[("sent", "SUCCESS", "m-1", "0.07", 1, "found", 1)],
        releases=[("NOT_IN_HISTORY", "absent", 1, 2)],
    )
    assert journal.counts() == {"sent": 1, "not_sent": 1}
    assert journal.count_pending() == 1
    assert next((*r[2:5], r[8]) for r in journal.iter_rows()) == ("sent", "SUCCESS", "m-1", "found")
    journal.close()


SCHEMA_3 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (
    row INTEGER PRIMARY KEY, custom_string TEXT, recipient TEXT, payload TEXT, parts INTEGER,
    encoding TEXT, est_price TEXT, state TEXT, status TEXT, message_id TEXT, price TEXT,
    reason TEXT, chunk INTEGER, attempts INTEGER NOT NULL DEFAULT 0, delivery TEXT,
    delivery_status TEXT, tried INTEGER NOT NULL DEFAULT 0, resend INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE chunks (
    chunk INTEGER PRIMARY KEY, state TEXT NOT NULL, started_at REAL NOT NULL,
    finished_at REAL, size INTEGER NOT NULL, resend INTEGER NOT NULL DEFAULT 0, error TEXT,
    rows TEXT, epoch INTEGER, window_from REAL, window_to REAL
);
INSERT INTO meta VALUES ('schema', '3');
INSERT INTO rows (row, custom_string, recipient, payload, parts, state, status, message_id,
    price, chunk, attempts, tried, delivery) VALUES
    (1, 'cs-1', '+61411111101', '{}', 1, 'sent', 'SUCCESS', 'm-1', '0.07', 1, 1, 1, 'delivered'),
    (2, 'cs-2', '+61411111102', '{}', 2, 'sent', 'SUCCESS', 'm-2', '0.07', 1, 1, 1, NULL),
    (3, 'cs-3', '+61411111103', '{}', 1, 'rejected', 'BAD', NULL, NULL, 1, 1, 1, NULL),
    (4, 'cs-4', '+61411111104', '{}', 1, NULL, NULL, NULL, NULL, 2, 1, 1, NULL),
    (5, 'cs-5', '+61411111105', '{}', 1, NULL, NULL, NULL, NULL, 1, 1, 1, NULL),
    (6, 'cs-6', '+61411111106', '{}', 1, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL);
INSERT INTO chunks (chunk, state, started_at, size, rows, epoch, window_from, window_to) VALUES
    (1, 'done', 7.0, 3, NULL, 1, 5.0, 9.0),
    (2, 'in_doubt', 8.0, 1, '[4]', 2, 6.0, 10.0);
"""


def test_a_schema_3_journal_is_migrated_and_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_3)
    db.close()
    journal = Journal(path)
    assert journal.get_meta("schema") == "4"
    # Row 5 had no state in a done chunk: schema 3 reported it unknown, and still does.
    assert journal.counts() == {"sent": 2, "rejected": 1, "unknown": 2, "skipped": 1}
    assert journal.totals() == (Decimal("0.14"), 3)
    assert journal.delivery_counts() == {"delivered": 1, "unreported": 1}
    assert [(r[0], r[2]) for r in journal.iter_rows()] == [
        (1, "sent"),
        (2, "sent"),
        (3, "rejected"),
        (4, "unknown"),
        (5, "unknown"),
        (6, "skipped"),
    ]
    assert [(c, [r for r, _, _ in rows]) for c, _, rows, _, _ in journal.in_doubt()] == [(2, [4])]
    assert journal.sent_evidence() == ("cs-1", "+61411111101", 5.0, 9.0)
    _, rows = claim(journal, 10)
    assert rows == [6]
    journal.close()
    assert Journal(path).get_meta("schema") == "4"  # opened again: nothing left to migrate


@pytest.mark.parametrize("n", [1, 99, 100, 101, 250, 1000])
def test_planned_rows_are_written_whole_however_many_a_batch_holds(n: int) -> None:
    # Pending rows go a hundred to a statement, the rest one by one; every column must land.
    journal = Journal()
    batch: list[tuple[object, ...]] = [
        (
            (r, None, f"+6141{r:07d}", None, None, None, "invalid", "DUPLICATE", "duplicate")
            if r % 7 == 0
            else (r, f"c{r}", f"+6141{r:07d}", f'{{"n":{r}}}', r % 3 + 1, "GSM-7", None, None, None)
        )
        for r in range(1, n + 1)
    ]
    journal.add_rows(batch)
    got = list(
        journal._db.execute(
            "SELECT row, custom_string, recipient, payload, parts, encoding, state, status, "
            "reason FROM rows ORDER BY row"
        )
    )
    journal.close()
    assert got == batch


def _rows_in_file(path: Path) -> int:
    db = sqlite3.connect(str(path))
    try:
        return int(db.execute("SELECT COUNT(*) FROM rows").fetchone()[0])
    finally:
        db.close()


def test_planned_rows_wait_in_one_transaction_until_another_write_or_close(
    tmp_path: Path,
) -> None:
    # A commit waits for the disk: planning keeps its batches in one open transaction.
    path = tmp_path / "campaign.db"
    journal = Journal(str(path))
    planned(journal, 5)
    assert journal.row_count() == 5  # its own connection sees them
    assert _rows_in_file(path) == 0  # nobody else does yet
    journal.set_meta("plan", "{}")  # any other write commits them first
    assert _rows_in_file(path) == 5
    journal.add_rows([(6, "cs-6", "+61411111106", "{}", 1, "GSM-7", None, None, None)])
    journal.close()  # and so does closing
    assert _rows_in_file(path) == 6


def test_planned_rows_are_committed_every_so_many(tmp_path: Path, monkeypatch: Any) -> None:
    import clicksend_async.bulk._journal as module

    monkeypatch.setattr(module, "_HOLD_ROWS", 10)
    path = tmp_path / "campaign.db"
    journal = Journal(str(path))
    for start in range(0, 25, 5):
        journal.add_rows(
            [
                (r, f"c{r}", f"+6141{r:07d}", "{}", 1, "GSM-7", None, None, None)
                for r in range(start + 1, start + 6)
            ]
        )
    assert _rows_in_file(path) == 20  # committed at 10 and 20; the last 5 still open
    with journal._transaction():
        pass
    assert _rows_in_file(path) == 25
    journal.close()


def test_a_failed_batch_takes_the_uncommitted_batches_with_it(tmp_path: Path) -> None:
    # They belong to a plan that never finished: the next run plans it again.
    path = tmp_path / "campaign.db"
    journal = Journal(str(path))
    planned(journal, 3)
    with pytest.raises(sqlite3.IntegrityError):
        journal.add_rows([(2, "dup", "+61411111102", "{}", 1, "GSM-7", None, None, None)])
    assert journal.row_count() == 0
    planned(journal, 3)  # and the journal goes on
    journal.close()
    assert _rows_in_file(path) == 3


def chunk_lines(journal: Journal) -> list[tuple[Any, ...]]:
    return list(journal._db.execute("SELECT * FROM chunks ORDER BY chunk"))


@pytest.mark.parametrize(
    "columns",
    [
        # every row sent, one price and one part count
        (["SUCCESS"] * 4, ["m-1", "m-2", "m-3", "m-4"], ["0.07"] * 4, [1] * 4),
        # statuses, prices (one missing) and parts that differ; a message_id holding a newline
        (
            ["SUCCESS", "QUEUED", "SUCCESS", "SUCCESS"],
            ["m-1", "m\n2", "m-3", "m-4"],
            ["0.07", "0.1400", None, "0.07"],
            [1, 2, 1, 3],
        ),
    ],
)
def test_an_answer_that_sent_every_row_is_journalled_as_the_same_record_either_way(
    columns: tuple[list[Any], ...],
) -> None:
    status, ids, prices, parts = columns
    counts: dict[str | None, int] = {}
    for price in prices:
        counts[price] = counts.get(price, 0) + 1
    journals = []
    for by_column in (True, False):
        journal = Journal()
        planned(journal, 4)
        chunk, rows = claim(journal, 4)
        outcomes = SentColumns(rows, status, ids, prices, parts, counts)
        assert journal.record(
            chunk,
            chunk,
            outcomes=outcomes if by_column else list(outcomes),
            window=(10.0, 12.0),
            now=50.0,
        )
        journals.append(journal)
    by_column, by_row = journals
    assert chunk_lines(by_column) == chunk_lines(by_row)
    assert raw_states(by_column) == raw_states(by_row)
    assert list(by_column.iter_rows()) == list(by_row.iter_rows())
    assert by_column.counts() == by_row.counts() == {"sent": 4}
    assert by_column.totals() == by_row.totals()
    assert by_column.in_doubt() == by_row.in_doubt() == []
    for journal in journals:
        journal.close()


def test_columns_that_do_not_cover_the_chunk_are_journalled_row_by_row() -> None:
    journal = Journal()
    planned(journal, 3)
    chunk, _ = claim(journal, 3)
    outcomes = SentColumns(
        [1, 2], ["SUCCESS"] * 2, ["m-1", "m-2"], ["0.07"] * 2, [1, 1], {"0.07": 2}
    )
    assert journal.record(chunk, chunk, outcomes=outcomes, doubt=[3], window=(1.0, 2.0))
    assert journal.counts() == {"sent": 2, "unknown": 1}
    assert [r for _, _, rows, _, _ in journal.in_doubt() for r, _, _ in rows] == [3]
    # A settle the chunk's epoch no longer allows records nothing, columns or not.
    assert not journal.record(chunk, chunk + 1, outcomes=outcomes)
    journal.close()
