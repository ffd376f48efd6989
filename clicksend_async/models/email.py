"""Email models: transactional email, email templates and master templates, campaigns, rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, extra_field

__all__ = [
    "Email",
    "EmailAttachment",
    "EmailAttachmentInfo",
    "EmailCampaign",
    "EmailCampaignPreview",
    "EmailCampaignPrice",
    "EmailCampaignRecipient",
    "EmailCampaignResult",
    "EmailPrice",
    "EmailReceiptRule",
    "EmailRecipient",
    "EmailTemplate",
    "MasterTemplate",
    "TemplateCategory",
    "TemplateThumbnail",
]


@attrs.frozen(kw_only=True)
class EmailRecipient:
    """An email address with an optional display name (``to``, ``cc``, ``bcc``)."""

    email: str
    name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailAttachment:
    """A file to attach to an email: its content in base64, MIME type and file name.

    ``disposition`` is ``attachment`` or ``inline``; an inline image is referenced from the
    HTML body as ``cid:<content_id>``.
    """

    content: str
    type: str
    filename: str
    disposition: str = attrs.field(default="attachment", metadata={"send_default": True})
    content_id: str | None = None
    extra: Mapping[str, Any] = extra_field()

    def __repr__(self) -> str:
        # The content can be megabytes of base64: show what the file is, not what it holds.
        return f"EmailAttachment(filename={self.filename!r}, type={self.type!r})"


@attrs.frozen(kw_only=True)
class EmailAttachmentInfo:
    """An attachment as ClickSend stored it, with its download link."""

    file_name: str | None = None
    content_type: str | None = None
    content_disposition: str | None = None
    content_id: str | None = None
    file_url: str | None = attrs.field(default=None, metadata={"wire": "_attachment_file_url"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Email:
    """A transactional email as sent, or as the email history shows it."""

    message_id: str | None = None
    status: str | None = None
    status_text: str | None = None
    subject: str | None = None
    body: str | None = None
    body_plain_text: str | None = None
    from_email_address_id: int | None = None
    from_name: str | None = None
    to: tuple[EmailRecipient, ...] = ()
    cc: tuple[EmailRecipient, ...] = ()
    bcc: tuple[EmailRecipient, ...] = ()
    schedule: datetime | None = None
    date_added: datetime | None = None
    price: Decimal | None = None
    custom_string: str | None = None
    soft_bounce_count: int | None = None
    hard_bounce_count: int | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    attachments: tuple[EmailAttachmentInfo, ...] = attrs.field(
        default=(), metadata={"wire": "_attachments"}
    )
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailPrice:
    """What a transactional email would cost (``POST /email/price``).

    The current spec documents this answer as a page of emails, its example as an empty page;
    ClickSend's 2021 docs show this shape (``to_array``, ``price``...), which is what is read.
    """

    price: Decimal = Decimal(0)
    subject: str | None = None
    body: str | None = None
    to: tuple[EmailRecipient, ...] = attrs.field(default=(), metadata={"wire": "to_array"})
    cc: tuple[EmailRecipient, ...] = attrs.field(default=(), metadata={"wire": "cc_array"})
    bcc: tuple[EmailRecipient, ...] = attrs.field(default=(), metadata={"wire": "bcc_array"})
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailTemplate:
    """One of your email templates (a copy of a master template you can edit)."""

    template_id: int
    template_name: str | None = None
    template_id_master: int | None = None
    body: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class TemplateThumbnail:
    """Links to a master template's small and large preview images."""

    small: str | None = None
    large: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class MasterTemplate:
    """One of ClickSend's master email templates (the starting points of your templates)."""

    template_id_master: int
    template_name: str | None = None
    date_added: datetime | None = None
    body: str | None = None
    category_id: int | None = None
    thumbnail: TemplateThumbnail | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class TemplateCategory:
    """A category of master templates.

    The list calls the name ``category_name``, the single-category answer ``name``; both are read.
    """

    category_id: int
    category_name: str | None = attrs.field(default=None, metadata={"aliases": ("name",)})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailCampaign:
    """An email campaign: one email (a template or a body) to every contact of a list."""

    email_campaign_id: int
    name: str | None = None
    subject: str | None = None
    list_id: int | None = None
    from_email_address_id: int | None = None
    from_name: str | None = None
    template_id: int | None = None
    schedule: datetime | None = None
    status: str | None = None
    date_added: datetime | None = None
    custom_string: str | None = None
    body: str | None = None
    body_plain_text: str | None = None
    send_count: int | None = None
    open_count: int | None = None
    click_count: int | None = None
    hard_bounce_count: int | None = None
    soft_bounce_count: int | None = None
    abuse_count: int | None = None
    unsubscribe_count: int | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailCampaignResult:
    """The answer to sending an email campaign: the campaign, its count and price.

    The spec spells the count ``totlal_count``; ``total_count`` and that typo are both read.
    """

    total_count: int = attrs.field(default=0, metadata={"aliases": ("totlal_count",)})
    total_price: Decimal = Decimal(0)
    queued_count: int = 0
    campaign: EmailCampaign | None = attrs.field(default=None, metadata={"wire": "data"})
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailCampaignPreview:
    """The campaign an email campaign price was computed for."""

    name: str | None = None
    subject: str | None = None
    from_email_address_id: int | None = None
    from_name: str | None = None
    body: str | None = None
    list_id: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailCampaignPrice:
    """What an email campaign would cost."""

    total_count: int = 0
    total_price: Decimal = Decimal(0)
    queued_count: int = 0
    preview: EmailCampaignPreview | None = attrs.field(default=None, metadata={"wire": "data"})
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailCampaignRecipient:
    """One recipient of an email campaign, and what happened to their email."""

    message_id: str | None = None
    email_campaign_id: int | None = None
    to_name: str | None = None
    to_address: str | None = None
    contact_id: int | None = None
    from_name: str | None = None
    from_address: str | None = None
    subject: str | None = None
    status: str | None = None
    processed_at: datetime | None = None
    open_count: int | None = None
    click_count: int | None = None
    hard_bounce_count: int | None = None
    soft_bounce_count: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmailReceiptRule:
    """A rule sending email delivery receipts somewhere (``action`` ``URL``: posted there).

    ``match_type`` 0 matches every email.
    """

    receipt_rule_id: int
    rule_name: str | None = None
    match_type: int | None = None
    action: str | None = None
    action_address: str | None = None
    enabled: bool | None = None
    extra: Mapping[str, Any] = extra_field()
