"""client.statistics, client.recharge, client.referrals and client.reseller."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from resource_support import assert_valid_request

from clicksend_async import (
    Account,
    BadRequestError,
    ClickSendClient,
    PaymentCard,
    Referral,
    ServerError,
    SmsMessage,
    Statistics,
    Transaction,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator

CARD: dict[str, Any] = {
    "number": "4242 4242 4242 4242",
    "expiry_month": 12,
    "expiry_year": 2030,
    "cvc": "123",
    "name": "Ann Lee",
}


class TestStatistics:
    async def test_sms_statistics_count_what_was_sent_received_and_bounced(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        empty = await client.statistics.sms()
        assert isinstance(empty, Statistics) and empty.stats == []
        await client.sms.send(
            [SmsMessage(to="+61412345678", body="Hi"), SmsMessage(to="+61412340000", body="Hi")]
        )
        emulator.simulate_inbound("+61412345678", "Hello back")
        stats = await client.statistics.sms(timeout=5)
        assert stats.total is not None and stats.total.outbound is not None
        assert stats.total.outbound.count == 2
        assert stats.total.inbound is not None and stats.total.inbound.count == 1
        assert stats.total.bounced is not None and stats.total.bounced.count == 1
        (day,) = stats.stats
        assert day.date is not None and day.outbound == stats.total.outbound
        assert stats.currency is not None and stats.currency.code == "AUD"

    async def test_voice_statistics_have_no_inbound(self, client: ClickSendClient) -> None:
        stats = await client.statistics.voice()
        assert stats.total is not None and stats.total.inbound is None


class TestRecharge:
    async def test_card_packages_purchase_and_transactions(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        token = await client.recharge.update_card(**CARD)
        request = emulator.requests[-1]
        assert request.json == {**CARD, "number": "4242424242424242", "cvc": 123}
        assert_valid_request("PUT", "/v3/recharge/credit-card", request.json)
        assert token.startswith("cus_")
        card = await client.recharge.card()
        assert isinstance(card, PaymentCard)
        assert card.display_number == "XXXX-XXXX-XXXX-4242"

        packages = await client.recharge.packages()
        assert packages[0].package_id == 1 and packages[0].package_price == Decimal(20)
        before = emulator.balance
        purchase = await client.recharge.purchase(packages[0].package_id)
        assert (purchase.amount, purchase.currency) == (Decimal(20), "AUD")
        assert emulator.balance == before + 20

        (payment,) = [t async for t in client.recharge.transactions()]
        assert isinstance(payment, Transaction) and payment.amount == Decimal(20)
        assert await client.recharge.transaction(payment.invoice_number) == payment

    async def test_a_purchase_whose_answer_is_lost_is_not_repeated(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.recharge.update_card(**CARD)
        before = emulator.balance
        emulator.inject("commit-500", path="/recharge/purchase/{package_id}")
        with pytest.raises(ServerError):
            await client.recharge.purchase(1)
        purchases = [r for r in emulator.requests if r.path.startswith("/recharge/purchase")]
        assert len(purchases) == 1
        assert emulator.balance == before + 20  # charged once, as ClickSend would have

    async def test_a_purchase_without_a_card_is_refused(self, client: ClickSendClient) -> None:
        with pytest.raises(BadRequestError):
            await client.recharge.purchase(1)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"number": "4242 4242 4242 4241"}, "number"),
            ({"number": "12ab"}, "number"),
            ({"expiry_month": 13}, "expiry_month"),
            ({"expiry_year": 30}, "expiry_year"),
            ({"cvc": "12"}, "cvc"),
            ({"name": ""}, "name"),
        ],
    )
    async def test_a_bad_card_is_refused_without_echoing_it(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        change: dict[str, Any],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.recharge.update_card(**{**CARD, **change})
        assert info.value.field == field
        assert "4242" not in str(info.value)
        assert emulator.requests == []


class TestReferrals:
    async def test_referred_accounts_are_listed(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        assert [r async for r in client.referrals.list()] == []
        emulator.add_referral(24, percentage=5)
        (referral,) = [r async for r in client.referrals.list()]
        assert isinstance(referral, Referral)
        assert (referral.refered_user_id, referral.percentage_referral) == (24, Decimal(5))
        assert emulator.requests[-1].path == "/referral/accounts"


CLIENT = {
    "username": "client1",
    "password": "pw-123456",
    "user_email": "c1@example.com",
    "user_phone": "+61411111112",
    "user_first_name": "Cee",
    "user_last_name": "One",
    "account_name": "Client One",
    "country": "au",
}


class TestReseller:
    async def test_client_accounts_and_credit_transfer(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.reseller.create(**CLIENT)
        assert emulator.requests[-1].json == {**CLIENT, "country": "AU"}
        assert_valid_request("POST", "/v3/reseller/accounts", emulator.requests[-1].json)
        assert isinstance(created, Account) and created.balance == Decimal(0)
        user_id = created.user_id or 0

        assert [a.username async for a in client.reseller.list()] == ["client1"]
        updated = await client.reseller.update(user_id, account_name="Client 1")
        assert emulator.requests[-1].json == {"account_name": "Client 1"}
        assert updated.account_name == "Client 1"

        before = emulator.balance
        moved = await client.reseller.transfer_credit(
            client_user_id=user_id, balance=5, currency="aud"
        )
        assert emulator.requests[-1].json == {
            "client_user_id": user_id,
            "balance": 5,
            "currency": "AUD",
        }
        assert moved.balance == Decimal(5)
        assert emulator.balance == before - 5
        assert (await client.reseller.get(user_id)).balance == Decimal(5)

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"balance": 0}, "balance"),
            ({"balance": "1.5"}, "balance"),
            ({"balance": "lots"}, "balance"),
            ({"currency": "dollars"}, "currency"),
            ({"client_user_id": "7"}, "client_user_id"),
        ],
    )
    async def test_a_bad_transfer_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        kwargs: dict[str, Any],
        field: str,
    ) -> None:
        options: dict[str, Any] = {"client_user_id": 7, "balance": 5, "currency": "AUD", **kwargs}
        with pytest.raises(ValidationError) as info:
            await client.reseller.transfer_credit(**options)
        assert info.value.field == field
        assert emulator.requests == []

    async def test_a_transfer_whose_answer_is_lost_is_not_repeated(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.reseller.create(**CLIENT)
        before = emulator.balance
        emulator.inject("commit-500", path="/reseller/transfer-credit")
        with pytest.raises(ServerError):
            await client.reseller.transfer_credit(
                client_user_id=created.user_id or 0, balance=5, currency="AUD"
            )
        assert [r.path for r in emulator.requests].count("/reseller/transfer-credit") == 1
        assert emulator.balance == before - 5

    async def test_a_transfer_beyond_the_balance_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.reseller.create(**CLIENT)
        with pytest.raises(BadRequestError):
            await client.reseller.transfer_credit(
                client_user_id=created.user_id or 0, balance=10**9, currency="AUD"
            )
