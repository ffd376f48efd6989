"""The report CSV written while the campaign runs ends as the report written after it."""

from __future__ import annotations

import asyncio
import csv
import os
import random
from pathlib import Path
from typing import Any

import pytest
from fakeclock import Clock

from clicksend_async import ConfigurationError
from clicksend_async.bulk import SMS, BulkJob, Journal
from clicksend_async.bulk._report_csv import ReportWriter
from clicksend_async.bulk._states import FINAL_STATES
from clicksend_async.testing import ClickSendEmulator


def mixed_rows(n: int) -> list[dict[str, Any]]:
    """Valid Australian rows, with German ones (refused by the emulator) and bad numbers."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        if i % 17 == 5:
            out.append({"to": "not a number", "first_name": f"N{i}"})
        elif i % 13 == 3:
            out.append({"to": f"+49151{i:08d}", "first_name": f"N{i}"})
        else:
            out.append({"to": f"+6142{i:07d}", "first_name": f"=cmd|' /C calc'!A{i}"})
    return out


def read_lines(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


async def run_followed(
    emu: ClickSendEmulator,
    clock: Clock,
    tmp_path: Path,
    recipients: list[dict[str, Any]],
    seed: int,
    **options: Any,
) -> tuple[ReportWriter, Any, set[int]]:
    """Run a campaign while a writer advances at random moments; return the rows it wrote."""
    journal = Journal(str(tmp_path / "campaign.db"))
    writer = ReportWriter(journal, tmp_path / "report.csv").open()
    rng = random.Random(seed)
    written: set[int] = set()
    done = asyncio.Event()

    async def follow() -> None:
        while not done.is_set():
            before = writer.next_row
            writer.advance(limit=rng.randint(1, 40))
            written.update(range(before, writer.next_row))
            await asyncio.sleep(0)

    async with emu.client(rate_limit=None, sleep=clock.sleep) as cs:
        job = BulkJob(
            cs.session,
            SMS,
            recipients,
            body="Hi {first_name}",
            journal=journal,
            sleep=clock.sleep,
            clock=clock,
            reconcile_settle=0,
            **options,
        )
        follower = asyncio.create_task(follow())
        report = await job.run()
        done.set()
        await follower
    return writer, report, written


class TestFollowingTheJournal:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    async def test_the_followed_report_equals_the_report_written_after(
        self, tmp_path: Path, seed: int
    ) -> None:
        clock = Clock()
        faults = "429=0.1,500=0.1,commit-500=0.1,commit-drop=0.1"
        async with ClickSendEmulator(
            balance=10_000, clock=clock, faults=faults, seed=seed, enabled_countries=["AU"]
        ) as emu:
            writer, report, written = await run_followed(
                emu, clock, tmp_path, mixed_rows(700), seed, chunk_size=40, concurrency=3
            )
            with report:
                assert written, "nothing was written while the campaign ran"
                assert writer.next_row > 1
                target = writer.finish()
                expected = report.to_csv(tmp_path / "after.csv")
                assert target == tmp_path / "report.csv"
                assert read_lines(target) == read_lines(expected)
                # Every line written early was final then, and still is.
                lines = read_lines(target)[1:]
                assert all(lines[row - 1][2] in FINAL_STATES for row in written)
        assert not [p for p in os.listdir(tmp_path) if p.endswith(".partial")]
        states = {line[2] for line in lines}
        assert {"sent", "rejected", "invalid"} <= states
        # Formula-looking cells are made safe the same way as to_csv does.
        assert all(not line[8].startswith("=") for line in lines)

    async def test_rows_in_doubt_hold_the_writer_back_until_settled(self, tmp_path: Path) -> None:
        clock = Clock()
        async with ClickSendEmulator(balance=10_000, clock=clock) as emu:
            emu.inject("commit-500", path="/sms/send", times=1)
            emu.inject("500", path="/sms/history", times=50)
            writer, report, _ = await run_followed(
                emu, clock, tmp_path, mixed_rows(30), 4, chunk_size=10, concurrency=1
            )
            with report:
                # The first chunk's rows are unknown (the history could not be read): nothing
                # after its first row was written while the campaign ran.
                assert report.unknown > 0
                first_unknown = min(o.row for o in report.outcomes() if o.state == "unknown")
                assert writer.next_row <= first_unknown
                target = writer.finish()
                assert read_lines(target) == read_lines(report.to_csv(tmp_path / "after.csv"))

    async def test_advance_writes_only_the_final_rows_in_front(self, tmp_path: Path) -> None:
        clock = Clock()
        journal = Journal(str(tmp_path / "campaign.db"))
        recipients = [{"to": "bad", "first_name": "a"}, {"to": "bad", "first_name": "b"}]
        recipients += mixed_rows(4)[:4]
        async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
            job = BulkJob(
                cs.session, SMS, recipients, body="Hi {first_name}", journal=journal, clock=clock
            )
            await job.plan()
            writer = ReportWriter(journal, tmp_path / "report.csv").open()
            # Two invalid rows in front, then a pending one: only the two are written.
            assert writer.advance() == 2
            assert writer.advance() == 0
            assert writer.next_row == 3
            assert not (tmp_path / "report.csv").exists()  # not in place before finish
            lines = read_lines(writer.finish())
        assert [line[2] for line in lines[1:]] == ["invalid", "invalid", *["skipped"] * 4]
        journal.close()


class TestFinishing:
    def test_a_rewrite_writes_every_row_once(self, tmp_path: Path) -> None:
        journal = Journal(str(tmp_path / "campaign.db"))
        self._plan_invalid(journal, 5)
        writer = ReportWriter(journal, tmp_path / "report.csv").open()
        assert writer.advance(limit=3) == 3
        lines = read_lines(writer.finish(rewrite=True))
        assert [int(line[0]) for line in lines[1:]] == [1, 2, 3, 4, 5]
        journal.close()

    def test_an_error_while_following_falls_back_to_writing_it_whole(self, tmp_path: Path) -> None:
        journal = Journal(str(tmp_path / "campaign.db"))
        self._plan_invalid(journal, 4)
        writer = ReportWriter(journal, tmp_path / "report.csv").open()
        writer.advance(limit=2)

        class Broken:
            def writerow(self, _: Any) -> None:
                raise OSError(28, "No space left on device")

        writer._writer = Broken()

        # The error ends the following (logged), not the campaign.
        asyncio.run(asyncio.wait_for(writer.follow(interval=0), timeout=10))
        assert writer.advance() == 0  # stopped following after the error
        lines = read_lines(writer.finish())
        assert [int(line[0]) for line in lines[1:]] == [1, 2, 3, 4]
        journal.close()

    def test_discard_leaves_the_previous_report_alone(self, tmp_path: Path) -> None:
        journal = Journal(str(tmp_path / "campaign.db"))
        self._plan_invalid(journal, 3)
        previous = tmp_path / "report.csv"
        previous.write_text("the report of yesterday\n")
        writer = ReportWriter(journal, previous).open()
        writer.advance()
        writer.discard()
        assert previous.read_text() == "the report of yesterday\n"
        assert not list(tmp_path.glob(".report.csv.*.partial"))
        journal.close()

    def test_a_second_writer_leaves_the_first_ones_file_alone(self, tmp_path: Path) -> None:
        """A second command on the same campaign opens its report before the journal refuses
        it, then discards it: the first command's hidden file (and so its report) must stay.
        With one hidden name for both, the second truncated and then removed the first's, and
        the first failed at its end with no report."""
        journal = Journal(str(tmp_path / "campaign.db"))
        self._plan_invalid(journal, 3)
        first = ReportWriter(journal, tmp_path / "report.csv").open()
        first.advance()
        second = ReportWriter(journal, tmp_path / "report.csv").open()
        second.discard()
        lines = read_lines(first.finish())
        assert [int(line[0]) for line in lines[1:]] == [1, 2, 3]
        assert not list(tmp_path.glob(".report.csv.*.partial"))
        journal.close()

    def test_the_file_a_dead_process_left_is_removed(self, tmp_path: Path) -> None:
        import subprocess
        import sys

        gone = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        dead = tmp_path / f".report.csv.{int(gone.stdout)}-abcdef.partial"
        dead.write_text("half a report")
        alive = tmp_path / f".report.csv.{os.getppid()}-abcdef.partial"
        alive.write_text("another command's")
        journal = Journal(str(tmp_path / "campaign.db"))
        self._plan_invalid(journal, 2)
        ReportWriter(journal, tmp_path / "report.csv").open().finish()
        assert not dead.exists() and alive.exists()
        journal.close()

    @staticmethod
    def _plan_invalid(journal: Journal, n: int) -> None:
        async def plan() -> None:
            clock = Clock()
            async with ClickSendEmulator(clock=clock) as emu, emu.client(rate_limit=None) as cs:
                rows = [{"to": f"bad{i}", "first_name": "x"} for i in range(n)]
                job = BulkJob(cs.session, SMS, rows, body="Hi {first_name}", journal=journal)
                await job.plan()

        asyncio.run(plan())


class TestAReportNeverReplacesItsJournal:
    """``to_csv`` and the writer refuse the journal's own files: the record of who was texted."""

    @pytest.mark.parametrize("suffix", ["", "-journal", ".lock"])
    async def test_to_csv_refuses_the_journal_and_its_side_files(
        self, tmp_path: Path, suffix: str
    ) -> None:
        path = tmp_path / "c.db"
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            job = BulkJob(cs.session, SMS, [{"to": "+61411111111"}], body="hi", journal=path)
            with await job.run() as report:
                before = path.read_bytes()
                with pytest.raises(ConfigurationError, match="choose another file"):
                    report.to_csv(f"{path}{suffix}")
                assert path.read_bytes() == before
                assert report.to_csv(tmp_path / "report.csv").exists()

    def test_the_writer_refuses_its_journal(self, tmp_path: Path) -> None:
        journal = Journal(tmp_path / "c.db")
        with pytest.raises(ConfigurationError, match="is the campaign journal"):
            ReportWriter(journal, tmp_path / "c.db").open()
        journal.close()
