"""Campaign tests against the emulator: faults on chosen sends (the nth ``/sms/send`` gets its
own fault), other traffic in the history, and a campaign whose lost answers are read soon."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from clicksend_async import ClickSendClient, SendOutcomeUnknownError, SmsMessage
from clicksend_async._hooks import RequestEvent
from clicksend_async.bulk import SMS, BulkJob
from clicksend_async.testing import ClickSendEmulator, _state


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


def campaign_job(cs: ClickSendClient, recipients: list[dict[str, Any]], **options: Any) -> BulkJob:
    """Return the job that sends "Hi {first_name}" to ``recipients``.

    By default chunks of 250, two requests in flight and a lost answer's history read 0.3 s
    after its request ended; ``options`` are the engine's (``journal``, ``store``, ``resume``,
    ``chunk_size``...) and override those."""
    settings: dict[str, Any] = {
        "chunk_size": 250,
        "concurrency": 2,
        "reconcile_settle": 0.3,
        **options,
    }
    return BulkJob(cs.session, SMS, recipients, body="Hi {first_name}", **settings)


async def run_campaign(
    cs: ClickSendClient, recipients: list[dict[str, Any]], **options: Any
) -> list[Any]:
    """Run :func:`campaign_job` once and return every row's outcome (a ``store`` given is
    closed after)."""
    job = campaign_job(cs, recipients, **options)
    try:
        with await job.run() as report:
            return list(report.outcomes())
    finally:
        if options.get("store") is not None:
            await options["store"].close()


Read = Callable[[Mapping[str, Any]], list[Any]]


@contextlib.contextmanager
def history_answers(rewrite: Callable[[Mapping[str, Any], Read], list[Any]]) -> Iterator[None]:
    """Answer the emulator's history searches through ``rewrite(query, read)``, where
    ``read(query)`` is the emulator's own search (a server that reads a query its own way)."""
    original = _state.HistoryIndex.select

    def select(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        return rewrite(query, lambda q: original(self, q, *args, **kwargs))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_state.HistoryIndex, "select", select)
        yield


def no_lookups(query: Mapping[str, Any], read: Read) -> list[Any]:
    """A history that finds nothing by ``q`` (no lookups by number): windows read as usual."""
    return [] if "q" in query else read(query)


async def lost_send(
    cs: ClickSendClient, emu: ClickSendEmulator, fault: str, messages: list[SmsMessage]
) -> SendOutcomeUnknownError:
    """Send ``messages`` in one request with ``fault`` on it; return the error that says its
    outcome is unknown (for ``cs.sms.reconcile``)."""
    emu.inject(fault, path="/sms/send")
    with pytest.raises(SendOutcomeUnknownError) as caught:
        await cs.sms.send(messages)
    return caught.value


def two_messages(second: str = "order-2") -> list[SmsMessage]:
    """Two messages to two people, custom strings ``order-1`` and ``second``."""
    return [
        SmsMessage(to="+61430000001", body="a", custom_string="order-1"),
        SmsMessage(to="+61430000002", body="b", custom_string=second),
    ]
