"""A campaign sent by arq workers in bounded slices, each job re-enqueueing itself until done.

Run: ``CLICKSEND_STORE=postgresql://user@host/db REDIS_URL=redis://localhost:6379 python
examples/arq_worker.py [ROWS]``

The campaign is planned once into a shared PostgreSQL store (here by ``main``; in production by
``clicksend-async campaign RECIPIENTS.csv --body ... --store ... --name NAME --detach``). Then
the ``send_campaign_slice`` job runs one worker for at most ``max_seconds`` and, while the
campaign is not finished, enqueues itself again (deferred a little when it found nothing to
claim). arq runs a job at least once (a worker that died mid-job has it run again) and fences
nobody: every guarantee lives in the store, so a repeated slice never texts anyone twice.
Enqueue as many chains as you want concurrent workers.

The store's URL (with its password) comes from the worker's environment, never from a job's
arguments, which arq keeps in Redis. In production start workers with
``arq examples.arq_worker.WorkerSettings``; this demo runs one arq worker in this process in
burst mode and, without credentials in the environment, uses the built-in emulator.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

from _common import client_for_example
from arq import Worker, create_pool
from arq.connections import RedisSettings

from clicksend_async import ClickSendClient
from clicksend_async.bulk import open_store

#: Seconds a slice defers its successor when it sent nothing (other workers hold the rest,
#: or a dead worker's chunks wait out their lease before they are reconciled).
IDLE_PAUSE = 2.0


async def send_campaign_slice(
    ctx: dict[str, Any], name: str, max_seconds: float = 30.0
) -> dict[str, Any]:
    """Run one worker of campaign ``name`` for at most ``max_seconds``; re-enqueue until done."""
    cs: ClickSendClient = ctx["clicksend"]
    store = open_store(ctx["store_url"], name)
    try:
        with await cs.bulk.work(store, max_seconds=max_seconds) as report:
            time_up = report.stopped  # the slice ended on time: more for this chain to send
        status = await cs.bulk.status(store)
    finally:
        await store.close()
    if not status.finished:
        await ctx["redis"].enqueue_job(
            "send_campaign_slice",
            name,
            max_seconds,
            _defer_by=0 if time_up else IDLE_PAUSE,  # nothing to claim right now: do not spin
        )
    return status.to_json()


async def startup(ctx: dict[str, Any]) -> None:
    """Open one ClickSend client per worker process, and read where the store is."""
    if "clicksend" not in ctx:  # main() hands in the demo's client
        ctx["clicksend"] = await ClickSendClient.from_env().__aenter__()
        ctx["owns_client"] = True
    ctx.setdefault("store_url", os.environ.get("CLICKSEND_STORE"))


async def shutdown(ctx: dict[str, Any]) -> None:
    """Close the client this worker process opened."""
    if ctx.get("owns_client"):
        await ctx["clicksend"].__aexit__(None, None, None)


class WorkerSettings:
    """``arq examples.arq_worker.WorkerSettings``: the job, the client, Redis."""

    functions = (send_campaign_slice,)
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://localhost:6379"))
    # A slice is bounded by max_seconds; the job timeout leaves room for chunks in flight.
    job_timeout = 600


async def main(rows: int) -> None:
    """Plan a campaign into the store, enqueue three chains, run a worker until it is done."""
    store_url = os.environ.get("CLICKSEND_STORE")
    if not store_url:
        sys.exit("set CLICKSEND_STORE=postgresql://... (the shared campaign store)")
    name = f"arq-demo-{uuid.uuid4().hex[:8]}"
    async with client_for_example() as cs:
        planner = open_store(store_url, name)
        people = [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(rows)]
        try:
            plan = await cs.sms.bulk(people, body="Hi {first_name}!", store=planner).plan()
        finally:
            await planner.close()
        print(f"Planned {name}: {plan.messages} messages; sending with 3 arq job chains.")
        redis = await create_pool(WorkerSettings.redis_settings)
        try:
            for _ in range(3):
                await redis.enqueue_job("send_campaign_slice", name, 1.0)
        finally:
            await redis.aclose()
        worker = Worker(
            functions=WorkerSettings.functions,
            on_startup=startup,
            on_shutdown=shutdown,
            redis_settings=WorkerSettings.redis_settings,
            ctx={"clicksend": cs, "store_url": store_url},
            burst=True,  # stop once no job is queued: the chains ended, the campaign is done
            poll_delay=0.1,
            handle_signals=False,
        )
        try:
            await worker.main()
        finally:
            await worker.close()
        status = open_store(store_url, name)
        try:
            found = await cs.bulk.status(status)
        finally:
            await status.close()
        print(f"Done: {found.counts['sent']} sent, {found.pending} left, cost {found.cost}.")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
