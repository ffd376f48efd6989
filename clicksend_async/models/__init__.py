"""Typed models of ClickSend's requests and responses (attrs classes, no I/O)."""

from ._common import Currency, MessageStatus
from .account import Account, Subaccount
from .connections import Connection, ConnectionStatus
from .contacts import Contact, ContactFields, NewContact
from .countries import Country
from .email_addresses import EmailAddress
from .lists import ContactImport, ContactList
from .messages import (
    MessageResult,
    MmsMessage,
    SendResult,
    SmsMessage,
    SmsSender,
    VoiceMessage,
)
from .sms import InboundSms, ReceiptStatus, SmsReceipt, SmsTemplate
from .voice import VoiceLanguage, VoiceReceipt

__all__ = [
    "Account",
    "Connection",
    "ConnectionStatus",
    "Contact",
    "ContactFields",
    "ContactImport",
    "ContactList",
    "Country",
    "Currency",
    "EmailAddress",
    "InboundSms",
    "MessageResult",
    "MessageStatus",
    "MmsMessage",
    "NewContact",
    "ReceiptStatus",
    "SendResult",
    "SmsMessage",
    "SmsReceipt",
    "SmsSender",
    "SmsTemplate",
    "Subaccount",
    "VoiceLanguage",
    "VoiceMessage",
    "VoiceReceipt",
]
