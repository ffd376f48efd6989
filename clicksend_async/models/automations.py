"""Automation rule models: what ClickSend does with delivery receipts and inbound messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ._common import extra_field

__all__ = ["InboundRule", "MessageSearchType", "ReceiptRule", "RuleAction", "WebhookRules"]


class RuleAction:
    """``action`` values of a rule ClickSend documents (an open set: compare, don't enum)."""

    URL: Final = "URL"
    POLL: Final = "POLL"
    EMAIL_USER: Final = "EMAIL_USER"
    EMAIL_FIXED: Final = "EMAIL_FIXED"
    SMS: Final = "SMS"
    AUTO_REPLY: Final = "AUTO_REPLY"
    GROUP_SMS: Final = "GROUP_SMS"
    MOVE_CONTACT: Final = "MOVE_CONTACT"
    CREATE_CONTACT: Final = "CREATE_CONTACT"
    SMPP: Final = "SMPP"
    NONE: Final = "NONE"


class MessageSearchType:
    """``message_search_type`` of an inbound rule: which replies it applies to."""

    ANY: Final = 0
    STARTS_WITH: Final = 1
    CONTAINS: Final = 2
    DOES_NOT_CONTAIN: Final = 3


@attrs.frozen(kw_only=True)
class ReceiptRule:
    """A delivery-receipt rule (SMS or voice): what happens to each receipt.

    ``action_address`` is left out of the repr: a webhook URL may carry its shared secret.
    """

    receipt_rule_id: int
    rule_name: str | None = None
    match_type: int | None = None
    action: str | None = None
    action_address: str | None = attrs.field(default=None, repr=False)
    enabled: bool | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class InboundRule:
    """An inbound-SMS rule: which replies it matches and what happens to them.

    ``action_address`` is left out of the repr: a webhook URL may carry its shared secret.
    """

    inbound_rule_id: int = attrs.field(metadata={"aliases": ("sms_inbound_rule_id",)})
    dedicated_number: str | None = None
    rule_name: str | None = None
    message_search_type: int | None = None
    message_search_term: str | None = None
    action: str | None = None
    action_address: str | None = attrs.field(default=None, repr=False)
    body: str | None = None
    enabled: bool | None = None
    webhook_type: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class WebhookRules:
    """The rules :meth:`AutomationsResource.push_to_webhooks` created or updated."""

    sms_receipts: ReceiptRule
    inbound: InboundRule
    voice_receipts: ReceiptRule | None = None
