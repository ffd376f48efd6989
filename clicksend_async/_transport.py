"""The only module that imports aiohttp's client: one HTTP exchange in, raw bytes out.

Transport errors are sorted by whether the request could have reached the server, because
that decides whether a send may be repeated: a connection that never opened is safe to retry,
a timeout or a reset after writing is not.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import aiohttp
import attrs

from ._exceptions import (
    ClientStateError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    DecodeError,
    RequestBuildError,
    RequestTimeoutError,
    TransportError,
)
from ._hooks import SECRET_HEADERS, redact_headers

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "RawResponse", "Transport"]

#: Largest response body read, in bytes (after decompression). ClickSend's largest answers (a
#: page of history, a 1000-message send) are a few hundred kilobytes; a body past this is a
#: broken or hostile server, and reading it whole would take the memory of the process.
DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
_CHUNK = 64 * 1024


@attrs.frozen(slots=True)
class RawResponse:
    """A complete HTTP response: status, headers and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport:
    """Send HTTP requests through one aiohttp session, owned by us or by the caller."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        pool_size: int = 100,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        if isinstance(max_response_size, bool) or not isinstance(max_response_size, int):
            raise ConfigurationError("max_response_size must be a whole number of bytes")
        if max_response_size < 1:
            raise ConfigurationError("max_response_size must be at least 1 byte")
        self._max_response_size = max_response_size
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(connect_timeout, timeout))
        self._pool_size = pool_size
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        owner = "own" if self._owns_session else "caller's"
        return f"<Transport {owner} session, closed={self._closed}>"

    @property
    def timeout(self) -> float | None:
        """Return the default seconds for one exchange (None: no limit)."""
        return self._timeout.total

    @property
    def closed(self) -> bool:
        """Return True once close() was called."""
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientStateError("the client is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            # aiohttp would fail deep inside with "Event loop is closed" or hang on a future
            # of the other loop; say what happened instead.
            raise ClientStateError(
                "this ClickSendClient was first used in another event loop (for example an "
                "earlier asyncio.run()); create one client per event loop"
            )
        if self._session is None:
            # Created lazily so that it binds to the loop that actually runs the requests.
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, raise_for_status=False
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        timeout: float | None = None,
    ) -> RawResponse:
        """Perform one exchange and return the full response, or raise a TransportError."""
        session = self._session
        if session is None or self._closed or asyncio.get_running_loop() is not self._loop:
            session = self._get_session()  # creates it, or says why it cannot be used
        req_timeout = (
            self._timeout
            if timeout is None
            else aiohttp.ClientTimeout(
                total=timeout,
                connect=min(timeout, self._timeout.connect or timeout),
            )
        )
        try:
            async with session.request(
                method, url, headers=headers, data=body, timeout=req_timeout, allow_redirects=False
            ) as resp:
                headers = resp.headers
                declared = resp.content_length
                if (
                    declared is not None
                    and declared <= self._max_response_size
                    and "Content-Encoding" not in headers
                    and "Transfer-Encoding" not in headers
                ):
                    # Neither inflated nor chunked: the parser hands over exactly the declared
                    # bytes (never more), so the whole body is under the cap. Read in one go.
                    payload = await resp.read()
                else:
                    payload = await self._read_capped(resp, method, url)
                return RawResponse(resp.status, headers, payload)
        except aiohttp.ConnectionTimeoutError as exc:
            raise ConnectError(
                f"timed out opening a connection: {_text(exc, headers)}", method=method, url=url
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(
                f"could not connect: {_text(exc.os_error, headers)}", method=method, url=url
            ) from exc
        except TimeoutError as exc:
            raise RequestTimeoutError(
                "no response before the timeout", method=method, url=url
            ) from exc
        except aiohttp.ServerDisconnectedError as exc:
            _redact(exc)
            raise ConnectionLostError(
                "server closed the connection before answering", method=method, url=url
            ) from exc
        except (
            aiohttp.ClientOSError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientConnectionError,
        ) as exc:
            raise ConnectionLostError(
                f"connection broke: {_text(exc, headers)}", method=method, url=url
            ) from exc
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            raise RequestBuildError(
                f"invalid URL: {_text(exc, headers)}", method=method, url=url
            ) from exc
        except aiohttp.ClientError as exc:
            raise TransportError(
                f"HTTP client error: {type(exc).__name__}: {_text(exc, headers)}",
                method=method,
                url=url,
            ) from exc

    async def _read_capped(self, resp: aiohttp.ClientResponse, method: str, url: str) -> bytes:
        """Read the whole body, or raise DecodeError once it passes ``max_response_size``."""
        cap = self._max_response_size
        declared = resp.content_length
        if declared is not None and declared > cap:
            raise self._too_large(cap, resp.status, method, url)
        chunks: list[bytes] = []
        size = 0
        # Counted as decoded: a small gzip body can inflate to gigabytes.
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise self._too_large(cap, resp.status, method, url)
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _too_large(cap: int, status: int, method: str, url: str) -> DecodeError:
        # A DecodeError, not a transport error: the request reached the server and was
        # answered (for a send, the session reports the outcome as unknown).
        return DecodeError(
            f"response body is larger than max_response_size ({cap} bytes); not read",
            method=method,
            url=url,
            status=status,
        )

    async def close(self) -> None:
        """Close the session if we created it; a caller's session is left open."""
        if self._closed:
            return
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None


def _redact(exc: BaseException) -> None:
    """Replace the credentials in ``exc``'s ``request_info`` (aiohttp keeps the request's
    headers there, and its ``repr`` shows them) with ``"***"``: the exception stays chained
    as the cause of ours, for its type and errno, without the secret."""
    info = getattr(exc, "request_info", None)
    if isinstance(info, aiohttp.RequestInfo):
        with contextlib.suppress(Exception):  # a read-only attribute keeps its own text
            safe: Any = MappingProxyType(redact_headers(info.headers))  # read-only, as before
            exc.request_info = aiohttp.RequestInfo(  # type: ignore[attr-defined]
                info.url, info.method, safe, info.real_url
            )


def _text(exc: BaseException | None, headers: Mapping[str, str]) -> str:
    """Return ``str(exc)`` with every credential of ``headers`` blotted out (a server or a
    library may echo one; ``repr`` is never used: aiohttp's shows the request's headers)."""
    if exc is None:
        return "unknown error"
    _redact(exc)
    try:
        text = str(exc)
    except Exception:  # an exception whose own text fails is named by its type
        return type(exc).__name__
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and value:
            for secret in (value, value.partition(" ")[2]):
                if len(secret) >= 8:
                    text = text.replace(secret, "***")
    return text
