"""The client side of every benchmark, run in a fresh process: ``python -m benchmarks._child``.

Usage: ``python -m benchmarks._child WORKLOAD '{"json": "arguments"}'``. The last line printed
is ``RESULT {...}``: the figures as JSON. Each workload measures only its own work: CPU seconds
(user + system, ``resource.getrusage(RUSAGE_SELF)``) and wall time around the send, and the peak
RSS of the process (``ru_maxrss``). With ``BENCH_PROFILE=path`` set, the measured part also runs
under pyinstrument and its text report is written to ``path`` (under cProfile, in pstats
format, when ``path`` ends in ``.prof``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

USERNAME = "emulator"
API_KEY = "emulator-api-key"
MARKER = "RESULT "

#: Every generated message is GSM-7, one part, and personalised (no two bodies are equal).
TEMPLATE = (
    "Hi {first_name}, your order {order} has shipped and arrives {day}. Reply STOP to opt out"
)
_NAMES = ("Olivia", "Noah", "Charlotte", "Jack", "Amelia", "William", "Isla", "Oliver", "Mia")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def make_rows(n: int) -> list[dict[str, str]]:
    """Return n recipient rows (distinct Australian mobile numbers, none a free test number)."""
    return [
        {
            "to": f"+6149{i:07d}",
            "first_name": _NAMES[i % len(_NAMES)],
            "order": str(1_000_000 + i),
            "day": _DAYS[i % len(_DAYS)],
        }
        for i in range(n)
    ]


def write_csv(path: str | os.PathLike[str], n: int) -> Path:
    """Write n recipient rows to a CSV file (phone column ``phone``) and return its path."""
    target = Path(path)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "first_name", "order", "day"])
        for i in range(n):
            writer.writerow(
                [f"+6149{i:07d}", _NAMES[i % len(_NAMES)], 1_000_000 + i, _DAYS[i % len(_DAYS)]]
            )
    return target


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@contextlib.contextmanager
def measured(out: dict[str, Any]) -> Iterator[None]:
    """Record ``cpu_s`` and ``wall_s`` of the block into ``out`` (and profile it on request)."""
    profile_path = os.environ.get("BENCH_PROFILE")
    profiler: Any = None
    if profile_path and profile_path.endswith(".prof"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    elif profile_path:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
    cpu0, wall0 = _cpu(), time.perf_counter()
    try:
        yield
    finally:
        out["wall_s"] = time.perf_counter() - wall0
        out["cpu_s"] = _cpu() - cpu0
        if profile_path and profile_path.endswith(".prof"):
            profiler.disable()
            profiler.dump_stats(profile_path)
        elif profile_path:
            profiler.stop()
            write_profile(profiler.last_session, Path(profile_path))


#: How many functions ``*.top.txt`` lists.
TOP_FUNCTIONS = 40


def write_profile(session: Any, path: Path) -> None:
    """Write a pyinstrument session: the call tree to ``path``, the top functions beside it.

    The top functions (``NAME.top.txt``) are every frame, library code included, by the time
    spent in the function itself, whoever called it: where the process's time goes.
    """
    from pyinstrument.renderers import ConsoleRenderer

    tree = ConsoleRenderer(unicode=True, color=False, show_all=False).render(session)
    path.write_text(tree, encoding="utf-8")
    top = path.with_name(path.name.removesuffix(".txt") + ".top.txt")
    top.write_text(top_functions(session), encoding="utf-8")


def top_functions(session: Any, limit: int = TOP_FUNCTIONS) -> str:
    """Return the ``limit`` functions with the most time in themselves, as a text table.

    Summed here rather than by pyinstrument's flat renderer, which counts a function's own
    time twice (in the function and in its ``[self]`` node, all of which it adds up as one
    more function).
    """
    root = session.root_frame()
    own: dict[str, float] = {}
    where: dict[str, str] = {}
    stack = [] if root is None else [root]
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic:  # [self], [await] ...: already in the parent's own time
            continue
        key = frame.identifier
        own[key] = own.get(key, 0.0) + frame.total_self_time
        where[key] = f"{frame.function}  {frame.file_path_short}:{frame.line_no}"
    total = root.time if root is not None else 0.0
    lines = [
        f"wall {session.duration:.3f} s, CPU {session.cpu_time:.3f} s, {session.sample_count} "
        "samples; own time of each function (waiting in epoll/select is the loop idle)",
        "",
        f"{'seconds':>8}  {'share':>6}  function",
    ]
    for key, seconds in sorted(own.items(), key=lambda item: -item[1])[:limit]:
        share = seconds / total if total else 0.0
        lines.append(f"{seconds:8.3f}  {share:6.1%}  {where[key]}")
    return "\n".join(lines) + "\n"


def _chunks(rows: list[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# -- scenario 1: a campaign through the API's defaults -----------------------------------------


def campaign(url: str, csv_path: str, rate_limit: float) -> dict[str, Any]:
    """Send a CSV with ``send_bulk`` and every option at its default (preflight, balance check).

    What a program calling the API does: the client paced at ``rate_limit`` (the CLI's
    ``--rate``), the file streamed as the CLI streams it, the report read when the job is done.
    """
    from clicksend_async import ClickSendClient
    from clicksend_async.bulk import read_recipients_csv

    out: dict[str, Any] = {}
    retries: list[Any] = []

    async def main() -> None:
        async with ClickSendClient(
            username=USERNAME,
            api_key=API_KEY,
            base_url=url,
            rate_limit=rate_limit,
            on_retry=retries.append,
        ) as cs:
            with await cs.sms.send_bulk(read_recipients_csv(csv_path), body=TEMPLATE) as report:
                out.update(
                    rows=report.rows,
                    counts=dict(report.counts),
                    complete=report.complete,
                    sent=report.sent,
                    unknown=report.unknown,
                )

    with measured(out):
        asyncio.run(main())
    out["retries"] = len(retries)
    out["retries_429"] = sum(1 for r in retries if r.failure == "rate_limited")
    return out


# -- scenario 2: client CPU per message -----------------------------------------------------


def cpu_engine(url: str, n: int) -> dict[str, Any]:
    """clicksend_async's bulk engine: ``send_bulk(rows as dicts, body=template)``."""
    from clicksend_async import ClickSendClient

    rows = make_rows(n)
    out: dict[str, Any] = {"n": n}

    async def main() -> None:
        async with ClickSendClient(
            username=USERNAME, api_key=API_KEY, base_url=url, rate_limit=None
        ) as cs:
            # send_bulk(...) is bulk(...).run(); the plan is awaited first only to time it apart.
            job = cs.sms.bulk(
                rows,
                body=TEMPLATE,
                preflight=False,
                check_balance=False,
                chunk_size=1000,
                concurrency=4,
            )
            cpu0 = _cpu()
            await job.plan()
            out["plan_cpu_s"] = _cpu() - cpu0
            with await job.run() as report:
                out["sent"] = report.sent

    with measured(out):
        asyncio.run(main())
    return out


def cpu_bare(url: str, n: int) -> dict[str, Any]:
    """The floor: aiohttp + json, the same 1000-message chunks, four in flight, no models."""
    import aiohttp

    rows = make_rows(n)
    out: dict[str, Any] = {"n": n}
    token = base64.b64encode(f"{USERNAME}:{API_KEY}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    send_url = url + "/sms/send"
    fill = TEMPLATE.format_map

    async def main() -> None:
        sent = 0
        queue = list(enumerate(_chunks(rows, 1000)))
        queue.reverse()
        async with aiohttp.ClientSession() as session:

            async def worker() -> None:
                nonlocal sent
                while queue:
                    index, chunk = queue.pop()
                    messages = [
                        {"to": row["to"], "body": fill(row), "custom_string": f"b{index}-{i}"}
                        for i, row in enumerate(chunk)
                    ]
                    payload = json.dumps({"messages": messages}).encode()
                    async with session.post(send_url, data=payload, headers=headers) as resp:
                        answer = json.loads(await resp.read())
                    sent += sum(m["status"] == "SUCCESS" for m in answer["data"]["messages"])

            await asyncio.gather(*(worker() for _ in range(4)))
        out["sent"] = sent

    with measured(out):
        asyncio.run(main())
    return out


def cpu_minimal(url: str, n: int) -> dict[str, Any]:
    """A lower bound, not a client: the least an engine that checks and journals must do.

    Written by hand for this one workload, with no models and no options: a regular-expression
    E.164 check, the template, ``count_segments`` and a parts limit, a unique custom_string,
    the campaign fingerprint, and a journal at the granularity of a whole chunk (one SQLite row
    per 1000 messages holding the request body, then one holding the outcomes), the same
    four requests in flight as the engine. Whatever the engine does beyond this is its own cost;
    this much any careful engine pays.
    """
    import hashlib
    import re
    import sqlite3

    import aiohttp

    from clicksend_async.segments import count_segments

    e164 = re.compile(r"\+[1-9][0-9]{6,14}")
    rows = make_rows(n)
    out: dict[str, Any] = {"n": n}
    token = base64.b64encode(f"{USERNAME}:{API_KEY}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    send_url = url + "/sms/send"
    fill = TEMPLATE.format_map
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    with measured(out):
        # A private temporary database, like the engine's journal when none is named.
        db = sqlite3.connect("", isolation_level=None)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE chunks (chunk INTEGER PRIMARY KEY, rows TEXT, body TEXT)")
        db.execute("CREATE TABLE outcomes (chunk INTEGER PRIMARY KEY, results TEXT)")
        cpu0 = _cpu()
        digest = hashlib.blake2b(digest_size=16)
        messages: list[dict[str, str]] = []
        meta: list[tuple[int, str]] = []
        hashed: list[str] = []
        chunks = 0
        for number, row in enumerate(rows, 1):
            to, body = row["to"], fill(row)
            if e164.fullmatch(to) is None or not body.strip():
                raise ValueError(f"row {number}")
            if count_segments(body).segments > 8:
                raise ValueError(f"row {number}")
            custom = f"csbench-{number}"
            messages.append({"to": to, "body": body, "custom_string": custom})
            meta.append((number, custom))
            hashed.append(f"{number}\x1f{to}\x1f{body}\x1e")
            if len(messages) == 1000 or number == len(rows):
                digest.update("".join(hashed).encode())
                db.execute("BEGIN")
                db.execute(
                    "INSERT INTO chunks VALUES (?, ?, ?)",
                    (chunks, encode(meta), '{"messages":' + encode(messages) + "}"),
                )
                db.execute("COMMIT")
                chunks += 1
                messages, meta, hashed = [], [], []
        out["plan_cpu_s"] = _cpu() - cpu0

        async def main() -> None:
            sent = 0
            queue = list(range(chunks))
            queue.reverse()
            async with aiohttp.ClientSession() as session:

                async def worker() -> None:
                    nonlocal sent
                    while queue:
                        chunk = queue.pop()
                        listed, body = db.execute(
                            "SELECT rows, body FROM chunks WHERE chunk = ?", (chunk,)
                        ).fetchone()
                        async with session.post(
                            send_url, data=body.encode(), headers=headers
                        ) as resp:
                            answer = json.loads(await resp.read())
                        by_custom = {m.get("custom_string"): m for m in answer["data"]["messages"]}
                        results = []
                        for number, custom in json.loads(listed):
                            found = by_custom[custom]
                            status = found.get("status")
                            sent += status == "SUCCESS"
                            results.append(
                                (
                                    number,
                                    status,
                                    found.get("message_id"),
                                    found.get("message_price"),
                                )
                            )
                        db.execute("BEGIN")
                        db.execute("INSERT INTO outcomes VALUES (?, ?)", (chunk, encode(results)))
                        db.execute("COMMIT")

                await asyncio.gather(*(worker() for _ in range(4)))
            out["sent"] = sent

        asyncio.run(main())
        db.close()
    return out


def cpu_sdk(url: str, n: int) -> dict[str, Any]:
    """The official SDK (``clicksend-client`` 6, module ``clicksend``), one chunk at a time."""
    import clicksend

    rows = make_rows(n)
    out: dict[str, Any] = {"n": n}
    base = url.removesuffix("/v3")  # the SDK's paths already start with /v3
    fill = TEMPLATE.format_map
    with measured(out):
        config = clicksend.Configuration(host=base, username=USERNAME, password=API_KEY)
        sent = 0
        with clicksend.ApiClient(config) as api_client:
            api = clicksend.SmsApi(api_client)
            for index, chunk in enumerate(_chunks(rows, 1000)):
                request = clicksend.SendSmsRequest(
                    messages=[
                        clicksend.SendSmsRequestMessagesInner(
                            to=row["to"], body=fill(row), custom_string=f"s{index}-{i}"
                        )
                        for i, row in enumerate(chunk)
                    ]
                )
                answer = api.send_sms(send_sms_request=request)
                sent += sum(m.status == "SUCCESS" for m in answer.data.messages)
        out["sent"] = sent
    return out


# -- scenario 3: memory of a streamed CSV campaign --------------------------------------------


def memory(url: str, csv_path: str, dry_run: bool) -> dict[str, Any]:
    """Stream a CSV through a campaign (defaults: preflight and balance check on)."""
    from clicksend_async import ClickSendClient
    from clicksend_async.bulk import read_recipients_csv

    out: dict[str, Any] = {"dry_run": dry_run, "rss_before_mb": _peak_rss_mb()}

    async def main() -> None:
        async with ClickSendClient(
            username=USERNAME, api_key=API_KEY, base_url=url, rate_limit=None
        ) as cs:
            with await cs.sms.send_bulk(
                read_recipients_csv(csv_path), body=TEMPLATE, dry_run=dry_run
            ) as report:
                out.update(rows=report.rows, sent=report.sent, skipped=report.skipped)

    with measured(out):
        asyncio.run(main())
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


# -- scenario 4: the overhead of one call -------------------------------------------------------


def overhead(url: str, calls: int, block: int) -> dict[str, Any]:
    """Time ``calls`` sequential ``account.get()`` and as many bare aiohttp GETs, interleaved."""
    import aiohttp

    from clicksend_async import ClickSendClient

    token = base64.b64encode(f"{USERNAME}:{API_KEY}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
    account_url = url + "/account"
    out: dict[str, Any] = {"calls": calls}

    async def main() -> None:
        client_s = bare_s = 0.0
        async with (
            ClickSendClient(
                username=USERNAME, api_key=API_KEY, base_url=url, rate_limit=None
            ) as cs,
            aiohttp.ClientSession() as session,
        ):

            async def bare_get() -> Any:
                async with session.get(account_url, headers=headers) as resp:
                    data = json.loads(await resp.read())
                if data["response_code"] != "SUCCESS":
                    raise RuntimeError(data)
                return data["data"]

            for _ in range(min(50, calls)):  # warm both connections up
                await cs.account.get()
                await bare_get()
            done = 0
            while done < calls:
                size = min(block, calls - done)
                t0 = time.perf_counter()
                for _ in range(size):
                    await cs.account.get()
                t1 = time.perf_counter()
                for _ in range(size):
                    await bare_get()
                t2 = time.perf_counter()
                client_s += t1 - t0
                bare_s += t2 - t1
                done += size
        out.update(client_s=client_s, bare_s=bare_s)

    with measured(out):
        asyncio.run(main())
    return out


# -- scenario 5: segment counting against smsutil --------------------------------------------


def segments(n: int) -> dict[str, Any]:
    """Run ``benchmarks/bench_segments.py``'s ``run(n)``."""
    from benchmarks.bench_segments import run

    figures = run(n)
    figures.pop("disagreement_examples", None)
    return figures


WORKLOADS: dict[str, Callable[..., dict[str, Any]]] = {
    "campaign": campaign,
    "cpu_engine": cpu_engine,
    "cpu_bare": cpu_bare,
    "cpu_sdk": cpu_sdk,
    "cpu_minimal": cpu_minimal,
    "memory": memory,
    "overhead": overhead,
    "segments": segments,
}


def main(argv: list[str] | None = None) -> int:
    """Run one workload and print its figures as the last line."""
    args = sys.argv[1:] if argv is None else argv
    name, params = args[0], json.loads(args[1]) if len(args) > 1 else {}
    result = WORKLOADS[name](**params)
    result.setdefault("peak_rss_mb", _peak_rss_mb())
    module = sys.modules.get("clicksend_async")
    if module is not None:
        result["client_module"] = str(Path(module.__file__ or "?").parent)
    print(MARKER + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
