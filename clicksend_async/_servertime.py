"""ClickSend's clock, as this host can know it: bounds learnt from the ``Date`` of each answer.

Pure (no I/O, no asyncio). Two hosts' wall clocks are never compared directly: every answer's
``Date`` header (whole seconds) says that the server's clock read ``D`` at some instant between
the moment the request left and the moment the answer arrived. So the offset ``server - local``
lies in ``[D - received, D + 1 - sent]``. Every answer narrows that interval; an answer that
contradicts it (a clock was stepped) restarts it from that answer alone.

The bulk engine turns "this chunk was in flight between these two local instants" into a window
of ClickSend's time with :meth:`ServerClock.window`, and asks :meth:`ServerClock.now_at_least`
whether a window is far enough in the server's past to be read from the history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

__all__ = ["ServerClock", "parse_http_date"]


def parse_http_date(value: str | None) -> float | None:
    """Return an HTTP ``Date`` header as Unix seconds, or None when absent or unreadable."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


class ServerClock:
    """Bounds on ClickSend's clock relative to this host's ``local`` clock."""

    __slots__ = ("_hi", "_last_header", "_last_server", "_lo", "local", "samples")

    def __init__(self, local: Callable[[], float] = time.time) -> None:
        self.local = local
        self._lo: float | None = None
        self._hi: float | None = None
        self._last_header: str | None = None
        self._last_server: float | None = None
        #: How many answers carried a usable ``Date``.
        self.samples = 0

    def __repr__(self) -> str:
        if self._lo is None or self._hi is None:
            return "<ServerClock unknown>"
        return f"<ServerClock offset in [{self._lo:+.3f}, {self._hi:+.3f}] s>"

    @property
    def known(self) -> bool:
        """Return True once an answer has said what time it is on the server."""
        return self._lo is not None

    @property
    def offset(self) -> tuple[float, float] | None:
        """Return ``(lo, hi)``: server time minus local time lies in this interval."""
        if self._lo is None or self._hi is None:
            return None
        return self._lo, self._hi

    def observe(self, date_header: str | None, sent: float, received: float) -> None:
        """Narrow the offset with one answer: its ``Date`` and the local send/receive times."""
        # The header changes once a second: answers in the same second parse it once.
        if date_header is not None and date_header == self._last_header:
            server = self._last_server
        else:
            server = parse_http_date(date_header)
            self._last_header, self._last_server = date_header, server
        if server is None or received < sent:
            return
        lo = server - received
        hi = server + 1.0 - sent
        self.samples += 1
        if self._lo is None or self._hi is None or lo > self._hi or hi < self._lo:
            self._lo, self._hi = lo, hi
            return
        self._lo = max(self._lo, lo)
        self._hi = min(self._hi, hi)

    def window(self, started: float, ended: float, margin: float) -> tuple[float, float] | None:
        """Return the server-time interval holding every local instant in ``[started, ended]``.

        Its start is moved ``margin`` earlier (history dates are whole seconds, rounded down);
        None while the offset is unknown.
        """
        if self._lo is None or self._hi is None:
            return None
        return started + self._lo - margin, ended + self._hi

    def now_at_least(self) -> float | None:
        """Return the earliest the server's clock can read now (None while unknown)."""
        if self._lo is None:
            return None
        return self.local() + self._lo

    def wait_until(self, server_time: float) -> float | None:
        """Return how many local seconds until the server's clock surely passed ``server_time``."""
        now = self.now_at_least()
        if now is None:
            return None
        return max(0.0, server_time - now)
