"""ClickSendClient: the entry point, holding one session and the resources bound to it."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from ._auth import BasicAuth, BearerAuth
from ._exceptions import ClientStateError, ConfigurationError
from ._guard import BeforeSend
from ._hooks import OnRequest, OnResponse, ResponseCapture, capture
from ._retry import DEFAULT_RETRY, OnRetry, RetryPolicy
from ._sansio import RequestKind
from ._session import DEFAULT_RATE_LIMIT, Base, Session
from ._transport import DEFAULT_MAX_RESPONSE_SIZE, Transport
from .limiters import RateLimiter

if TYPE_CHECKING:
    import aiohttp

    from .resources.account import AccountResource
    from .resources.account_recovery import AccountRecoveryResource
    from .resources.automations import AutomationsResource
    from .resources.bulk import BulkResource

    # API coverage, part B.
    from .resources.campaigns import MmsCampaignsResource, SmsCampaignsResource
    from .resources.connections import ConnectionsResource
    from .resources.contacts import ContactsResource
    from .resources.countries import CountriesResource
    from .resources.delivery_issues import DeliveryIssuesResource
    from .resources.email import EmailResource
    from .resources.email_addresses import EmailAddressesResource
    from .resources.email_campaigns import EmailCampaignsResource
    from .resources.email_sms import EmailToSmsResource
    from .resources.fax import FaxResource
    from .resources.international import InternationalResource
    from .resources.lists import ListsResource
    from .resources.mms import MmsResource
    from .resources.numbers import NumbersResource
    from .resources.post import PostResource
    from .resources.recharge import RechargeResource
    from .resources.referrals import ReferralsResource
    from .resources.reseller import ResellerResource
    from .resources.senders import AlphaTagsResource, DefaultSendersResource, OwnNumbersResource
    from .resources.short_urls import ShortUrlsResource
    from .resources.sms import SmsResource
    from .resources.statistics import StatisticsResource
    from .resources.subaccounts import SubaccountsResource
    from .resources.templates import SmsTemplatesResource
    from .resources.uploads import UploadsResource
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

logger = logging.getLogger("clicksend_async")

#: Environment variables ``from_env()`` reads for the base URLs.
ENV_DIRECT_BASE_URL = "CLICKSEND_BASE_URL"
ENV_MATON_BASE_URL = "MATON_BASE_URL"
ENV_MATON_CTRL_URL = "MATON_CTRL_URL"


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
        on_request, on_response: hooks (sync or async) called with a RequestEvent before and a
            ResponseEvent (status, headers, duration) after every HTTP attempt.
        before_send: awaited with a RequestInfo after the rate-limit permit and immediately
            before each attempt leaves; raising RequestVetoedError stops the request, which
            then counts as surely not sent (never retried, never "outcome unknown").

    Raises:
        ConfigurationError: missing or conflicting credentials, a base URL without scheme or
            host, or a header value (credential, connection id, user agent) holding CR, LF
            or another control character.
        max_response_size: the largest response body read, in bytes (default 64 MiB); a
            larger one is a DecodeError.
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
        on_request: OnRequest | None = None,
        on_response: OnResponse | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        before_send: BeforeSend | None = None,
    ) -> None:
        auth: BasicAuth | BearerAuth
        _check_header("username", username)
        _check_header("api_key", api_key)
        _check_header("maton_api_key", maton_api_key)
        _check_header("connection_id", connection_id)
        _check_header("user_agent", user_agent)
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
        base, not_found_hint = check_base_url(base, name="base_url")
        if ctrl is not None:
            ctrl, _ = check_base_url(ctrl, name="ctrl_url", api=False)
        self._transport = Transport(
            session=session,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_response_size=max_response_size,
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
            on_request=on_request,
            on_response=on_response,
            not_found_hint=not_found_hint,
            before_send=before_send,
        )
        self._state = _State.UNOPENED
        self._parent: ClickSendClient | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> Self:
        """Build a client from the environment; keyword arguments override it.

        Gateway mode: ``MATON_API_KEY`` (+ ``MATON_CONNECTION``), base URLs from
        ``MATON_BASE_URL`` and ``MATON_CTRL_URL``. Direct mode: ``CLICKSEND_USERNAME`` +
        ``CLICKSEND_API_KEY``, base URL from ``CLICKSEND_BASE_URL``. The gateway wins when
        both are set. An unset or blank URL variable means the default.
        """
        env = os.environ if environ is None else environ
        maton = env.get("MATON_API_KEY", "").strip()
        if maton:
            _env_url(env, ENV_MATON_BASE_URL, "base_url", kwargs)
            _env_url(env, ENV_MATON_CTRL_URL, "ctrl_url", kwargs)
            return cls(
                maton_api_key=maton,
                connection_id=env.get("MATON_CONNECTION", "").strip() or None,
                **kwargs,
            )
        username = env.get("CLICKSEND_USERNAME", "").strip()
        api_key = env.get("CLICKSEND_API_KEY", "").strip()
        if username and api_key:
            _env_url(env, ENV_DIRECT_BASE_URL, "base_url", kwargs)
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
        """Return True once the client (or the client it was derived from) was closed."""
        root = self._parent or self
        return root._state is _State.CLOSED

    @property
    def session(self) -> Session:
        """Return the session layer (for resources and the bulk engine)."""
        if self.closed:
            raise ClientStateError("the client is closed; create a new one")
        return self._session

    def with_options(
        self, *, timeout: float | None = None, retry: RetryPolicy | None = None
    ) -> ClickSendClient:
        """Return a client with other per-call defaults that shares this one's HTTP session.

        The new client shares the connection pool, rate limiter, 429 cool-down and hooks; only
        the default ``timeout`` (seconds per HTTP exchange) and ``retry`` policy differ. It
        lives as long as this client: closing it does nothing, closing this one closes both.
        """
        if timeout is not None and timeout <= 0:
            raise ConfigurationError("timeout must be positive")
        root = self._parent or self
        own = self._session
        base = own.base if isinstance(own, _OptionsSession) else own
        if isinstance(own, _OptionsSession):
            timeout = own.default_timeout if timeout is None else timeout
            retry = own.retry_override if retry is None else retry
        derived = object.__new__(type(self))
        derived._transport = self._transport
        derived._session = _OptionsSession(base, timeout=timeout, retry=retry)
        derived._state = _State.OPEN
        derived._parent = root
        return derived

    def capture_response(self) -> contextlib.AbstractContextManager[ResponseCapture]:
        """Collect the HTTP responses (status, headers) of the calls made inside the block.

        ``with cs.capture_response() as captured: await cs.sms.send(...)``, then
        ``captured.response.headers``. Safe with concurrent tasks: each task sees only the
        calls made in its own context (and in tasks it started inside the block).
        """
        return capture()

    async def __aenter__(self) -> Self:
        if self.closed:
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
        """Close the HTTP session we created (a caller's session stays open).

        On a client made by :meth:`with_options` this does nothing: the original owns it.
        """
        if self._parent is not None:
            return
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
    def bulk(self) -> BulkResource:
        """Campaign workers: ``work(store)`` sends a campaign planned in a shared store."""
        from .resources.bulk import BulkResource

        return BulkResource(self.session)

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

    @cached_property
    def automations(self) -> AutomationsResource:
        """Rules for delivery receipts and inbound SMS, and pushing them to your webhooks."""
        from .resources.automations import AutomationsResource

        return AutomationsResource(self.session)

    @cached_property
    def uploads(self) -> UploadsResource:
        """Uploads: convert a file (e.g. a JPEG into an MMS attachment) and get its URL."""
        from .resources.uploads import UploadsResource

        return UploadsResource(self.session)

    @cached_property
    def international(self) -> InternationalResource:
        """International messaging: the countries you send to, and time zones."""
        from .resources.international import InternationalResource

        return InternationalResource(self.session)

    @cached_property
    def subaccounts(self) -> SubaccountsResource:
        """Subaccounts: list, get, create, update, delete, regenerate API keys."""
        from .resources.subaccounts import SubaccountsResource

        return SubaccountsResource(self.session)

    @cached_property
    def account_recovery(self) -> AccountRecoveryResource:
        """Forgotten username or password emails."""
        from .resources.account_recovery import AccountRecoveryResource

        return AccountRecoveryResource(self.session)

    @cached_property
    def statistics(self) -> StatisticsResource:
        """SMS and voice statistics per day."""
        from .resources.statistics import StatisticsResource

        return StatisticsResource(self.session)

    @cached_property
    def recharge(self) -> RechargeResource:
        """The payment card, credit packages and transactions."""
        from .resources.recharge import RechargeResource

        return RechargeResource(self.session)

    @cached_property
    def referrals(self) -> ReferralsResource:
        """Accounts referred by this one."""
        from .resources.referrals import ReferralsResource

        return ReferralsResource(self.session)

    @cached_property
    def reseller(self) -> ResellerResource:
        """Reseller client accounts and credit transfers."""
        from .resources.reseller import ResellerResource

        return ResellerResource(self.session)

    @cached_property
    def numbers(self) -> NumbersResource:
        """Dedicated numbers: search, buy, list, register."""
        from .resources.numbers import NumbersResource

        return NumbersResource(self.session)

    @cached_property
    def own_numbers(self) -> OwnNumbersResource:
        """Numbers of your own, verified by a one-time code, to send from."""
        from .resources.senders import OwnNumbersResource

        return OwnNumbersResource(self.session)

    @cached_property
    def alpha_tags(self) -> AlphaTagsResource:
        """Alphanumeric sender IDs: request, list, delete."""
        from .resources.senders import AlphaTagsResource

        return AlphaTagsResource(self.session)

    @cached_property
    def default_senders(self) -> DefaultSendersResource:
        """Default senders per country, and the sender types allowed."""
        from .resources.senders import DefaultSendersResource

        return DefaultSendersResource(self.session)

    # -- API coverage, part B: campaigns, email, URL shortening, post and fax -------------------

    @cached_property
    def sms_campaigns(self) -> SmsCampaignsResource:
        """SMS campaigns (server-side sends to a contact list): send, price, list, cancel."""
        from .resources.campaigns import SmsCampaignsResource

        return SmsCampaignsResource(self.session)

    @cached_property
    def mms_campaigns(self) -> MmsCampaignsResource:
        """MMS campaigns (server-side sends to a contact list): send, price, list, cancel."""
        from .resources.campaigns import MmsCampaignsResource

        return MmsCampaignsResource(self.session)

    @cached_property
    def email_to_sms(self) -> EmailToSmsResource:
        """Email-to-SMS: allowed addresses and stripped strings."""
        from .resources.email_sms import EmailToSmsResource

        return EmailToSmsResource(self.session)

    @cached_property
    def email(self) -> EmailResource:
        """Transactional email, email templates, master templates, email receipt rules."""
        from .resources.email import EmailResource

        return EmailResource(self.session)

    @cached_property
    def email_campaigns(self) -> EmailCampaignsResource:
        """Email campaigns: send, price, list, update, cancel, recipients."""
        from .resources.email_campaigns import EmailCampaignsResource

        return EmailCampaignsResource(self.session)

    @cached_property
    def delivery_issues(self) -> DeliveryIssuesResource:
        """Delivery issues reported to ClickSend support."""
        from .resources.delivery_issues import DeliveryIssuesResource

        return DeliveryIssuesResource(self.session)

    @cached_property
    def short_urls(self) -> ShortUrlsResource:
        """Short-link statistics and tracking."""
        from .resources.short_urls import ShortUrlsResource

        return ShortUrlsResource(self.session)

    @cached_property
    def post(self) -> PostResource:
        """Post: letters, postcards and direct mail (2021 spec), return addresses."""
        from .resources.post import PostResource

        return PostResource(self.session)

    @cached_property
    def fax(self) -> FaxResource:
        """Fax (2021 spec): send, price, history, receipts."""
        from .resources.fax import FaxResource

        return FaxResource(self.session)


class _OptionsSession(Session):
    """A session with other per-call defaults; all state stays on the shared base session."""

    def __init__(self, base: Session, *, timeout: float | None, retry: RetryPolicy | None) -> None:
        # No super().__init__(): limiter, cool-down, headers and hooks must be the base's own
        # objects, not copies, so that both clients pace and cool down together.
        self.base = base
        self.default_timeout = timeout
        self.retry_override = retry

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def __repr__(self) -> str:
        return f"<Session options timeout={self.default_timeout} of {self.base!r}>"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        base: Base = "api",
        kind: RequestKind | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        """Perform a call on the base session with this view's defaults."""
        return await self.base.request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            base=base,
            kind=kind,
            timeout=self.default_timeout if timeout is None else timeout,
            retry=retry or self.retry_override,
        )


def check_base_url(
    url: str, *, name: str, api: bool = True, warn: bool = True
) -> tuple[str, str | None]:
    """Return ``url`` without trailing slashes, and a hint when its path does not end in /v3.

    Raises ConfigurationError for a URL without an http(s) scheme or a host, with user info,
    a query or a fragment, or with control characters. The hint is logged once here and added
    to every 404 the client then meets.
    """
    text = url.strip()
    if _has_control(text):
        raise ConfigurationError(f"{name} contains a control character (CR, LF, tab ...)")
    parts = urlsplit(text)
    example = "https://rest.clicksend.com/v3" if api else "https://ctrl.maton.ai"
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"{name} {text!r} needs a scheme and a host, e.g. {example!r} "
            "or 'http://127.0.0.1:8080/v3' for a local emulator"
        )
    if "@" in parts.netloc:
        # Never echo it: the user info is a credential.
        raise ConfigurationError(f"{name} must not carry credentials; pass them as arguments")
    if not parts.hostname:
        raise ConfigurationError(f"{name} {text!r} has no host, e.g. {example!r}")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{name} {text!r} must not have a query or a fragment")
    try:
        parts.port  # noqa: B018 (urlsplit checks the port only when asked)
    except ValueError:
        raise ConfigurationError(f"{name} {text!r} has an invalid port") from None
    text = text.rstrip("/")
    hint = None
    if api and warn and not parts.path.rstrip("/").endswith("/v3"):
        hint = (
            f"hint: {name} {text!r} does not end in /v3; ClickSend's API lives under /v3 "
            f"(e.g. {text + '/v3'!r})"
        )
        logger.warning("%s", hint, extra={"base_url": text})
    return text, hint


def _has_control(value: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)


def _check_header(name: str, value: str | None) -> None:
    """Refuse a header value with CR, LF or another control character (header injection)."""
    if value is not None and _has_control(value):
        # The value may be a credential: name the argument, never show it.
        raise ConfigurationError(
            f"{name} contains a control character (CR, LF, tab ...); it cannot go in a header"
        )


def _env_url(env: Mapping[str, str], variable: str, key: str, kwargs: dict[str, Any]) -> None:
    value = env.get(variable, "").strip()
    if value and kwargs.get(key) is None:
        # Checked here too, so that an error names the variable; the /v3 hint comes once,
        # from the constructor.
        check_base_url(value, name=variable, api=key == "base_url", warn=False)
        kwargs[key] = value
