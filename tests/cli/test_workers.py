"""``campaign --store ... --detach``, ``worker`` and ``status`` against a real PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_helpers import CREDENTIAL_VARS
from click.testing import CliRunner, Result

from clicksend_async import cli
from clicksend_async.testing import ClickSendEmulator

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"
BODY = "Hi {first_name}, your order is ready"


def name() -> str:
    return f"cli-{uuid.uuid4().hex[:12]}"


def creds(emu: ClickSendEmulator) -> list[str]:
    return ["--base-url", emu.url, "--username", emu.username, "--api-key", emu.api_key]


def invoke(runner: CliRunner, emu: ClickSendEmulator, *args: str, code: int = 0) -> Result:
    result = runner.invoke(
        cli.build_cli(), [*creds(emu), "--rate", "0", *args], catch_exceptions=False
    )
    assert result.exit_code == code, result.output
    return result


def documents(result: Result) -> list[Any]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def valid(schema_name: str, value: Any) -> Any:
    schema = json.loads((SCHEMAS / f"{schema_name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=str)
    assert not errors, f"{schema_name}: {errors[0].message} in {value}"
    return value


def people_csv(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "people.csv"
    lines = ["phone,first_name"] + [f"+6142{i:07d},Name{i}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def detach(
    runner: CliRunner, emu: ClickSendEmulator, csv_path: Path, store: list[str], *more: str
) -> list[Any]:
    result = invoke(
        runner,
        emu,
        "campaign",
        str(csv_path),
        "--body",
        BODY,
        *store,
        "--detach",
        "--chunk-size",
        "10",
        "--yes",
        "--json",
        *more,
    )
    return documents(result)


class TestDetachThenWorkers:
    def test_three_worker_processes_text_everyone_exactly_once(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        postgres_dsn: str,
        tmp_path: Path,
    ) -> None:
        store = ["--store", postgres_dsn, "--name", name()]
        plan, detached = detach(runner, emulator, people_csv(tmp_path, 240), store)
        valid("campaign", plan)
        valid("campaign", detached)
        assert plan["event"] == "plan" and plan["to_send"] == 240
        assert detached["event"] == "detached" and detached["to_send"] == 240
        assert detached["worker_command"].endswith(f"worker {' '.join(store)}")
        assert emulator.sent == []  # detached: nothing sent

        env = {**os.environ, "PYTHONPATH": str(ROOT), **dict.fromkeys(CREDENTIAL_VARS, "")}
        command = [sys.executable, "-m", "clicksend_async", *creds(emulator), "--rate", "0"]
        workers = [
            subprocess.Popen(
                [*command, "worker", *store, "--json", "--concurrency", "2"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [w.communicate(timeout=120) for w in workers]
        assert [w.returncode for w in workers] == [0, 0, 0], [err for _, err in outputs]
        for out, _ in outputs:
            (end,) = [json.loads(line) for line in out.splitlines()]
            valid("worker", end)
            # Nothing left to send; rows still in flight in another worker are its to finish.
            assert end["pending"] == 0 and end["unknown"] == 0
            assert end["counts"]["sent"] + end["counts"]["unknown"] == 240  # unknown: held
        sent = Counter(m.to for m in emulator.sent)
        assert len(sent) == 240 and max(sent.values()) == 1, "someone was texted twice"

        report = tmp_path / "report.csv"
        (status,) = documents(
            invoke(runner, emulator, "status", *store, "--json", "--report", str(report))
        )
        valid("status", status)
        assert status["finished"] and status["counts"]["sent"] == 240 and status["pending"] == 0
        with report.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 240 and {r["state"] for r in rows} == {"sent"}

    def test_a_slice_stops_when_its_time_is_up_and_the_next_worker_finishes(
        self, runner: CliRunner, postgres_dsn: str, tmp_path: Path
    ) -> None:
        from cli_helpers import ThreadedEmulator

        store = ["--store", postgres_dsn, "--name", name()]
        with ThreadedEmulator(balance=10_000, latency_ms=60) as emu:
            detach(runner, emu, people_csv(tmp_path, 100), store)
            first = invoke(
                runner,
                emu,
                "worker",
                *store,
                "--max-seconds",
                "0.2",
                "--concurrency",
                "1",
                "--json",
                code=3,  # rows left: start another worker
            )
            (end,) = documents(first)
            valid("worker", end)
            assert end["time_up"] and not end["finished"] and end["pending"] > 0
            (status,) = documents(invoke(runner, emu, "status", *store, "--json"))
            assert status["pending"] == end["pending"] and not status["finished"]
            invoke(runner, emu, "worker", *store, "--concurrency", "4")
            (status,) = documents(invoke(runner, emu, "status", *store, "--json"))
            assert status["finished"] and status["counts"]["sent"] == 100
            sent = Counter(m.to for m in emu.sent)
        assert len(sent) == 100 and max(sent.values()) == 1

    def test_without_detach_the_campaign_is_sent_by_a_worker_in_this_process(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        postgres_dsn: str,
        tmp_path: Path,
    ) -> None:
        store = ["--store", postgres_dsn, "--name", name()]
        path = people_csv(tmp_path, 25)
        result = invoke(
            runner, emulator, "campaign", str(path), "--body", BODY, *store, "--yes", "--json"
        )
        plan, end = documents(result)
        valid("campaign", plan)
        valid("campaign", end)
        assert end["event"] == "worker" and end["finished"] and end["counts"]["sent"] == 25
        assert end["this_worker"]["sent"] == 25
        assert len(emulator.sent) == 25

    def test_workers_share_the_rate_through_the_limiter(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        postgres_dsn: str,
        redis_server: Any,
        redis_url: str,
        tmp_path: Path,
    ) -> None:
        store = ["--store", postgres_dsn, "--name", name()]
        detach(runner, emulator, people_csv(tmp_path, 30), store)
        shared = ["--limiter", redis_url, "--rate", "50"]
        result = runner.invoke(
            cli.build_cli(),
            [*creds(emulator), *shared, "worker", *store, "--json"],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        (end,) = documents(result)
        assert end["finished"] and end["counts"]["sent"] == 30
        keys = redis_server.command("KEYS", "clicksend_async:rate:*")
        assert keys is not None and b"clicksend_async:rate:" in keys  # paced through Redis
        bad = runner.invoke(
            cli.build_cli(),
            [*creds(emulator), "--limiter", redis_url, "--rate", "0", "worker", *store],
        )
        assert bad.exit_code == 1 and "give --rate above 0" in bad.stderr

    def test_a_worker_refuses_a_campaign_that_is_not_planned(
        self, runner: CliRunner, emulator: ClickSendEmulator, postgres_dsn: str
    ) -> None:
        result = invoke(
            runner, emulator, "worker", "--store", postgres_dsn, "--name", name(), code=1
        )
        assert "not planned: a worker never plans" in result.stderr
        assert emulator.requests == []

    def test_an_over_budget_campaign_is_refused_and_never_sent_by_a_worker(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        postgres_dsn: str,
        tmp_path: Path,
    ) -> None:
        store = ["--store", postgres_dsn, "--name", name()]
        path = people_csv(tmp_path, 20)
        args = ["campaign", str(path), "--body", BODY, *store, "--detach", "--yes"]
        result = invoke(runner, emulator, *args, "--max-cost", "0.01", code=4)
        assert "over budget" in result.stderr
        # The store says the plan was refused: a worker refuses it before claiming anything.
        worker = invoke(runner, emulator, "worker", *store, "--json", code=1)
        assert "refused when it was planned" in worker.stderr
        assert emulator.sent == []
        again = invoke(runner, emulator, *args, code=1)
        assert "already planned" in again.stderr

    def test_the_store_password_is_never_printed(
        self, runner: CliRunner, emulator: ClickSendEmulator, postgres_dsn: str, tmp_path: Path
    ) -> None:
        dsn = postgres_dsn.replace("postgres@", "postgres:s3cret-pw@")  # trust auth ignores it
        store = ["--store", dsn, "--name", name()]
        plan, detached = detach(runner, emulator, people_csv(tmp_path, 3), store)
        assert "s3cret-pw" not in json.dumps([plan, detached])
        assert "s3cret-pw" not in invoke(runner, emulator, "status", *store).output
        worker = invoke(runner, emulator, "worker", *store)
        assert "s3cret-pw" not in worker.output


class TestSqliteStore:
    def test_sqlite_store_is_the_journal_and_a_worker_sends_it(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        journal = tmp_path / "c.journal.db"
        store = ["--store", f"sqlite:///{journal}"]
        _, detached = detach(runner, emulator, people_csv(tmp_path, 15), store)
        assert detached["to_send"] == 15 and journal.exists()
        assert emulator.sent == []
        (end,) = documents(invoke(runner, emulator, "worker", *store, "--json"))
        valid("worker", end)
        assert end["finished"] and end["counts"]["sent"] == 15
        (status,) = documents(invoke(runner, emulator, "status", *store, "--json"))
        valid("status", status)
        assert status["where"] == str(journal) and status["finished"]
        assert len(emulator.sent) == 15

    def test_sqlite_store_without_detach_sends_like_journal(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        journal = tmp_path / "c.journal.db"
        path = people_csv(tmp_path, 4)
        store = ["--store", f"sqlite:///{journal}"]
        invoke(runner, emulator, "campaign", str(path), "--body", BODY, *store, "--yes")
        assert len(emulator.sent) == 4 and journal.exists()

    def test_a_worker_on_a_missing_journal_refuses_and_creates_nothing(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        journal = tmp_path / "missing.journal.db"
        store = ["--store", f"sqlite:///{journal}"]
        result = invoke(runner, emulator, "worker", *store, code=1)
        assert "there is no journal" in result.stderr
        result = invoke(runner, emulator, "status", *store, code=1)
        assert not journal.exists() and emulator.requests == []

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--detach"], "--detach needs --store"),
            (["--store", "sqlite:///x.db", "--detach", "--emulator"], "no worker could send"),
            (["--store", "mysql://x/y", "--name", "n"], "postgresql://"),
            (["--store", "postgresql://127.0.0.1/db"], "needs the campaign's name"),
            (["--store", "sqlite:///x.db", "--journal", "y.db"], "not both"),
        ],
    )
    def test_bad_store_options_are_usage_errors(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        tmp_path: Path,
        args: list[str],
        message: str,
    ) -> None:
        path = people_csv(tmp_path, 1)
        result = invoke(runner, emulator, "campaign", str(path), "--body", BODY, *args, code=2)
        assert message in result.stderr
        assert emulator.requests == []


class TestWorkerLeases:
    def test_lease_grace_and_settle_reach_the_worker_and_the_campaign_is_sent(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        postgres_dsn: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from clicksend_async.cli import workers

        store = ["--store", postgres_dsn, "--name", name()]
        detach(runner, emulator, people_csv(tmp_path, 30), store)
        opened: list[dict[str, Any]] = []
        settles: list[float] = []
        real_open = workers.StoreChoice.open
        real_prepare = workers.prepare_worker

        def open_(self: Any, **options: Any) -> Any:
            opened.append(options)
            return real_open(self, **options)

        async def prepare(*args: Any, **kwargs: Any) -> Any:
            settles.append(kwargs["reconcile_settle"])
            return await real_prepare(*args, **kwargs)

        monkeypatch.setattr(workers.StoreChoice, "open", open_)
        monkeypatch.setattr(workers, "prepare_worker", prepare)
        invoke(
            runner,
            emulator,
            "--timeout",
            "5",
            "worker",
            *store,
            "--lease",
            "12",
            "--grace",
            "1",
            "--settle",
            "9",
        )
        assert opened == [{"lease": 12.0, "grace": 1.0}]
        assert settles == [9.0]
        sent = Counter(m.to for m in emulator.sent)
        assert len(sent) == 30 and max(sent.values()) == 1

    def test_a_lease_shorter_than_a_request_is_refused_before_anything_is_sent(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        postgres_dsn: str,
        tmp_path: Path,
    ) -> None:
        store = ["--store", postgres_dsn, "--name", name()]
        detach(runner, emulator, people_csv(tmp_path, 10), store)
        # The pre-send guard would veto every chunk: refused up front instead.
        result = invoke(runner, emulator, "worker", *store, "--lease", "20", code=1)
        assert "--lease 20 is too short" in result.output
        assert "--timeout" in result.output
        assert emulator.sent == []

    def test_a_journal_takes_no_lease(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        journal = tmp_path / "campaign.db"
        result = invoke(
            runner, emulator, "worker", "--store", f"sqlite:///{journal}", "--grace", "3", code=2
        )
        assert "leases are a PostgreSQL store's" in result.output
