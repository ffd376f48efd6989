"""This host's wall clock stepped in the middle of a campaign (NTP, a VM resumed, a hand).

ClickSend's clock does not move with ours. A chunk whose answer was lost across the step
started on one timeline and ended on the other, and the offset learnt from the ``Date``
headers jumps with the next answer. Whatever the step, a lost chunk must end sent (found in
the history) or unknown: never re-sent without positive evidence that it is absent. Here every
answer lost after the commit is found (each person texted once), whichever way and however far
the clock stepped; a chunk the server never took is sent again, or stays unknown when the step
moved its window.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from traffic import fault_on_send, history_answers, no_lookups, run_campaign

from clicksend_async import RetryPolicy
from clicksend_async._hooks import RequestEvent
from clicksend_async.testing import ClickSendEmulator

#: ClickSend's clock: the real one, whatever happens to this process's ``time.time``.
_REAL_TIME = time.time


class SteppedClock:
    """The host's wall clock, stepped by ``step`` seconds at the ``at``-th campaign send."""

    def __init__(self, step: float, at: int) -> None:
        self.step, self.at, self.offset, self.sends = step, at, 0.0, 0

    def __call__(self) -> float:
        return _REAL_TIME() + self.offset

    def hook(self, then: Callable[[RequestEvent], None]) -> Callable[[RequestEvent], None]:
        def on_request(event: RequestEvent) -> None:
            then(event)
            if event.path == "/sms/send":
                self.sends += 1
                if self.sends == self.at:
                    self.offset += self.step

        return on_request


def recipients(n: int) -> list[dict[str, str]]:
    return [{"to": f"+6145{i:07d}", "first_name": f"N{i}"} for i in range(n)]


# Back and forward, by seconds (inside the Date header's resolution), minutes and more than
# the hour a lookup reaches back.
STEPS = [-7200.0, -600.0, -30.0, -2.0, 2.0, 30.0, 600.0, 7200.0]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("fault", "lag", "lookups"),
    [
        ("commit-drop", 0.0, True),
        ("commit-500", 0.0, True),
        ("commit-drop", 0.15, True),
        ("500", 0.0, True),
        ("commit-drop", 0.15, False),
        ("500", 0.0, False),
    ],
    ids=[
        "lost",
        "500-after-commit",
        "lost-lagging-history",
        "500-before-commit",
        "lost-lagging-history-window-scans",
        "500-before-commit-window-scans",
    ],
)
async def test_a_step_across_lost_answers_texts_nobody_twice(
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    step: float,
    fault: str,
    lag: float,
    lookups: bool,
) -> None:
    """Sends 2 to 4 fail with their outcome unknown; the clock steps as send 3 leaves, so send
    2 (two in flight) starts before the step and ends after it. With a lagging history the
    first look finds nothing and the read at the settle time decides; with a 500 before the
    commit nothing was sent and only proven absence may send it again. Without lookups by
    number, that read scans the chunk's window, placed by the clock that stepped."""
    clock = SteppedClock(step, at=3)
    async with ClickSendEmulator(balance=1000, clock=_REAL_TIME, history_lag=lag) as emu:
        faults = fault_on_send(emu, {2: fault, 3: fault, 4: fault})
        async with emu.client(rate_limit=None, on_request=clock.hook(faults)) as cs:
            cs.session.server_clock.local = clock
            monkeypatch.setattr(time, "time", clock)
            with history_answers(
                lambda query, read: read(query) if lookups else no_lookups(query, read)
            ):
                outcomes = await run_campaign(
                    cs, recipients(2000), journal=str(tmp_path / "c.db"), throttle_pause=0.1
                )
            monkeypatch.undo()
        texted = Counter(m.to for m in emu.sent)
    assert clock.offset == step
    states = Counter(o.state for o in outcomes)
    assert max(texted.values()) == 1, f"texted twice: {sum(v > 1 for v in texted.values())}"
    if fault == "500":
        # Proving a chunk absent needs its window and the canary's to agree: a 500 answered
        # after the step (its Date restarts the offset) before the chunk in flight across it
        # ended moves that chunk's window, and then its rows stay unknown. Safe either way.
        assert set(states) <= {"sent", "unknown"}, states
        assert {o.to for o in outcomes if o.state == "sent"} == set(texted)
        return
    # Everyone exactly once, and every row settled: a lost chunk found in the history.
    # (Windows placed without the offset learnt after the step leave rows unknown here: safe,
    # but not this.)
    assert sorted(texted.values()) == [1] * 2000
    assert states == {"sent": 2000}


def unreadable(query: Any, read: Any) -> list[Any]:
    raise RuntimeError("the history is down")


@pytest.mark.parametrize("step", [-7200.0, -600.0, 600.0, 7200.0])
async def test_a_step_between_a_run_and_its_resume_texts_nobody_twice(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, step: float
) -> None:
    """The first run loses two answers and cannot read the history (it stops with both chunks
    in doubt); the clock steps; the resume settles them and sends the rest."""
    journal = str(tmp_path / "c.db")
    clock = SteppedClock(0.0, at=0)
    async with ClickSendEmulator(balance=1000, clock=_REAL_TIME) as emu:
        faults = fault_on_send(emu, {2: "commit-drop", 3: "commit-drop"})
        monkeypatch.setattr(time, "time", clock)
        # One attempt a history read: the first run stops at its first failed read.
        once = RetryPolicy(max_attempts=1)
        async with emu.client(rate_limit=None, on_request=faults, retry=once) as cs:
            cs.session.server_clock.local = clock
            with history_answers(unreadable):
                first = await run_campaign(cs, recipients(2000), journal=journal)
        assert Counter(o.state for o in first)["unknown"] >= 500
        clock.offset = step
        async with emu.client(rate_limit=None) as cs:
            cs.session.server_clock.local = clock
            again = await run_campaign(
                cs, recipients(2000), journal=journal, resume=True, throttle_pause=0.1
            )
        monkeypatch.undo()
        texted = Counter(m.to for m in emu.sent)
    assert sorted(texted.values()) == [1] * 2000
    assert Counter(o.state for o in again) == {"sent": 2000}


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("fault", "lookups"),
    [("commit-drop", True), ("500", True), ("commit-drop", False), ("500", False)],
    ids=["lost", "500-before-commit", "lost-window-scans", "500-before-commit-window-scans"],
)
async def test_clicksends_clock_stepped_across_lost_answers_texts_nobody_twice(
    tmp_path: Any, step: float, fault: str, lookups: bool
) -> None:
    """ClickSend's clock steps instead (its ``Date`` headers and the history's dates with it),
    as send 3 leaves: the lost chunk in flight was dated on the old timeline, its window is
    placed with an offset that contradicts the next answers. Stepped back, the records stamped
    just before the step lie in the history's future and stay hidden until its clock gets
    there again (a history lagging past the settle time): those rows may stay ``unknown``, never
    sent twice."""
    server = SteppedClock(step, at=3)
    async with ClickSendEmulator(balance=1000, clock=server, history_lag=0.15) as emu:
        faults = fault_on_send(emu, {2: fault, 3: fault, 4: fault})
        async with emu.client(rate_limit=None, on_request=server.hook(faults)) as cs:
            with history_answers(
                lambda query, read: read(query) if lookups else no_lookups(query, read)
            ):
                outcomes = await run_campaign(
                    cs, recipients(2000), journal=str(tmp_path / "c.db"), throttle_pause=0.1
                )
        texted = Counter(m.to for m in emu.sent)
    assert server.offset == step
    assert max(texted.values()) == 1, f"texted twice: {sum(v > 1 for v in texted.values())}"
    states = Counter(o.state for o in outcomes)
    assert set(states) <= {"sent", "unknown"}, states
    # Which message is the canary when a lost chunk is read (one sent before the step, dated
    # on the old timeline, or one after it) depends on which answers came first: the rows end
    # sent or unknown, and either is safe.
    assert {o.to for o in outcomes if o.state == "sent"} <= set(texted)
