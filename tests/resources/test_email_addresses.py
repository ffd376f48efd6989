"""client.email_addresses: CRUD and verification."""

from __future__ import annotations

from datetime import datetime

import pytest
from resource_support import assert_valid_request

from clicksend_async import (
    BadRequestError,
    ClickSendClient,
    EmailAddress,
    NotFoundError,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


class TestEmailAddresses:
    async def test_create_list_get_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.email_addresses.create(" ann@example.com ")
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "POST",
            "/email/addresses",
            {"email_address": "ann@example.com"},
        )
        assert_valid_request("POST", "/v3/email/addresses", request.json)
        assert isinstance(created, EmailAddress)
        assert (created.email_address, created.verified) == ("ann@example.com", False)
        assert isinstance(created.date_added, datetime)

        assert [a.email_address_id async for a in client.email_addresses.list()] == [
            created.email_address_id
        ]
        assert emulator.requests[-1].path == "/email/addresses"

        fetched = await client.email_addresses.get(created.email_address_id)
        assert emulator.requests[-1].path == f"/email/addresses/{created.email_address_id}"
        assert fetched == created

        assert await client.email_addresses.delete(created.email_address_id) is None
        assert emulator.requests[-1].method == "DELETE"
        with pytest.raises(NotFoundError):
            await client.email_addresses.get(created.email_address_id)

    async def test_send_verification_then_verify(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.email_addresses.create("ann@example.com")
        address_id = created.email_address_id
        assert await client.email_addresses.send_verification(address_id) is None
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "PUT",
            f"/email/address-verify/{address_id}/send",
            None,
        )
        token = emulator.activation_token(address_id)
        verified = await client.email_addresses.verify(address_id, token)
        assert emulator.requests[-1].path == f"/email/address-verify/{address_id}/verify/{token}"
        assert verified.verified is True

    async def test_wrong_token_is_a_bad_request(self, client: ClickSendClient) -> None:
        created = await client.email_addresses.create("ann@example.com")
        with pytest.raises(BadRequestError):
            await client.email_addresses.verify(created.email_address_id, "WRONG")

    @pytest.mark.parametrize("address", ["", "ann", "ann@", "ann@example", "a b@example.com"])
    async def test_malformed_address_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator, address: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.email_addresses.create(address)
        assert info.value.field == "email_address"
        assert emulator.requests == []
