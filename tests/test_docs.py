"""The tutorials' programs and tests run as written, against the built-in emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials"
FENCE = re.compile(r"```python\n(.*?)```", re.S)


def python_blocks(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


def programs() -> list[tuple[str, str]]:
    """Return every tutorial block that is a whole program run against the emulator."""
    found = []
    for page in sorted(TUTORIALS.glob("*.md")):
        for index, code in enumerate(python_blocks(page)):
            if "asyncio.run(" in code and "ClickSendEmulator" in code:
                found.append((f"{page.stem}[{index}]", code))
    return found


def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLICKSEND_", "MATON_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.mark.slow
@pytest.mark.parametrize(("name", "code"), programs(), ids=[name for name, _ in programs()])
def test_tutorial_program_runs(name: str, code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


@pytest.mark.slow
def test_the_testing_tutorials_tests_pass(tmp_path: Path) -> None:
    tests = tmp_path / "test_tutorial.py"
    tests.write_text("\n\n".join(python_blocks(TUTORIALS / "emulator.md")), encoding="utf-8")
    # The project's own pytest plugin (if installed) is not what this page teaches: left out.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:cov"]
    command += ["-p", "no:clicksend_async"]
    command += ["-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"]
    command += ["--rootdir", str(tmp_path), str(tests)]
    done = subprocess.run(
        command,
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
