"""client.sms_campaigns and client.mms_campaigns: server-side campaigns to a contact list."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from resource_support import assert_valid_query, assert_valid_request

from clicksend_async import (
    BadRequestError,
    CampaignPrice,
    ClickSendClient,
    MmsCampaign,
    NotFoundError,
    SmsCampaign,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator

MEDIA = "https://example.com/cat.gif"


async def _list_with_contacts(client: ClickSendClient, *numbers: str) -> int:
    created = await client.lists.create(list_name="Customers")
    for number in numbers:
        await client.contacts.create(created.list_id, {"phone_number": number})
    return created.list_id


class TestSmsCampaigns:
    async def test_send_charges_the_list_and_is_listed(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        list_id = await _list_with_contacts(client, "+61412345001", "+61412345002")
        before = (await client.account.get()).balance
        campaign = await client.sms_campaigns.send(
            list_id,
            name="Spring",
            body="Spring sale today",
            from_="+61400000000",
            senders=[{"recipient_country_code": "AU", "sender_id": "+61400000000"}],
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", "/sms-campaigns/send")
        assert request.json["list_id"] == list_id  # an integer in the send schema
        assert_valid_request("POST", "/v3/sms-campaigns/send", request.json)
        assert isinstance(campaign, SmsCampaign)
        assert (campaign.total_count, campaign.list_name, campaign.status) == (
            2,
            "Customers",
            "Sent",
        )
        assert campaign.senders[0].recipient_country_code == "AU"
        assert (await client.account.get()).balance < before
        listed = [c.sms_campaign_id async for c in client.sms_campaigns.list()]
        assert listed == [campaign.sms_campaign_id]
        found = client.sms_campaigns.list(
            q={"name": "spring"}, order_by="name:asc", date_from=0, limit=20
        )
        assert [c.name async for c in found] == ["Spring"]
        assert_valid_query("GET", "/v3/sms-campaigns", emulator.requests[-1].query)
        assert [c async for c in client.sms_campaigns.list(q="name:winter")] == []
        assert await client.sms_campaigns.get(campaign.sms_campaign_id) == campaign

    async def test_price_sends_nothing(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        list_id = await _list_with_contacts(client, "+61412345001")
        price = await client.sms_campaigns.price(list_id, name="P", body="x" * 161)
        request = emulator.requests[-1]
        assert request.json["list_id"] == str(list_id)  # a string in the price schema
        assert_valid_request("POST", "/v3/sms-campaigns/price", request.json)
        assert isinstance(price, CampaignPrice)
        assert price.total_count == 1
        assert price.total_price > Decimal(0)
        assert price.preview is not None and price.preview.body == "x" * 161
        assert [c async for c in client.sms_campaigns.list()] == []

    async def test_update_and_cancel_a_scheduled_campaign_refunds_it(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        list_id = await _list_with_contacts(client, "+61412345001")
        before = (await client.account.get()).balance
        later = int(time.time()) + 3600
        campaign = await client.sms_campaigns.send(
            list_id, name="Later", body="Soon", schedule=later
        )
        assert campaign.status == "Scheduled"
        updated = await client.sms_campaigns.update(campaign.sms_campaign_id, body="Sooner")
        assert_valid_request(
            "PUT", "/v3/sms-campaigns/{sms_campaign_id}", emulator.requests[-1].json
        )
        assert updated.body == "Sooner"
        cancelled = await client.sms_campaigns.cancel(campaign.sms_campaign_id)
        assert emulator.requests[-1].path == f"/sms-campaigns/{campaign.sms_campaign_id}/cancel"
        assert cancelled.status == "Cancelled"
        assert (await client.account.get()).balance == before
        with pytest.raises(BadRequestError):
            await client.sms_campaigns.cancel(campaign.sms_campaign_id)

    async def test_unknown_campaign_is_not_found(self, client: ClickSendClient) -> None:
        with pytest.raises(NotFoundError):
            await client.sms_campaigns.get(999)

    async def test_unknown_list_is_a_bad_request(self, client: ClickSendClient) -> None:
        with pytest.raises(BadRequestError):
            await client.sms_campaigns.send(424242, name="N", body="B")

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"list_id": 0}, "list_id"),
            ({"list_id": "abc"}, "list_id"),
            ({"name": " "}, "name"),
            ({"body": ""}, "body"),
            ({"body": "x" * 153 * 11}, "body"),
            ({"from_": "A sender with spaces"}, "from_"),
            ({"url_to_shorten": "ftp://x"}, "url_to_shorten"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        kwargs: dict[str, object],
        field: str,
    ) -> None:
        args: dict[str, object] = {"list_id": 1, "name": "N", "body": "B", **kwargs}
        list_id = args.pop("list_id")
        with pytest.raises(ValidationError) as info:
            await client.sms_campaigns.send(list_id, **args)  # type: ignore[arg-type]
        assert info.value.field == field
        assert emulator.requests == []

    async def test_an_update_that_changes_nothing_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError):
            await client.sms_campaigns.update(1)
        assert emulator.requests == []


class TestMmsCampaigns:
    async def test_send_price_get_update_cancel(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        list_id = await _list_with_contacts(client, "+61412345001")
        kwargs = {"name": "Cats", "body": "Look", "subject": "Cat", "media_file": MEDIA}
        price = await client.mms_campaigns.price(list_id, **kwargs)
        assert_valid_request("POST", "/v3/mms-campaigns/price", emulator.requests[-1].json)
        assert price.total_count == 1
        campaign = await client.mms_campaigns.send(
            list_id, schedule=int(time.time()) + 3600, **kwargs
        )
        assert_valid_request("POST", "/v3/mms-campaigns/send", emulator.requests[-1].json)
        assert isinstance(campaign, MmsCampaign)
        assert (campaign.file_name, campaign.media_file_url) == ("cat.gif", MEDIA)
        assert [c.mms_campaign_id async for c in client.mms_campaigns.list()] == [
            campaign.mms_campaign_id
        ]
        updated = await client.mms_campaigns.update(campaign.mms_campaign_id, name="Dogs")
        assert_valid_request(
            "PUT", "/v3/mms-campaigns/{mms_campaign_id}", emulator.requests[-1].json
        )
        assert updated.name == "Dogs"
        assert (await client.mms_campaigns.get(campaign.mms_campaign_id)).name == "Dogs"
        cancelled = await client.mms_campaigns.cancel(campaign.mms_campaign_id)
        assert cancelled.status == "Cancelled"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"subject": "s" * 21}, "subject"),
            ({"subject": ""}, "subject"),
            ({"media_file": "cat.gif"}, "media_file"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        kwargs: dict[str, str],
        field: str,
    ) -> None:
        args = {"name": "N", "body": "B", "subject": "S", "media_file": MEDIA, **kwargs}
        with pytest.raises(ValidationError) as info:
            await client.mms_campaigns.send(1, **args)
        assert info.value.field == field
        assert emulator.requests == []
