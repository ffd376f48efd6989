"""The pre-send guard: what it is told about a request that is about to leave."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator

import attrs

__all__ = ["BeforeSend", "RequestInfo", "current_guard", "guarded"]


@attrs.frozen(kw_only=True)
class RequestInfo:
    """A request about to leave, as a ``before_send`` guard sees it (no credentials, no body)."""

    method: str
    path: str  # normalised, ids replaced (as in the log)
    url: str
    kind: str  # a RequestKind value: "send", "idempotent" or "unsafe"
    attempt: int  # 1-based; retries come through the guard again
    timeout: float | None  # seconds this attempt may take on the wire (None: no limit)


#: Called after the rate-limit permit and immediately before each attempt leaves; raising
#: RequestVetoedError stops it, and the request counts as surely not sent.
BeforeSend = Callable[[RequestInfo], Awaitable[None]]


_CURRENT: contextvars.ContextVar[BeforeSend | None] = contextvars.ContextVar(
    "clicksend_async_guard", default=None
)


def current_guard() -> BeforeSend | None:
    """Return the guard of the requests made in this task (see :func:`guarded`), if any."""
    return _CURRENT.get()


@contextlib.contextmanager
def guarded(guard: BeforeSend) -> Iterator[None]:
    """Run the requests of this block through ``guard`` too (after the client's own).

    The bulk engine checks a chunk's lease with it right before the chunk's request leaves.
    """
    token = _CURRENT.set(guard)
    try:
        yield
    finally:
        _CURRENT.reset(token)
