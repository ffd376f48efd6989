"""client.automations: receipt and inbound rules, and pushing both to a webhook app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from resource_support import assert_valid_request

from clicksend_async import (
    ClickSendClient,
    InboundRule,
    NotFoundError,
    ReceiptRule,
    SmsMessage,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.webhooks import DeliveryReceipt, InboundMessage, webhook_routes

SECRET = "s3cr3t-Token_42"


class TestReceiptRules:
    @pytest.mark.parametrize("channel", ["sms", "voice"])
    async def test_create_list_get_update_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator, channel: str
    ) -> None:
        rules = (
            client.automations.sms_receipts
            if channel == "sms"
            else client.automations.voice_receipts
        )
        path = f"/v3/automations/{channel}/receipts"
        created = await rules.create(
            rule_name="Poll all", action="poll", action_address="", match_type=0
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", f"/automations/{channel}/receipts")
        assert request.json == {
            "rule_name": "Poll all",
            "match_type": 0,
            "action": "POLL",
            "action_address": "",
            "enabled": 1,
        }
        assert_valid_request("POST", path, request.json)
        assert isinstance(created, ReceiptRule)
        assert (created.action, created.enabled) == ("POLL", True)

        assert [r.receipt_rule_id async for r in rules.list()] == [created.receipt_rule_id]
        assert await rules.get(created.receipt_rule_id) == created

        updated = await rules.update(created.receipt_rule_id, enabled=False, timeout=5)
        assert emulator.requests[-1].json == {"enabled": 0}
        assert_valid_request("PUT", f"{path}/{{receipt_rule_id}}", emulator.requests[-1].json)
        assert updated.enabled is False

        assert await rules.delete(created.receipt_rule_id) is None
        with pytest.raises(NotFoundError):
            await rules.get(created.receipt_rule_id)

    async def test_a_url_rule_needs_an_http_url(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.automations.sms_receipts.create(
                rule_name="x", action="URL", action_address="ftp://example.com"
            )
        assert info.value.field == "action_address"
        assert emulator.requests == []

    async def test_an_empty_update_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError, match="nothing to update"):
            await client.automations.voice_receipts.update(1)
        assert emulator.requests == []

    async def test_the_webhook_url_stays_out_of_the_repr(self) -> None:
        rule = ReceiptRule(receipt_rule_id=1, action="URL", action_address=f"https://x/{SECRET}")
        assert SECRET not in repr(rule)


class TestInboundRules:
    async def test_create_list_get_update_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        rules = client.automations.sms_inbound
        created = await rules.create(
            rule_name="Stop words",
            action="URL",
            action_address="https://example.com/in",
            message_search_type=1,
            message_search_term="STOP",
        )
        request = emulator.requests[-1]
        assert request.json == {
            "rule_name": "Stop words",
            "action": "URL",
            "action_address": "https://example.com/in",
            "enabled": 1,
            "dedicated_number": "*",
            "message_search_type": 1,
            "message_search_term": "STOP",
            "webhook_type": "post",
        }
        assert_valid_request("POST", "/v3/automations/sms/inbound", request.json)
        assert isinstance(created, InboundRule)
        assert created.webhook_type == "post"

        listed = [r async for r in rules.list()]
        assert [r.inbound_rule_id for r in listed] == [created.inbound_rule_id]

        updated = await rules.update(created.inbound_rule_id, dedicated_number="+61 411 111 111")
        assert emulator.requests[-1].json == {"dedicated_number": "+61411111111"}
        assert_valid_request(
            "PUT", "/v3/automations/sms/inbound/{inbound_rule_id}", emulator.requests[-1].json
        )
        assert updated.dedicated_number == "+61411111111"
        assert (await rules.get(created.inbound_rule_id)).dedicated_number == "+61411111111"

        await rules.delete(created.inbound_rule_id)
        assert [r async for r in rules.list()] == []

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"dedicated_number": "0411"}, "dedicated_number"),
            ({"message_search_type": 4}, "message_search_type"),
            ({"message_search_type": 2}, "message_search_term"),
            ({"webhook_type": "xml"}, "webhook_type"),
            ({"rule_name": " "}, "rule_name"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        kwargs: dict[str, Any],
        field: str,
    ) -> None:
        options: dict[str, Any] = {
            "rule_name": "r",
            "action": "URL",
            "action_address": "https://example.com/in",
            **kwargs,
        }
        with pytest.raises(ValidationError) as info:
            await client.automations.sms_inbound.create(**options)
        assert info.value.field == field
        assert emulator.requests == []


class Inbox:
    """Collect what the webhook routes hand to their callbacks."""

    def __init__(self) -> None:
        self.receipts: list[DeliveryReceipt] = []
        self.replies: list[InboundMessage] = []
        self.changed = asyncio.Event()

    def on_receipt(self, receipt: DeliveryReceipt) -> None:
        self.receipts.append(receipt)
        self.changed.set()

    def on_inbound(self, message: InboundMessage) -> None:
        self.replies.append(message)
        self.changed.set()

    async def wait_for(self, receipts: int, replies: int) -> None:
        async def until() -> None:
            while len(self.receipts) < receipts or len(self.replies) < replies:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(until(), 5)


@pytest.fixture
async def webhook_app() -> AsyncIterator[tuple[str, Inbox]]:
    """Serve ``webhook_routes`` (with a secret) on a local port; yield its base URL."""
    inbox = Inbox()
    app = web.Application()
    app.add_routes(
        webhook_routes(on_receipt=inbox.on_receipt, on_inbound=inbox.on_inbound, secret=SECRET)
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/clicksend", inbox
    await runner.cleanup()


class TestPushToWebhooks:
    async def test_rules_point_at_the_app_with_the_secret(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        rules = await client.automations.push_to_webhooks(
            "https://example.com/clicksend/", secret="a/b c"
        )
        assert rules.sms_receipts.action == "URL"
        assert (
            rules.sms_receipts.action_address == "https://example.com/clicksend/receipts/a%2Fb%20c"
        )
        assert rules.voice_receipts is not None
        assert rules.voice_receipts.action_address == rules.sms_receipts.action_address
        assert rules.inbound.action_address == "https://example.com/clicksend/inbound/a%2Fb%20c"
        assert (rules.inbound.dedicated_number, rules.inbound.message_search_type) == ("*", 0)
        assert "a%2Fb" not in repr(rules)
        for request in emulator.requests:
            if request.json is not None:
                template = request.path.replace("/automations/", "/v3/automations/")
                if request.method == "PUT":
                    template = template.rsplit("/", 1)[0] + (
                        "/{inbound_rule_id}" if "inbound" in template else "/{receipt_rule_id}"
                    )
                assert_valid_request(request.method, template, request.json)

    async def test_calling_again_updates_the_same_rules(self, client: ClickSendClient) -> None:
        first = await client.automations.push_to_webhooks("https://a.example/cs", secret="one")
        second = await client.automations.push_to_webhooks(
            "https://b.example/cs", secret="two", webhook_type="json", voice=False
        )
        assert second.sms_receipts.receipt_rule_id == first.sms_receipts.receipt_rule_id
        assert second.inbound.inbound_rule_id == first.inbound.inbound_rule_id
        assert second.voice_receipts is None
        assert [r.action_address async for r in client.automations.sms_receipts.list()] == [
            "https://b.example/cs/receipts/two"
        ]
        assert (
            await client.automations.sms_inbound.get(first.inbound.inbound_rule_id)
        ).webhook_type == "json"

    @pytest.mark.parametrize(
        ("base_url", "kwargs", "field"),
        [
            ("example.com/cs", {}, "base_url"),
            ("https://example.com/cs?x=1", {}, "base_url"),
            ("https://example.com/cs", {"secret": ""}, "secret"),
            ("https://example.com/cs", {"webhook_type": "xml"}, "webhook_type"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        base_url: str,
        kwargs: dict[str, Any],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.automations.push_to_webhooks(base_url, **{"secret": "s", **kwargs})
        assert info.value.field == field
        assert emulator.requests == []

    @pytest.mark.parametrize("webhook_type", ["post", "json", "get"])
    async def test_the_emulator_pushes_receipts_and_replies_to_the_app(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        webhook_app: tuple[str, Inbox],
        webhook_type: str,
    ) -> None:
        base_url, inbox = webhook_app
        await client.automations.push_to_webhooks(
            base_url, secret=SECRET, webhook_type=webhook_type
        )
        result = await client.sms.send(
            [SmsMessage(to="+61412345678", body="Are you coming?", custom_string="rsvp-1")]
        )
        (sent,) = result.messages
        await inbox.wait_for(receipts=1, replies=0)
        assert inbox.receipts[0].message_id == sent.message_id
        assert inbox.receipts[0].custom_string == "rsvp-1"

        emulator.simulate_inbound("+61412345678", "Yes!", original_message_id=sent.message_id)
        await inbox.wait_for(receipts=1, replies=1)
        (reply,) = inbox.replies
        assert reply.body == "Yes!"
        assert reply.original_message_id == sent.message_id

    async def test_rules_take_over_from_the_emulators_own_urls(
        self, webhook_app: tuple[str, Inbox]
    ) -> None:
        base_url, inbox = webhook_app
        # Without rules these URLs would get every push; disabled rules must silence them.
        async with (
            ClickSendEmulator(
                receipt_delay=0,
                receipt_url=f"{base_url}/receipts/{SECRET}",
                inbound_url=f"{base_url}/inbound/{SECRET}",
            ) as emulator,
            emulator.client(rate_limit=None) as client,
        ):
            rules = await client.automations.push_to_webhooks(base_url, secret=SECRET)
            await client.automations.sms_receipts.update(
                rules.sms_receipts.receipt_rule_id, enabled=False
            )
            await client.automations.sms_inbound.update(
                rules.inbound.inbound_rule_id, enabled=False
            )
            await client.sms.send([SmsMessage(to="+61412345678", body="Hi")])
            emulator.simulate_inbound("+61412345678", "Hello")
            await asyncio.sleep(0.2)
            assert (inbox.receipts, inbox.replies) == ([], [])

            await client.automations.sms_receipts.delete(rules.sms_receipts.receipt_rule_id)
            await client.automations.sms_inbound.delete(rules.inbound.inbound_rule_id)
            await client.sms.send([SmsMessage(to="+61412345678", body="Hi again")])
            emulator.simulate_inbound("+61412345678", "Hello again")
            await inbox.wait_for(receipts=1, replies=1)  # no rules left: the emulator's URLs

    async def test_an_inbound_rule_for_another_number_or_word_does_not_push(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        webhook_app: tuple[str, Inbox],
    ) -> None:
        base_url, inbox = webhook_app
        address = f"{base_url}/inbound/{SECRET}"
        await client.automations.sms_inbound.create(
            rule_name="other number",
            action="URL",
            action_address=address,
            dedicated_number="+61400000001",
        )
        await client.automations.sms_inbound.create(
            rule_name="STOP only",
            action="URL",
            action_address=address,
            message_search_type=1,
            message_search_term="stop",
        )
        emulator.simulate_inbound("+61412345678", "Hello", to="+61400000002")
        emulator.simulate_inbound("+61412345678", "STOP please", to="+61400000002")
        await inbox.wait_for(receipts=0, replies=1)
        await asyncio.sleep(0.1)
        assert [m.body for m in inbox.replies] == ["STOP please"]
