"""client.subaccounts and client.account_recovery."""

from __future__ import annotations

from typing import Any

import pytest
from resource_support import assert_valid_request

from clicksend_async import ClickSendClient, NotFoundError, Subaccount, ValidationError
from clicksend_async.testing import ClickSendEmulator

NEW = {
    "api_username": "ops",
    "password": "correct horse",
    "email": "ops@example.com",
    "phone_number": "+61 411 111 111",
    "first_name": "Op",
    "last_name": "Erator",
}


class TestSubaccounts:
    async def test_create_list_get_update_regenerate_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.subaccounts.create(**NEW, access_billing=False, notes="nights")
        request = emulator.requests[-1]
        assert request.json == {
            **NEW,
            "phone_number": "+61411111111",
            "access_billing": 0,
            "notes": "nights",
        }
        assert_valid_request("POST", "/v3/subaccounts", request.json)
        assert isinstance(created, Subaccount)
        assert (created.api_username, created.access_billing, created.is_main) == ("ops", 0, 0)
        assert created.api_key is not None and created.api_key not in repr(created)

        listed = [s.api_username async for s in client.subaccounts.list()]
        assert listed == [emulator.username, "ops"]
        assert await client.subaccounts.get(created.subaccount_id or 0) == created

        updated = await client.subaccounts.update(
            created.subaccount_id or 0, email="ops2@example.com", access_sms=False
        )
        assert emulator.requests[-1].json == {"email": "ops2@example.com", "access_sms": 0}
        assert_valid_request("PUT", "/v3/subaccounts/{subaccount_id}", emulator.requests[-1].json)
        assert (updated.email, updated.access_sms) == ("ops2@example.com", 0)

        key = await client.subaccounts.regenerate_api_key(created.subaccount_id or 0)
        assert key != created.api_key
        assert (await client.subaccounts.get(created.subaccount_id or 0)).api_key == key

        await client.subaccounts.delete(created.subaccount_id or 0)
        with pytest.raises(NotFoundError):
            await client.subaccounts.get(created.subaccount_id or 0)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"email": "ops"}, "email"),
            ({"phone_number": "0411"}, "phone_number"),
            ({"password": ""}, "password"),
            ({"access_sms": 1}, "access_sms"),
            ({"access_everything": True}, "access_everything"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        change: dict[str, Any],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.subaccounts.create(**{**NEW, **change})
        assert info.value.field == field
        assert "correct horse" not in str(info.value)
        assert emulator.requests == []


class TestAccountRecovery:
    async def test_forgot_username_and_password(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        assert await client.account_recovery.forgot_username(email="ann@example.com") is None
        assert_valid_request("PUT", "/v3/forgot-username", emulator.requests[-1].json)
        assert await client.account_recovery.forgot_password(username=" ann ") is None
        assert emulator.requests[-1].json == {"username": "ann"}
        assert_valid_request("PUT", "/v3/forgot-password", emulator.requests[-1].json)

    async def test_a_malformed_email_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.account_recovery.forgot_username(email="ann")
        assert info.value.field == "email"
        assert emulator.requests == []
