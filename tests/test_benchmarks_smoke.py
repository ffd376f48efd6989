"""``python -m benchmarks --smoke`` runs every scenario end to end (figures are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("1 campaign", "2 client CPU", "3 memory", "4 one call", "5 segments")


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
