"""client.sms.test_pushes and client.fax.test_receipt: sample pushes to a webhook URL."""

from __future__ import annotations

import asyncio

import pytest
from resource_support import Hook, assert_valid_request

from clicksend_async import ClickSendClient, InboundSms, SmsReceipt, ValidationError
from clicksend_async.testing import ClickSendEmulator


class TestTestPushes:
    async def test_a_test_receipt_is_posted_to_the_url(
        self, client: ClickSendClient, emulator: ClickSendEmulator, hook: Hook
    ) -> None:
        receipt = await client.sms.test_pushes.receipt(hook.url)
        assert_valid_request("POST", "/v3/sms/receipts", emulator.requests[-1].json)
        assert isinstance(receipt, SmsReceipt) and receipt.status_code == "201"
        pushed = await asyncio.wait_for(hook.posts.get(), 5)
        assert pushed["message_id"] == receipt.message_id
        assert pushed["status_code"] == "201"

    async def test_a_test_inbound_is_posted_as_json(
        self, client: ClickSendClient, emulator: ClickSendEmulator, hook: Hook
    ) -> None:
        inbound = await client.sms.test_pushes.inbound(hook.url, webhook_type="json")
        assert_valid_request("POST", "/v3/sms/inbound", emulator.requests[-1].json)
        assert isinstance(inbound, InboundSms)
        pushed = await asyncio.wait_for(hook.posts.get(), 5)
        assert pushed["message_id"] == inbound.message_id
        assert pushed["body"] == inbound.body

    async def test_a_fax_test_receipt_is_posted_too(
        self, client: ClickSendClient, hook: Hook
    ) -> None:
        receipt = await client.fax.test_receipt(hook.url)
        pushed = await asyncio.wait_for(hook.posts.get(), 5)
        assert (pushed["message_id"], pushed["message_type"]) == (receipt.message_id, "fax")

    @pytest.mark.parametrize("url", ["", "example.com/hook", "ftp://example.com"])
    async def test_a_url_that_is_not_http_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator, url: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.sms.test_pushes.receipt(url)
        assert info.value.field == "url"
        assert emulator.requests == []
