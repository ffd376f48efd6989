"""The benchmark harness: ``python -m benchmarks [--quick | --smoke] [--only NAME ...]``.

Each scenario starts the emulator (``python -m clicksend_async.testing``) in its own process and
runs the client side in a fresh process (the CLI itself, or ``python -m benchmarks._child``), so
that neither one's CPU, memory or garbage is charged to the other. Ratios are measured side by
side in the same run. The table at the end is Markdown (it goes into ``benchmarks/README.md``);
targets are reported, never asserted: the exit status only says whether every scenario ran.

Scenarios (``--only`` takes these names):

* ``campaign``: a 200,000-message CSV campaign at client rates R = 10 and 50 (``--rates``),
  100 ms latency, the emulator's fixed window of R requests a second: the CLI's default path
  (``python -m clicksend_async --rate R campaign ...``) and the API's (``send_bulk`` with its
  defaults), each timed from its spawn to its exit, against the ceiling (``_campaign.py``).
* ``cpu``: client CPU per message for the bulk engine, a bare aiohttp + json script, a
  hand-written lower bound and the official ``clicksend-client`` SDK, all sending the same
  1000-message chunks.
* ``memory``: peak RSS of a CSV campaign (dry run and real send) at two sizes.
* ``overhead``: sequential ``account.get()`` against bare aiohttp GETs.
* ``segments``: ``bench_segments.run(n)``, segment counting against smsutil.
* ``lost``: the CLI's campaign of 100,000 messages at R = 50 with 10 % of the send answers lost
  after the commit, against the same campaign without faults (``_campaign.py``).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._campaign import RATES, scenario_campaign, scenario_lost
from ._child import write_csv
from ._emulator import EmulatorProcess
from ._harness import NOT_INSTALLED, Context, Row, say

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "campaign": 200_000,
        "lost": 100_000,
        "cpu": 200_000,
        "csv": (100_000, 1_000_000),
        "calls": 2_000,
        "segments": 1_000_000,
        "repeat": 2,
        "timeout": 1800.0,
    },
    "quick": {
        "campaign": 20_000,
        "lost": 20_000,
        "cpu": 20_000,
        "csv": (10_000, 100_000),
        "calls": 1_000,
        "segments": 20_000,
        "repeat": 1,
        "timeout": 300.0,
    },
    "smoke": {
        "campaign": 2_000,
        "lost": 2_000,
        "cpu": 2_000,
        "csv": (500, 5_000),
        "calls": 10,
        "segments": 2_000,
        "repeat": 1,
        "timeout": 100.0,
    },
}

#: Issue 17's targets.
ENGINE_OVER_LOWER_BOUND = 1.5  # (a) / (d), at most
SDK_OVER_ENGINE = 2.0  # (c) / (a), at least
PEAK_RSS_MB = 100.0  # 1M streamed rows, at most
ONE_CALL = 1.2  # account.get() / bare GET, at most


def _ratio_row(scenario: str, measure: str, value: float, target: str, ok: bool) -> Row:
    return Row(scenario, measure, f"{value:.2f}", target, ok)


# -- scenarios ------------------------------------------------------------------------------


def scenario_cpu(ctx: Context) -> list[Row]:
    """Client CPU per message: the engine, bare aiohttp + json, the official SDK."""
    n = ctx.sizes["cpu"]
    labels = ["cpu_engine", "cpu_bare", "cpu_minimal"]
    sdk_missing = importlib.util.find_spec("clicksend") is None
    if not sdk_missing:
        labels.append("cpu_sdk")
    best: dict[str, dict[str, Any]] = {}
    for attempt in range(ctx.sizes["repeat"]):
        for label in labels:  # interleaved, so that a noisy moment hits all three alike
            with EmulatorProcess() as emu:
                cpu0 = emu.cpu_seconds()
                res = ctx.child(label, f"{label}_{attempt + 1}", url=emu.url, n=n)
                res["emulator_us_per_msg"] = (emu.cpu_seconds() - cpu0) / n * 1e6
            if res["sent"] != n:
                raise RuntimeError(f"{label}: {res['sent']} of {n} messages accepted")
            if label not in best or res["cpu_s"] < best[label]["cpu_s"]:
                best[label] = res
    per = {label: res["cpu_s"] / n * 1e6 for label, res in best.items()}
    name = "2 client CPU"
    engine, bare = per["cpu_engine"], per["cpu_bare"]
    plan = best["cpu_engine"]["plan_cpu_s"] / n * 1e6
    rows = [
        Row(
            name,
            "(a) clicksend_async send_bulk",
            f"{engine:.1f} µs/msg (plan {plan:.1f} + send {engine - plan:.1f})",
        ),
        Row(name, "(b) bare aiohttp + json (floor)", f"{bare:.1f} µs/msg"),
    ]
    if sdk_missing:
        rows.append(Row(name, "(c) clicksend-client SDK", NOT_INSTALLED))
    else:
        sdk = per["cpu_sdk"]
        rows.append(Row(name, "(c) clicksend-client SDK, sequential", f"{sdk:.1f} µs/msg"))
    minimal = per["cpu_minimal"]
    minimal_plan = best["cpu_minimal"]["plan_cpu_s"] / n * 1e6
    rows.append(
        Row(
            name,
            "(d) lower bound: the same checks and a chunk-level journal, by hand",
            f"{minimal:.1f} µs/msg (plan {minimal_plan:.1f} + send {minimal - minimal_plan:.1f})",
        )
    )
    bound = ENGINE_OVER_LOWER_BOUND
    rows.append(
        _ratio_row(name, "(a) / (d)", engine / minimal, f"<= {bound:g}", engine / minimal <= bound)
    )
    if not sdk_missing:
        over = SDK_OVER_ENGINE
        rows.append(
            _ratio_row(name, "(c) / (a)", sdk / engine, f">= {over:g}", sdk / engine >= over)
        )
    rows.append(Row(name, "(a) / (b)", f"{engine / bare:.2f}"))
    rows.append(Row(name, "(d) / (b)", f"{minimal / bare:.2f}"))
    if not sdk_missing:
        rows.append(Row(name, "(c) / (d)", f"{sdk / minimal:.2f}"))
    rows.append(
        Row(
            name,
            "emulator CPU per message (" + " / ".join(lb[4:] for lb in labels) + ")",
            " / ".join(f"{best[lb]['emulator_us_per_msg']:.1f}" for lb in labels) + " µs",
        )
    )
    if ctx.sizes["repeat"] > 1:
        rows.append(Row(name, "runs (best CPU time kept)", str(ctx.sizes["repeat"])))
    return rows


def scenario_memory(ctx: Context) -> list[Row]:
    """Peak RSS of a streamed CSV campaign, dry run and real send, at two sizes."""
    small, large = ctx.sizes["csv"]
    name = "3 memory"
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="cs-bench-") as tmp:
        paths = {
            size: write_csv(Path(tmp) / f"recipients-{size}.csv", size) for size in (small, large)
        }
        for dry_run in (True, False):
            peaks: dict[int, float] = {}
            for size in (small, large):
                label = f"memory_{'dry' if dry_run else 'send'}_{size}"
                with EmulatorProcess() as emu:
                    res = ctx.child(
                        "memory", label, url=emu.url, csv_path=str(paths[size]), dry_run=dry_run
                    )
                expected = size if not dry_run else 0
                if res["rows"] != size or res["sent"] != expected:
                    raise RuntimeError(f"{label}: {res}")
                peaks[size] = res["peak_rss_mb"]
            kind = "dry run" if dry_run else "send"
            growth = peaks[large] / peaks[small] - 1
            rows += [
                Row(
                    name,
                    f"{kind}: peak RSS at {small:,} / {large:,} rows",
                    f"{peaks[small]:.1f} / {peaks[large]:.1f} MB",
                    f"<= {PEAK_RSS_MB:g} MB",
                    max(peaks.values()) <= PEAK_RSS_MB,
                ),
                Row(name, f"{kind}: growth", f"{growth:+.1%}", "< 10%", growth < 0.10),
            ]
    return rows


def scenario_overhead(ctx: Context) -> list[Row]:
    """Sequential ``account.get()`` against bare aiohttp GETs on the same emulator."""
    calls = ctx.sizes["calls"]
    with EmulatorProcess() as emu:
        res = ctx.child("overhead", "overhead", url=emu.url, calls=calls, block=max(1, calls // 8))
    ratio = res["client_s"] / res["bare_s"]
    name = "4 one call"
    return [
        Row(
            name,
            f"{calls:,} x account.get() / bare GET",
            f"{res['client_s'] / calls * 1e6:.0f} / {res['bare_s'] / calls * 1e6:.0f} µs per call",
        ),
        _ratio_row(name, "account.get() / bare GET", ratio, f"<= {ONE_CALL:g}", ratio <= ONE_CALL),
    ]


def scenario_segments(ctx: Context) -> list[Row]:
    """``bench_segments.run(n)``: count_segments against smsutil.split."""
    n = ctx.sizes["segments"]
    name = "5 segments"
    if importlib.util.find_spec("smsutil") is None:
        return [Row(name, "count_segments against smsutil", NOT_INSTALLED)]
    res = ctx.child("segments", "segments", n=n)
    return [
        Row(
            name,
            f"count_segments / smsutil.split, {n:,} messages",
            f"{res['count_segments_per_s']:,.0f} / {res['smsutil_per_s']:,.0f} msg/s",
        ),
        _ratio_row(name, "speed-up over smsutil", res["speedup"], ">= 3", res["speedup"] >= 3),
        Row(
            name,
            "disagreements (encoding, units, parts)",
            f"{res['disagreements']:,}",
            "0",
            res["disagreements"] == 0,
        ),
    ]


SCENARIOS: dict[str, Callable[[Context], list[Row]]] = {
    "campaign": scenario_campaign,
    "cpu": scenario_cpu,
    "memory": scenario_memory,
    "overhead": scenario_overhead,
    "segments": scenario_segments,
    "lost": scenario_lost,
}


# -- output ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """Describe the machine and the software versions."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for dist in ("clicksend-async", "aiohttp", "clicksend-client", "smsutil"):
        try:
            versions.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": ", ".join(versions),
    }


def render(rows: list[Row]) -> str:
    """Return the results as a Markdown table."""
    head = ["scenario", "measure", "result", "target", ""]
    cells = [head, *(row.cells() for row in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for index, line in enumerate(cells):
        lines.append(
            "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        )
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the selected scenarios, print the table; exit 1 if a scenario could not run."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (well under a minute)")
    size.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these scenarios ({', '.join(SCENARIOS)}); repeat or comma-separate",
    )
    parser.add_argument(
        "--rates",
        metavar="R,R",
        help="the campaign scenario's client rates in requests/s (default "
        + "; ".join(f"{mode}: {','.join(map(str, rates))}" for mode, rates in RATES.items())
        + "), e.g. 2,10,50",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures here")
    parser.add_argument(
        "--profile", metavar="DIR", help="profile each client process with pyinstrument into DIR"
    )
    parser.add_argument(
        "--client-path",
        metavar="DIR",
        help="import the client's clicksend_async from DIR (e.g. an older checkout, for "
        "before/after figures); the emulator always comes from this checkout",
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "smoke" if args.smoke else "full"
    names = list(SCENARIOS)
    if args.only:
        names = [n.strip() for part in args.only for n in part.split(",") if n.strip()]
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            parser.error(
                f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
            )
    rates = None
    if args.rates:
        try:
            rates = tuple(int(r) for r in args.rates.split(",") if r.strip())
        except ValueError:
            parser.error(f"--rates takes whole requests per second, like 2,10,50: {args.rates!r}")
        if not rates or min(rates) < 1:
            parser.error(f"--rates takes rates of at least 1: {args.rates!r}")
    profile_dir = None
    if args.profile:
        if importlib.util.find_spec("pyinstrument") is None:
            parser.error(f"--profile needs pyinstrument: {NOT_INSTALLED.split(': ', 1)[1]}")
        profile_dir = Path(args.profile).resolve()
        profile_dir.mkdir(parents=True, exist_ok=True)
    client_path = Path(args.client_path).resolve() if args.client_path else None
    ctx = Context(
        mode=mode,
        sizes=SIZES[mode],
        profile_dir=profile_dir,
        client_path=client_path,
        rates=rates,
    )
    info = machine()
    say(f"benchmarks ({mode}): {', '.join(names)}")
    rows: list[Row] = []
    failed: list[str] = []
    for name in names:
        say(f"{name}:")
        started = time.perf_counter()
        try:
            rows += SCENARIOS[name](ctx)
        except Exception as exc:  # report it and carry on with the other scenarios
            failed.append(name)
            say(f"  {name} FAILED: {exc}")
            rows.append(Row(name, "FAILED", str(exc).splitlines()[0][:80]))
        say(f"  {name} done in {time.perf_counter() - started:.1f} s")
    print(
        f"nproc {info['nproc']}, {info['cpu']}, {info['python']}, {info['date']}\n"
        f"{info['versions']}\nmode: {mode}"
        + (f", client from {client_path}" if client_path else "")
        + "\n"
    )
    print(render(rows))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "mode": mode, "raw": ctx.raw}, indent=2), encoding="utf-8"
        )
    if failed:
        say(f"failed: {', '.join(failed)}")
        return 1
    return 0
