"""Typed models of ClickSend's requests and responses (attrs classes, no I/O)."""

from ._common import Currency, MessageStatus
from .account import Account, AccountUsage, Subaccount, SubaccountUsage, UsageTotal
from .automations import InboundRule, MessageSearchType, ReceiptRule, RuleAction, WebhookRules
from .connections import Connection, ConnectionStatus
from .contacts import Contact, ContactFields, NewContact
from .countries import Country
from .email_addresses import EmailAddress
from .lists import ContactImport, ContactList, SearchResult, SearchResultType
from .messages import (
    HistoryExport,
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
    "AccountUsage",
    "Connection",
    "ConnectionStatus",
    "Contact",
    "ContactFields",
    "ContactImport",
    "ContactList",
    "Country",
    "Currency",
    "EmailAddress",
    "HistoryExport",
    "InboundRule",
    "InboundSms",
    "MessageResult",
    "MessageSearchType",
    "MessageStatus",
    "MmsMessage",
    "NewContact",
    "ReceiptRule",
    "ReceiptStatus",
    "RuleAction",
    "SearchResult",
    "SearchResultType",
    "SendResult",
    "SmsMessage",
    "SmsReceipt",
    "SmsSender",
    "SmsTemplate",
    "Subaccount",
    "SubaccountUsage",
    "UsageTotal",
    "VoiceLanguage",
    "VoiceMessage",
    "VoiceReceipt",
    "WebhookRules",
]
