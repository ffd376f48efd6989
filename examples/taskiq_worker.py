"""A campaign sent by taskiq workers in bounded slices, each re-enqueueing itself until done.

Run: ``CLICKSEND_STORE=postgresql://user@host/db python examples/taskiq_worker.py [ROWS]``

The campaign is planned once into a shared PostgreSQL store (here by ``main``; in production by
``clicksend-async campaign RECIPIENTS.csv --body ... --store ... --name NAME --detach``). Then
``send_campaign_slice(NAME)`` runs one worker for at most ``max_seconds`` and, while the
campaign is not finished, enqueues itself again: a task queue delivers work at least once and
fences nobody, so every guarantee (each recipient texted once, a crashed worker's chunks
reconciled before anything of them is sent again) lives in the store, not in the queue. Kick
off as many chains as you want workers.

The store's URL (with its password) comes from the worker's environment, never from a task's
arguments: messages in a broker are not a place for credentials. Likewise the ClickSend
client, opened once per worker process (``ClickSendClient.from_env()``).

In production use a real broker, e.g. ``taskiq_redis.ListQueueBroker("redis://...")``, and
start workers with ``taskiq worker examples.taskiq_worker:broker``. This demo uses taskiq's
``InMemoryBroker`` (tasks run in this process) and, without credentials in the environment,
the built-in emulator.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

from _common import client_for_example
from taskiq import Context, InMemoryBroker, TaskiqDepends, TaskiqEvents, TaskiqState

from clicksend_async import ClickSendClient
from clicksend_async.bulk import campaign_status, open_store

broker = InMemoryBroker()

#: Seconds a slice waits before re-enqueueing when it sent nothing (other workers hold the
#: rest, or a dead worker's chunks wait out their lease before they are reconciled).
IDLE_PAUSE = 2.0


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def open_client(state: TaskiqState) -> None:
    """Open one ClickSend client per worker process, and read where the store is."""
    if getattr(state, "clicksend", None) is None:  # main() hands in the demo's client
        state.clicksend = await ClickSendClient.from_env().__aenter__()
        state.owns_client = True
    if getattr(state, "store_url", None) is None:
        state.store_url = os.environ["CLICKSEND_STORE"]


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def close_client(state: TaskiqState) -> None:
    """Close the client this worker process opened."""
    if getattr(state, "owns_client", False):
        await state.clicksend.__aexit__(None, None, None)


@broker.task
async def send_campaign_slice(
    name: str,
    max_seconds: float = 30.0,
    context: Context = TaskiqDepends(),  # noqa: B008 - taskiq's dependency injection
) -> dict[str, Any]:
    """Run one worker of campaign ``name`` for at most ``max_seconds``; re-enqueue until done."""
    cs: ClickSendClient = context.state.clicksend
    store = open_store(context.state.store_url, name)
    try:
        with await cs.bulk.work(store, max_seconds=max_seconds) as report:
            time_up = report.stopped  # the slice ended on time: more for this chain to send
        status = await cs.bulk.status(store)
        if not (status.finished or time_up):
            await asyncio.sleep(IDLE_PAUSE)  # nothing to claim right now: do not spin
            status = await cs.bulk.status(store)
    finally:
        await store.close()
    if not status.finished:
        await send_campaign_slice.kiq(name, max_seconds)
    return status.to_json()


async def main(rows: int) -> None:
    """Plan a campaign into the store, run three chains of slices, wait until it is done."""
    store_url = os.environ.get("CLICKSEND_STORE")
    if not store_url:
        sys.exit("set CLICKSEND_STORE=postgresql://... (the shared campaign store)")
    name = f"taskiq-demo-{uuid.uuid4().hex[:8]}"
    async with client_for_example() as cs:
        planner = open_store(store_url, name)
        people = [{"to": f"+6142{i:07d}", "first_name": f"Name{i}"} for i in range(rows)]
        try:
            plan = await cs.sms.bulk(people, body="Hi {first_name}!", store=planner).plan()
        finally:
            await planner.close()
        print(f"Planned {name}: {plan.messages} messages; sending with 3 taskiq chains.")
        broker.state.clicksend = cs
        broker.state.store_url = store_url
        await broker.startup()
        try:
            for _ in range(3):
                await send_campaign_slice.kiq(name, 1.0)
            watcher = open_store(store_url, name)
            try:
                while True:  # the store, not the queue, knows when the campaign is done
                    status = await campaign_status(watcher)
                    if status.finished:
                        break
                    await asyncio.sleep(0.2)
            finally:
                await watcher.close()
            # A slice running when the campaign finished may have kicked one more, which finds
            # it finished and kicks none: two rounds drain every chain.
            await broker.wait_all()
            await broker.wait_all()
        finally:
            await broker.shutdown()
        print(f"Done: {status.counts['sent']} sent, {status.pending} left, cost {status.cost}.")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
