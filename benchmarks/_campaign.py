"""Whole campaigns on the paths users run (scenario 1) and under lost answers (scenario 6).

Scenario 1, ``campaign``: for each client rate R, an emulator process with 100 ms of latency and
a fixed-window limit of R requests a second, and two client processes, each timed by the
harness from its spawn to its exit:

* the CLI: ``python -m clicksend_async --rate R campaign FILE --body TEMPLATE --yes --report
  REPORT`` with every other option at its default (pricing, balance check, journal beside the
  CSV, concurrency, chunk size);
* the API: ``python -m benchmarks._child campaign``, ``await cs.sms.send_bulk(
  read_recipients_csv(FILE), body=TEMPLATE)`` on a client with ``rate_limit=R``, every option
  at its default.

Both against the ceiling ``min(R, concurrency / latency) x chunk``, with the engine's default
concurrency and chunk size read from its signature. The emulator's request log gives the
first ``/sms/send`` after the spawn, the requests by path and the 429s; its message log shows
whether every recipient was texted exactly once.

Scenario 6, ``lost``: the same CLI campaign at R = 50, once as is and once with 10 % of the
send answers lost after the emulator committed the messages (``/sms/send:commit-drop=0.1``,
seeded), so the engine has to settle those chunks from the history. Wall time against the
fault-free run, texted exactly once, every row of the report final.
"""

from __future__ import annotations

import csv
import inspect
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ._child import API_KEY, TEMPLATE, USERNAME, write_csv, write_profile
from ._emulator import EmulatorProcess, Texted, Traffic, texted, traffic
from ._harness import Context, Row, say, spawn

__all__ = ["RATES", "scenario_campaign", "scenario_lost"]

#: Client rates (and the emulator's requests per window) by mode; ``--rates`` overrides them.
RATES: dict[str, tuple[int, ...]] = {"full": (10, 50), "quick": (10, 50), "smoke": (10,)}
#: Issue 17's targets for the CLI's whole campaign / ceiling, by rate (others: no target).
CLI_TARGETS = {10: 0.93, 50: 0.80}
WINDOW = 1.0  # seconds
LATENCY_MS = 100.0
LOST_RATE = 50
LOST_SHARE = 0.1
LOST_TARGET = 1.5  # wall time with lost answers / without, at most
#: Row states that end a row (``unknown`` does not: nobody knows whether it was sent).
FINAL_STATES = frozenset({"sent", "rejected", "invalid"})


def engine_defaults() -> tuple[int, int]:
    """Return the bulk engine's default concurrency and chunk size (what both paths use)."""
    from clicksend_async.bulk import BulkJob

    parameters = inspect.signature(BulkJob).parameters
    return int(parameters["concurrency"].default), int(parameters["chunk_size"].default)


def numbers(n: int) -> set[str]:
    """Return the recipients ``write_csv(path, n)`` writes."""
    return {f"+6149{i:07d}" for i in range(n)}


def _fresh_copy(csv_path: Path, where: Path) -> Path:
    """Return the CSV linked into a new directory, so the CLI's default journal starts empty."""
    where.mkdir()
    target = where / csv_path.name
    try:
        os.link(csv_path, target)
    except OSError:
        shutil.copyfile(csv_path, target)
    return target


def report_states(path: Path) -> Counter[str]:
    """Return the rows of a ``--report`` CSV counted by state."""
    with path.open(newline="", encoding="utf-8") as handle:
        return Counter(row["state"] for row in csv.DictReader(handle))


def _profiled(session: Path | None) -> list[str]:
    """Return the interpreter arguments that run the CLI under pyinstrument, when profiling."""
    if session is None:
        return []
    return ["-m", "pyinstrument", "-i", "0.0005", "-r", "pyisession", "-o", str(session)]


def _render(session: Path) -> None:
    """Write a saved pyinstrument session as ``NAME.txt`` (tree) and ``NAME.top.txt``."""
    from pyinstrument.session import Session

    write_profile(Session.load(session), session.with_suffix(".txt"))
    session.unlink()  # tens of MB for a full-size campaign; the two texts are what is read


def run_cli(
    ctx: Context, label: str, *, emu: EmulatorProcess, csv_path: Path, rate: int, work: Path
) -> dict[str, Any]:
    """Run the CLI's campaign with its defaults against ``emu``; time it from spawn to exit."""
    here = _fresh_copy(csv_path, work / label)
    report = here.parent / "report.csv"
    env = ctx.env()
    for name in ("CLICKSEND_PROFILE", "CLICKSEND_LIMITER", "MATON_API_KEY", "MATON_CONNECTION"):
        env.pop(name, None)
    env.update(
        CLICKSEND_USERNAME=USERNAME,
        CLICKSEND_API_KEY=API_KEY,
        CLICKSEND_BASE_URL=emu.url,
        # No profile from this machine's config: the flags and the environment only.
        XDG_CONFIG_HOME=str(work / "config"),
    )
    session = ctx.profile_path(label, ".pyisession")
    argv = [sys.executable, *_profiled(session), "-m", "clicksend_async", "--rate", str(rate)]
    argv += ["campaign", str(here), "--body", TEMPLATE, "--yes", "--report", str(report)]
    say(f"  {label} ...")
    proc = spawn(argv, env=env, cwd=ctx.cwd, timeout=ctx.sizes["timeout"])
    say(f"  {label}: {proc.wall_s:.1f} s")
    # 0: every row final; 3: the report lists rows that are not (the table says which).
    if proc.returncode not in (0, 3) or not report.exists():
        raise RuntimeError(
            f"{label} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}"
            f"\n{proc.stderr[-4000:]}"
        )
    if session is not None:
        _render(session)
    states = report_states(report)
    shutil.rmtree(here.parent, ignore_errors=True)  # the journal of 200,000 rows is ~60 MB
    return {
        **proc.figures(),
        "spawned_at": proc.started,
        "counts": dict(states),
        "rows": sum(states.values()),
        "output_tail": proc.stdout[-1500:],
    }


class Run:
    """One client process against its own emulator: its figures and what the emulator saw."""

    def __init__(self, figures: dict[str, Any], seen: Traffic, got: Texted) -> None:
        self.figures = figures
        self.traffic = seen
        self.texted = got

    @property
    def wall_s(self) -> float:
        """Return the seconds from the spawn to the exit."""
        return float(self.figures["process_wall_s"])

    @property
    def counts(self) -> dict[str, int]:
        """Return the report's rows by state."""
        return dict(self.figures["counts"])

    @property
    def final(self) -> bool:
        """Return whether every row of the report is in a final state."""
        return all(state in FINAL_STATES for state, n in self.counts.items() if n)

    def states(self) -> str:
        """Return the report's rows by state, as ``200,000 sent``."""
        counts = self.counts
        return ", ".join(f"{counts[s]:,} {s}" for s in sorted(counts) if counts[s]) or "no rows"


def run_path(
    ctx: Context,
    path: str,
    label: str,
    *,
    rate: int,
    csv_path: Path,
    expected: set[str],
    work: Path,
    faults: str | None = None,
) -> Run:
    """Run one campaign (``path`` is ``cli`` or ``api``) against a fresh emulator process."""
    record = work / f"{label}-emulator"
    record.mkdir()
    with EmulatorProcess(
        latency_ms=LATENCY_MS,
        rate_limit=rate,
        rate_window=WINDOW,
        faults=faults,
        record_in=record,
    ) as emu:
        cpu0 = emu.cpu_seconds()
        if path == "cli":
            figures = run_cli(ctx, label, emu=emu, csv_path=csv_path, rate=rate, work=work)
        else:
            figures = ctx.child(
                "campaign", label, url=emu.url, csv_path=str(csv_path), rate_limit=rate / WINDOW
            )
        figures["emulator_cpu_s"] = emu.cpu_seconds() - cpu0
    # Read once the emulator has stopped: every answer is logged and the files are closed.
    seen = traffic(emu.requests_log, figures["spawned_at"])
    got = texted(emu.messages_log, expected)
    shutil.rmtree(record, ignore_errors=True)
    figures["traffic"] = {
        "by_path": dict(seen.by_path),
        "by_status": {str(k): v for k, v in seen.by_status.items()},
        "sends_500": seen.sends_500,
        "first_request_s": seen.first_request,
        "first_send_s": seen.first_send,
        "last_request_s": seen.last_request,
    }
    figures["texted"] = {
        "once": got.once,
        "twice_or_more": got.twice_or_more,
        "missing": got.missing,
        "unexpected": got.unexpected,
    }
    ctx.raw[label] = figures
    return Run(figures, seen, got)


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f} s"


def _requests(seen: Traffic) -> str:
    main = [seen.count("/sms/send"), seen.count("/sms/price"), seen.count("/account")]
    other = sum(seen.by_path.values()) - sum(main)
    return " + ".join(f"{n:,}" for n in main) + (f" (+ {other:,} other)" if other else "")


# -- scenario 1 -----------------------------------------------------------------------------


def scenario_campaign(ctx: Context) -> list[Row]:
    """Whole campaigns through the CLI's and the API's defaults, against the ceiling."""
    n = ctx.sizes["campaign"]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="cs-bench-") as tmp:
        work = Path(tmp)
        csv_path = write_csv(work / f"recipients-{n}.csv", n)
        expected = numbers(n)
        for rate in ctx.rates or RATES[ctx.mode]:
            runs = {
                path: run_path(
                    ctx,
                    path,
                    f"campaign_{path}_r{rate}",
                    rate=rate,
                    csv_path=csv_path,
                    expected=expected,
                    work=work,
                )
                for path in ("cli", "api")
            }
            rows += _campaign_rows(rate, n, runs["cli"], runs["api"])
    return rows


def _campaign_rows(rate: int, n: int, cli: Run, api: Run) -> list[Row]:
    concurrency, chunk = engine_defaults()
    ceiling = min(rate / WINDOW, concurrency / (LATENCY_MS / 1000)) * chunk
    name = f"1 campaign R={rate}"
    rows = [
        Row(
            name,
            "ceiling = min(R, concurrency / latency) x chunk",
            f"min({rate}/s, {concurrency}/{LATENCY_MS / 1000:g} s) x {chunk:,}"
            f" = {ceiling:,.0f} msg/s",
        )
    ]
    target = CLI_TARGETS.get(rate)
    for label, run, goal in (("CLI", cli, target), ("API", api, None)):
        achieved = n / run.wall_s
        ratio = achieved / ceiling
        rows.append(
            Row(
                name,
                f"{label} defaults: whole campaign (spawn to exit) / ceiling",
                f"{achieved:,.0f} msg/s in {run.wall_s:.2f} s = {ratio:.3f}",
                "" if goal is None else f">= {goal:.2f}",
                None if goal is None else ratio >= goal,
            )
        )
    both = (cli, api)
    rows += [
        Row(
            name,
            "first /sms/send after spawn (CLI / API)",
            " / ".join(_seconds(r.traffic.first_send) for r in both),
        ),
        Row(
            name,
            "requests /sms/send + /sms/price + /account (CLI / API)",
            " / ".join(_requests(r.traffic) for r in both),
        ),
        Row(
            name,
            "429 answers (CLI / API)",
            " / ".join(str(r.traffic.by_status.get(429, 0)) for r in both),
            "0",
            all(r.traffic.by_status.get(429, 0) == 0 for r in both),
        ),
        Row(
            name,
            "recipients texted (emulator's log): CLI; API",
            "; ".join(r.texted.describe() for r in both),
            "exactly once",
            all(r.texted.exactly_once for r in both),
        ),
        Row(
            name,
            "rows in the report (CLI / API)",
            " / ".join(r.states() for r in both),
            "all final",
            all(r.final and r.figures["rows"] == n for r in both),
        ),
        Row(
            name,
            "client process: CPU per message, peak RSS (CLI / API)",
            " / ".join(
                f"{r.figures['process_cpu_s'] / n * 1e6:.1f} µs, "
                f"{r.figures['process_peak_rss_mb']:.0f} MB"
                for r in both
            ),
        ),
    ]
    return rows


# -- scenario 6 -----------------------------------------------------------------------------


def scenario_lost(ctx: Context) -> list[Row]:
    """The CLI's campaign with 10 % of send answers lost after the commit, against none lost."""
    n = ctx.sizes["lost"]
    with tempfile.TemporaryDirectory(prefix="cs-bench-") as tmp:
        work = Path(tmp)
        csv_path = write_csv(work / f"recipients-{n}.csv", n)
        expected = numbers(n)
        common: dict[str, Any] = {
            "rate": LOST_RATE,
            "csv_path": csv_path,
            "expected": expected,
            "work": work,
        }
        clean = run_path(ctx, "cli", "lost_none", **common)
        lossy = run_path(
            ctx,
            "cli",
            f"lost_{LOST_SHARE:.0%}".replace("%", "pct"),
            faults=f"/sms/send:commit-drop={LOST_SHARE:g}",
            **common,
        )
    name = f"6 lost answers R={LOST_RATE}"
    ratio = lossy.wall_s / clean.wall_s
    both = (lossy, clean)
    return [
        Row(
            name,
            f"{n:,} messages, CLI defaults: wall time, {LOST_SHARE:.0%} of send answers lost "
            "/ none lost",
            f"{lossy.wall_s:.2f} s / {clean.wall_s:.2f} s = {ratio:.2f}x",
            f"<= {LOST_TARGET:g}x",
            ratio <= LOST_TARGET,
        ),
        Row(
            name,
            "send answers lost (commit-drop) / sends; history requests",
            f"{lossy.traffic.sends_500:,} / {lossy.traffic.count('/sms/send'):,}; "
            f"{lossy.traffic.count('/sms/history*'):,}",
        ),
        Row(
            name,
            "recipients texted (emulator's log): lost; none lost",
            "; ".join(r.texted.describe() for r in both),
            "exactly once",
            all(r.texted.exactly_once for r in both),
        ),
        Row(
            name,
            "rows in the report, exit status (lost / none lost)",
            " / ".join(f"{r.states()}, exit {r.figures['returncode']}" for r in both),
            "all final",
            all(r.final and r.figures["rows"] == n for r in both),
        ),
        Row(
            name,
            "first /sms/send after spawn; 429 answers (lost / none lost)",
            " / ".join(
                f"{_seconds(r.traffic.first_send)}; {r.traffic.by_status.get(429, 0)}" for r in both
            ),
        ),
    ]
