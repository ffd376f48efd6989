"""client.subaccounts and client.account_recovery."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from resource_support import REPO_ROOT, assert_valid_request

from clicksend_async import (
    Account,
    BadRequestError,
    ClickSendClient,
    NotFoundError,
    Subaccount,
    ValidationError,
)
from clicksend_async._converter import structure
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
        created = await client.subaccounts.create(
            **NEW, access_billing=False, sms_deidentify_message=True, notes="nights"
        )
        request = emulator.requests[-1]
        assert request.json == {
            **NEW,
            "phone_number": "+61411111111",
            "access_billing": 0,
            "sms_deidentify_message": 1,  # in the spec's create schema
            "notes": "nights",
        }
        assert_valid_request("POST", "/v3/subaccounts", request.json)
        assert isinstance(created, Subaccount)
        assert (created.api_username, created.access_billing, created.is_main) == ("ops", 0, 0)
        assert created.sms_deidentify_message == 1
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


SPEC_2021: Path = REPO_ROOT / "tests" / "data" / "spec" / "clicksend-openapi-apisguru-2021.yaml"


@functools.cache
def _spec_2021() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_2021.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)
    return document


def assert_valid_2021_request(path: str, body: Any) -> None:
    """Validate a PUT body against the 2021 spec's request schema of ``path``."""
    op = _spec_2021()["paths"][path]["put"]
    OAS30Validator(op["requestBody"]["content"]["application/json"]["schema"]).validate(body)


def example_2021(path: str) -> Any:
    """Return the ``data`` of the 2021 spec's example answer of ``PUT path``."""
    content = _spec_2021()["paths"][path]["put"]["responses"]["200"]["content"]
    return content["application/json"]["examples"]["response"]["value"]["data"]


class TestAccountVerification2021:
    async def test_reset_a_forgotten_password_with_the_emailed_token(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sub = await client.subaccounts.create(**NEW)
        await client.account_recovery.forgot_password(username="ops")
        token = emulator.password_reset_token("ops")
        await client.account_recovery.reset_password(
            subaccount_id=sub.subaccount_id or 0, activation_token=token, password="new secret"
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("PUT", "/forgot-password/verify")
        assert_valid_2021_request("/forgot-password/verify", request.json)
        with pytest.raises(BadRequestError):  # a reset link works once
            await client.account_recovery.reset_password(
                subaccount_id=sub.subaccount_id or 0, activation_token=token, password="again"
            )

    async def test_verify_the_account_with_the_token_sent_to_the_phone(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.account_recovery.send_account_verification("352-394-4199", country="us")
        request = emulator.requests[-1]
        assert request.json == {"country": "US", "type": "sms", "user_phone": "352-394-4199"}
        assert_valid_2021_request("/account-verify/send", request.json)
        with pytest.raises(BadRequestError):
            await client.account_recovery.verify_account("000000")
        account = await client.account_recovery.verify_account(
            emulator.account_verification_token()
        )
        assert isinstance(account, Account) and account.username == emulator.username

    def test_the_2021_examples_decode(self) -> None:
        account = example_2021("/account-verify/verify/{activation_token}")
        decoded = structure(account, Account)
        assert decoded.user_id == 1 and decoded.subaccount is not None
        assert decoded.subaccount.api_key and decoded.subaccount.api_key not in repr(decoded)

    @pytest.mark.parametrize(
        ("phone", "kwargs", "field"),
        [
            ("352-394-4199", {"type": "email"}, "type"),
            ("352-394-4199", {"country": "USA"}, "country"),
            ("call me", {}, "user_phone"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        phone: str,
        kwargs: dict[str, Any],
        field: str,
    ) -> None:
        options: dict[str, Any] = {"country": "US", **kwargs}
        with pytest.raises(ValidationError) as info:
            await client.account_recovery.send_account_verification(phone, **options)
        assert info.value.field == field
        assert emulator.requests == []
