"""The benchmark harness: ``--smoke`` runs every scenario end to end (figures are not checked),
and the emulator logs it reads are summarised correctly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the harness is a folder of the checkout, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks._campaign import numbers, report_states  # noqa: E402
from benchmarks._emulator import texted, traffic  # noqa: E402
from benchmarks.run import main  # noqa: E402

SCENARIOS = (
    "1 campaign",
    "2 client CPU",
    "3 memory",
    "4 one call",
    "5 segments",
    "6 lost answers",
)


@pytest.mark.slow
def test_smoke_run_prints_a_row_for_every_scenario() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    for scenario in SCENARIOS:
        assert any(line.startswith(f"| {scenario} ") for line in table), (scenario, proc.stdout)
    assert not any("FAILED" in line for line in table), proc.stdout
    campaign = [line for line in table if line.startswith("| 1 campaign ")]
    # Both paths ran, and the emulator's logs were read: no recipient texted twice or missed.
    assert any("CLI defaults: whole campaign" in line for line in campaign), proc.stdout
    assert any("API defaults: whole campaign" in line for line in campaign), proc.stdout
    texted_rows = [line for line in table if "recipients texted" in line]
    assert len(texted_rows) == 2, proc.stdout
    assert all(line.rstrip(" |").endswith("met") for line in texted_rows), proc.stdout


def _lines(path: Path, entries: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def test_traffic_counts_requests_by_path_and_status_and_times_the_first_send(
    tmp_path: Path,
) -> None:
    log = _lines(
        tmp_path / "requests.jsonl",
        [
            {"t": 100.5, "method": "GET", "path": "/v3/account", "status": 200},
            {"t": 101.0, "method": "POST", "path": "/v3/sms/price", "status": 429},
            {"t": 101.2, "method": "POST", "path": "/v3/sms/price", "status": 200},
            {"t": 103.0, "method": "POST", "path": "/v3/sms/send", "status": 500},
            {"t": 102.5, "method": "POST", "path": "/v3/sms/send", "status": 200},
            {"t": 104.0, "method": "GET", "path": "/v3/sms/history", "status": None},
        ],
    )
    seen = traffic(log, since=100.0)
    assert seen.count("/sms/send") == 2
    assert seen.count("/sms/price") == 2
    assert seen.count("/sms/*") == 5
    assert seen.by_status[429] == 1
    assert seen.by_status[None] == 1
    assert seen.sends_500 == 1
    # The log is in answer order; the first send is the earliest arrival, not the first line.
    assert seen.first_send == pytest.approx(2.5)
    assert (seen.first_request, seen.last_request) == (pytest.approx(0.5), pytest.approx(4.0))


def test_texted_finds_recipients_texted_twice_missing_or_unexpected(tmp_path: Path) -> None:
    expected = numbers(4)
    first, second, third, _ = sorted(expected)
    log = _lines(
        tmp_path / "messages.jsonl",
        [{"to": first}, {"to": second}, {"to": second}, {"to": third}, {"to": "+61400000000"}],
    )
    got = texted(log, expected)
    assert (got.once, got.twice_or_more, got.missing, got.unexpected) == (2, 1, 1, 1)
    assert not got.exactly_once
    clean = texted(_lines(tmp_path / "clean.jsonl", [{"to": n} for n in expected]), expected)
    assert clean.exactly_once
    assert clean.describe() == "4 once, 0 twice+, 0 missing"


def test_report_states_counts_the_rows_of_a_cli_report(tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text(
        "row,to,state,status\n1,+61490000000,sent,SUCCESS\n2,+61490000001,unknown,\n"
        "3,+61490000002,sent,SUCCESS\n",
        encoding="utf-8",
    )
    assert report_states(report) == {"sent": 2, "unknown": 1}


@pytest.mark.parametrize("rates", ["ten", "0", ","])
def test_bad_rates_are_a_usage_error(rates: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--smoke", "--rates", rates])
    assert exc.value.code == 2
    assert "--rates" in capsys.readouterr().err
