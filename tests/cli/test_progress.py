"""The pure parts of what a person reads: the ETA, the plain progress line, the resume command."""

from __future__ import annotations

import io
import shlex
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from clicksend_async.bulk import Journal, ProgressEvent
from clicksend_async.cli._context import Globals
from clicksend_async.cli._journal import JournalChoice
from clicksend_async.cli._output import Output
from clicksend_async.cli._progress import Display, format_eta, progress_line
from clicksend_async.cli.campaign import CampaignOptions, resume_command


def event(
    sent: int, *, elapsed: float = 10.0, unknown: int = 0, phase: str = "sending"
) -> ProgressEvent:
    return ProgressEvent(
        phase=phase,
        rows=1000,
        valid=1000,
        invalid=0,
        sent=sent,
        rejected=0,
        unknown=unknown,
        in_flight=1,
        pending=1000 - sent,
        cost=Decimal("0.0792") * sent,
        elapsed=elapsed,
    )


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, "--:--"), (0, "0:00"), (42.4, "0:42"), (3723, "1:02:03")]
)
def test_format_eta(seconds: float | None, text: str) -> None:
    assert format_eta(seconds) == text


def test_the_eta_is_what_is_left_at_the_current_rate() -> None:
    line = progress_line(event(250, elapsed=10.0), 1000, "AUD")
    # 25 a second, 750 left: 30 seconds.
    assert line == "250/1,000 sent 250 rejected 0 unknown 0 | 25.0/s ETA 0:30 | 19.80 AUD"
    assert "ETA --:--" in progress_line(event(0, elapsed=0.0), 1000, "AUD")


def test_off_a_terminal_one_line_every_few_seconds_and_the_last() -> None:
    sink = io.StringIO()
    now = [0.0]
    display = Display(Console(file=sink, width=200), enabled=True, clock=lambda: now[0])
    with display.sending(1000, "AUD"):
        for sent, at in ((100, 0.0), (200, 1.0), (300, 6.0), (400, 7.0)):
            now[0] = at
            display(event(sent))
        display(event(1000, phase="done"))
    lines = sink.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["100/1,000", "300/1,000", "1,000/1,000"]
    assert all(line.startswith("progress: ") for line in lines)


def test_quiet_or_json_prints_no_progress() -> None:
    sink = io.StringIO()
    display = Display(Console(file=sink), enabled=False)
    with display.sending(10, "AUD"):
        display(event(5))
    assert sink.getvalue() == "" and display.last is not None


def globals_with(argv: list[str], prog: tuple[str, ...] = ("clicksend-async",)) -> Globals:
    console = Console(file=io.StringIO())
    return Globals(output=Output(out=console, err=console), prog=prog, argv=tuple(argv))


def choice(path: Path | None) -> JournalChoice:
    journal = Journal(None)
    journal.close()  # resume_command reads the path only
    return JournalChoice(journal, path, created=False)


class TestResumeCommand:
    def test_resume_goes_right_after_the_journal(self, tmp_path: Path) -> None:
        journal = tmp_path / "my campaign.db"
        argv = ["campaign", "a.csv", "--body", "Hi {x}", "--journal", str(journal), "--yes"]
        options = CampaignOptions(csv_path=Path("a.csv"), body="Hi {x}", journal=journal)
        command = resume_command(globals_with(argv), options, choice(journal))
        assert command is not None
        assert shlex.split(command) == [
            "clicksend-async",
            "campaign",
            "a.csv",
            "--body",
            "Hi {x}",
            "--journal",
            str(journal),
            "--resume",
            "--yes",
        ]

    def test_the_default_journal_is_spelled_out(self, tmp_path: Path) -> None:
        journal = tmp_path / "a.csv.journal.db"
        argv = ["--rate", "2", "campaign", "a.csv", "--body", "Hi"]
        options = CampaignOptions(csv_path=Path("a.csv"), body="Hi")
        command = resume_command(
            globals_with(argv, ("python3", "-m", "clicksend_async")), options, choice(journal)
        )
        assert command is not None
        assert shlex.split(command)[-3:] == ["--journal", str(journal), "--resume"]
        assert command.startswith("python3 -m clicksend_async --rate 2 campaign")

    def test_an_equals_journal_and_a_temporary_one(self, tmp_path: Path) -> None:
        journal = tmp_path / "j.db"
        argv = ["campaign", "a.csv", "--body", "Hi", f"--journal={journal}", "-y"]
        options = CampaignOptions(csv_path=Path("a.csv"), body="Hi", journal=journal)
        command = resume_command(globals_with(argv), options, choice(journal))
        assert command is not None and shlex.split(command)[-2:] == ["--resume", "-y"]
        assert resume_command(globals_with(argv), options, choice(None)) is None
