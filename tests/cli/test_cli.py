"""The clicksend-async command line, in-process (CliRunner) against the emulator."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import ThreadedEmulator
from click.testing import CliRunner, Result

from clicksend_async import cli
from clicksend_async._retry import RetryPolicy
from clicksend_async.testing import ClickSendEmulator

BODY = "Hi {first_name}, your order is ready"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "recipients.csv"


def creds(emu: ClickSendEmulator) -> list[str]:
    """Return the global options that point the CLI at ``emu`` with its credentials."""
    return [
        "--base-url",
        emu.url,
        "--username",
        emu.username,
        "--api-key",
        emu.api_key,
        "--rate",
        "0",
    ]


def invoke(runner: CliRunner, args: list[str], **kwargs: Any) -> Result:
    """Run the CLI in-process; exceptions other than SystemExit fail the test."""
    return runner.invoke(cli.build_cli(), args, catch_exceptions=False, **kwargs)


def sends(emu: ClickSendEmulator) -> list[str]:
    return [r.path for r in emu.requests if r.path.endswith("/send")]


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the client's retry waits tiny: some tests provoke failures on purpose."""
    monkeypatch.setattr(
        "clicksend_async._client.DEFAULT_RETRY",
        RetryPolicy(max_attempts=2, backoff_base=0.01, jitter=False),
    )


class TestSend:
    def test_accepted_prints_the_result_table(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        result = invoke(runner, [*creds(emulator), "send", "--to", "+61491570006", "--body", "Hi"])
        assert result.exit_code == 0, result.output
        for column in ("to", "status", "message_id", "parts", "price", "currency"):
            assert column in result.output
        assert "SUCCESS" in result.output and "AUD" in result.output
        assert [m.to for m in emulator.sent] == ["+61491570006"]
        assert emulator.sent[0].message_id in result.output

    def test_rejected_exits_1_and_shows_the_status(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        # A well-formed number with an unknown calling code: ClickSend refuses it per message.
        result = invoke(runner, [*creds(emulator), "send", "--to", "+99912345678", "--body", "x"])
        assert result.exit_code == 1
        assert "INVALID_RECIPIENT" in result.output
        assert "error:" in result.output
        assert emulator.sent == []

    def test_emulator_flag_needs_no_credentials(self, runner: CliRunner) -> None:
        result = invoke(runner, ["send", "--to", "+61411111111", "--body", "Hi", "--emulator"])
        assert result.exit_code == 0, result.output
        assert "SUCCESS" in result.output
        assert "built-in emulator" in result.output

    def test_schedule_is_sent_as_unix_seconds(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        args = ["send", "--to", "+61491570006", "--body", "later"]
        result = invoke(runner, [*creds(emulator), *args, "--schedule", "2099-01-31T09:00:00Z"])
        assert result.exit_code == 0, result.output
        sent = [r for r in emulator.requests if r.path == "/sms/send"]
        expected = datetime(2099, 1, 31, 9, tzinfo=UTC).timestamp()
        assert sent[0].json["messages"][0]["schedule"] == expected

    def test_schedule_without_timezone_is_a_usage_error(self, runner: CliRunner) -> None:
        args = ["send", "--to", "+61411111111", "--body", "x", "--schedule", "2030-01-31T09:00"]
        result = invoke(runner, args)
        assert result.exit_code == 2
        assert "timezone" in result.output

    def test_invalid_number_is_refused_before_any_request(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        result = invoke(runner, [*creds(emulator), "send", "--to", "12ab", "--body", "x"])
        assert result.exit_code == 1
        assert "error:" in result.output and "12ab" in result.output
        assert emulator.requests == []


class TestCredentials:
    def test_gateway_from_the_environment_wins_like_from_env(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        env = {
            "MATON_API_KEY": emulator.maton_api_key,
            "CLICKSEND_USERNAME": "someone",
            "CLICKSEND_API_KEY": "something",
        }
        args = ["--base-url", emulator.maton_url, "send", "--to", "+61411111111", "--body", "x"]
        result = invoke(runner, args, env=env)
        assert result.exit_code == 0, result.output
        assert [(r.api, r.path) for r in emulator.requests] == [("maton", "/sms/send")]

    def test_flags_win_over_the_environment(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        env = {"MATON_API_KEY": "not-this-one"}
        args = [*creds(emulator), "send", "--to", "+61411111111", "--body", "x"]
        result = invoke(runner, args, env=env)
        assert result.exit_code == 0, result.output
        assert [(r.api, r.path) for r in emulator.requests] == [("direct", "/sms/send")]

    def test_both_kinds_of_flags_is_an_error(self, runner: CliRunner) -> None:
        args = ["--maton-api-key", "k", "--username", "u", "--api-key", "a"]
        result = invoke(runner, [*args, "send", "--to", "+61411111111", "--body", "x"])
        assert result.exit_code == 1
        assert "not both" in result.output


class TestPrice:
    def test_one_message(self, runner: CliRunner, emulator: ClickSendEmulator) -> None:
        args = [*creds(emulator), "price", "--to", "+61491570006", "--body", "Hello there"]
        result = invoke(runner, args)
        assert result.exit_code == 0, result.output
        assert "0.0792" in result.output
        assert "total: 0.0792 AUD" in result.output
        assert sends(emulator) == []

    def test_csv_prints_the_preflight_and_sends_nothing(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "price", str(recipients_csv), "--body", BODY]
        result = invoke(runner, args)
        assert result.exit_code == 0, result.output
        out = result.output
        assert "rows" in out and "6" in out
        assert "invalid rows" in out and "+61 4 nope" in out
        assert "0.3960 AUD" in out  # 5 x 0.0792
        assert "balance" in out
        assert sends(emulator) == []
        assert [r.path for r in emulator.requests].count("/sms/price") == 1

    def test_blank_lines_are_not_rows_and_are_counted(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        path = tmp_path / "gappy.csv"
        path.write_text(
            "phone,first_name\r\n+61491570006,Ann\r\n\r\n,\r\n +61491570156 ,Bo\r\n\r\n",
            encoding="utf-8",
        )
        result = invoke(
            runner, [*creds(emulator), "price", str(path), "--body", BODY, "--exact-price"]
        )
        assert result.exit_code == 0, result.output
        assert "2 (3 blank lines skipped)" in result.output
        assert "invalid rows" in result.output and "invalid rows │ 0" not in result.output
        priced = [r for r in emulator.requests if r.path == "/sms/price"]
        assert [m["to"] for m in priced[0].json["messages"]] == ["+61491570006", "+61491570156"]

    def test_needs_a_csv_or_to(self, runner: CliRunner, recipients_csv: Path) -> None:
        assert invoke(runner, ["price", "--body", "x"]).exit_code == 2
        both = invoke(runner, ["price", str(recipients_csv), "--to", "+61411111111", "--body", "x"])
        assert both.exit_code == 2


class TestCampaign:
    def test_newcomer_command_on_the_example_csv(self, runner: CliRunner) -> None:
        args = ["campaign", str(EXAMPLE), "--body", "Hi {first_name}, ready!", "--emulator"]
        result = invoke(runner, [*args, "--yes"])
        assert result.exit_code == 0, result.output
        assert "sent        23" in result.output
        assert "invalid     2" in result.output
        assert "journal: temporary" in result.output
        assert not EXAMPLE.with_name(EXAMPLE.name + cli.JOURNAL_SUFFIX).exists()

    def test_dry_run_prints_the_plan_and_sends_nothing(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--dry-run"]
        result = invoke(runner, args)
        assert result.exit_code == 0, result.output
        out = result.output
        assert "campaign plan" in out
        assert "messages" in out and "GSM-7: 5" in out
        assert "row" in out and "is not" in out  # the invalid row, with its reason
        assert "dry run: nothing was sent" in out
        assert sends(emulator) == []
        assert not cli.default_journal_path(recipients_csv).exists()

    def test_the_plan_is_priced_by_key_unless_exact_price_is_asked(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--dry-run"]
        keyed = invoke(runner, args)
        assert keyed.exit_code == 0, keyed.output
        priced = [r for r in emulator.requests if r.path == "/sms/price"]
        assert "estimated from" in keyed.output and "price key" in keyed.output
        assert "--exact-price prices every row" in keyed.output
        exact = invoke(runner, [*args, "--exact-price"])
        assert exact.exit_code == 0, exact.output
        asked = [r for r in emulator.requests if r.path == "/sms/price"][len(priced) :]
        assert "estimated from" not in exact.output
        # Exact pricing asks for every valid row; key pricing for one row per key.
        assert sum(len(r.json["messages"]) for r in asked) == 5
        assert sum(len(r.json["messages"]) for r in priced) < 5
        cost = next(line for line in keyed.output.splitlines() if "AUD" in line)
        assert cost.split("AUD")[0].split()[-1] in exact.output  # the same total

    def test_full_run_writes_the_report(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        report = tmp_path / "report.csv"
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        result = invoke(runner, [*args, "--report", str(report), "--chunk-size", "2"])
        assert result.exit_code == 0, result.output
        journal = cli.default_journal_path(recipients_csv)
        assert f"journal: writing {journal}" in result.output
        assert journal.exists()
        lines = read_report(report)
        assert [line["row"] for line in lines] == ["1", "2", "3", "4", "5", "6"]
        assert Counter(line["state"] for line in lines) == {"sent": 5, "invalid": 1}
        by_id = {m.message_id: m for m in emulator.sent}
        for line in lines[:5]:
            sent = by_id[line["message_id"]]
            assert sent.to == line["to"]
            assert sent.body == f"Hi Name{int(line['to'][-4:])}, your order is ready"
            assert line["price"] == "0.0792"
        assert lines[5]["reason"]
        assert len(sends(emulator)) == 3  # chunks of 2
        # Written while the campaign ran, under a hidden name moved into place at the end.
        assert not list(tmp_path.glob(".report.csv.*.partial"))

    @pytest.mark.parametrize(
        ("target", "what"),
        [
            ("csv", "the recipients' CSV"),
            ("journal", "the campaign journal"),
            ("lock", "the journal's .lock file"),
            ("rollback", "the journal's -journal file"),
            ("given journal", "the campaign journal"),
            ("exclude", "the excluded numbers"),
        ],
    )
    def test_a_report_over_one_of_the_campaigns_own_files_is_refused(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        recipients_csv: Path,
        tmp_path: Path,
        target: str,
        what: str,
    ) -> None:
        """Moved into place at the end, it would replace the input or the record of who was
        texted (what keeps a resume from texting anyone twice)."""
        before = recipients_csv.read_bytes()
        journal = cli.default_journal_path(recipients_csv)
        optouts = tmp_path / "optouts.txt"
        optouts.write_text("+61400000999\n", encoding="utf-8")
        given = tmp_path / "mine.db"
        report = {
            "csv": recipients_csv,
            "journal": journal,
            "lock": Path(f"{journal}.lock"),
            "rollback": Path(f"{journal}-journal"),
            "given journal": given,
            "exclude": optouts,
        }[target]
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        args += ["--report", str(report), "--exclude", str(optouts)]
        if target == "given journal":
            args += ["--journal", str(given)]
        result = invoke(runner, args)
        assert result.exit_code == 1, result.output
        assert f"is {what}" in result.output and "choose another file" in result.output
        assert sends(emulator) == []
        assert recipients_csv.read_bytes() == before
        assert not journal.exists() and not given.exists()

    def test_max_cost_exceeded_exits_4_and_sends_nothing(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        result = invoke(runner, [*args, "--max-cost", "0.10"])
        assert result.exit_code == cli.EXIT_BUDGET == 4
        assert "0.3960 AUD" in result.output and "--max-cost 0.1000" in result.output
        assert "nothing was sent" in result.output
        assert sends(emulator) == []
        assert not cli.default_journal_path(recipients_csv).exists()
        # Nor its side files: SQLite's rollback journal and the lock.
        assert sorted(p.name for p in recipients_csv.parent.iterdir()) == [recipients_csv.name]

    def test_settle_reaches_the_engine(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        recipients_csv: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """``--settle SECONDS`` is the engine's ``reconcile_settle`` (how long past a lost
        answer's request the history is read before absence counts); out of range, refused."""
        from clicksend_async.bulk import BulkJob

        seen: list[float] = []
        real = BulkJob.__init__

        def spy(self: Any, *args: Any, **kwargs: Any) -> None:
            seen.append(kwargs.get("reconcile_settle", 2.0))
            real(self, *args, **kwargs)

        monkeypatch.setattr(BulkJob, "__init__", spy)
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        assert invoke(runner, [*args, "--settle", "7.5"]).exit_code == 0
        assert seen == [7.5]
        assert invoke(runner, [*args, "--settle", "-1", "--resume"]).exit_code == 2

    def test_max_segments_exceeded_exits_4(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        result = invoke(runner, [*args, "--max-segments", "3"])
        assert result.exit_code == 4
        assert "over --max-segments 3" in result.output
        assert sends(emulator) == []

    def test_balance_too_low_exits_4(self, runner: CliRunner, recipients_csv: Path) -> None:
        with ThreadedEmulator(balance="0.20") as emu:
            args = [*creds(emu), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
            result = invoke(runner, args)
            assert result.exit_code == 4, result.output
            assert "balance" in result.output
            assert sends(emu) == []

    def test_missing_credentials_names_the_variables(
        self, runner: CliRunner, recipients_csv: Path
    ) -> None:
        result = invoke(runner, ["campaign", str(recipients_csv), "--body", BODY, "--yes"])
        assert result.exit_code == 1
        for name in ("CLICKSEND_USERNAME", "CLICKSEND_API_KEY", "MATON_API_KEY"):
            assert name in result.output
        assert "Traceback" not in result.output
        assert not cli.default_journal_path(recipients_csv).exists()

    def test_half_the_credentials_names_the_missing_one(
        self, runner: CliRunner, recipients_csv: Path
    ) -> None:
        env = {"CLICKSEND_USERNAME": "someone"}
        result = invoke(runner, ["send", "--to", "+61411111111", "--body", "x"], env=env)
        assert result.exit_code == 1
        assert "CLICKSEND_API_KEY is not set" in result.output

    def test_csv_without_a_phone_column(self, runner: CliRunner, tmp_path: Path) -> None:
        path = tmp_path / "nophone.csv"
        path.write_text("name,city\nAnn,Perth\n", encoding="utf-8")
        result = invoke(runner, ["campaign", str(path), "--body", "Hi {name}", "--emulator"])
        assert result.exit_code == 1
        assert "no phone column" in result.output and "name, city" in result.output

    def test_unreadable_csv(self, runner: CliRunner, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere.csv"
        result = invoke(runner, ["campaign", str(missing), "--body", "Hi", "--emulator", "--yes"])
        assert result.exit_code == 1
        assert "cannot read" in result.output and "nowhere.csv" in result.output
        binary = tmp_path / "binary.csv"
        binary.write_bytes(b"\xff\xfe\x00garbage\x00\xff")
        result = invoke(runner, ["campaign", str(binary), "--body", "Hi", "--emulator", "--yes"])
        assert result.exit_code == 1
        assert "error:" in result.output and "Traceback" not in result.output

    def test_template_naming_a_missing_column_makes_no_request(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--yes"]
        result = invoke(runner, [*args, "--body", "Hi {first_name} from {town}"])
        assert result.exit_code == 1
        assert "{town}" in result.output
        assert "phone, first_name, city" in result.output
        assert emulator.requests == []

    def test_empty_template_field_makes_the_row_invalid(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        path = tmp_path / "gaps.csv"
        path.write_text("phone,first_name\n+61491570006,Ann\n+61491570156, \n", encoding="utf-8")
        args = [*creds(emulator), "campaign", str(path), "--body", "Hi {first_name}", "--yes"]
        result = invoke(runner, args)
        assert result.exit_code == 0, result.output
        assert "first_name" in result.output
        assert [m.body for m in emulator.sent] == ["Hi Ann"]
        blank = tmp_path / "blank.csv"
        blank.write_text("phone,first_name\n+61491570156, \n", encoding="utf-8")
        args = [*creds(emulator), "campaign", str(blank), "--body", "Hi {first_name}", "--yes"]
        again = invoke(runner, [*args, "--allow-empty-fields"])
        assert again.exit_code == 0, again.output
        assert [m.body for m in emulator.sent] == ["Hi Ann", "Hi  "]

    def test_existing_journal_without_resume_is_refused(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        assert invoke(runner, args).exit_code == 0
        before = len(emulator.requests)
        again = invoke(runner, args)
        journal = cli.default_journal_path(recipients_csv)
        assert again.exit_code == 1
        assert f"--journal {journal} --resume" in again.output
        assert len(emulator.requests) == before

    def test_resume_of_a_finished_campaign_sends_nothing(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        journal = tmp_path / "c.db"
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        assert invoke(runner, [*args, "--journal", str(journal)]).exit_code == 0
        again = invoke(runner, [*args, "--journal", str(journal), "--resume"])
        assert again.exit_code == 0, again.output
        assert "nothing left to send" in again.output
        assert "already done" in again.output
        assert len(emulator.sent) == 5

    def test_bad_report_or_journal_directory_fails_before_any_request(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        nowhere = tmp_path / "missing-dir" / "x"
        result = invoke(runner, [*args, "--report", str(nowhere)])
        assert result.exit_code == 1
        assert "cannot write the report" in result.output
        result = invoke(runner, [*args, "--journal", str(nowhere)])
        assert result.exit_code == 1
        assert "cannot write the journal" in result.output
        result = invoke(runner, [*args, "--report", str(tmp_path)])
        assert result.exit_code == 2
        assert "is a directory" in result.output
        assert emulator.requests == []
        assert not list(tmp_path.glob(".*.partial"))

    def test_resume_needs_journal(self, runner: CliRunner, recipients_csv: Path) -> None:
        result = invoke(runner, ["campaign", str(recipients_csv), "--body", BODY, "--resume"])
        assert result.exit_code == 2
        assert "--resume needs --journal" in result.output

    def test_resume_of_a_missing_journal(
        self, runner: CliRunner, recipients_csv: Path, tmp_path: Path
    ) -> None:
        args = ["campaign", str(recipients_csv), "--body", BODY, "--yes", "--emulator"]
        result = invoke(runner, [*args, "--journal", str(tmp_path / "none.db"), "--resume"])
        assert result.exit_code == 1
        assert "nothing to resume" in result.output

    def test_journal_of_another_campaign(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        journal = tmp_path / "c.db"
        args = [
            *creds(emulator),
            "campaign",
            str(recipients_csv),
            "--yes",
            "--journal",
            str(journal),
        ]
        assert invoke(runner, [*args, "--body", BODY]).exit_code == 0
        other = invoke(runner, [*args, "--body", "Hello {first_name}", "--resume"])
        assert other.exit_code == 1
        assert "belongs to another campaign" in other.output
        assert "choose another --journal" in other.output
        assert "Traceback" not in other.output
        assert len(emulator.sent) == 5
        assert journal.exists()  # never deleted: it records a campaign that was sent

    def test_a_file_that_is_not_a_journal(
        self, runner: CliRunner, recipients_csv: Path, tmp_path: Path
    ) -> None:
        args = ["campaign", str(recipients_csv), "--body", BODY, "--yes", "--emulator"]
        result = invoke(runner, [*args, "--journal", str(recipients_csv)])
        assert result.exit_code == 1
        assert "not a campaign journal" in result.output
        assert recipients_csv.read_text().startswith("phone,")

    def test_refuses_without_yes_when_stdin_is_not_a_terminal(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        result = invoke(runner, [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY])
        assert result.exit_code == 1
        assert "--yes" in result.output and "not a terminal" in result.output
        assert emulator.requests == []

    @pytest.mark.parametrize(("answer", "code", "sent"), [("y\n", 0, 5), ("n\n", 1, 0)])
    def test_confirmation_prompt(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        recipients_csv: Path,
        monkeypatch: pytest.MonkeyPatch,
        answer: str,
        code: int,
        sent: int,
    ) -> None:
        monkeypatch.setattr("clicksend_async.cli._options.stdin_is_tty", lambda: True)
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY]
        result = invoke(runner, args, input=answer)
        assert result.exit_code == code, result.output
        assert "Send 5 messages (0.3960 AUD)?" in result.output
        assert len(emulator.sent) == sent
        # Declining sends nothing and leaves no journal behind to trip the next run.
        assert cli.default_journal_path(recipients_csv).exists() == bool(sent)

    def test_auth_failure_is_one_actionable_line(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        wrong = ["--base-url", emulator.url, "--username", "emulator", "--api-key", "s3cr3t-x"]
        result = invoke(
            runner, [*wrong, "-vv", "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        )
        assert result.exit_code == 1
        assert "HTTP 401" in result.output and "CLICKSEND_API_KEY" in result.output
        assert "s3cr3t-x" not in result.output
        assert "Traceback" not in result.output
        assert not cli.default_journal_path(recipients_csv).exists()

    def test_network_failure(self, runner: CliRunner, recipients_csv: Path) -> None:
        dead = ["--base-url", "http://127.0.0.1:9/v3", "--username", "u", "--api-key", "k"]
        result = invoke(runner, [*dead, "campaign", str(recipients_csv), "--body", BODY, "--yes"])
        assert result.exit_code == 1
        assert "cannot reach ClickSend" in result.output
        assert "Traceback" not in result.output

    def test_unknown_rows_exit_3_with_a_loud_warning(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        # The send is processed but its answer is lost, and the history cannot be read.
        emulator.inject("commit-500", path="/sms/send")
        emulator.inject("500", path="/sms/history", times=10)
        report = tmp_path / "r.csv"
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        result = invoke(runner, [*args, "--report", str(report)])
        assert result.exit_code == cli.EXIT_INCOMPLETE == 3, result.output
        assert "WARNING: 5 rows in state UNKNOWN" in result.output
        assert Counter(line["state"] for line in read_report(report)) == {
            "unknown": 5,
            "invalid": 1,
        }
        assert len(emulator.sent) == 5


class TestEmulatorCommand:
    def test_help_is_the_emulators_own(self, runner: CliRunner) -> None:
        result = invoke(runner, ["emulator", "--help"])
        assert result.exit_code == 0
        for option in ("--port", "--latency-ms", "--faults", "--balance", "--log"):
            assert option in result.output

    def test_bad_option_is_reported_by_the_emulator(self, runner: CliRunner) -> None:
        result = invoke(runner, ["emulator", "--faults", "nonsense=2"])
        assert result.exit_code == 2


class TestPackaging:
    @pytest.mark.parametrize("command", [[], ["send"], ["price"], ["campaign"], ["emulator"]])
    def test_help_fits_80_columns(self, runner: CliRunner, command: list[str]) -> None:
        result = invoke(runner, [*command, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0
        assert max(len(line) for line in result.output.splitlines()) <= 80

    def test_main_without_the_cli_extra_says_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setitem(sys.modules, "click", None)
        assert cli.main(["--help"]) == 1
        assert capsys.readouterr().err.strip() == cli.INSTALL_HINT

    def test_package_imports_without_click_and_rich(self) -> None:
        code = (
            "import sys; sys.modules['click'] = None; sys.modules['rich'] = None\n"
            "import clicksend_async, clicksend_async.cli as c\n"
            "raise SystemExit(c.main(['--help']))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 1
        assert "pip install -e '.[cli]'" in done.stderr
        assert "Traceback" not in done.stderr

    def test_python_dash_m_runs_the_cli(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS",)}
        done = subprocess.run(
            [sys.executable, "-m", "clicksend_async", "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("clicksend-async")


class TestCsvFormats:
    def test_semicolon_file_and_a_near_miss_template_field(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        path = tmp_path / "export.csv"
        path.write_text("Mobile Number;First Name\n+61411111111;Ann\n", encoding="utf-8")
        args = [*creds(emulator), "campaign", str(path), "--yes"]
        result = invoke(runner, [*args, "--body", "Hi {first_name}"])
        assert result.exit_code == 1
        assert "did you mean {First Name} for {first_name}?" in result.output
        assert emulator.requests == []
        result = invoke(runner, [*args, "--body", "Hi {First Name}"])
        assert result.exit_code == 0, result.output
        assert [m.body for m in emulator.sent] == ["Hi Ann"]

    def test_delimiter_and_encoding_options(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        path = tmp_path / "legacy.csv"
        path.write_bytes("phone;name\n+61411111111;Zoë\n".encode("cp1252"))
        args = [*creds(emulator), "campaign", str(path), "--yes", "--body", "Hi {name}"]
        result = invoke(runner, args)
        assert result.exit_code == 1
        assert "--encoding cp1252" in result.output and emulator.requests == []
        result = invoke(runner, [*args, "--encoding", "cp1252", "--delimiter", "tab"])
        assert result.exit_code == 1
        assert "pass its delimiter" in result.output and emulator.requests == []
        result = invoke(runner, [*args, "--encoding", "cp1252", "--delimiter", "semicolon"])
        assert result.exit_code == 0, result.output
        assert [m.body for m in emulator.sent] == ["Hi Zoë"]


class TestGsm:
    BODY = "Hi {first_name}, it\u2019s ready \u2014 see you soon"

    def test_the_plan_says_why_messages_are_ucs2_and_gsm_fixes_it(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", self.BODY]
        result = invoke(runner, [*args, "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "UCS-2 because of" in result.output
        assert "U+2019" in result.output and "--gsm makes 5 messages GSM-7" in result.output
        assert "transliterate=True" not in result.output  # the library's words, not the CLI's
        result = invoke(runner, [*args, "--gsm", "--yes"])
        assert result.exit_code == 0, result.output
        assert "made GSM-7" in result.output and "UCS-2 because of" not in result.output
        assert {m.body for m in emulator.sent} == {
            f"Hi Name{i}, it's ready - see you soon" for i in range(1, 6)
        }


class TestExclude:
    def test_exclude_file_and_list(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        optouts = tmp_path / "optouts.csv"
        optouts.write_text("Mobile Number\n+61 491 570 002\n+61491570004\n", encoding="utf-8")
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        result = invoke(runner, [*args, "--exclude-list", "424242"])
        assert result.exit_code == 1 and "error:" in result.output
        assert emulator.sent == []  # an unreadable opt-out list stops everything
        result = invoke(runner, [*args, "--exclude", str(optouts)])
        assert result.exit_code == 0, result.output
        assert "(2 excluded)" in result.output
        assert sorted(m.to for m in emulator.sent) == [
            "+61491570001",
            "+61491570003",
            "+61491570005",
        ]


def test_dedupe_numbers_texts_each_number_once(
    runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "family.csv"
    path.write_text("phone,first_name\n+61491570001,Bob\n+61491570001,Sue\n", encoding="utf-8")
    args = [*creds(emulator), "campaign", str(path), "--body", BODY, "--yes"]
    result = invoke(runner, [*args, "--dedupe-numbers"])
    assert result.exit_code == 0, result.output
    assert "(1 duplicate)" in result.output
    assert [m.body for m in emulator.sent] == ["Hi Bob, your order is ready"]
