"""What every command shares: bodies from files and stdin, --quiet, stderr for errors, plain
output off a terminal, channels, profiles, and messages in the flags' own words."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from clicksend_async import JournalMismatchError, cli
from clicksend_async._retry import RetryPolicy
from clicksend_async.cli._context import describe
from clicksend_async.cli._output import speak_flags
from clicksend_async.testing import ClickSendEmulator

BODY = "Hi {first_name}, your order is ready"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "clicksend_async._client.DEFAULT_RETRY",
        RetryPolicy(max_attempts=2, backoff_base=0.01, jitter=False),
    )


def creds(emu: ClickSendEmulator) -> list[str]:
    return ["--base-url", emu.url, "--username", emu.username, "--api-key", emu.api_key]


def invoke(runner: CliRunner, args: list[str], **kwargs: Any) -> Result:
    return runner.invoke(cli.build_cli(), args, catch_exceptions=False, **kwargs)


class TestBody:
    def test_body_file(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        text = tmp_path / "message.txt"
        text.write_text("Line one\nline two\n", encoding="utf-8")
        args = [*creds(emulator), "send", "--to", "+61491570006", "--body-file", str(text)]
        result = invoke(runner, args)
        assert result.exit_code == 0, result.output
        assert [m.body for m in emulator.sent] == ["Line one\nline two"]  # final newline dropped

    def test_body_from_stdin(self, runner: CliRunner, emulator: ClickSendEmulator) -> None:
        args = [*creds(emulator), "send", "--to", "+61491570006", "--body", "-"]
        result = invoke(runner, args, input="From a pipe\n")
        assert result.exit_code == 0, result.output
        assert [m.body for m in emulator.sent] == ["From a pipe"]

    def test_campaign_template_from_a_file(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path, tmp_path: Path
    ) -> None:
        template = tmp_path / "template.txt"
        template.write_text(BODY + "\n", encoding="utf-8")
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body-file", str(template)]
        result = invoke(runner, [*args, "--yes"])
        assert result.exit_code == 0, result.output
        assert len(emulator.sent) == 5 and emulator.sent[0].body.startswith("Hi Name")

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (["--body", "x", "--body-file", "{tmp}/m.txt"], "not both"),
            ([], "give the message"),
            (["--body-file", "{tmp}/missing.txt"], "cannot read"),
        ],
    )
    def test_bad_body_is_a_usage_error(
        self, runner: CliRunner, tmp_path: Path, extra: list[str], message: str
    ) -> None:
        (tmp_path / "m.txt").write_text("hello", encoding="utf-8")
        extra = [arg.format(tmp=tmp_path) for arg in extra]
        result = invoke(runner, ["send", "--to", "+61411111111", *extra, "--emulator"])
        assert result.exit_code == 2
        assert message in result.stderr

    def test_empty_stdin_and_non_utf8_file_are_refused(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        result = invoke(runner, ["send", "--to", "+61411111111", "--body", "-"], input="\n")
        assert result.exit_code == 2 and "the message is empty" in result.stderr
        latin = tmp_path / "latin.txt"
        latin.write_bytes("Zoë".encode("latin-1"))
        result = invoke(runner, ["send", "--to", "+61411111111", "--body-file", str(latin)])
        assert result.exit_code == 2 and "is not UTF-8" in result.stderr


class TestOutput:
    def test_errors_go_to_stderr_on_their_own_line(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        result = invoke(runner, [*creds(emulator), "send", "--to", "+99912345678", "--body", "x"])
        assert result.exit_code == 1
        assert "INVALID_RECIPIENT" in result.stdout and "error:" not in result.stdout
        assert result.stderr.splitlines()[-1].startswith("error: ClickSend refused 1 message")
        assert result.stdout.endswith("\n")

    def test_quiet_prints_no_table_but_still_the_error(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        ok = invoke(
            runner, [*creds(emulator), "--quiet", "send", "--to", "+61491570006", "--body", "x"]
        )
        assert ok.exit_code == 0 and ok.stdout == "" and ok.stderr == ""
        bad = invoke(
            runner, [*creds(emulator), "send", "-q", "--to", "+99912345678", "--body", "x"]
        )
        assert bad.exit_code == 1 and bad.stdout == ""
        assert bad.stderr.startswith("error:")

    def test_no_wrapping_and_no_colour_off_a_terminal(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        long_body = BODY + " " + "and a long tail of words " * 6
        args = [*creds(emulator), "price", str(recipients_csv), "--body", long_body]
        result = invoke(runner, args, env={"COLUMNS": "60"})
        assert result.exit_code == 0, result.output
        assert "\x1b[" not in result.output
        reason = [line for line in result.stdout.splitlines() if "+61 4 nope" in line]
        assert len(reason) == 1 and "is not" in reason[0]  # the whole reason on its row's line
        assert all(line == line.rstrip() for line in result.stdout.splitlines())

    def test_send_table_stays_on_one_line_per_message(
        self, runner: CliRunner, emulator: ClickSendEmulator
    ) -> None:
        args = [*creds(emulator), "send", "--to", "+61491570006", "--body", "x"]
        result = invoke(runner, args, env={"COLUMNS": "40"})
        rows = [line for line in result.stdout.splitlines() if "+61491570006" in line]
        assert len(rows) == 1 and emulator.sent[0].message_id in rows[0]


class TestChannels:
    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (["--mms", "https://example.com/a.jpg"], "needs a subject"),
            (["--subject", "x"], "--subject is for MMS"),
            (["--lang", "en-au"], "for calls: add --voice"),
            (["--voice", "--mms", "https://example.com/a.jpg", "--subject", "s"], "not both"),
        ],
    )
    def test_options_that_do_not_fit_the_channel(
        self, runner: CliRunner, extra: list[str], message: str
    ) -> None:
        result = invoke(runner, ["send", "--to", "+61411111111", "--body", "x", *extra])
        assert result.exit_code == 2
        assert message in result.stderr

    def test_voice_campaign_makes_calls(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        result = invoke(runner, [*args, "--voice", "--lang", "en-au", "--gender", "male"])
        assert result.exit_code == 0, result.output
        calls = [r for r in emulator.requests if r.path == "/voice/send"]
        assert calls and {m["voice"] for m in calls[0].json["messages"]} == {"male"}

    def test_mms_campaign(
        self, runner: CliRunner, emulator: ClickSendEmulator, recipients_csv: Path
    ) -> None:
        args = [*creds(emulator), "campaign", str(recipients_csv), "--body", BODY, "--yes"]
        mms = ["--mms", "https://example.com/cat.jpg", "--subject", "News"]
        result = invoke(runner, [*args, *mms])
        assert result.exit_code == 0, result.output
        sent = [r for r in emulator.requests if r.path == "/mms/send"]
        assert sent and sent[0].json["media_file"] == "https://example.com/cat.jpg"


class TestMessagesSpeakFlags:
    def test_a_local_number_names_the_country_flag(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        path = tmp_path / "local.csv"
        path.write_text("phone,first_name\n0411111111,Ann\n", encoding="utf-8")
        args = [*creds(emulator), "price", str(path), "--body", BODY]
        result = invoke(runner, args)
        assert "--country AU" in result.output and "country=" not in result.output
        assert speak_flags("transliterate=True would help") == "--gsm would help"

    def test_journal_mismatch_says_what_differs(self) -> None:
        exc = JournalMismatchError("the journal belongs to another campaign")
        exc.differences = ["template: 'Hi {a}' then, 'Hello {a}' now", "rows: 400 then, 401 now"]  # type: ignore[attr-defined]
        text = describe(exc)
        assert "template: 'Hi {a}' then" in text and "rows: 400 then, 401 now" in text
        assert "choose another --journal" in text


def write_config(root: Path, text: str) -> Path:
    path = root / "clicksend-async" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class TestProfiles:
    @pytest.fixture
    def config_home(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
        return tmp_path

    def profile(self, emu: ClickSendEmulator, name: str = "emu", default: bool = False) -> str:
        head = f'default = "{name}"\n' if default else ""
        return (
            f'{head}[profiles.{name}]\nauth = "direct"\nusername = "{emu.username}"\n'
            f'base_url = "{emu.url}"\nrate = 0\n'
        )

    def test_profile_with_the_secret_in_the_environment(
        self, runner: CliRunner, emulator: ClickSendEmulator, config_home: Path
    ) -> None:
        write_config(config_home, self.profile(emulator))
        env = {"CLICKSEND_API_KEY": emulator.api_key}
        args = ["--profile", "emu", "send", "--to", "+61491570006", "--body", "x"]
        result = invoke(runner, args, env=env)
        assert result.exit_code == 0, result.output
        assert len(emulator.sent) == 1

    def test_default_profile_with_the_secret_in_the_keyring(
        self,
        runner: CliRunner,
        emulator: ClickSendEmulator,
        config_home: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        stored: dict[tuple[str, str], str] = {}
        fake = types.ModuleType("keyring")
        fake.get_password = lambda service, user: stored.get((service, user))  # type: ignore[attr-defined]
        fake.set_password = lambda service, user, secret: stored.__setitem__(
            (service, user), secret
        )  # type: ignore[attr-defined]
        errors = types.ModuleType("keyring.errors")
        errors.KeyringError = RuntimeError  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "keyring", fake)
        monkeypatch.setitem(sys.modules, "keyring.errors", errors)
        config = write_config(config_home, self.profile(emulator, default=True))
        saved = invoke(
            runner, ["profiles", "set-key", "emu", "--stdin"], input=emulator.api_key + "\n"
        )
        assert saved.exit_code == 0, saved.output
        assert stored == {("clicksend-async", "emu"): emulator.api_key}
        assert emulator.api_key not in config.read_text(encoding="utf-8")
        listed = invoke(runner, ["profiles", "list"])
        assert "emu (default)" in listed.stdout and "OS keyring" in listed.stdout
        result = invoke(runner, ["send", "--to", "+61491570006", "--body", "x"])
        assert result.exit_code == 0, result.output
        assert len(emulator.sent) == 1

    def test_a_secret_in_the_config_file_is_refused(
        self, runner: CliRunner, emulator: ClickSendEmulator, config_home: Path
    ) -> None:
        write_config(config_home, self.profile(emulator) + 'api_key = "s3cr3t"\n')
        result = invoke(runner, ["--profile", "emu", "send", "--to", "+61491570006", "--body", "x"])
        assert result.exit_code == 1
        assert "secrets are never read from the config file" in result.stderr
        assert "s3cr3t" not in result.output
        assert emulator.requests == []

    def test_unknown_profile_and_missing_secret(
        self, runner: CliRunner, emulator: ClickSendEmulator, config_home: Path
    ) -> None:
        write_config(config_home, self.profile(emulator))
        result = invoke(runner, ["--profile", "other", "account", "balance"])
        assert result.exit_code == 1 and "no such profile (profiles: emu)" in result.stderr
        result = invoke(runner, ["--profile", "emu", "account", "balance"])
        assert result.exit_code == 1
        assert "set CLICKSEND_API_KEY" in result.stderr and "profiles set-key emu" in result.stderr

    def test_environment_credentials_win_over_the_default_profile(
        self, runner: CliRunner, emulator: ClickSendEmulator, config_home: Path
    ) -> None:
        write_config(
            config_home,
            self.profile(emulator, default=True).replace(emulator.url, "http://127.0.0.1:9/v3"),
        )
        env = {"CLICKSEND_USERNAME": emulator.username, "CLICKSEND_API_KEY": emulator.api_key}
        args = ["--base-url", emulator.url, "account", "balance"]
        result = invoke(runner, args, env=env)
        assert result.exit_code == 0, result.output


def test_base_url_from_the_environment(runner: CliRunner, emulator: ClickSendEmulator) -> None:
    env = {
        "CLICKSEND_BASE_URL": emulator.url,
        "CLICKSEND_USERNAME": emulator.username,
        "CLICKSEND_API_KEY": emulator.api_key,
    }
    result = invoke(runner, ["account", "balance"], env=env)
    assert result.exit_code == 0, result.output
    assert "10,000.0000 AUD" in result.stdout


def test_emulator_help_is_click_style(runner: CliRunner) -> None:
    result = invoke(runner, ["emulator", "--help"])
    assert result.stdout.startswith("Usage: clicksend-async emulator [OPTIONS]")
    assert "--json" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["history"],
        ["receipts"],
        ["inbound"],
        ["account", "balance"],
        ["account", "usage"],
        ["templates", "create"],
        ["lists", "list"],
        ["contacts", "import"],
        ["contacts", "export"],
        ["profiles", "list"],
    ],
)
def test_every_help_fits_80_columns(runner: CliRunner, command: list[str]) -> None:
    result = invoke(runner, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 80


class TestContactsFiles:
    def test_import_checks_every_row_before_creating_any(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        people = tmp_path / "people.csv"
        people.write_text(
            "phone,first_name,email\n+61491570006,Ann,ann@example.com\n+61491570156,Bo,not-an-email\n",
            encoding="utf-8",
        )
        created = invoke(runner, [*creds(emulator), "lists", "create", "People", "--json"])
        list_id = created.stdout.split('"list_id":')[1].split(",")[0]
        before = len(emulator.requests)
        result = invoke(runner, [*creds(emulator), "contacts", "import", list_id, str(people)])
        assert result.exit_code == 1
        assert "nothing was imported" in result.stderr and "people.csv row 2" in result.stderr
        assert len(emulator.requests) == before

    def test_export_writes_a_csv(
        self, runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        people = tmp_path / "people.csv"
        people.write_text(
            "Mobile Number,First Name,Town\n+61491570006,Ann,Perth\n", encoding="utf-8"
        )
        created = invoke(runner, [*creds(emulator), "lists", "create", "People", "--json"])
        list_id = created.stdout.split('"list_id":')[1].split(",")[0]
        imported = invoke(runner, [*creds(emulator), "contacts", "import", list_id, str(people)])
        assert imported.exit_code == 0, imported.output
        assert "columns not imported (no such contact field): Town" in imported.stderr
        out = tmp_path / "backup.csv"
        result = invoke(runner, [*creds(emulator), "contacts", "export", list_id, "-o", str(out)])
        assert result.exit_code == 0, result.output
        header, row = out.read_text(encoding="utf-8").splitlines()
        assert header.startswith("contact_id,phone_number,email,fax_number,first_name")
        assert "+61491570006" in row and "Ann" in row


def test_a_broken_config_file_does_not_block_explicit_credentials(
    runner: CliRunner, emulator: ClickSendEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, "this is [not toml")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = invoke(runner, [*creds(emulator), "account", "balance"])
    assert result.exit_code == 0, result.output
    broken = invoke(runner, ["--profile", "x", "account", "balance"])
    assert broken.exit_code == 1 and "is not valid TOML" in broken.stderr


def test_shell_completion_completes_commands(runner: CliRunner) -> None:
    script = invoke(
        runner, [], env={"_CLICKSEND_ASYNC_COMPLETE": "bash_source"}, prog_name="clicksend-async"
    )
    assert "_clicksend_async_completion" in script.stdout
    env = {
        "_CLICKSEND_ASYNC_COMPLETE": "bash_complete",
        "COMP_WORDS": "clicksend-async camp",
        "COMP_CWORD": "1",
    }
    done = invoke(runner, [], env=env, prog_name="clicksend-async")
    assert "campaign" in done.stdout


def test_json_before_the_command_name(runner: CliRunner, emulator: ClickSendEmulator) -> None:
    result = invoke(runner, [*creds(emulator), "--json", "account", "balance"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('{"balance":"10000')


def test_help_shows_the_exit_code_table(runner: CliRunner) -> None:
    result = invoke(runner, ["--help"])
    table = result.stdout[result.stdout.index("Exit status:") :]
    codes = re.findall(r"^\s+(\d+)  \S", table, re.M)
    assert codes == ["0", "1", "2", "3", "4", "130", "143"]
    assert "_CLICKSEND_ASYNC_COMPLETE=bash_source" in result.stdout


def test_the_resolved_options_never_show_a_secret() -> None:
    from clicksend_async.cli._context import Globals
    from clicksend_async.cli._output import Output

    g = Globals(output=Output.create(), username="me", api_key="s3cr3t-a", maton_api_key="s3cr3t-m")
    assert "s3cr3t" not in repr(g) and "me" in repr(g)


def test_the_cli_does_not_load_the_emulator_unless_asked() -> None:
    # The emulator is an aiohttp web server: a campaign against ClickSend need not import it.
    import subprocess

    code = (
        "import sys; from clicksend_async.cli import build_cli; build_cli(); "
        "print('clicksend_async.testing' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
