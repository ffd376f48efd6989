"""Typed models of ClickSend's requests and responses (attrs classes, no I/O)."""

from ._common import Currency, MessageStatus
from .account import Account, Subaccount
from .messages import (
    MessageResult,
    MmsMessage,
    SendResult,
    SmsMessage,
    SmsSender,
    VoiceMessage,
)

__all__ = [
    "Account",
    "Currency",
    "MessageResult",
    "MessageStatus",
    "MmsMessage",
    "SendResult",
    "SmsMessage",
    "SmsSender",
    "Subaccount",
    "VoiceMessage",
]
