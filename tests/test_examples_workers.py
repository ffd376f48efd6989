"""The task-queue recipes (examples/taskiq_worker.py, examples/arq_worker.py) send a campaign to
the end in bounded slices that re-enqueue themselves, each recipient once: against a real
PostgreSQL, and for arq a real Redis (tests/servers.py: a missing server fails, never skips)."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clicksend_async.bulk import PostgresStore, campaign_status
from clicksend_async.testing import ClickSendEmulator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def recipe(module: str) -> ModuleType:
    """Import an example as a module (its ``_common`` import needs examples/ on the path)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(module)


def people(n: int) -> list[dict[str, Any]]:
    return [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(n)]


async def plan(cs: Any, dsn: str, campaign: str, n: int) -> None:
    planner = PostgresStore(dsn, campaign)
    try:
        await cs.sms.bulk(people(n), body="Hi {first_name}!", store=planner, chunk_size=5).plan()
    finally:
        await planner.close()


async def owners(dsn: str, campaign: str) -> int:
    """Return how many workers (store owners) sent chunks of the campaign."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(DISTINCT owner) FROM clicksend_async.chunks WHERE campaign = $1",
                campaign,
            )
        )
    finally:
        await conn.close()


async def wait_finished(dsn: str, campaign: str, timeout: float = 90.0) -> None:
    store = PostgresStore(dsn, campaign)
    try:
        deadline = time.monotonic() + timeout
        while not (await campaign_status(store)).finished:
            assert time.monotonic() < deadline, f"not finished: {await campaign_status(store)}"
            await asyncio.sleep(0.1)
    finally:
        await store.close()


def assert_once(emu: ClickSendEmulator, n: int) -> None:
    sent = Counter(m.to for m in emu.sent)
    assert set(sent) == {p["to"] for p in people(n)}
    assert max(sent.values()) == 1, "someone was texted twice"


async def test_taskiq_chains_send_a_campaign_to_the_end(
    postgres_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = recipe("taskiq_worker")
    monkeypatch.setattr(module, "IDLE_PAUSE", 0.05)
    campaign = f"taskiq-{uuid.uuid4().hex[:10]}"
    # 100 ms a send, 5 rows a chunk, 12 in flight: 240 rows need longer than a 0.3 s slice.
    async with ClickSendEmulator(balance=10_000, latency_ms={"/sms/send": 100}) as emu:
        async with emu.client(rate_limit=None) as cs:
            await plan(cs, postgres_dsn, campaign, 240)
            broker = module.broker
            broker.state.clicksend = cs
            broker.state.store_url = postgres_dsn
            await broker.startup()
            try:
                for _ in range(3):
                    await module.send_campaign_slice.kiq(campaign, 0.3)
                await wait_finished(postgres_dsn, campaign)
                await broker.wait_all()
                await broker.wait_all()
            finally:
                await broker.shutdown()
            slices = await owners(postgres_dsn, campaign)
    assert_once(emu, 240)
    assert slices > 3, "the slices never re-enqueued themselves"


#: arq (0.28) calls redis-py APIs that redis-py 6+ deprecates: theirs to fix, not a failure.
ARQ_ON_NEW_REDIS = "ignore::DeprecationWarning:arq"


@pytest.mark.filterwarnings(ARQ_ON_NEW_REDIS)
async def test_arq_chains_send_a_campaign_to_the_end(
    postgres_dsn: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arq import Worker, create_pool
    from arq.connections import RedisSettings

    module = recipe("arq_worker")
    monkeypatch.setattr(module, "IDLE_PAUSE", 0.05)
    campaign = f"arq-{uuid.uuid4().hex[:10]}"
    settings = RedisSettings.from_dsn(redis_url)
    async with ClickSendEmulator(balance=10_000, latency_ms={"/sms/send": 100}) as emu:
        async with emu.client(rate_limit=None) as cs:
            await plan(cs, postgres_dsn, campaign, 240)
            redis = await create_pool(settings)
            try:
                for _ in range(3):
                    await redis.enqueue_job("send_campaign_slice", campaign, 0.3)
            finally:
                await redis.aclose()
            worker = Worker(
                functions=module.WorkerSettings.functions,
                on_startup=module.startup,
                on_shutdown=module.shutdown,
                redis_settings=settings,
                ctx={"clicksend": cs, "store_url": postgres_dsn},
                burst=True,
                poll_delay=0.05,
                handle_signals=False,
            )
            try:
                await asyncio.wait_for(worker.main(), 120)
            finally:
                await worker.close()
            store = PostgresStore(postgres_dsn, campaign)
            status = await campaign_status(store)
            await store.close()
            slices = await owners(postgres_dsn, campaign)
    assert status.finished and status.counts["sent"] == 240
    assert_once(emu, 240)
    assert slices > 3, "the jobs never re-enqueued themselves"
    assert worker.jobs_failed == 0


@pytest.mark.slow
@pytest.mark.parametrize("script", ["taskiq_worker.py", "arq_worker.py"])
def test_recipe_scripts_run_offline(
    script: str, postgres_dsn: str, redis_url: str, tmp_path: Path
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLICKSEND_", "MATON_"))
    }
    env.update(
        CLICKSEND_STORE=postgres_dsn,
        REDIS_URL=redis_url,
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="default::ResourceWarning",
    )
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "40"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "built-in emulator" in completed.stdout
    assert "Done: 40 sent, 0 left" in completed.stdout
    assert "ResourceWarning" not in completed.stderr
