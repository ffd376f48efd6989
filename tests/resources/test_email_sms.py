"""client.email_to_sms: allowed addresses and stripped strings."""

from __future__ import annotations

import pytest
from resource_support import assert_valid_request

from clicksend_async import (
    BadRequestError,
    ClickSendClient,
    EmailSmsAddress,
    NotFoundError,
    StrippedString,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


class TestAllowedAddresses:
    async def test_allow_then_list(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        added = await client.email_to_sms.allow_address("ann@example.com", from_="+61411111111")
        request = emulator.requests[-1]
        assert (request.path, request.json) == (
            "/sms/email-sms",
            {"email_address": "ann@example.com", "from": "+61411111111"},
        )
        assert_valid_request("POST", "/v3/sms/email-sms", request.json)
        assert isinstance(added, EmailSmsAddress)
        listed = [a async for a in client.email_to_sms.addresses()]
        assert [(a.email_address_id, a.from_) for a in listed] == [
            (added.email_address_id, "+61411111111")
        ]

    async def test_the_sender_is_optional_as_in_the_spec(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        added = await client.email_to_sms.allow_address("bob@example.com")
        assert emulator.requests[-1].json == {"email_address": "bob@example.com"}
        assert_valid_request("POST", "/v3/sms/email-sms", emulator.requests[-1].json)
        assert added.email_address == "bob@example.com" and added.from_ is None

    async def test_the_same_address_twice_is_a_bad_request(self, client: ClickSendClient) -> None:
        await client.email_to_sms.allow_address("ann@example.com", from_="+61411111111")
        with pytest.raises(BadRequestError):
            await client.email_to_sms.allow_address("ANN@example.com", from_="+61411111111")

    @pytest.mark.parametrize(
        ("address", "sender", "field"),
        [("ann", "+61411111111", "email_address"), ("a@example.com", "no spaces", "from_")],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        address: str,
        sender: str,
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.email_to_sms.allow_address(address, from_=sender)
        assert info.value.field == field
        assert emulator.requests == []


class TestStrippedStrings:
    async def test_crud(self, client: ClickSendClient, emulator: ClickSendEmulator) -> None:
        rule = await client.email_to_sms.add_stripped_string("-- Sent from my phone")
        assert_valid_request(
            "POST", "/v3/sms/email-sms-stripped-strings", emulator.requests[-1].json
        )
        assert isinstance(rule, StrippedString)
        assert rule.strip_string == "-- Sent from my phone"
        # The single-rule answer names the text stripped_string: read as strip_string.
        assert await client.email_to_sms.stripped_string(rule.rule_id) == rule
        updated = await client.email_to_sms.update_stripped_string(rule.rule_id, "--")
        assert_valid_request(
            "PUT", "/v3/sms/email-sms-stripped-strings/{rule_id}", emulator.requests[-1].json
        )
        assert updated.strip_string == "--"
        assert [r.strip_string async for r in client.email_to_sms.stripped_strings()] == ["--"]
        assert await client.email_to_sms.delete_stripped_string(rule.rule_id) is None
        with pytest.raises(NotFoundError):
            await client.email_to_sms.stripped_string(rule.rule_id)

    async def test_empty_string_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.email_to_sms.add_stripped_string("  ")
        assert info.value.field == "strip_string"
        assert emulator.requests == []
