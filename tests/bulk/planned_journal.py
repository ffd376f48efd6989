"""Campaigns whose journals the code before planning's fast path wrote (commit 0712826).

Run as a script with that commit's package first on the path (``PYTHONPATH=<checkout of
0712826> python tests/bulk/planned_journal.py``) to write ``tests/data/journals/
planned-0712826.json``: each campaign's journal rows and meta, as text. ``test_plan_rows.py``
plans the same campaigns with the current code and expects the same journal, and resumes the
recorded ones. Only the public engine is used here, so the script runs on either version.
"""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

FIXTURE = Path(__file__).parent.parent / "data" / "journals" / "planned-0712826.json"
NOW = 1_800_000_000.0
#: The campaign id planning draws at random, fixed so that journals compare.
TOKEN = "0712826a"

#: Rows that take every path: E.164 as is and formatted, local numbers with and without a
#: country, a country that is no ISO code, bad numbers, empty and blank cells, cells that look
#: like spreadsheet formulas, GSM-7 extension characters, UCS-2, emoji, look-alike quotes,
#: bodies of several parts and too many, custom_strings given, repeated, empty and looking like
#: the engine's own, duplicates of earlier rows, a blank line, a test number.
CSV_ROWS: list[list[str]] = [
    ["Mobile Number", "first_name", "order", "Country", "custom_string"],
    ["+61411111111", "Ann", "1001", "", ""],
    [" +61 (0) 411-111-112 ", "Bob", "1002", "", "mine-1"],
    ["0411111113", "Cy", "1003", "AU", "mine-1"],
    ["0411111114", "Di", "1004", "", ""],
    ["0411111115", "Ed", "1005", "Australia", ""],
    ["+6141111111x", "Flo", "1006", "", ""],
    ["", "Gus", "1007", "", ""],
    ["+61411111117", "", "1008", "", ""],
    ["+61411111118", "   ", "1009", "", ""],
    ["=1+2", "Hal", "1010", "", ""],
    ["+61411111119", '=HYPERLINK("x")', "@SUM(A1)", "", "+cmd"],
    ["+61411111120", "Mo \u20ac [x] {y} ~^|\\", "1012", "", ""],
    ["+61411111121", "N\u00e7 caf\u00e9", "1013", "", ""],
    ["+61411111122", "\U0001f600 \u0645\u0631\u062d\u0628\u0627", "1014", "", ""],
    ["+61411111123", "x" * 1300, "1015", "", ""],
    ["+61411111124", "y" * 300, "1016", "", ""],
    ["+61411111125", "Jo\u2019s \u201cquote\u201d \u2013 dash\u2026", "1017", "", ""],
    ["+61411111111", "Ann", "1001", "", ""],
    ["+61411111111", "Ann again", "1001", "", ""],
    ["+61 411 111 127", "Kim", "1019", "", f"cs{TOKEN}-3"],
    ["\uff0b\uff16\uff11\uff14\uff11\uff11\uff11\uff11\uff11\uff12\uff18", "Wide", "1020", "", ""],
    ["61411111129", "Intl", "1021", "", ""],
    ["6.1411111130E+10", "Sci", "1022", "", ""],
    ["+61411111131.0", "Dec", "1023", "", ""],
    ["+61411111132", 'Tab\there "quoted"', "1024", "au", ""],
    ["+14155550100", "US", "1025", "US", "mine-2"],
    ["+61411111133", "Cafe\u0301", "1026", "NZ", ""],
    ["+61400000000", "test number", "1027", "", ""],
    ["+61411111134", "Lu", "1028", "", "cs-not-ours"],
]

TEMPLATE = "Hi {first_name}, order {order} shipped. Reply STOP to opt out"

#: Campaign options by name (the recipients are always the CSV above).
CAMPAIGNS: dict[str, dict[str, Any]] = {
    "plain": {"body": TEMPLATE},
    "country-dedupe-exclude": {
        "body": TEMPLATE,
        "defaults": {"country": "AU", "from_": "ACME"},
        "dedupe": True,
        "exclude": ["+61411111117", "0411111114"],
    },
    "number-dedupe-transliterate": {
        "body": "{first_name} {order}",
        "dedupe": "number",
        "transliterate": True,
        "allow_empty_fields": True,
    },
    "key-priced": {"body": TEMPLATE, "defaults": {"country": "AU"}, "preflight": "key"},
}


def write_csv(path: Path) -> Path:
    """Write the recipients CSV (with a blank line and an all-empty line among the rows)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for number, row in enumerate(CSV_ROWS):
            writer.writerow(row)
            if number == 4:
                handle.write("\r\n,,,,\r\n")
    return path


def bulk_job(session: Any, csv_path: Path, journal: Path, name: str, **extra: Any) -> Any:
    """Return the campaign ``name`` as a job on ``journal``."""
    from clicksend_async.bulk import SMS, BulkJob, read_recipients_csv

    options = dict(CAMPAIGNS[name])
    options.setdefault("preflight", False)
    return BulkJob(
        session,
        SMS,
        read_recipients_csv(csv_path),
        journal=str(journal),
        check_balance=False,
        clock=lambda: NOW,
        **options,
        **extra,
    )


async def plan(session: Any, csv_path: Path, journal: Path, name: str) -> None:
    """Plan the campaign ``name`` into ``journal`` (with the fixed campaign id)."""
    from clicksend_async.bulk import _plan

    job = bulk_job(session, csv_path, journal, name)
    try:
        with mock.patch.object(_plan.secrets, "token_hex", return_value=TOKEN):
            await job.plan()
    finally:
        job.journal.close()


def dump(journal: Path) -> dict[str, Any]:
    """Return a journal's rows and meta as JSON-able lists and a dict."""
    db = sqlite3.connect(journal)
    try:
        rows = [list(r) for r in db.execute("SELECT * FROM rows ORDER BY row")]
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key != 'in_use'"))
    finally:
        db.close()
    return {"rows": rows, "meta": meta}


async def record() -> dict[str, Any]:
    """Plan every campaign and return the journals' contents by campaign name."""
    from clicksend_async.testing import ClickSendEmulator

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = write_csv(Path(tmp) / "recipients.csv")
        async with ClickSendEmulator(balance=1000) as emu, emu.client(rate_limit=None) as cs:
            for name in CAMPAIGNS:
                journal = Path(tmp) / f"{name}.journal"
                await plan(cs.session, csv_path, journal, name)
                out[name] = dump(journal)
    return out


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(asyncio.run(record()), indent=1, ensure_ascii=False) + "\n")
    sys.stdout.write(f"wrote {FIXTURE}\n")
