"""An asyncio worker pool: 8 workers take jobs off a queue and text through one batching sender.

Run: ``python examples/worker_pool.py [JOBS]`` (300 jobs by default)

Each worker handles one job at a time and awaits its own message's result, as job-queue
workers do; the batching sender coalesces what the workers send at the same moment into one
``messages[]`` request, so 8 workers make a handful of requests instead of 300.

With no credentials in the environment it runs against the built-in emulator, which fails 5 %
of sends *after processing them* (a 500 once the messages went out). Those jobs end "outcome
unknown": they are never retried (that could text someone twice); their ``custom_string`` is
kept so that they can be looked up in ``/sms/history`` later. With ``MATON_API_KEY``, or
``CLICKSEND_USERNAME`` and ``CLICKSEND_API_KEY``, set it texts ClickSend's free test numbers.
"""

from __future__ import annotations

import asyncio
import collections
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from _common import TEST_NUMBER, has_credentials

from clicksend_async import ClickSendClient, SendOutcomeUnknownError, SmsMessage, ValidationError
from clicksend_async.batching import BatchSender
from clicksend_async.testing import ClickSendEmulator

WORKERS = 8


@asynccontextmanager
async def make_client() -> AsyncIterator[tuple[ClickSendClient, ClickSendEmulator | None]]:
    """Yield a client of the real service, or of an emulator with a few send failures."""
    if has_credentials():
        async with ClickSendClient.from_env() as cs:
            print(f"Using the real ClickSend API ({cs.mode} mode).")
            yield cs, None
        return
    faults = {"/sms/send": {"commit-500": 0.05}}
    async with ClickSendEmulator(faults=faults, seed=7, latency_ms=20) as emulator:
        print(f"No credentials in the environment: using the built-in emulator at {emulator.url}.")
        async with emulator.client(rate_limit=None) as cs:
            yield cs, emulator


async def worker(
    name: int,
    jobs: asyncio.Queue[tuple[int, str]],
    sender: BatchSender[SmsMessage],
    outcomes: collections.Counter[str],
    unknown: list[str],
) -> None:
    """Take jobs until the queue is drained; send each one and record its outcome."""
    while True:
        job_id, number = await jobs.get()
        try:
            result = await sender.send(
                to=number, body=f"Job {job_id}: your parcel is out for delivery"
            )
            outcomes["accepted" if result.accepted else f"refused {result.status}"] += 1
        except ValidationError as exc:
            outcomes["invalid"] += 1
            print(f"  worker {name}: job {job_id} refused before sending: {exc}")
        except SendOutcomeUnknownError as exc:
            outcomes["outcome unknown"] += 1
            unknown.extend(c for c in exc.custom_strings if c)
        finally:
            jobs.task_done()


async def main() -> None:
    """Queue the jobs, run the pool until they are done, print what happened."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    async with make_client() as (cs, emulator):
        jobs: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for job_id in range(1, count + 1):
            number = TEST_NUMBER if emulator is None else f"+614{job_id:08d}"
            jobs.put_nowait((job_id, number))
        jobs.put_nowait((count + 1, "12345"))  # a bad number: refused, never sent
        outcomes: collections.Counter[str] = collections.Counter()
        unknown: list[str] = []
        async with cs.sms.batcher(max_delay=0.02) as sender:
            pool = [
                asyncio.create_task(worker(n, jobs, sender, outcomes, unknown))
                for n in range(WORKERS)
            ]
            await jobs.join()
            for task in pool:
                task.cancel()
            await asyncio.gather(*pool, return_exceptions=True)
        print(f"{count + 1} jobs, {WORKERS} workers: {dict(sorted(outcomes.items()))}")
        print(f"{sender.messages_sent} messages in {sender.requests_sent} requests")
        if unknown:
            print(f"{len(unknown)} outcomes unknown (NOT re-sent); reconcile by custom_string:")
            print("  " + ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else ""))
        if emulator is not None:
            print(f"the emulator processed {len(emulator.sent)} messages")


if __name__ == "__main__":
    asyncio.run(main())
