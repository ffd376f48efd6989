"""client.email_campaigns: one email to every contact of a list."""

from __future__ import annotations

import time

import pytest
from resource_support import assert_valid_request

from clicksend_async import (
    BadRequestError,
    ClickSendClient,
    EmailCampaign,
    EmailCampaignResult,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


async def _setup(client: ClickSendClient, emulator: ClickSendEmulator) -> tuple[int, int]:
    address = await client.email_addresses.create("me@example.com")
    await client.email_addresses.verify(
        address.email_address_id, emulator.activation_token(address.email_address_id)
    )
    created = await client.lists.create(list_name="Readers")
    await client.contacts.create(created.list_id, {"email": "ann@example.com", "first_name": "Ann"})
    await client.contacts.create(created.list_id, {"phone_number": "+61411111111"})  # no email
    return address.email_address_id, created.list_id


class TestEmailCampaigns:
    async def test_send_reaches_every_contact_with_an_email(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender, list_id = await _setup(client, emulator)
        kwargs = {
            "name": "News",
            "subject": "Our news",
            "from_email_address_id": sender,
            "from_name": "Me",
            "body": "<p>News</p>",
        }
        price = await client.email_campaigns.price(list_id, **kwargs)
        assert_valid_request("POST", "/v3/email-campaigns/price", emulator.requests[-1].json)
        assert price.total_count == 1
        result = await client.email_campaigns.send(list_id, **kwargs)
        assert_valid_request("POST", "/v3/email-campaigns/send", emulator.requests[-1].json)
        assert isinstance(result, EmailCampaignResult)
        assert (result.total_count, result.queued_count) == (1, 1)
        assert result.total_price == price.total_price
        assert result.campaign is not None
        campaign_id = result.campaign.email_campaign_id
        recipients = [r async for r in client.email_campaigns.history(campaign_id)]
        assert [(r.to_address, r.to_name) for r in recipients] == [("ann@example.com", "Ann")]
        export = await client.email_campaigns.export_history(campaign_id, filename="n.csv")
        assert export.filename == "n.csv"
        # The spec's filters; no filename unless one is given (the spec names none here).
        await client.email_campaigns.export_history(campaign_id, date_from=1, date_to=2**31 - 1)
        assert emulator.requests[-1].query == {"date_from": "1", "date_to": str(2**31 - 1)}
        assert [c.email_campaign_id async for c in client.email_campaigns.list()] == [campaign_id]
        assert (await client.email_campaigns.get(campaign_id)).status == "Sent"
        with pytest.raises(BadRequestError):
            await client.email_campaigns.cancel(campaign_id)  # already sent

    async def test_a_scheduled_campaign_can_be_changed_then_cancelled(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender, list_id = await _setup(client, emulator)
        master = (await client.email.master_templates.list())[0]
        template = await client.email.templates.create(
            template_name="T", template_id_master=master.template_id_master
        )
        result = await client.email_campaigns.send(
            list_id,
            name="Later",
            subject="Soon",
            from_email_address_id=sender,
            from_name="Me",
            template_id=template.template_id,
            schedule=int(time.time()) + 3600,
        )
        assert result.campaign is not None and result.campaign.status == "Scheduled"
        campaign_id = result.campaign.email_campaign_id
        updated = await client.email_campaigns.update(campaign_id, subject="Sooner")
        assert_valid_request(
            "PUT", "/v3/email-campaigns/{email_campaign_id}", emulator.requests[-1].json
        )
        assert isinstance(updated, EmailCampaign) and updated.subject == "Sooner"
        cancelled = await client.email_campaigns.cancel(campaign_id)
        assert cancelled.status == "Cancelled"
        assert [r async for r in client.email_campaigns.history(campaign_id)] == []

    async def test_a_draft_is_not_charged(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender, list_id = await _setup(client, emulator)
        before = (await client.account.get()).balance
        result = await client.email_campaigns.send(
            list_id,
            name="Draft",
            subject="S",
            from_email_address_id=sender,
            from_name="Me",
            body="B",
            draft=True,
        )
        assert emulator.requests[-1].json["draft"] == 1
        assert result.campaign is not None and result.campaign.status == "Draft"
        assert (await client.account.get()).balance == before

    async def test_no_content_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.email_campaigns.send(
                1, name="N", subject="S", from_email_address_id=1, from_name="Me"
            )
        assert info.value.field == "body"
        assert emulator.requests == []
