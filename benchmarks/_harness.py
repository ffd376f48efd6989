"""What every scenario shares: the table's rows, the run's context, timed child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from ._child import MARKER

__all__ = ["NOT_INSTALLED", "ROOT", "Context", "Row", "Spawned", "say", "spawn"]

ROOT = Path(__file__).resolve().parent.parent

NOT_INSTALLED = "skipped: not installed (pip install -e '.[bench]')"


@attrs.define
class Row:
    """One line of the results table."""

    scenario: str
    measure: str
    result: str
    target: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        """Return the table cells."""
        verdict = {True: "met", False: "**missed**", None: ""}[self.met]
        return [self.scenario, self.measure, self.result, self.target, verdict]


@attrs.frozen(kw_only=True)
class Spawned:
    """A child process, timed from its spawn to its exit by the parent."""

    #: Unix time just before the spawn (the emulator's logs use the same clock).
    started: float
    wall_s: float
    #: The child's own user + system CPU and peak RSS (``wait4``), whatever it ran.
    cpu_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def figures(self) -> dict[str, Any]:
        """Return the measured figures (not the output) for the raw JSON."""
        return {
            "process_wall_s": self.wall_s,
            "process_cpu_s": self.cpu_s,
            "process_peak_rss_mb": self.peak_rss_mb,
            "returncode": self.returncode,
        }


def spawn(argv: Sequence[str], *, env: dict[str, str], cwd: Path, timeout: float) -> Spawned:
    """Run ``argv`` to its end; its output goes to files, so no pipe can fill up and block it."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd
        )
        # wait4 has no timeout: a timer kills a child that overstays.
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Spawned(
            started=started,
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
            returncode=proc.returncode,
            stdout=out.read(),
            stderr=err.read(),
        )


@attrs.define
class Context:
    """What every scenario needs: sizes, the child timeout, profiling, raw results."""

    mode: str
    sizes: dict[str, Any]
    profile_dir: Path | None
    client_path: Path | None = None
    #: ``--rates``: the campaign scenario's client rates (None: the mode's).
    rates: tuple[int, ...] | None = None
    raw: dict[str, Any] = attrs.field(factory=dict)

    def env(self) -> dict[str, str]:
        """Return the environment of a client process: this checkout (or --client-path) first."""
        env = dict(os.environ)
        paths = [str(self.client_path) if self.client_path else None, str(ROOT)]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [*paths, env.get("PYTHONPATH")]))
        env.pop("BENCH_PROFILE", None)
        return env

    @property
    def cwd(self) -> Path:
        """Return the client's working directory (``-m`` puts it first on the path)."""
        return self.client_path or ROOT

    def profile_path(self, label: str, suffix: str = ".txt") -> Path | None:
        """Return where the profile of ``label`` goes, or None when not profiling."""
        return None if self.profile_dir is None else self.profile_dir / f"{label}{suffix}"

    def child(self, workload: str, label: str, **params: Any) -> dict[str, Any]:
        """Run one workload in a fresh process and return its figures (and the spawn's)."""
        env = self.env()
        profile = self.profile_path(label)
        if profile is not None:
            env["BENCH_PROFILE"] = str(profile)
        say(f"  {label} ...")
        proc = spawn(
            [sys.executable, "-m", "benchmarks._child", workload, json.dumps(params)],
            env=env,
            cwd=self.cwd,
            timeout=self.sizes["timeout"],
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
        if proc.returncode != 0 or not lines:
            raise RuntimeError(
                f"{label} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}"
                f"\n{proc.stderr[-4000:]}"
            )
        result: dict[str, Any] = json.loads(lines[-1][len(MARKER) :])
        result.update(proc.figures(), spawned_at=proc.started)
        say(f"  {label}: {proc.wall_s:.1f} s")
        self.raw[label] = result
        return result


def say(text: str) -> None:
    """Print progress to stderr (stdout carries the table)."""
    print(text, file=sys.stderr, flush=True)
