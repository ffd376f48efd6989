"""client.email: transactional email, templates, master templates, email receipt rules."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from resource_support import Hook, assert_valid_request

from clicksend_async import (
    BadRequestError,
    ClickSendClient,
    Email,
    EmailAttachment,
    EmailPrice,
    EmailReceiptRule,
    EmailTemplate,
    MasterTemplate,
    NotFoundError,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


async def _verified_sender(client: ClickSendClient, emulator: ClickSendEmulator) -> int:
    address = await client.email_addresses.create("me@example.com")
    token = emulator.activation_token(address.email_address_id)
    await client.email_addresses.verify(address.email_address_id, token)
    return address.email_address_id


class TestTransactionalEmail:
    async def test_send_then_history_and_export(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender = await _verified_sender(client, emulator)
        before = (await client.account.get()).balance
        attachment = EmailAttachment(content="aGVsbG8=", type="text/plain", filename="a.txt")
        sent = await client.email.send(
            ["bob@example.com", {"email": "cat@example.com", "name": "Cat"}],
            from_email_address_id=sender,
            from_name="Me",
            subject="Hello",
            body="<p>Hi</p>",
            cc="dan@example.com",
            attachments=[attachment],
        )
        request = emulator.requests[-1]
        assert request.json["to"] == [
            {"email": "bob@example.com"},
            {"email": "cat@example.com", "name": "Cat"},
        ]
        assert request.json["from"] == {"email_address_id": str(sender), "name": "Me"}
        # The spec requires each attachment's disposition: the default is sent, not left out.
        assert request.json["attachments"] == [
            {
                "content": "aGVsbG8=",
                "type": "text/plain",
                "filename": "a.txt",
                "disposition": "attachment",
            }
        ]
        assert_valid_request("POST", "/v3/email/send", request.json)
        assert isinstance(sent, Email)
        assert [r.email for r in sent.to] == ["bob@example.com", "cat@example.com"]
        assert sent.attachments[0].file_name == "a.txt"
        assert sent.body_plain_text == "Hi"
        assert sent.price is not None
        assert (await client.account.get()).balance == before - sent.price
        assert [e.message_id async for e in client.email.history()] == [sent.message_id]
        export = await client.email.export_history(filename="mail.csv")
        assert export.filename == "mail.csv"
        async with aiohttp.ClientSession() as http, http.get(export.url) as response:
            text = await response.text()
        assert sent.message_id in text and "bob@example.com" in text

    async def test_price_sends_nothing(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender = await _verified_sender(client, emulator)
        price = await client.email.price(
            "bob@example.com", from_email_address_id=sender, subject="S", body="B"
        )
        assert_valid_request("POST", "/v3/email/price", emulator.requests[-1].json)
        assert isinstance(price, EmailPrice)
        assert price.price > 0 and [r.email for r in price.to] == ["bob@example.com"]
        assert [e async for e in client.email.history()] == []

    async def test_an_unverified_sender_is_a_bad_request(self, client: ClickSendClient) -> None:
        address = await client.email_addresses.create("me@example.com")
        with pytest.raises(BadRequestError):
            await client.email.send(
                "bob@example.com",
                from_email_address_id=address.email_address_id,
                subject="S",
                body="B",
            )

    @pytest.mark.parametrize(
        ("to", "kwargs", "field"),
        [
            ([], {}, "to"),
            (["bob"], {}, "to[0].email"),
            ("bob@example.com", {"subject": ""}, "subject"),
            ("bob@example.com", {"body": " "}, "body"),
            ("bob@example.com", {"from_email_address_id": 0}, "from_email_address_id"),
            ("bob@example.com", {"cc": ["x@"]}, "cc[0].email"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        to: object,
        kwargs: dict[str, object],
        field: str,
    ) -> None:
        args: dict[str, object] = {
            "from_email_address_id": 1,
            "subject": "S",
            "body": "B",
            **kwargs,
        }
        with pytest.raises(ValidationError) as info:
            await client.email.send(to, **args)  # type: ignore[arg-type]
        assert info.value.field == field
        assert emulator.requests == []

    def test_an_attachment_repr_hides_its_content(self) -> None:
        attachment = EmailAttachment(content="c2VjcmV0", type="text/plain", filename="a.txt")
        assert "c2VjcmV0" not in repr(attachment)


class TestEmailTemplates:
    async def test_master_templates_and_categories(self, client: ClickSendClient) -> None:
        masters = await client.email.master_templates.list()
        assert masters and all(isinstance(m, MasterTemplate) for m in masters)
        assert all(m.body is None for m in masters)
        one = await client.email.master_templates.get(masters[0].template_id_master)
        assert one.body and one.thumbnail is not None
        categories = await client.email.master_templates.categories()
        category = await client.email.master_templates.category(categories[0].category_id)
        assert category.category_name == categories[0].category_name  # "name" in this answer
        in_category = await client.email.master_templates.in_category(category.category_id)
        assert {m.category_id for m in in_category} == {category.category_id}
        with pytest.raises(NotFoundError):
            await client.email.master_templates.get(99999)

    async def test_template_crud(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        master = (await client.email.master_templates.list())[0]
        template = await client.email.templates.create(
            template_name="Mine", template_id_master=master.template_id_master
        )
        assert_valid_request("POST", "/v3/email/templates", emulator.requests[-1].json)
        assert isinstance(template, EmailTemplate)
        assert template.body  # a copy of the master's
        listed = [t async for t in client.email.templates.list()]
        assert [(t.template_id, t.template_name) for t in listed] == [
            (template.template_id, "Mine")
        ]
        updated = await client.email.templates.update(template.template_id, body="<p>New</p>")
        assert_valid_request("PUT", "/v3/email/templates/{template_id}", emulator.requests[-1].json)
        assert (await client.email.templates.get(template.template_id)).body == "<p>New</p>"
        assert updated.body == "<p>New</p>"
        await client.email.templates.delete(template.template_id)
        with pytest.raises(NotFoundError):
            await client.email.templates.get(template.template_id)

    async def test_an_unknown_master_is_a_bad_request(self, client: ClickSendClient) -> None:
        with pytest.raises(BadRequestError):
            await client.email.templates.create(template_name="X", template_id_master=424242)


class TestEmailReceiptRules:
    async def test_crud(self, client: ClickSendClient, emulator: ClickSendEmulator) -> None:
        rule = await client.email.receipt_rules.create(
            rule_name="Hooks", action="URL", action_address="https://example.com/hook"
        )
        request = emulator.requests[-1]
        assert request.json == {
            "rule_name": "Hooks",
            "action": "URL",
            "action_address": "https://example.com/hook",
            "match_type": 0,
            "enabled": 1,
        }
        assert_valid_request("POST", "/v3/automations/email/receipts", request.json)
        assert isinstance(rule, EmailReceiptRule) and rule.enabled is True
        updated = await client.email.receipt_rules.update(rule.receipt_rule_id, enabled=False)
        assert_valid_request(
            "PUT",
            "/v3/automations/email/receipts/{receipt_rule_id}",
            emulator.requests[-1].json,
        )
        assert updated.enabled is False
        assert [r.receipt_rule_id async for r in client.email.receipt_rules.list()] == [
            rule.receipt_rule_id
        ]
        assert await client.email.receipt_rules.get(rule.receipt_rule_id) == updated
        await client.email.receipt_rules.delete(rule.receipt_rule_id)
        assert [r async for r in client.email.receipt_rules.list()] == []

    async def test_an_enabled_url_rule_receives_the_receipts_of_sent_email(
        self, client: ClickSendClient, emulator: ClickSendEmulator, hook: Hook
    ) -> None:
        sender = await _verified_sender(client, emulator)
        await client.email.receipt_rules.create(
            rule_name="Off", action="URL", action_address=hook.url + "?off", enabled=False
        )
        await client.email.receipt_rules.create(
            rule_name="Hook", action="URL", action_address=hook.url
        )
        sent = await client.email.send(
            "bob@example.com", from_email_address_id=sender, subject="S", body="B"
        )
        pushed = await asyncio.wait_for(hook.posts.get(), 5)
        assert "_query" not in pushed  # not from the disabled rule, scheduled first
        assert (pushed["email"], pushed["message_id"], pushed["status"]) == (
            "bob@example.com",
            sent.message_id,
            "Delivered",
        )

    async def test_unknown_action_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.email.receipt_rules.create(
                rule_name="R", action="WEBHOOK", action_address="x"
            )
        assert info.value.field == "action"
        assert emulator.requests == []
