"""SMS and MMS campaign models: ClickSend's server-side sends of one message to a contact list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._common import Currency, extra_field

__all__ = ["CampaignPreview", "CampaignPrice", "CampaignSender", "MmsCampaign", "SmsCampaign"]


@attrs.frozen(kw_only=True)
class CampaignSender:
    """Which sender to use for recipients of one country (an SMS campaign's ``senders``)."""

    recipient_country_code: str | None = None
    sender_id: str | None = None
    sender_type: str | None = None
    sender_country_code: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SmsCampaign:
    """An SMS campaign: one body sent to every contact of a list, now or at ``schedule``.

    ``status`` is ClickSend's word (``Queued``, ``Scheduled``, ``Sent``, ``Cancelled``...).
    """

    sms_campaign_id: int
    name: str | None = None
    list_id: int | None = None
    from_: str | None = None
    body: str | None = None
    schedule: datetime | None = None
    status: str | None = None
    date_added: datetime | None = None
    custom_string: str | None = None
    url_to_shorten: str | None = None
    unsubscribe_link: int | None = None
    source: str | None = None
    senders: tuple[CampaignSender, ...] = ()
    user_id: int | None = None
    subaccount_id: int | None = None
    total_count: int | None = attrs.field(default=None, metadata={"wire": "_total_count"})
    list_name: str | None = attrs.field(default=None, metadata={"wire": "_list_name"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class MmsCampaign:
    """An MMS campaign: one media file, subject and body sent to every contact of a list."""

    mms_campaign_id: int
    name: str | None = None
    list_id: int | None = None
    from_: str | None = None
    subject: str | None = None
    body: str | None = None
    file_name: str | None = None
    schedule: datetime | None = None
    status: str | None = None
    date_added: datetime | None = None
    user_id: int | None = None
    subaccount_id: int | None = None
    total_count: int | None = attrs.field(default=None, metadata={"wire": "_total_count"})
    list_name: str | None = attrs.field(default=None, metadata={"wire": "_list_name"})
    media_file_url: str | None = attrs.field(default=None, metadata={"wire": "_media_file_url"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CampaignPreview:
    """The message a campaign price was computed for."""

    from_: str | None = None
    body: str | None = None
    schedule: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CampaignPrice:
    """What a campaign would cost: recipients, total price and currency."""

    total_count: int = 0
    total_price: Decimal = Decimal(0)
    preview: CampaignPreview | None = attrs.field(default=None, metadata={"wire": "data"})
    currency: Currency | None = attrs.field(default=None, metadata={"wire": "_currency"})
    extra: Mapping[str, Any] = extra_field()
