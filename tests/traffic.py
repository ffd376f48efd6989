"""Campaign tests against the emulator: faults on chosen sends (the nth ``/sms/send`` gets its
own fault), other traffic in the history, and a campaign whose lost answers are read soon."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clicksend_async import ClickSendClient
from clicksend_async._hooks import RequestEvent
from clicksend_async.bulk import SMS, BulkJob
from clicksend_async.testing import ClickSendEmulator


def fault_on_send(emu: ClickSendEmulator, faults: dict[int, str]) -> Callable[[RequestEvent], None]:
    """Return an ``on_request`` hook that gives the nth campaign send the fault ``faults[n]``."""
    seen = [0]

    def hook(event: RequestEvent) -> None:
        if event.path == "/sms/send":
            seen[0] += 1
            kind = faults.get(seen[0])
            if kind is not None:
                emu.inject(kind, path="/sms/send", times=1)

    return hook


async def fill_history(cs: ClickSendClient, count: int) -> None:
    """Messages to other numbers in the same seconds: the window holds far more than a chunk."""
    for start in range(0, count, 1000):
        batch = min(1000, count - start)
        await cs.session.data(
            "POST",
            "/sms/send",
            json={
                "messages": [
                    {"to": f"+6143{i:07d}", "body": "other traffic"}
                    for i in range(start, start + batch)
                ]
            },
        )


async def run_campaign(
    cs: ClickSendClient,
    recipients: list[dict[str, Any]],
    *,
    journal: str | None = None,
    store: Any = None,
    chunk_size: int = 250,
) -> list[Any]:
    """Send "Hi {first_name}" to ``recipients`` once (two requests in flight, a lost answer's
    history read 0.3 s after its request ended) and return every row's outcome; ``store`` is
    closed after."""
    job = BulkJob(
        cs.session,
        SMS,
        recipients,
        body="Hi {first_name}",
        journal=journal,
        store=store,
        chunk_size=chunk_size,
        concurrency=2,
        reconcile_settle=0.3,
    )
    try:
        with await job.run() as report:
            return list(report.outcomes())
    finally:
        if store is not None:
            await store.close()
