"""The pre-send guard: what it is told about a request that is about to leave."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

__all__ = ["BeforeSend", "RequestInfo"]


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
