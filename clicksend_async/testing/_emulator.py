"""``ClickSendEmulator``: a stateful, local ClickSend (and Maton gateway) for tests and demos."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._app import Service
from ._faults import Fault, FaultSpec, parse_faults
from ._ratelimit import RateLimiter
from ._state import RecordedRequest, SentMessage
from ._world import World

if TYPE_CHECKING:
    from clicksend_async import ClickSendClient

__all__ = ["ClickSendEmulator"]

logger = logging.getLogger("clicksend_async.testing")


class ClickSendEmulator:
    """Run a faithful, stateful ClickSend REST v3 emulator on a local port.

    Use it as ``async with ClickSendEmulator() as emu:`` or with :meth:`start` / :meth:`close`.
    Every option is keyword-only; see ``clicksend_async/testing/README.md`` for the full list.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "emulator",
        api_key: str = "emulator-api-key",
        maton_api_key: str = "emulator-maton-key",
        balance: Decimal | str | int = Decimal("100.00"),
        currency: str = "AUD",
        prices: Mapping[str, Decimal | str | float] | None = None,
        mms_prices: Mapping[str, Decimal | str | float] | None = None,
        voice_prices: Mapping[str, Decimal | str | float] | None = None,
        latency_ms: float | Mapping[str, float] = 0,
        rate_limit: int | None = None,
        rate_window: float = 1.0,
        faults: FaultSpec | None = None,
        seed: int | str | None = None,
        log: str | os.PathLike[str] | None = None,
        throttle_window: float = 5.0,
        clock: Callable[[], float] = time.time,
        hang_seconds: float = 60.0,
        enabled_countries: Iterable[str] | None = None,
        receipt_url: str | None = None,
        inbound_url: str | None = None,
        inbound_format: str = "form",
        receipt_delay: float = 0.5,
        auto_reply: str | None = None,
        free_test_numbers: bool = True,
        schedule_grace: float = 300.0,
        record_requests: bool = True,
        quiet: bool = True,
        clock_offset: float = 0.0,
        history_lag: float = 0.0,
    ) -> None:
        if inbound_format not in ("form", "json"):
            raise ValueError("inbound_format must be 'form' or 'json'")
        self.host = host
        self._port = port
        self._quiet = quiet
        if clock_offset:
            # ClickSend's clock is off from the client's: every date it answers with is too.
            local_clock = clock

            def clock() -> float:
                return local_clock() + clock_offset

        self._world = World(
            username=username,
            api_key=api_key,
            maton_api_key=maton_api_key,
            balance=Decimal(str(balance)),
            currency=currency,
            prices=prices,
            mms_prices=mms_prices,
            voice_prices=voice_prices,
            throttle_window=throttle_window,
            enabled_countries=enabled_countries,
            receipt_delay=receipt_delay,
            free_test_numbers=free_test_numbers,
            schedule_grace=schedule_grace,
            clock=clock,
            seed=seed,
        )
        self._world.history_lag = float(history_lag)
        self._service = Service(
            self._world,
            latency_ms=latency_ms,
            rate_limiter=None
            if rate_limit is None
            else RateLimiter(rate_limit, rate_window, clock),
            faults=parse_faults(faults),
            hang_seconds=hang_seconds,
            record_requests=record_requests,
            log_path=None if log is None else os.fspath(log),
            receipt_url=receipt_url,
            inbound_url=inbound_url,
            inbound_format=inbound_format,
            auto_reply=auto_reply,
        )
        self._app = self._service.build_app()
        self._runner: web.AppRunner | None = None
        self._closed = False
        self._bound_port: int | None = None
        self._sent: list[SentMessage] = []

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving; a no-op when already started (a closed emulator cannot restart)."""
        if self._closed:
            raise RuntimeError("a closed emulator cannot be restarted; create a new one")
        if self._runner is not None:
            return
        runner = web.AppRunner(
            self._app,
            access_log=None if self._quiet else logging.getLogger("aiohttp.access"),
            shutdown_timeout=1.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._bound_port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving: release hanging requests, cancel pushes, close the log."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closed = True
        self._service.closing.set()
        await runner.cleanup()

    async def __aenter__(self) -> ClickSendEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """Return the aiohttp application, to mount or run it yourself."""
        return self._app

    @property
    def port(self) -> int:
        """Return the bound port (the emulator must be started)."""
        if self._bound_port is None:
            raise RuntimeError("the emulator is not started; use 'async with' or await start()")
        return self._bound_port

    @property
    def base(self) -> str:
        """Return ``http://HOST:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """Return the direct ClickSend base URL (HTTP Basic auth)."""
        return self.base + "/v3"

    @property
    def maton_url(self) -> str:
        """Return the Maton gateway base URL (Bearer auth)."""
        return self.base + "/clicksend/v3"

    @property
    def ctrl_url(self) -> str:
        """Return the Maton control-plane base URL."""
        return self.base + "/ctrl"

    # -- credentials -------------------------------------------------------------------------

    @property
    def username(self) -> str:
        """Return the API username the emulator accepts."""
        return self._world.username

    @property
    def api_key(self) -> str:
        """Return the API key the emulator accepts."""
        return self._world.api_key

    @property
    def maton_api_key(self) -> str:
        """Return the Maton API key the emulator accepts."""
        return self._world.maton_api_key

    @property
    def connection_id(self) -> str | None:
        """Return the id of the oldest ACTIVE Maton connection, if any."""
        connection = self._world.active_connection(None)
        return None if connection is None else str(connection["connection_id"])

    def client(self, **kwargs: Any) -> ClickSendClient:
        """Return a ``ClickSendClient`` for the direct API with the emulator's credentials."""
        from clicksend_async import ClickSendClient

        kwargs.setdefault("username", self.username)
        kwargs.setdefault("api_key", self.api_key)
        kwargs.setdefault("base_url", self.url)
        return ClickSendClient(**kwargs)

    def maton_client(self, **kwargs: Any) -> ClickSendClient:
        """Return a ``ClickSendClient`` for the Maton gateway with the emulator's credentials."""
        from clicksend_async import ClickSendClient

        kwargs.setdefault("maton_api_key", self.maton_api_key)
        kwargs.setdefault("base_url", self.maton_url)
        kwargs.setdefault("ctrl_url", self.ctrl_url)
        return ClickSendClient(**kwargs)

    # -- observed state ----------------------------------------------------------------------

    @property
    def sent(self) -> list[SentMessage]:
        """Return every accepted message, oldest first (a new list each time)."""
        records = self._world.messages
        cache = self._sent
        if len(cache) < len(records):
            cache.extend(r.sent() for r in records[len(cache) :])
        return list(cache)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return every recorded request, oldest first (a new list each time)."""
        return list(self._service.requests)

    @property
    def balance(self) -> Decimal:
        """Return the current account balance."""
        return self._world.balance

    @balance.setter
    def balance(self, value: Decimal | str | int) -> None:
        self._world.balance = Decimal(str(value))

    # -- scripting ---------------------------------------------------------------------------

    def inject(self, kind: Fault | str, *, path: str | None = None, times: int = 1) -> None:
        """Give the next ``times`` API requests (matching ``path`` when given) the fault ``kind``.

        ``path`` is the path without the ``/v3`` prefix (``"/sms/send"``) or a route pattern
        (``"/sms/{message_id}/cancel"``); control-plane paths start with ``/ctrl``.
        """
        self._service.faults.inject(kind, path=path, times=times)

    def simulate_inbound(
        self,
        from_: str,
        body: str,
        *,
        to: str | None = None,
        original_message_id: str | None = None,
        custom_string: str = "",
    ) -> dict[str, Any]:
        """Receive an SMS from ``from_``: visible in ``/sms/inbound`` and pushed when configured.

        With ``original_message_id`` (a message the emulator accepted) the reply is threaded:
        ``to`` defaults to that message's sender and ``original_body`` is filled in.
        Returns the inbound record as ``GET /sms/inbound`` shows it.
        """
        original = None
        if original_message_id is not None:
            original = self._world.by_id.get(original_message_id.upper())
            if original is None:
                raise KeyError(f"no accepted message {original_message_id!r}")
            if not custom_string:
                custom_string = original.custom_string
        return self._service.add_inbound(
            from_, body, to=to, original=original, custom_string=custom_string
        )

    def activation_token(self, email_address_id: int) -> str:
        """Return the token ``/email/address-verify/{id}/verify/{token}`` accepts."""
        return self._world.activation_tokens[email_address_id]

    def own_number_code(self, verification_id: str) -> str:
        """Return the one-time code "texted" for an own-number verification."""
        code: str = self._world.setup.verifications[verification_id]["_code"]
        return code

    def password_reset_token(self, username: str) -> str:
        """Return the token the password-reset email for ``username`` would carry."""
        for record in self._world.setup.subaccounts.values():
            if record["api_username"] == username:
                token = self._world.setup.password_resets.get(record["subaccount_id"])
                if token is not None:
                    return token
        raise KeyError(f"no password reset pending for {username!r}")

    def account_verification_token(self) -> str:
        """Return the activation token ``PUT /account-verify/send`` "sent" to the phone."""
        token = self._world.setup.account_token
        if token is None:
            raise KeyError("no account verification pending")
        return token

    def add_referral(self, refered_user_id: int, *, percentage: int = 5) -> dict[str, Any]:
        """Record an account as referred by this one (shown by ``GET /referral/accounts``)."""
        setup = self._world.setup
        record = {
            "referral_rule_id": setup.next_id("referral", 1),
            "refered_user_id": refered_user_id,
            "date_referred": int(self._world.clock()),
            "percentage_referral": percentage,
        }
        setup.referrals.append(record)
        return dict(record)

    def simulate_link_open(
        self,
        message_id: str,
        *,
        phone_number: str = "+61411111111",
        source: str = "quick_sms",
        device: str = "mobile",
        operating_system: str = "android",
        browser: str = "chrome",
        country: str = "AU",
        region: str = "western_australia",
    ) -> str:
        """Record that a recipient opened the short link of message (or campaign) ``message_id``.

        Returns the link's ``long_url_id`` (``<source>-<message_id>-<hash>``), which
        ``/short-url/tracking/{long_url_id}`` reports; ``/short-url/statistics/{source}/{id}``
        counts the opens of every link of ``message_id``.
        """
        digest = hashlib.md5(f"{source}/{message_id}".encode(), usedforsecurity=False)
        long_url_id = f"{source}-{message_id}-{digest.hexdigest()}"
        contact = next(
            (c for c in self._world.contacts.values() if c["phone_number"] == phone_number), None
        )
        self._world.records.link_opens.setdefault(long_url_id, []).append(
            {
                "open_count": 1,
                "date_opened": int(self._world.clock()),
                "user_geo_country": country,
                "user_geo_region": region,
                "user_device": device,
                "user_browser": browser,
                "user_os": operating_system,
                "contact": {
                    "contact_id": str(contact["contact_id"]) if contact else "",
                    "first_name": contact["first_name"] if contact else "",
                    "last_name": contact["last_name"] if contact else "",
                    "phone_number": phone_number,
                },
            }
        )
        return long_url_id
