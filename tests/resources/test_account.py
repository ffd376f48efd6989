"""client.account: the account itself, and its usage per month."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from resource_support import Stub, response_example

from clicksend_async import (
    Account,
    AccountUsage,
    ClickSendClient,
    SmsMessage,
    SubaccountUsage,
    UsageTotal,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator

USAGE = "/v3/account/usage/{year}/{month}/subaccount"


class TestGet:
    async def test_get_reads_the_account(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        account = await client.account.get()
        assert (emulator.requests[-1].method, emulator.requests[-1].path) == ("GET", "/account")
        assert isinstance(account, Account)
        assert account.username == emulator.username


class TestUsage:
    async def test_usage_of_this_month_counts_what_was_sent(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send(
            [
                SmsMessage(to="+61412345678", body="x" * 200),  # two parts
                SmsMessage(to="+61412345679", body="hi"),
            ]
        )
        now = datetime.fromtimestamp(emulator.sent[0].time, UTC)
        usage = await client.account.usage(now.year, now.month)
        request = emulator.requests[-1]
        assert (request.method, request.path, request.query) == (
            "GET",
            f"/account/usage/{now.year}/{now.month}/subaccount",
            {},
        )
        assert isinstance(usage, AccountUsage)
        (row,) = usage.sms
        assert isinstance(row, SubaccountUsage)
        assert (row.username, row.total_count, row.total_price) == (
            emulator.username,
            3,
            Decimal("0.2376"),
        )
        assert usage.sms_total == UsageTotal(count=3, price=Decimal("0.2376"))
        assert usage.mms == [] and usage.mms_total == UsageTotal(count=0, price=Decimal(0))
        assert usage.currency is not None and usage.currency.code == "AUD"

    async def test_a_month_without_sends_is_empty(self, client: ClickSendClient) -> None:
        usage = await client.account.usage(2001, 1)
        assert usage.sms == usage.voice == usage.email == []
        assert usage.sms_total is not None and usage.sms_total.count == 0

    async def test_the_spec_example_decodes(self, stub: Stub, stub_client: ClickSendClient) -> None:
        stub.reply = response_example("GET", USAGE)
        usage = await stub_client.account.usage(2019, 4)
        assert stub.requests[-1].path == "/account/usage/2019/4/subaccount"
        # SMS counts arrive as "29.00", email counts as 3992: both are whole numbers.
        assert [(r.username, r.total_count, r.total_price) for r in usage.sms] == [
            ("gerald", 29, Decimal("2.1337")),
            ("user5", 4, Decimal("0.308")),
        ]
        assert [r.total_count for r in usage.email] == [3992, 998]
        assert [r.total_count for r in usage.post] == [10, 3]
        assert usage.email_transactional == usage.postcards == []
        assert usage.postcards_total == UsageTotal(count=1, price=Decimal(0))

    async def test_unknown_fields_are_kept(self, stub: Stub, stub_client: ClickSendClient) -> None:
        stub.reply = {
            "http_code": 200,
            "response_code": "SUCCESS",
            "data": {
                "sms": [{"subaccount_id": 1, "total_count": "2.00", "total_price": "0.1", "x": 1}],
                "whatsapp": [],
            },
        }
        usage = await stub_client.account.usage(2026, 11)
        assert usage.extra == {"whatsapp": []}
        assert usage.sms[0].extra == {"x": 1}
        assert usage.sms_total is None

    @pytest.mark.parametrize(
        ("year", "month", "field"),
        [
            (2026, 0, "month"),
            (2026, 13, "month"),
            (2026, "4", "month"),
            (2026, True, "month"),
            (26, 4, "year"),
            (10000, 4, "year"),
            ("2026", 4, "year"),
        ],
    )
    async def test_bad_dates_are_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        year: Any,
        month: Any,
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.account.usage(year, month)
        assert info.value.field == field
        assert emulator.requests == []
