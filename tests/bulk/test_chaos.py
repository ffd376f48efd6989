"""Exactly once under chaos: worker processes killed and frozen, the store and the limiter lost.

Every test here runs real processes: workers (``tests/bulk/campaign_worker.py``, running
``cs.bulk.work``) on one PostgresStore, and, for the chaos test, the emulator in its own process
with ambiguous-send faults on. The emulator runs with its THROTTLED window off, so that a second
identical message would be accepted (and counted) rather than refused.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from servers import PostgresServer, RedisServer

from clicksend_async import ClickSendClient
from clicksend_async.bulk import PostgresStore, campaign_status
from clicksend_async.testing import ClickSendEmulator

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals")

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("campaign_worker.py")
BODY = "Hi {first_name}, the sale starts today"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
#: The store's lease and grace in these tests (seconds): short, so that takeovers happen.
LEASE, GRACE = 2.0, 0.3
#: The HTTP timeout of a send: the pre-send guard needs SEND_TIMEOUT + LEASE / 4 of lease left.
SEND_TIMEOUT = 0.6


def name() -> str:
    return f"x-{uuid.uuid4().hex[:12]}"


def recipients(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(n)]


async def plan(url: str, dsn: str, campaign: str, n: int, chunk_size: int) -> None:
    planner = PostgresStore(dsn, campaign)
    async with ClickSendClient(
        username="emulator", api_key="emulator-api-key", base_url=url, rate_limit=None
    ) as cs:
        try:
            await cs.sms.bulk(recipients(n), body=BODY, store=planner, chunk_size=chunk_size).plan()
        finally:
            await planner.close()


class Workers:
    """Worker processes of one campaign, their logs, and a supervisor's restarts."""

    def __init__(self, tmp_path: Path, **config: Any) -> None:
        self.config = {"lease": LEASE, "grace": GRACE, "send_timeout": SEND_TIMEOUT, **config}
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []
        self.started = 0
        #: Workers that exited with an error and were started again (the supervisor's count).
        self.crashes = 0

    def start(self, **overrides: Any) -> subprocess.Popen[bytes]:
        self.started += 1
        err = (self.tmp_path / f"worker-{self.started}.err").open("wb")
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps({**self.config, **overrides})],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=ENV,
        )
        err.close()
        self.procs.append(proc)
        return proc

    def stderr(self) -> str:
        return "".join(
            p.read_text(errors="replace") for p in sorted(self.tmp_path.glob("worker-*.err"))
        )

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with _suppress():
                    os.kill(proc.pid, signal.SIGCONT)
                proc.kill()
            proc.wait(10)


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return isinstance(exc[1], ProcessLookupError)


async def wait_all(workers: Workers, seconds: float, restart: bool = True) -> None:
    """Wait for every worker to finish; restart those that crashed (a supervisor's job)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        live = [p for p in workers.procs if p.poll() is None]
        crashed = [p for p in workers.procs if p.poll() not in (None, 0)]
        if not restart:
            if not live:
                return  # the caller checks the exit codes
        else:
            for proc in crashed:
                workers.procs.remove(proc)
                workers.crashes += 1
                workers.start()
            if not live and not crashed:
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"workers still running after {seconds} s:\n{workers.stderr()[-4000:]}")


def log_of(path: Path) -> Counter[str]:
    """Return how many times each recipient is in the emulator's send log."""
    if not path.exists():
        return Counter()
    lines = path.read_text(encoding="utf-8").splitlines()
    return Counter(json.loads(line)["to"] for line in lines if line.strip())


async def final_counts(dsn: str, campaign: str) -> Any:
    store = PostgresStore(dsn, campaign)
    try:
        return await campaign_status(store)
    finally:
        await store.close()


class EmulatorProcess:
    """The emulator in its own process (``python -m clicksend_async.testing``)."""

    def __init__(self, log: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "clicksend_async.testing", "--port", "0",
                "--balance", "100000", "--throttle-window", "0", "--log", str(log), *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=ENV,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        assert "listening on" in line, line
        self.url = line.rsplit(" ", 1)[1].strip() + "/v3"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# -- chaos ----------------------------------------------------------------------------------

#: Sends answered ambiguously after the server committed them (a 500, a dropped connection, no
#: answer until the client's timeout), plus sends refused before any work (a 429, a 500).
FAULTS = ",".join(
    f"/sms/send:{kind}"
    for kind in (
        "commit-500=0.04",
        "commit-drop=0.04",
        "commit-hang=0.03",
        "commit-unlisted=0.02",
        "429=0.03",
        "500=0.03",
    )
)


@pytest.mark.slow
async def test_four_workers_killed_and_frozen_at_random_text_everyone_exactly_once(
    postgres_dsn: str, tmp_path: Path
) -> None:
    rng = random.Random(18)
    n = 600
    campaign = name()
    log = tmp_path / "sent.jsonl"
    emulator = EmulatorProcess(
        log, "--faults", FAULTS, "--seed", "18", "--hang-seconds", "1.5", "--latency-ms", "20"
    )
    workers = Workers(tmp_path, url=emulator.url, dsn=postgres_dsn, campaign=campaign, rate=3.0)
    kills = stops = 0
    try:
        await plan(emulator.url, postgres_dsn, campaign, n, chunk_size=10)
        for _ in range(4):
            workers.start()
        frozen: dict[int, float] = {}  # pid -> when it is let go
        chaos_until = time.monotonic() + 20.0
        while time.monotonic() < chaos_until:
            await asyncio.sleep(rng.uniform(0.6, 1.4))
            now = time.monotonic()
            for pid, until in list(frozen.items()):
                if now >= until:
                    with _suppress():
                        os.kill(pid, signal.SIGCONT)
                    del frozen[pid]
            live = [p for p in workers.procs if p.poll() is None and p.pid not in frozen]
            if not live:
                if all(p.poll() == 0 for p in workers.procs):
                    break  # the campaign is done
                continue
            victim = rng.choice(live)
            if rng.random() < 0.6:
                victim.kill()  # SIGKILL: no release, no outcome recorded
                victim.wait(10)
                kills += 1
                workers.procs.remove(victim)
                workers.start()  # the supervisor starts a fresh worker
            else:
                # Frozen past lease + grace: its chunks are taken over meanwhile.
                os.kill(victim.pid, signal.SIGSTOP)
                frozen[victim.pid] = now + LEASE + GRACE + rng.uniform(0.5, 2.0)
                stops += 1
        for pid in frozen:
            with _suppress():
                os.kill(pid, signal.SIGCONT)
        await wait_all(workers, 60.0)
        status = await final_counts(postgres_dsn, campaign)
    finally:
        workers.close()
        emulator.close()
    sent = log_of(log)
    assert kills + stops >= 5, "too little chaos to prove anything"
    assert max(sent.values()) == 1, [to for to, k in sent.items() if k > 1]
    assert set(sent) == {p["to"] for p in recipients(n)}
    # Every row final: nothing unknown, nothing pending, nothing held.
    assert status.finished and status.counts["sent"] == n, status
    assert (status.pending, status.held, status.unknown) == (0, 0, 0)
    logs = workers.stderr()
    assert "took over" in logs  # holders that died or froze were taken over


# -- fencing --------------------------------------------------------------------------------


async def frozen_after_claiming(dsn: str, tmp_path: Path, *, fencing: bool) -> Counter[str]:
    """A worker claims a chunk, is frozen (SIGSTOP) past lease + grace before its request
    leaves, and is let go after another worker took the chunk over and sent it."""
    import asyncpg

    n = 40
    campaign = name()
    async with ClickSendEmulator(balance=10_000, throttle_window=0) as emu:
        await plan(emu.url, dsn, campaign, n, chunk_size=10)
        workers = Workers(tmp_path, url=emu.url, dsn=dsn, campaign=campaign, settle=0.2)
        conn = await asyncpg.connect(dsn)
        try:
            # Half a request a second: its first chunk waits ~2 s for a permit after its claim.
            slow = workers.start(rate=0.5, concurrency=1, fencing=fencing)
            claimed = 0
            for _ in range(2000):
                claimed = await conn.fetchval(
                    "SELECT count(*) FROM clicksend_async.chunks WHERE campaign = $1", campaign
                )
                if claimed or slow.poll() is not None:
                    break
                await asyncio.sleep(0.005)
            assert claimed, workers.stderr()[-3000:]
            os.kill(slow.pid, signal.SIGSTOP)  # claimed, nothing sent yet
            assert not [r for r in emu.requests if r.path == "/sms/send"]
            workers.start(rate=None)  # sends the rest, then takes the frozen worker's chunk over
            await asyncio.sleep(LEASE + GRACE + 2.0)
            os.kill(slow.pid, signal.SIGCONT)  # its permit is due: the guard decides
            await wait_all(workers, 30.0, restart=False)
            assert all(p.returncode == 0 for p in workers.procs), workers.stderr()[-3000:]
            status = await final_counts(dsn, campaign)
            assert status.finished and status.counts["sent"] == n
        finally:
            await conn.close()
            workers.close()
        return Counter(m.to for m in emu.sent)


class TestFencing:
    async def test_a_worker_frozen_past_its_lease_after_claiming_sends_nothing(
        self, postgres_dsn: str, tmp_path: Path
    ) -> None:
        sent = await frozen_after_claiming(postgres_dsn, tmp_path, fencing=True)
        assert len(sent) == 40 and max(sent.values()) == 1

    async def test_the_control_without_the_guard_texts_the_chunk_twice(
        self, postgres_dsn: str, tmp_path: Path
    ) -> None:
        # What the pre-send guard prevents: the frozen worker wakes and sends its old chunk.
        sent = await frozen_after_claiming(postgres_dsn, tmp_path, fencing=False)
        assert sum(1 for k in sent.values() if k == 2) == 10


# -- outages ---------------------------------------------------------------------------------


async def sends_during(emu: ClickSendEmulator, start: float, end: float) -> int:
    return sum(1 for m in emu.sent if start <= m.time < end)


class TestOutages:
    @pytest.mark.slow
    async def test_the_store_crash_restarted_mid_campaign_still_texts_everyone_once(
        self, postgres_server: PostgresServer, postgres_dsn: str, tmp_path: Path
    ) -> None:
        n = 400
        campaign = name()
        async with ClickSendEmulator(balance=10_000, throttle_window=0) as emu:
            await plan(emu.url, postgres_dsn, campaign, n, chunk_size=10)
            workers = Workers(tmp_path, url=emu.url, dsn=postgres_dsn, campaign=campaign, rate=4.0)
            try:
                for _ in range(3):
                    workers.start()
                while len(emu.sent) < n // 4:
                    await asyncio.sleep(0.05)
                await asyncio.to_thread(postgres_server.stop)  # pg_ctl stop -m immediate
                stopped = time.time()
                at_stop = len(emu.sent)
                await asyncio.sleep(3.0)
                down = await sends_during(emu, stopped + 1.0, time.time())
                await asyncio.to_thread(postgres_server.start)
                await wait_all(workers, 60.0, restart=False)
                codes = [p.returncode for p in workers.procs]
                status = await final_counts(postgres_dsn, campaign)
            finally:
                workers.close()
        logs = workers.stderr()
        assert at_stop < n
        # Fail closed: nothing sent while the store was down (past the requests in flight).
        assert down == 0
        assert "sends nothing until the store is back" in logs
        assert "reachable again: this worker carries on" in logs
        assert codes == [0, 0, 0], logs[-3000:]  # they carried on and finished
        sent = Counter(m.to for m in emu.sent)
        assert len(sent) == n and max(sent.values()) == 1
        assert status.finished and status.counts["sent"] == n

    @pytest.mark.parametrize("fallback", [None, 2.0])
    async def test_losing_the_redis_limiter_fails_closed_unless_a_fallback_was_chosen(
        self,
        redis_server: RedisServer,
        redis_url: str,
        postgres_dsn: str,
        tmp_path: Path,
        fallback: float | None,
    ) -> None:
        n = 300
        campaign = name()
        async with ClickSendEmulator(balance=10_000, throttle_window=0) as emu:
            await plan(emu.url, postgres_dsn, campaign, n, chunk_size=5)
            workers = Workers(
                tmp_path,
                url=emu.url,
                dsn=postgres_dsn,
                campaign=campaign,
                rate=10.0,
                redis=redis_url,
                fallback_rate=fallback,
            )
            try:
                for _ in range(3):
                    workers.start()
                while len(emu.sent) < n // 5:
                    await asyncio.sleep(0.05)
                redis_server.stop()
                stopped = time.time()
                await asyncio.sleep(2.5)
                # Requests already past the limiter when it went away finish in milliseconds.
                down = await sends_during(emu, stopped + 0.3, time.time())
                redis_server.start()
                await wait_all(workers, 60.0, restart=False)
                codes = [p.returncode for p in workers.procs]
                status = await final_counts(postgres_dsn, campaign)
            finally:
                workers.close()
        logs = workers.stderr()
        if fallback is None:
            assert down == 0  # fail closed: nothing sent while the limiter was away
            assert "no fallback_rate" in logs
        else:
            assert down > 0  # opted in: each worker paced itself meanwhile
            assert "fallback rate" in logs
        assert codes == [0, 0, 0], logs[-3000:]
        sent = Counter(m.to for m in emu.sent)
        assert len(sent) == n and max(sent.values()) == 1
        assert status.finished and status.counts["sent"] == n
