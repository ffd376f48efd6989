"""The benchmark harness: ``python -m benchmarks [--quick | --smoke] [--only NAME ...]``.

Each scenario starts the emulator (``python -m clicksend_async.testing``) in its own process and
runs the client side in a fresh ``python -m benchmarks._child`` process, so that neither one's
CPU, memory or garbage is charged to the other. Ratios are measured side by side in the same
run. The table at the end is Markdown (it goes into ``benchmarks/README.md``); targets are
reported, never asserted: the exit status only says whether every scenario ran.

Scenarios (``--only`` takes these names):

* ``campaign``: a 200,000-message campaign against 100 ms latency and a fixed-window rate limit
  of 10, then 2 requests/second; achieved throughput / the theoretical ceiling.
* ``cpu``: client CPU per message for the bulk engine, a bare aiohttp + json script and the
  official ``clicksend-client`` SDK, all sending the same 1000-message chunks.
* ``memory``: peak RSS of a CSV campaign (dry run and real send) at two sizes.
* ``overhead``: sequential ``account.get()`` against bare aiohttp GETs.
* ``segments``: ``bench_segments.run(n)``, segment counting against smsutil.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from ._child import MARKER, write_csv
from ._emulator import EmulatorProcess

ROOT = Path(__file__).resolve().parent.parent

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "campaign": 200_000,
        "cpu": 200_000,
        "csv": (100_000, 1_000_000),
        "calls": 2_000,
        "segments": 1_000_000,
        "repeat": 2,
        "timeout": 1800.0,
    },
    "quick": {
        "campaign": 20_000,
        "cpu": 20_000,
        "csv": (10_000, 100_000),
        "calls": 1_000,
        "segments": 20_000,
        "repeat": 1,
        "timeout": 300.0,
    },
    "smoke": {
        "campaign": 2_000,
        "cpu": 2_000,
        "csv": (500, 5_000),
        "calls": 10,
        "segments": 2_000,
        "repeat": 1,
        "timeout": 100.0,
    },
}

NOT_INSTALLED = "skipped: not installed (pip install -e '.[bench]')"

#: Scenario 1: the emulator's limits and latency, and the client's settings. Two limits: 10
#: requests per second (10,000 messages/s, 20x the fastest rate ClickSend documents for a
#: configured account, 30,000 messages a minute) and 2 per second, still 4x that rate.
RATES = (10, 2)  # requests per window, on both sides
WINDOW = 1.0  # seconds
LATENCY_MS = 100.0
CONCURRENCY = 4
CHUNK = 1000


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


@attrs.define
class Context:
    """What every scenario needs: sizes, the child timeout, profiling, raw results."""

    mode: str
    sizes: dict[str, Any]
    profile_dir: Path | None
    client_path: Path | None = None
    raw: dict[str, Any] = attrs.field(factory=dict)

    def child(self, workload: str, label: str, **params: Any) -> dict[str, Any]:
        """Run one workload in a fresh process and return its figures."""
        env = dict(os.environ)
        paths = [str(self.client_path) if self.client_path else None, str(ROOT)]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [*paths, env.get("PYTHONPATH")]))
        env.pop("BENCH_PROFILE", None)
        if self.profile_dir is not None:
            env["BENCH_PROFILE"] = str(self.profile_dir / f"{label}.txt")
        _say(f"  {label} ...")
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks._child", workload, json.dumps(params)],
            # Not ROOT when another client is wanted: ``-m`` puts the working directory first.
            cwd=self.client_path or ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=self.sizes["timeout"],
            check=False,
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
        if proc.returncode != 0 or not lines:
            raise RuntimeError(
                f"{label} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}"
                f"\n{proc.stderr[-4000:]}"
            )
        result: dict[str, Any] = json.loads(lines[-1][len(MARKER) :])
        _say(f"  {label}: {time.perf_counter() - started:.1f} s")
        self.raw[label] = result
        return result


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ratio_row(scenario: str, measure: str, value: float, target: str, ok: bool) -> Row:
    return Row(scenario, measure, f"{value:.2f}", target, ok)


# -- scenarios ------------------------------------------------------------------------------


def scenario_campaign(ctx: Context) -> list[Row]:
    """Throughput of a rate- and latency-bound campaign against the theoretical ceiling."""
    rows: list[Row] = []
    for rate in RATES:
        rows += _campaign_at(ctx, rate)
    return rows


def _campaign_at(ctx: Context, rate: int) -> list[Row]:
    n = ctx.sizes["campaign"]
    ceiling = min(rate / WINDOW, CONCURRENCY / (LATENCY_MS / 1000)) * CHUNK
    with EmulatorProcess(latency_ms=LATENCY_MS, rate_limit=rate, rate_window=WINDOW) as emu:
        cpu0 = emu.cpu_seconds()
        res = ctx.child(
            "campaign",
            f"campaign_r{rate}",
            url=emu.url,
            n=n,
            rate_limit=rate / WINDOW,
            concurrency=CONCURRENCY,
            chunk_size=CHUNK,
        )
        res["emulator_cpu_s"] = emu.cpu_seconds() - cpu0
    send_rate = n / res["send_s"]
    total_rate = n / res["total_s"]
    name = f"1 campaign R={rate}"
    return [
        Row(name, "messages sent / requested", f"{res['sent']:,} / {n:,}", "all", res["sent"] == n),
        Row(
            name,
            "ceiling = min(R, concurrency / latency) x chunk",
            f"min({rate}/s, {CONCURRENCY}/{LATENCY_MS / 1000:g} s) x {CHUNK}"
            f" = {ceiling:,.0f} msg/s",
        ),
        Row(
            name,
            "send phase: achieved / ceiling",
            f"{send_rate:,.0f} msg/s in {res['send_s']:.2f} s = {send_rate / ceiling:.3f}",
            ">= 0.95",
            send_rate / ceiling >= 0.95,
        ),
        Row(
            name,
            "whole campaign (plan + send) / ceiling",
            f"{total_rate:,.0f} msg/s in {res['total_s']:.2f} s = {total_rate / ceiling:.3f}",
            ">= 0.95",
            total_rate / ceiling >= 0.95,
        ),
        Row(
            name,
            "planning pass (validate, count, journal)",
            f"{res['plan_s']:.2f} s = {res['plan_s'] / n * 1e6:.1f} µs/row",
        ),
        Row(name, "429 answers (retried)", str(res["retries_429"]), "0", res["retries_429"] == 0),
    ]


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
    rows.append(_ratio_row(name, "(a) / (b)", engine / bare, "<= 1.5", engine / bare <= 1.5))
    if not sdk_missing:
        rows.append(_ratio_row(name, "(c) / (a)", sdk / engine, ">= 3", sdk / engine >= 3))
    minimal = per["cpu_minimal"]
    minimal_plan = best["cpu_minimal"]["plan_cpu_s"] / n * 1e6
    rows.append(
        Row(
            name,
            "(d) lower bound: the same checks and a chunk-level journal, by hand",
            f"{minimal:.1f} µs/msg (plan {minimal_plan:.1f} + send {minimal - minimal_plan:.1f})",
        )
    )
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
                    "< 150 MB",
                    max(peaks.values()) < 150,
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
        _ratio_row(name, "account.get() / bare GET", ratio, "<= 1.3", ratio <= 1.3),
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
    profile_dir = None
    if args.profile:
        profile_dir = Path(args.profile).resolve()
        profile_dir.mkdir(parents=True, exist_ok=True)
    client_path = Path(args.client_path).resolve() if args.client_path else None
    ctx = Context(mode=mode, sizes=SIZES[mode], profile_dir=profile_dir, client_path=client_path)
    info = machine()
    _say(f"benchmarks ({mode}): {', '.join(names)}")
    rows: list[Row] = []
    failed: list[str] = []
    for name in names:
        _say(f"{name}:")
        started = time.perf_counter()
        try:
            rows += SCENARIOS[name](ctx)
        except Exception as exc:  # report it and carry on with the other scenarios
            failed.append(name)
            _say(f"  {name} FAILED: {exc}")
            rows.append(Row(name, "FAILED", str(exc).splitlines()[0][:80]))
        _say(f"  {name} done in {time.perf_counter() - started:.1f} s")
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
        _say(f"failed: {', '.join(failed)}")
        return 1
    return 0
