"""Every error clicksend_async raises.

The tree::

    ClickSendError
    ├── ConfigurationError            no credentials, or a call the mode cannot make
    │   └── JournalError              a campaign journal cannot be used (damaged, lost writes)
    │       └── JournalLockedError    another process holds the campaign
    ├── ClientStateError              the client is closed
    ├── ValidationError               bad input caught before any request (field, row)
    │   └── BudgetExceededError       a bulk plan exceeds max_cost, max_segments or the balance
    ├── TransportError                the HTTP exchange itself failed
    │   ├── RequestBuildError         the request could not be built: nothing left this machine
    │   ├── ConnectError              no connection was opened: the request surely never left
    │   │   ├── RequestVetoedError    the pre-send guard stopped it: it surely never left
    │   │   └── RateLimiterUnavailableError  a shared rate limiter is unreachable: nothing left
    │   ├── RequestTimeoutError       no answer in time: the request may have been processed
    │   └── ConnectionLostError       reset / disconnected after sending: may have been processed
    ├── DecodeError                   the body was not JSON, or not the shape we expect (says where)
    ├── APIError                      ClickSend answered with an error envelope
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404
    │   ├── MethodNotAllowedError     405
    │   ├── UnprocessableEntityError  422
    │   ├── RateLimitError            429 (carries retry_after)
    │   └── ServerError               5xx
    ├── SendOutcomeUnknownError       a send may or may not have gone out; carries the exact payload
    ├── JournalMismatchError          a campaign journal belongs to another campaign
    └── WebhookPayloadError           a webhook payload is not a usable receipt or message

Per-message failures inside a successful ``messages[]`` response (``INVALID_RECIPIENT``,
``INSUFFICIENT_CREDIT`` ...) are data on the result, never exceptions.

No exception message ever contains a credential: requests are described by method and URL only
(the URL carries no secret in either auth mode).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "ClickSendError",
    "ClientStateError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "DecodeError",
    "JournalError",
    "JournalLockedError",
    "JournalMismatchError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiterUnavailableError",
    "RequestBuildError",
    "RequestTimeoutError",
    "RequestVetoedError",
    "SendOutcomeUnknownError",
    "ServerError",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookPayloadError",
]


class ClickSendError(Exception):
    """Base class of every error raised by clicksend_async."""


class ConfigurationError(ClickSendError):
    """The client was configured wrongly (missing credentials, a call the mode cannot make)."""


class ClientStateError(ClickSendError):
    """The client cannot be used in its current state (for example it is closed)."""


class ValidationError(ClickSendError, ValueError):
    """Input was rejected before any network call.

    ``field`` names the offending field (``"messages[3].to"``), ``row`` the 1-based input row in
    bulk sends, ``reason`` the bare explanation.
    """

    def __init__(self, reason: str, *, field: str | None = None, row: int | None = None) -> None:
        self.reason = reason
        self.field = field
        self.row = row
        where = []
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(field)
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)


class BudgetExceededError(ValidationError):
    """A bulk plan exceeds ``max_cost``, ``max_segments`` or the account balance."""

    def __init__(self, reason: str, *, plan: Any = None) -> None:
        super().__init__(reason)
        self.plan = plan


class JournalMismatchError(ClickSendError):
    """A campaign journal was written for a different campaign and will not be guessed at.

    ``differences`` names what differs (``"template"``, ``"rows"``, ``"options"`` ...).
    """

    def __init__(self, message: str, *, differences: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.differences = tuple(differences)


class JournalError(ConfigurationError):
    """A campaign journal cannot be used: damaged, truncated, lost writes, or holds no campaign.

    Nothing is sent from such a journal; the message names the file.
    """


class JournalLockedError(JournalError):
    """Another process (or another job in this one) holds the campaign: it alone may send."""


class TransportError(ClickSendError):
    """The HTTP exchange failed before a complete response arrived."""

    #: Whether the request may have reached ClickSend (and so may have been processed).
    request_sent: bool = True

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(f"{message} ({method} {url})")
        self.method = method
        self.url = url


class RequestBuildError(TransportError):
    """The request could not be built (a bad URL or header): nothing left this machine.

    Never retried (the same request would fail the same way) and never reported as a send
    whose outcome is unknown.
    """

    request_sent = False


class ConnectError(TransportError):
    """No connection could be opened: the request never left this machine."""

    request_sent = False


class RequestVetoedError(ConnectError):
    """The session's ``before_send`` guard refused the request: it never left this machine.

    Raise it from a guard (``reason`` says why); the session neither retries it nor treats the
    outcome as unknown, exactly as for a connection that never opened. ``method`` and ``url``
    are filled in by the session.
    """

    def __init__(self, reason: str, *, method: str = "", url: str = "") -> None:
        ClickSendError.__init__(self, reason)
        self.reason = reason
        self.method = method
        self.url = url

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        return f"request vetoed before it left: {self.reason}{where}"


class RateLimiterUnavailableError(ConnectError):
    """A shared rate limiter (Redis, PostgreSQL) could not be reached, so nothing was sent.

    Failing closed keeps every worker of an account inside its rate; give the limiter a
    ``fallback_rate`` to pace locally instead. ``backend`` names the limiter's server. Like a
    connection that never opened, the request surely never left; unlike one, it is not retried
    (the caller decides when to try again). ``method`` and ``url`` are filled in by the session.
    """

    def __init__(self, message: str, *, backend: str, method: str = "", url: str = "") -> None:
        ClickSendError.__init__(self, message)
        self.message = message
        self.backend = backend
        self.method = method
        self.url = url

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        return f"{self.message}{where}"


class RequestTimeoutError(TransportError):
    """No response in time: the request may or may not have been processed."""


class ConnectionLostError(TransportError):
    """The connection broke after the request was written: it may have been processed."""


class DecodeError(ClickSendError):
    """A response body could not be decoded; the message says what and where."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        where = f" ({method} {url} -> HTTP {status})" if method and url else ""
        super().__init__(f"{message}{where}")
        self.method = method
        self.url = url
        self.status = status


class APIError(ClickSendError):
    """ClickSend answered with an error envelope (or a 2xx whose response_code is not success)."""

    def __init__(
        self,
        *,
        status_code: int,
        response_code: str | None,
        response_msg: str | None,
        data: Any,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        wire_status: int | None = None,
    ) -> None:
        self.status_code = status_code
        self.response_code = response_code
        self.response_msg = response_msg
        self.data = data
        self.method = method
        self.url = url
        self.headers: Mapping[str, str] = dict(headers or {})
        #: The status of the HTTP response itself. It differs from :attr:`status_code` when a
        #: 2xx carried an error envelope (``http_code`` 4xx/5xx, or a ``response_code`` that is
        #: not a success): for a send, such an answer leaves the outcome unknown.
        self.wire_status = status_code if wire_status is None else wire_status
        detail = f": {data}" if isinstance(data, Mapping) and data else ""
        super().__init__(
            f"HTTP {status_code} {response_code or ''} {response_msg or ''}".rstrip()
            + f"{detail} ({method} {url})"
        )

    @property
    def http_status(self) -> int:
        """Return the HTTP status (alias of ``status_code``)."""
        return self.status_code


class BadRequestError(APIError):
    """HTTP 400: the request was malformed; ``data`` usually names the fields."""


class AuthenticationError(APIError):
    """HTTP 401: credentials missing or wrong."""


class PermissionDeniedError(APIError):
    """HTTP 403: the account may not do this (for example it is suspended)."""


class NotFoundError(APIError):
    """HTTP 404: unknown resource or endpoint."""


class MethodNotAllowedError(APIError):
    """HTTP 405: the endpoint does not accept this method."""


class UnprocessableEntityError(APIError):
    """HTTP 422: the request was understood but refused."""


class RateLimitError(APIError):
    """HTTP 429: too many requests; ``retry_after`` is the server's wait in seconds, if given."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """HTTP 5xx: ClickSend failed; for a send the outcome is unknown."""


class SendOutcomeUnknownError(ClickSendError):
    """A send request may have reached ClickSend but its answer was lost.

    The messages were NOT re-sent automatically: nothing in ClickSend's API makes a send
    idempotent. ``payload`` is the exact request body, ``messages`` its ``messages[]``,
    ``custom_strings`` their references (use them to reconcile through ``/sms/history``),
    and ``__cause__`` the transport or server error.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        payload: Mapping[str, Any],
        cause: BaseException | None = None,
        window: tuple[float, float] | None = None,
    ) -> None:
        super().__init__(f"{message} ({method} {url}); messages were NOT re-sent")
        #: When the request may have been processed, in ClickSend's clock (Unix seconds), or
        #: None when no answer ever said what time it is there; ``reconcile`` reads from here.
        self.window = window
        self.method = method
        self.url = url
        self.payload = payload
        raw = payload.get("messages", ())
        self.messages: Sequence[Mapping[str, Any]] = list(raw) if isinstance(raw, list) else []
        self.custom_strings: list[str | None] = [m.get("custom_string") for m in self.messages]
        self.cause = cause


class WebhookPayloadError(ClickSendError, ValueError):
    """A webhook payload is not a usable receipt or inbound message.

    ``field`` names the offending field when there is one. The message never contains payload
    values, so it is safe to log and to send back in a 400 answer.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
