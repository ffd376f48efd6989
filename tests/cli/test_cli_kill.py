"""Kill the campaign process at the worst moments, resume it, and count the texts.

Each test starts the standalone emulator (``python -m clicksend_async.testing``) and a
``python -m clicksend_async campaign`` process, watches the campaign journal through a read-only
SQLite connection, and SIGKILLs the campaign at one point:

(a) the plan is stored but no chunk was started (at the confirmation prompt: the engine goes
    from its stored plan to its first chunk's intent too fast to be watched reliably);
(b) a chunk is in flight: its request is still in the emulator's latency, or (with a commit-hang
    fault) it was processed but its answer has not arrived;
(c) between chunks: some chunks done, none in flight, one row still waiting (a THROTTLED row
    waiting out the engine's pause before its next pass).

To kill at exactly the observed state the process is first stopped (SIGSTOP), the journal read
again, and only then killed; otherwise it is let go (SIGCONT) and watched further. The same command
is then run with ``--resume`` to completion, and the emulator's ``--log`` (one JSON line per
accepted message) must show every valid row texted exactly once.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import pty
import random
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cli_helpers import Emulator, emulator_process

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals"),
]

BODY = "Hi {first_name}, your order is ready"
ROWS = 400
INVALID_ROWS = {37: "+61 4 2x", 150: "12345", 222: None}  # row -> bad phone (None: no name)
FINAL = {"sent", "rejected", "invalid"}


# -- processes -------------------------------------------------------------------------------


def write_csv(path: Path, *, twin_first_row: bool = False) -> dict[int, str]:
    """Write ROWS recipients; return row -> phone for the valid rows."""
    valid: dict[int, str] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "first_name"])
        for row in range(1, ROWS + 1):
            phone, name = f"+6142{row:07d}", f"Name{row}"
            if twin_first_row and row == 2:
                phone, name = "+6142" + f"{1:07d}", "Name1"  # the same message as row 1
            if row in INVALID_ROWS:
                bad = INVALID_ROWS[row]
                if bad is None:
                    name = ""
                else:
                    phone = bad
            else:
                valid[row] = phone
            writer.writerow([phone, name])
    return valid


@dataclass
class Campaign:
    """One campaign command line, run with and without --resume."""

    tmp_path: Path
    url: str
    csv_path: Path
    journal: Path
    options: tuple[str, ...] = ()
    runs: int = 0
    output: Path | None = None  # the running (or last) campaign's output
    outputs: list[str] = field(default_factory=list)

    def command(self, *extra: str, yes: bool = True) -> list[str]:
        return [
            sys.executable,
            "-m",
            "clicksend_async",
            "--base-url",
            self.url,
            "--rate",
            "0",
            "campaign",
            str(self.csv_path),
            "--body",
            BODY,
            "--journal",
            str(self.journal),
            *(["--yes"] if yes else []),
            "--chunk-size",
            "20",
            "--concurrency",
            "2",
            *self.options,
            *extra,
        ]

    @contextmanager
    def start(self, *extra: str, ask: bool = False) -> Iterator[subprocess.Popen[bytes]]:
        """Start the campaign in the background; kill it on the way out whatever happens.

        With ``ask`` it runs without ``--yes`` on a terminal (a pseudo-terminal nobody types
        into), so it stops at the confirmation prompt with the plan stored.
        """
        self.runs += 1
        out = self.tmp_path / f"run{self.runs}.out"
        controller, terminal = pty.openpty() if ask else (-1, -1)
        self.output = out
        try:
            with out.open("wb") as sink:
                proc = subprocess.Popen(
                    self.command(*extra, yes=not ask),
                    stdin=terminal if ask else subprocess.DEVNULL,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    env=self.env(),
                )
                try:
                    yield proc
                finally:
                    if proc.poll() is None:
                        proc.kill()  # also ends a stopped process
                    proc.wait(10)
        finally:
            for fd in (controller, terminal):
                if fd >= 0:
                    os.close(fd)
        self.outputs.append(out.read_text(encoding="utf-8", errors="replace"))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATON_", "CLICKSEND_"))}
        env.update(CLICKSEND_USERNAME="emulator", CLICKSEND_API_KEY="emulator-api-key")
        env["COLUMNS"] = "80"
        return env

    def wait_for_output(self, text: str, *, timeout: float = 15) -> None:
        """Wait until the running campaign has printed ``text``."""
        deadline = time.monotonic() + timeout
        while self.output is None or text not in self.output.read_text("utf-8", "replace"):
            assert time.monotonic() < deadline, f"no {text!r} in {timeout} s"
            time.sleep(0.01)

    def run(self, *extra: str, timeout: float = 30) -> tuple[int, str]:
        """Run the campaign to its end; return (exit status, output)."""
        with self.start(*extra) as proc:
            code = proc.wait(timeout)
        return code, self.outputs[-1]


# -- watching the journal --------------------------------------------------------------------


@dataclass(frozen=True)
class JournalState:
    planned: bool
    chunks: Counter[str]
    waiting: int  # rows neither settled nor in a chunk
    in_flight: list[list[str]]  # custom_strings of each chunk in flight


def read_journal(path: Path) -> JournalState | None:
    """Read one consistent snapshot of the journal (read-only); None before it exists."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        db.execute("BEGIN")
        planned = db.execute("SELECT 1 FROM meta WHERE key = 'planned'").fetchone() is not None
        chunks = Counter(
            {str(s): int(n) for s, n in db.execute("SELECT state, COUNT(*) FROM chunks GROUP BY 1")}
        )
        # A chunk lists its rows (JSON) from its intent on; a row records its chunk once settled.
        flying = "SELECT j.value FROM chunks AS c, json_each(c.rows) AS j WHERE c.state = ?"
        waiting = db.execute(
            "SELECT COUNT(*) FROM rows WHERE state IS NULL AND chunk IS NULL "
            f"AND row NOT IN ({flying})",
            ("in_flight",),
        ).fetchone()[0]
        in_flight = [
            [
                str(c)
                for (c,) in db.execute(
                    "SELECT r.custom_string FROM json_each(?) AS j "
                    "JOIN rows AS r ON r.row = j.value WHERE r.state IS NULL",
                    (listed,),
                )
            ]
            for (listed,) in db.execute(
                "SELECT rows FROM chunks WHERE state = 'in_flight'"
            ).fetchall()
        ]
        db.execute("COMMIT")
    except sqlite3.Error:
        return None  # the schema is not there yet
    finally:
        db.close()
    return JournalState(planned, chunks, int(waiting), in_flight)


def kill_when(
    proc: subprocess.Popen[bytes],
    journal: Path,
    condition: Callable[[JournalState], bool],
    *,
    timeout: float = 15,
) -> JournalState:
    """SIGKILL ``proc`` at the first journal state meeting ``condition``; return that state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the campaign ended before reaching the kill point"
        state = read_journal(journal)
        if state is not None and condition(state):
            os.kill(proc.pid, signal.SIGSTOP)  # freeze it, then make sure
            state = read_journal(journal)
            if state is not None and condition(state):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                return state
            os.kill(proc.pid, signal.SIGCONT)
        time.sleep(0.003)
    raise AssertionError(f"kill point not reached in {timeout} s: {read_journal(journal)}")


# -- checking the outcome --------------------------------------------------------------------


def logged(emulator: Emulator) -> list[dict[str, object]]:
    """Return the emulator's accepted messages (complete lines only)."""
    if not emulator.log.exists():
        return []
    text = emulator.log.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


def assert_everyone_texted_once(
    emulator: Emulator, report: Path, valid: dict[int, str]
) -> list[dict[str, str]]:
    """Check the log and the report: one message per valid row, none twice, all rows final."""
    with report.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert [int(line["row"]) for line in lines] == list(range(1, ROWS + 1))
    states = Counter(line["state"] for line in lines)
    assert set(states) <= FINAL, states
    assert states == {"sent": len(valid), "invalid": ROWS - len(valid)}
    assert {int(line["row"]) for line in lines if line["state"] == "invalid"} == set(INVALID_ROWS)

    messages = logged(emulator)
    per_custom = Counter(str(m["custom_string"]) for m in messages)
    twice = {c: n for c, n in per_custom.items() if n > 1}
    assert not twice, f"rows texted more than once: {twice}"
    sent_rows = {line["custom_string"]: line for line in lines if line["state"] == "sent"}
    assert set(per_custom) == set(sent_rows), "the log and the report disagree"
    for message in messages:
        line = sent_rows[str(message["custom_string"])]
        assert message["to"] == line["to"] == valid[int(line["row"])]
        assert message["message_id"] == line["message_id"]
    # Per recipient: exactly as many texts as valid rows for them (one, but for twin rows).
    assert Counter(str(m["to"]) for m in messages) == Counter(valid.values())
    return lines


def resume_to_the_end(
    campaign: Campaign, emulator: Emulator, valid: dict[int, str]
) -> list[dict[str, str]]:
    report = campaign.tmp_path / "report.csv"
    code, output = campaign.run("--resume", "--report", str(report))
    assert code == 0, output
    assert f"resuming from {campaign.journal}" in output
    return assert_everyone_texted_once(emulator, report, valid)


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    return tmp_path / "recipients.csv"


# -- the kill points -------------------------------------------------------------------------


def test_killed_after_the_plan_before_any_chunk(tmp_path: Path, csv_path: Path) -> None:
    valid = write_csv(csv_path)
    with emulator_process(tmp_path, "--latency-ms", "150") as emu:
        campaign = Campaign(tmp_path, emu.url, csv_path, tmp_path / "campaign.db")
        with campaign.start(ask=True) as proc:
            campaign.wait_for_output(f"Send {len(valid)} messages")
            state = kill_when(proc, campaign.journal, lambda s: s.planned and not s.chunks)
        assert state.waiting == len(valid)
        assert logged(emu) == []
        # Without --resume the journal is not silently reused or overwritten.
        code, output = campaign.run()
        assert code == 1 and "--resume" in output
        resume_to_the_end(campaign, emu, valid)


def test_killed_with_a_chunk_in_flight(tmp_path: Path, csv_path: Path) -> None:
    valid = write_csv(csv_path)
    with emulator_process(tmp_path, "--latency-ms", "150") as emu:
        campaign = Campaign(tmp_path, emu.url, csv_path, tmp_path / "campaign.db")
        with campaign.start() as proc:
            state = kill_when(
                proc, campaign.journal, lambda s: s.chunks["done"] >= 3 and bool(s.in_flight)
            )
        in_doubt = [c for chunk in state.in_flight for c in chunk]
        assert in_doubt
        time.sleep(0.4)  # the emulator finishes what it received; the answers go nowhere
        reached = {str(m["custom_string"]) for m in logged(emu)}
        lines = resume_to_the_end(campaign, emu, valid)
        by_custom = {line["custom_string"]: line for line in lines}
        for custom in in_doubt:
            # What the dead process had got through was found in the history, not sent again;
            # the rest was sent by the resumed run.
            reason = by_custom[custom]["reason"]
            assert ("history" in reason) == (custom in reached), (custom, reason)


def test_killed_after_the_server_committed_a_chunk_but_before_its_answer(
    tmp_path: Path, csv_path: Path
) -> None:
    valid = write_csv(csv_path)
    faults = ("--faults", "/sms/send:commit-hang=0.2", "--hang-seconds", "1.5", "--seed", "7")
    with emulator_process(tmp_path, *faults) as emu:
        campaign = Campaign(tmp_path, emu.url, csv_path, tmp_path / "campaign.db")

        def committed_in_flight(state: JournalState) -> bool:
            if not state.in_flight:
                return False
            reached = {str(m["custom_string"]) for m in logged(emu)}
            return any(set(chunk) <= reached for chunk in state.in_flight)

        with campaign.start() as proc:
            state = kill_when(proc, campaign.journal, committed_in_flight)
        reached = {str(m["custom_string"]) for m in logged(emu)}
        committed = [c for chunk in state.in_flight if set(chunk) <= reached for c in chunk]
        assert committed
        lines = resume_to_the_end(campaign, emu, valid)
        by_custom = {line["custom_string"]: line for line in lines}
        for custom in committed:
            assert by_custom[custom]["state"] == "sent"
            assert "history" in by_custom[custom]["reason"], by_custom[custom]


def test_killed_between_chunks(tmp_path: Path, csv_path: Path) -> None:
    # Rows 1 and 2 are the same message to the same person: the emulator answers THROTTLED to
    # the second, the engine puts it back and, once every chunk is done, pauses before another
    # pass. That pause is a wide "between chunks" point: chunks done, none in flight, one waiting.
    valid = write_csv(csv_path, twin_first_row=True)
    with emulator_process(tmp_path, "--throttle-window", "0.2") as emu:
        campaign = Campaign(tmp_path, emu.url, csv_path, tmp_path / "campaign.db")
        with campaign.start() as proc:
            state = kill_when(
                proc,
                campaign.journal,
                lambda s: s.chunks["done"] > 0 and not s.in_flight and s.waiting == 1,
            )
        assert state.chunks["in_flight"] == 0
        assert len(logged(emu)) == len(valid) - 1
        lines = resume_to_the_end(campaign, emu, valid)
        assert (
            lines[0]["to"] == lines[1]["to"]
            and lines[0]["custom_string"] != lines[1]["custom_string"]
        )


#: Each seed: the faults of its emulator. The kill instants are drawn from the seed too.
RANDOM_KILL_FAULTS = {
    1: "/sms/send:commit-drop=0.1,429=0.05",
    2: "/sms/send:commit-hang=0.1,/sms/history:500=0.2",
    3: "/sms/send:commit-500=0.1,/sms/send:commit-garbled=0.05,/sms/send:500=0.05",
}


@pytest.mark.parametrize("seed", sorted(RANDOM_KILL_FAULTS))
def test_killed_at_random_instants_again_and_again(
    tmp_path: Path, csv_path: Path, seed: int
) -> None:
    """Not a chosen kill point: SIGKILL (or SIGTERM) at instants drawn at random, whatever the
    process is doing (reading the CSV, writing the plan, claiming, sending, reconciling a lost
    answer, writing the report), up to six times, each run resuming the last one's journal."""
    rng = random.Random(seed)
    valid = write_csv(csv_path)
    # 20 chunks, 2 in flight, 100 ms each: the first run sends for at least 1 s on any machine,
    # so the first instant (at most 0.9 s) always comes while it runs.
    options = ("--latency-ms", "100", "--hang-seconds", "0.5", "--seed", str(seed))
    with emulator_process(tmp_path, *options, "--faults", RANDOM_KILL_FAULTS[seed]) as emu:
        campaign = Campaign(
            tmp_path, emu.url, csv_path, tmp_path / "campaign.db", options=("--settle", "0.3")
        )
        kills = []
        for _ in range(6):
            state = read_journal(campaign.journal)
            with campaign.start(*(["--resume"] if state and state.planned else [])) as proc:
                instant = rng.uniform(0.05, 0.9)
                signum = signal.SIGKILL if rng.random() < 0.8 else signal.SIGTERM
                try:
                    proc.wait(instant)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signum)
                    proc.wait(10)
                    kills.append((signum.name, round(instant, 2)))
                    continue
            break  # it finished before the instant came
        assert kills, "no run was killed: the instants came too late"
        state = read_journal(campaign.journal)
        if state is not None and state.planned:
            resume_to_the_end(campaign, emu, valid)
        else:  # every kill came before the plan was stored: nothing was sent
            assert logged(emu) == []
            report = tmp_path / "report.csv"
            code, output = campaign.run("--report", str(report))
            assert code == 0, output
            assert_everyone_texted_once(emu, report, valid)


@pytest.mark.parametrize(
    ("signum", "signame", "expected_code"),
    [(signal.SIGINT, "SIGINT", 130), (signal.SIGTERM, "SIGTERM", 143)],
)
def test_a_signal_stops_gracefully_prints_the_summary_and_the_resume_command(
    tmp_path: Path, csv_path: Path, signum: int, signame: str, expected_code: int
) -> None:
    valid = write_csv(csv_path)
    with emulator_process(tmp_path, "--latency-ms", "100") as emu:
        campaign = Campaign(tmp_path, emu.url, csv_path, tmp_path / "campaign.db")
        with campaign.start() as proc:
            deadline = time.monotonic() + 15
            while (read_journal(campaign.journal) or JournalState(False, Counter(), 0, [])).chunks[
                "done"
            ] < 3:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.01)
            proc.send_signal(signum)
            code = proc.wait(15)
        output = campaign.outputs[-1]
        assert code == expected_code, output
        assert f"campaign stopped ({signame})" in output
        assert f"--journal {campaign.journal} --resume" in output
        assert "Traceback" not in output
        # The resume command is the real command line, quoted for a shell, with --resume.
        command = [line.strip() for line in output.splitlines() if "--resume" in line][-1]
        original = campaign.command()
        at = original.index("--journal") + 2
        assert shlex.split(command) == [*original[:at], "--resume", *original[at:]]
        state = read_journal(campaign.journal)
        assert state is not None and not state.in_flight  # chunks in flight were let finish
        resume_to_the_end(campaign, emu, valid)


def test_sigterm_with_json_ends_with_a_summary_line_that_says_how_to_resume(
    tmp_path: Path, csv_path: Path
) -> None:
    valid = write_csv(csv_path)
    with emulator_process(tmp_path, "--latency-ms", "100") as emu:
        campaign = Campaign(tmp_path, emu.url, csv_path, tmp_path / "campaign.db", ("--json",))
        with campaign.start() as proc:
            deadline = time.monotonic() + 15
            while (read_journal(campaign.journal) or JournalState(False, Counter(), 0, [])).chunks[
                "done"
            ] < 3:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(15)
        output = campaign.outputs[-1]
        assert code == 143, output
        documents = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert documents[0]["event"] == "plan" and documents[-1]["event"] == "summary"
        summary = documents[-1]
        assert summary["stopped"] and summary["signal"] == "SIGTERM" and not summary["complete"]
        # One line per row: those settled before the stop, then those not sent (resumable).
        outcomes = Counter(d["state"] for d in documents if d["event"] == "outcome")
        assert outcomes == {k: v for k, v in summary["counts"].items() if v}
        assert sum(outcomes.values()) == ROWS and outcomes["skipped"] > 0
        assert "--resume" in shlex.split(summary["resume_command"])
        campaign.options = ()
        resume_to_the_end(campaign, emu, valid)


def test_stdout_closed_by_its_reader_stops_gracefully_and_the_resume_texts_nobody_twice(
    tmp_path: Path, csv_path: Path
) -> None:
    """``campaign --json | head -1``: the reader goes away after the plan line. The next write
    fails (EPIPE); the campaign stops as on SIGPIPE: the requests in flight finish and are
    recorded, the report is written, stderr says how to resume (exit 141), no traceback."""
    valid = write_csv(csv_path)
    report = tmp_path / "first.csv"
    with emulator_process(tmp_path, "--latency-ms", "100") as emu:
        campaign = Campaign(tmp_path, emu.url, csv_path, tmp_path / "campaign.db", ("--json",))
        errors = tmp_path / "stderr.txt"
        with errors.open("wb") as sink:
            proc = subprocess.Popen(
                campaign.command("--report", str(report)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=sink,
                env=campaign.env(),
            )
            try:
                assert proc.stdout is not None
                first = json.loads(proc.stdout.readline())
                assert first["event"] == "plan"
                proc.stdout.close()  # the reader goes away
                code = proc.wait(30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
        stderr = errors.read_text(encoding="utf-8", errors="replace")
        assert code == 128 + signal.SIGPIPE, stderr
        assert "Traceback" not in stderr and "unhandled exception" not in stderr, stderr
        assert "stopped by SIGPIPE" in stderr and "--resume" in stderr, stderr
        state = read_journal(campaign.journal)
        assert state is not None and not state.in_flight  # in flight when it stopped: recorded
        assert report.exists()
        assert len(logged(emu)) < len(valid)  # it stopped
        campaign.options = ()
        resume_to_the_end(campaign, emu, valid)


def test_a_listing_whose_reader_goes_away_ends_quietly_with_the_sigpipe_status(
    tmp_path: Path,
) -> None:
    """``history --json | head -1``: nothing is sent by a listing, so it just ends: exit 141,
    no ``error: Broken pipe``, no traceback."""
    with emulator_process(tmp_path) as emu:
        token = base64.b64encode(b"emulator:emulator-api-key").decode()
        body = {"messages": [{"to": f"+6148{i:07d}", "body": "x" * 100} for i in range(1000)]}
        request = urllib.request.Request(
            emu.url + "/sms/send",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
        campaign = Campaign(tmp_path, emu.url, tmp_path / "unused.csv", tmp_path / "unused.db")
        command = [sys.executable, "-m", "clicksend_async", "--base-url", emu.url]
        proc = subprocess.Popen(
            [*command, "--json", "history"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=campaign.env(),
        )
        try:
            assert proc.stdout is not None and proc.stderr is not None
            assert json.loads(proc.stdout.readline())  # one line, then the reader goes away
            proc.stdout.close()  # far more than a pipe's buffer is still to be written
            code = proc.wait(30)
            stderr = proc.stderr.read().decode("utf-8", "replace")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            if proc.stderr is not None:
                proc.stderr.close()
    assert code == 128 + signal.SIGPIPE, stderr
    assert stderr == "", stderr
