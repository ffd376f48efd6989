"""clicksend_async: an asyncio-first SDK for the ClickSend messaging API.

async with ClickSendClient.from_env() as cs:
    result = await cs.sms.send([SmsMessage(to="+61411111111", body="Hello")])
"""

from ._client import ClickSendClient
from ._exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    ClickSendError,
    ClientStateError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    DecodeError,
    JournalMismatchError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    SendOutcomeUnknownError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
    ValidationError,
)
from ._pagination import AsyncPaginator, Page
from ._retry import RetryEvent, RetryPolicy
from ._validation import Limits
from ._version import __version__
from .models import (
    Account,
    Currency,
    MessageResult,
    MessageStatus,
    MmsMessage,
    SendResult,
    SmsMessage,
    SmsSender,
    Subaccount,
    VoiceMessage,
)
from .segments import SegmentInfo, count_segments, split_segments, to_gsm

__all__ = [
    "APIError",
    "Account",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "ClickSendClient",
    "ClickSendError",
    "ClientStateError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "Currency",
    "DecodeError",
    "JournalMismatchError",
    "Limits",
    "MessageResult",
    "MessageStatus",
    "MethodNotAllowedError",
    "MmsMessage",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "RetryEvent",
    "RetryPolicy",
    "SegmentInfo",
    "SendOutcomeUnknownError",
    "SendResult",
    "ServerError",
    "SmsMessage",
    "SmsSender",
    "Subaccount",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationError",
    "VoiceMessage",
    "__version__",
    "count_segments",
    "split_segments",
    "to_gsm",
]
