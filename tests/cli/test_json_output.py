"""Every command with --json, against the emulator: stdout is JSON that its documented schema
accepts (docs/schemas/COMMAND.json), and nothing else is on stdout."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from clicksend_async import cli
from clicksend_async._retry import RetryPolicy
from clicksend_async.testing import ClickSendEmulator

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
BODY = "Hi {first_name}, your order is ready"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "clicksend_async._client.DEFAULT_RETRY",
        RetryPolicy(max_attempts=2, backoff_base=0.01, jitter=False),
    )


def creds(emu: ClickSendEmulator) -> list[str]:
    return ["--base-url", emu.url, "--username", emu.username, "--api-key", emu.api_key]


def run(runner: CliRunner, emu: ClickSendEmulator, *args: str, code: int = 0) -> Result:
    result = runner.invoke(
        cli.build_cli(), [*creds(emu), "--rate", "0", *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == code, result.output
    return result


def lines(result: Result) -> list[Any]:
    """Return the JSON values of stdout, one per line (a document is one line too)."""
    text = result.stdout
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.splitlines()]


def validate(schema_name: str, values: list[Any], *, at_least: int = 1) -> list[Any]:
    schema = json.loads((SCHEMAS / f"{schema_name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for value in values:
        errors = sorted(validator.iter_errors(value), key=str)
        assert not errors, f"{schema_name}: {errors[0].message} in {value}"
    assert len(values) >= at_least, f"{schema_name}: expected output, got {values}"
    return values


def test_every_schema_is_valid_json_schema() -> None:
    names = sorted(p.stem for p in SCHEMAS.glob("*.json"))
    assert names, SCHEMAS
    for name in names:
        validate(name, [], at_least=0)


class TestEveryCommand:
    def test_send_and_price(self, runner: CliRunner, emulator: ClickSendEmulator) -> None:
        to = ["--to", "+61491570006"]
        (sent,) = validate("send", lines(run(runner, emulator, "send", *to, "--body", "Hi")))
        assert sent["accepted"] == 1 and sent["messages"][0]["message_id"]
        mms = ["--mms", "https://example.com/cat.jpg", "--subject", "Cat"]
        validate("send", lines(run(runner, emulator, "send", *to, "--body", "Look", *mms)))
        voice = ["--voice", "--lang", "en-au", "--gender", "male"]
        (call,) = validate(
            "send", lines(run(runner, emulator, "send", *to, "--body", "Hello", *voice))
        )
        assert call["channel"] == "voice"
        (priced,) = validate("send", lines(run(runner, emulator, "price", *to, "--body", "x")))
        assert priced["command"] == "price" and priced["total_price"] == "0.0792"

    def test_a_refused_send_is_still_json_and_exits_1(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        result = run(runner, emulator, "send", "--to", "+99912345678", "--body", "x", code=1)
        (doc,) = validate("send", lines(result))
        assert doc["rejected"] == 1
        assert result.stderr.startswith("error: ClickSend refused 1 message")

    def test_price_csv(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        (doc,) = validate(
            "price", lines(run(runner, emulator, "price", str(recipients_csv), "--body", BODY))
        )
        assert doc["plan"]["rows"] == 6 and doc["plan"]["invalid"] == 1
        assert doc["plan"]["total_cost"] == "0.3960"

    def test_campaign_streams_one_line_per_row(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        journal = ["--journal", str(tmp_path / "c.db")]
        args = ["campaign", str(recipients_csv), "--body", BODY, "--yes", *journal]
        values = validate("campaign", lines(run(runner, emulator, *args, "--chunk-size", "2")))
        events = [v["event"] for v in values]
        assert events[0] == "plan" and events[-1] == "summary"
        outcomes = [v for v in values if v["event"] == "outcome"]
        assert sorted(o["row"] for o in outcomes) == [1, 2, 3, 4, 5, 6]
        assert sorted(o["state"] for o in outcomes).count("sent") == 5
        summary = values[-1]
        assert summary["complete"] and summary["counts"]["sent"] == 5
        assert summary["resume_command"] is None

    def test_mms_and_voice_campaigns(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        base = ["campaign", str(recipients_csv), "--body", BODY, "--yes", "--dry-run"]
        mms = ["--mms", "https://example.com/cat.jpg", "--subject", "Hi {first_name}"]
        (plan,) = validate("campaign", lines(run(runner, emulator, *base, *mms)))
        assert plan["channel"] == "mms" and plan["plan"]["messages"] == 5
        (plan,) = validate("campaign", lines(run(runner, emulator, *base, "--voice")))
        assert plan["channel"] == "voice"

    def test_history_receipts_inbound(self, runner: CliRunner) -> None:
        from cli_helpers import ThreadedEmulator

        with ThreadedEmulator(balance=100, receipt_delay=0, auto_reply="STOP") as emu:
            run(runner, emu, "send", "--to", "+61491570006", "--body", "Hi there")
            (item,) = validate("history", lines(run(runner, emu, "history")))
            assert item["to"] == "+61491570006" and item["body"] == "Hi there"
            validate("history", lines(run(runner, emu, "history", "--status", "Nope")), at_least=0)
            (receipt,) = validate("receipts", lines(run(runner, emu, "receipts")))
            validate("receipts", lines(run(runner, emu, "receipts", receipt["message_id"])))
            (reply,) = validate("inbound", lines(run(runner, emu, "inbound", "--mark-read")))
            assert reply["body"] == "STOP"
            assert lines(run(runner, emu, "inbound")) == []  # marked read

    def test_account(self, runner: CliRunner, emulator: ClickSendEmulator) -> None:
        (balance,) = validate("account-balance", lines(run(runner, emulator, "account", "balance")))
        assert balance["balance"].startswith("10000")
        usage = ["account", "usage", "--month", "2026-11"]
        validate("account-usage", lines(run(runner, emulator, *usage)))

    def test_templates(self, runner: CliRunner, emulator: ClickSendEmulator) -> None:
        create = ["templates", "create", "--name", "Reminder", "--body", "See you at {time}"]
        (made,) = validate("templates", lines(run(runner, emulator, *create)))
        validate("templates", lines(run(runner, emulator, "templates", "list")))
        template_id = str(made["template_id"])
        validate("templates", lines(run(runner, emulator, "templates", "show", template_id)))
        gone = run(runner, emulator, "templates", "delete", template_id)
        validate("templates-delete", lines(gone))

    def test_lists_and_contacts(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        (made,) = validate("lists", lines(run(runner, emulator, "lists", "create", "Customers")))
        list_id = str(made["list_id"])
        validate("lists", lines(run(runner, emulator, "lists", "list")))
        people = tmp_path / "people.csv"
        people.write_text(
            "Mobile,First Name,Email\n+61491570006,Ann,ann@example.com\n+61491570156,Bo,\n",
            encoding="utf-8",
        )
        imported = run(runner, emulator, "contacts", "import", list_id, str(people))
        (doc,) = validate("contacts-import", lines(imported))
        assert doc["created"] == 2
        listed = validate(
            "contacts", lines(run(runner, emulator, "contacts", "list", list_id)), at_least=2
        )
        assert [c["first_name"] for c in listed] == ["Ann", "Bo"]
        exported = run(runner, emulator, "contacts", "export", list_id)
        validate("contacts", lines(exported), at_least=2)

    def test_profiles(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        config = tmp_path / "clicksend-async" / "config.toml"
        config.parent.mkdir()
        config.write_text(
            f'[profiles.emu]\nauth = "direct"\nusername = "{emulator.username}"\n'
            f'base_url = "{emulator.url}"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
        result = runner.invoke(cli.build_cli(), ["profiles", "list", "--json"])
        assert result.exit_code == 0, result.output
        (doc,) = validate("profiles", lines(result))
        assert doc["profiles"][0]["name"] == "emu" and doc["profiles"][0]["secret"] == "missing"
        stored: dict[str, str] = {}
        fake = types.ModuleType("keyring")
        fake.set_password = lambda service, user, secret: stored.update({user: secret})  # type: ignore[attr-defined]
        errors = types.ModuleType("keyring.errors")
        errors.KeyringError = RuntimeError  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "keyring", fake)
        monkeypatch.setitem(sys.modules, "keyring.errors", errors)
        args = ["profiles", "set-key", "emu", "--stdin", "--json"]
        saved = runner.invoke(cli.build_cli(), args, input="k3y\n")
        assert saved.exit_code == 0, saved.output
        validate("profiles-set-key", lines(saved))
        assert stored == {"emu": "k3y"} and "k3y" not in saved.output


def test_emulator_prints_one_listening_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator command serves until a signal; here its server loop is stubbed to return."""
    from clicksend_async.testing import _cli as emulator_server

    async def serve_once(options: dict[str, Any], *, announce: Any) -> None:
        async with ClickSendEmulator(**options) as emu:
            announce(emu)

    # The command imports the server when it runs (not with the CLI): patched where it lives.
    monkeypatch.setattr(emulator_server, "serve", serve_once)
    result = CliRunner().invoke(cli.build_cli(), ["emulator", "--json", "--balance", "5"])
    assert result.exit_code == 0, result.output
    (doc,) = validate("emulator", lines(result))
    assert doc["url"].endswith("/v3") and doc["username"] == "emulator"
