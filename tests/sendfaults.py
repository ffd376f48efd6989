"""Faults on chosen campaign sends: the nth ``/sms/send`` gets its own fault."""

from __future__ import annotations

from collections.abc import Callable

from clicksend_async._hooks import RequestEvent
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
