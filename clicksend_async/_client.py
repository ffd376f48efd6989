"""ClickSendClient: the entry point, holding one session and the resources bound to it."""

from __future__ import annotations

import asyncio
import enum
import os
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ._auth import BasicAuth, BearerAuth
from ._exceptions import ClientStateError, ConfigurationError
from ._guard import BeforeSend
from ._retry import DEFAULT_RETRY, OnRetry, RetryPolicy
from ._session import DEFAULT_RATE_LIMIT, Session
from ._transport import Transport
from .limiters import RateLimiter

if TYPE_CHECKING:
    import aiohttp

    from .resources.account import AccountResource
    from .resources.connections import ConnectionsResource
    from .resources.contacts import ContactsResource
    from .resources.countries import CountriesResource
    from .resources.email_addresses import EmailAddressesResource
    from .resources.lists import ListsResource
    from .resources.mms import MmsResource
    from .resources.sms import SmsResource
    from .resources.templates import SmsTemplatesResource
    from .resources.voice import VoiceResource

__all__ = [
    "DIRECT_BASE_URL",
    "MATON_BASE_URL",
    "MATON_CTRL_URL",
    "ClickSendClient",
]

DIRECT_BASE_URL = "https://rest.clicksend.com/v3"
MATON_BASE_URL = "https://gateway.maton.ai/clicksend/v3"
MATON_CTRL_URL = "https://ctrl.maton.ai"

_UNSET: Any = object()


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class ClickSendClient:
    """Talk to ClickSend directly (username + API key) or through the Maton gateway.

    Use it as ``async with ClickSendClient(...) as cs:`` or call ``await cs.aclose()`` yourself.
    A closed client cannot be reopened. Resources hang off it as attributes
    (``cs.sms``, ``cs.lists``, ``cs.contacts`` ...).

    Args:
        username, api_key: direct mode, HTTP Basic against ``https://rest.clicksend.com/v3``.
        maton_api_key, connection_id: gateway mode, Bearer against the Maton gateway; the
            optional connection id goes out as ``Maton-Connection``.
        base_url, ctrl_url: point elsewhere (the built-in emulator, a proxy).
        timeout: seconds for one HTTP exchange; connect_timeout for opening the connection.
        session: an aiohttp.ClientSession of yours; it is used and never closed by us.
        rate_limit: requests per second for this client (None for no limit), default 5; or a
            RateLimiter from clicksend_async.limiters (RedisRateLimiter, PostgresRateLimiter)
            to share one account's rate between processes and hosts.
        retry: a RetryPolicy; on_retry: called (sync or async) with a RetryEvent before waits.
        user_agent: prepended to our User-Agent.
        sleep: the sleep function used between retries (tests inject a fake one).
        before_send: awaited with a RequestInfo after the rate-limit permit and immediately
            before each attempt leaves; raising RequestVetoedError stops the request, which
            then counts as surely not sent (never retried, never "outcome unknown").
    """

    def __init__(
        self,
        *,
        username: str | None = None,
        api_key: str | None = None,
        maton_api_key: str | None = None,
        connection_id: str | None = None,
        base_url: str | None = None,
        ctrl_url: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,  # noqa: TID251 (a type only)
        rate_limit: float | RateLimiter | None = _UNSET,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
        on_retry: OnRetry | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        before_send: BeforeSend | None = None,
    ) -> None:
        auth: BasicAuth | BearerAuth
        if maton_api_key is not None and (username is not None or api_key is not None):
            raise ConfigurationError(
                "give either maton_api_key (gateway mode) or username + api_key (direct mode), "
                "not both"
            )
        if maton_api_key is not None:
            if not maton_api_key.strip():
                raise ConfigurationError("maton_api_key is empty")
            auth = BearerAuth(maton_api_key, connection_id or None)
            base = base_url or MATON_BASE_URL
            ctrl: str | None = ctrl_url or MATON_CTRL_URL
        elif username is not None or api_key is not None:
            if not username or not api_key:
                raise ConfigurationError("direct mode needs both username and api_key")
            if connection_id is not None:
                raise ConfigurationError("connection_id only applies to the Maton gateway")
            auth = BasicAuth(username, api_key)
            base = base_url or DIRECT_BASE_URL
            ctrl = None
        else:
            raise ConfigurationError(
                "no credentials: pass maton_api_key=... or username=... and api_key=..., "
                "or use ClickSendClient.from_env()"
            )
        if timeout <= 0:
            raise ConfigurationError("timeout must be positive")
        self._transport = Transport(
            session=session, timeout=timeout, connect_timeout=connect_timeout
        )
        self._session = Session(
            auth=auth,
            base_url=base,
            ctrl_url=ctrl,
            transport=self._transport,
            rate_limit=DEFAULT_RATE_LIMIT if rate_limit is _UNSET else rate_limit,
            retry=retry or DEFAULT_RETRY,
            user_agent=user_agent,
            on_retry=on_retry,
            sleep=sleep or asyncio.sleep,
            before_send=before_send,
        )
        self._state = _State.UNOPENED

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> Self:
        """Build a client from ``MATON_API_KEY`` (+ ``MATON_CONNECTION``) or
        ``CLICKSEND_USERNAME`` + ``CLICKSEND_API_KEY``; the gateway wins when both are set."""
        env = os.environ if environ is None else environ
        maton = env.get("MATON_API_KEY", "").strip()
        if maton:
            return cls(
                maton_api_key=maton,
                connection_id=env.get("MATON_CONNECTION", "").strip() or None,
                **kwargs,
            )
        username = env.get("CLICKSEND_USERNAME", "").strip()
        api_key = env.get("CLICKSEND_API_KEY", "").strip()
        if username and api_key:
            return cls(username=username, api_key=api_key, **kwargs)
        if username or api_key:
            missing = "CLICKSEND_API_KEY" if username else "CLICKSEND_USERNAME"
            raise ConfigurationError(f"{missing} is not set (direct mode needs both)")
        raise ConfigurationError(
            "no ClickSend credentials in the environment: set MATON_API_KEY (and optionally "
            "MATON_CONNECTION) for the Maton gateway, or CLICKSEND_USERNAME and "
            "CLICKSEND_API_KEY for direct access"
        )

    def __repr__(self) -> str:
        return (
            f"<ClickSendClient {self.mode} base_url={self._session.base_url!r} "
            f"state={self._state.value}>"
        )

    @property
    def mode(self) -> str:
        """Return "gateway" (Maton) or "direct" (ClickSend with HTTP Basic)."""
        return self._session.auth.mode

    @property
    def base_url(self) -> str:
        """Return the API base URL, ending in ``/v3``."""
        return self._session.base_url

    @property
    def closed(self) -> bool:
        """Return True once the client was closed."""
        return self._state is _State.CLOSED

    @property
    def session(self) -> Session:
        """Return the session layer (for resources and the bulk engine)."""
        if self._state is _State.CLOSED:
            raise ClientStateError("the client is closed; create a new one")
        return self._session

    async def __aenter__(self) -> Self:
        if self._state is _State.CLOSED:
            raise ClientStateError("a closed ClickSendClient cannot be reopened")
        self._state = _State.OPEN
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session we created and release the rate limiter's connections."""
        self._state = _State.CLOSED
        await self._transport.close()
        await self._session.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Call any endpoint (path relative to ``/v3``) and return the decoded envelope.

        The escape hatch for endpoints without a resource method; it gets the same auth,
        rate limit, retry rules (a POST to ``*/send`` is never blindly repeated) and errors.
        """
        return await self.session.request(method, path, json=json, params=params, timeout=timeout)

    @cached_property
    def account(self) -> AccountResource:
        """Account details."""
        from .resources.account import AccountResource

        return AccountResource(self.session)

    @cached_property
    def sms(self) -> SmsResource:
        """SMS: send, price, history, inbound, receipts, templates, bulk."""
        from .resources.sms import SmsResource

        return SmsResource(self.session)

    @cached_property
    def templates(self) -> SmsTemplatesResource:
        """SMS templates (the same object as ``sms.templates``)."""
        return self.sms.templates

    @cached_property
    def mms(self) -> MmsResource:
        """MMS: send, price, history, receipts, bulk."""
        from .resources.mms import MmsResource

        return MmsResource(self.session)

    @cached_property
    def voice(self) -> VoiceResource:
        """Voice (text-to-speech) calls: send, price, languages, history, receipts, cancel."""
        from .resources.voice import VoiceResource

        return VoiceResource(self.session)

    @cached_property
    def lists(self) -> ListsResource:
        """Contact lists: list, get, create, update, delete, import, remove duplicates."""
        from .resources.lists import ListsResource

        return ListsResource(self.session)

    @cached_property
    def contacts(self) -> ContactsResource:
        """Contacts in lists: list, get, create, update, delete, copy, transfer."""
        from .resources.contacts import ContactsResource

        return ContactsResource(self.session)

    @cached_property
    def email_addresses(self) -> EmailAddressesResource:
        """Allowed email addresses: list, get, create, delete, verify."""
        from .resources.email_addresses import EmailAddressesResource

        return EmailAddressesResource(self.session)

    @cached_property
    def countries(self) -> CountriesResource:
        """Countries and their ISO codes."""
        from .resources.countries import CountriesResource

        return CountriesResource(self.session)

    @cached_property
    def connections(self) -> ConnectionsResource:
        """Maton gateway connections (gateway mode only)."""
        from .resources.connections import ConnectionsResource

        return ConnectionsResource(self.session)
