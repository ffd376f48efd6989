"""Push delivery receipts and inbound replies to user URLs, like ClickSend's URL rules."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

__all__ = ["Pusher"]

logger = logging.getLogger("clicksend_async.testing")

_MAX_CONCURRENT_PUSHES = 16
_PUSH_TIMEOUT = aiohttp.ClientTimeout(total=10)


class Pusher:
    """Deliver scheduled webhook POSTs from one background task; errors are logged, not raised."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, str, Callable[[], Any]]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._limit = asyncio.Semaphore(_MAX_CONCURRENT_PUSHES)

    def schedule(self, delay: float, url: str, fmt: str, payload: Callable[[], Any]) -> None:
        """POST ``payload()`` to ``url`` in ``delay`` seconds; ``payload()`` None skips it."""
        loop = asyncio.get_running_loop()
        heapq.heappush(
            self._heap, (loop.time() + max(0.0, delay), next(self._seq), url, fmt, payload)
        )
        if self._worker is None:
            self._worker = loop.create_task(self._run())
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            delay = self._heap[0][0] - loop.time()
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            _, _, url, fmt, make = heapq.heappop(self._heap)
            payload = make()
            if payload is None:
                continue
            task = loop.create_task(self._post(url, fmt, payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _post(self, url: str, fmt: str, payload: Any) -> None:
        async with self._limit:
            if self._session is None:
                self._session = aiohttp.ClientSession(timeout=_PUSH_TIMEOUT)
            try:
                if fmt == "get":
                    # An inbound rule with webhook_type "get" sends the fields as a query string.
                    request = self._session.get(url, params=payload)
                elif fmt == "json":
                    request = self._session.post(url, json=payload)
                else:
                    request = self._session.post(url, data=payload)
                async with request as response:
                    await response.read()
                    if response.status >= 400:
                        logger.warning("webhook %s answered HTTP %s", _where(url), response.status)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                logger.warning("webhook %s failed: %s", _where(url), type(exc).__name__)

    async def close(self) -> None:
        """Cancel pending pushes and close the HTTP session."""
        tasks = list(self._tasks)
        if self._worker is not None:
            tasks.append(self._worker)
            self._worker = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._heap.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None


def _where(url: str) -> str:
    """Return scheme://host:port only: the path or query may carry the receiver's secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
