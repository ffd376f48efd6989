"""Typed models of ClickSend's requests and responses (attrs classes, no I/O)."""

from ._common import Currency, MessageStatus
from .account import Account, AccountUsage, Subaccount, SubaccountUsage, UsageTotal
from .automations import InboundRule, MessageSearchType, ReceiptRule, RuleAction, WebhookRules
from .connections import Connection, ConnectionStatus
from .contacts import Contact, ContactFields, NewContact
from .countries import Country
from .email_addresses import EmailAddress
from .international import CountryOption, RegistrationRef, UserCountry
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
from .numbers import AvailableNumber, DedicatedNumber, NumberPurchase, NumberStatus
from .recharge import PackagePurchase, PaymentCard, RechargePackage, Transaction
from .referrals import Referral
from .senders import (
    AllowedSenderCountries,
    AllowedSenderType,
    AlphaTag,
    CompliantSenderTypes,
    DefaultSender,
    OwnNumber,
    OwnNumberVerification,
    SenderStrategy,
    SenderType,
)
from .sms import (
    DeliveryReceipt,
    DeliveryState,
    InboundMessage,
    InboundSms,
    ReceiptStatus,
    SmsReceipt,
    SmsTemplate,
)
from .statistics import Statistics, StatisticsDay, Tally
from .uploads import Upload, UploadConversion
from .voice import VoiceLanguage, VoiceReceipt

__all__ = [
    "Account",
    "AccountUsage",
    "AllowedSenderCountries",
    "AllowedSenderType",
    "AlphaTag",
    "AvailableNumber",
    "CompliantSenderTypes",
    "Connection",
    "ConnectionStatus",
    "Contact",
    "ContactFields",
    "ContactImport",
    "ContactList",
    "Country",
    "CountryOption",
    "Currency",
    "DedicatedNumber",
    "DefaultSender",
    "DeliveryReceipt",
    "DeliveryState",
    "EmailAddress",
    "HistoryExport",
    "InboundMessage",
    "InboundRule",
    "InboundSms",
    "MessageResult",
    "MessageSearchType",
    "MessageStatus",
    "MmsMessage",
    "NewContact",
    "NumberPurchase",
    "NumberStatus",
    "OwnNumber",
    "OwnNumberVerification",
    "PackagePurchase",
    "PaymentCard",
    "ReceiptRule",
    "ReceiptStatus",
    "RechargePackage",
    "Referral",
    "RegistrationRef",
    "RuleAction",
    "SearchResult",
    "SearchResultType",
    "SendResult",
    "SenderStrategy",
    "SenderType",
    "SmsMessage",
    "SmsReceipt",
    "SmsSender",
    "SmsTemplate",
    "Statistics",
    "StatisticsDay",
    "Subaccount",
    "SubaccountUsage",
    "Tally",
    "Transaction",
    "Upload",
    "UploadConversion",
    "UsageTotal",
    "UserCountry",
    "VoiceLanguage",
    "VoiceMessage",
    "VoiceReceipt",
    "WebhookRules",
]
