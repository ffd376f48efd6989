"""client.numbers: search, buy and list dedicated numbers; register 10DLC numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from resource_support import assert_valid_query, assert_valid_request

from clicksend_async import (
    AvailableNumber,
    ClickSendClient,
    DedicatedNumber,
    NotFoundError,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator

REGISTRATION = {
    "full_name": "John Doe",
    "company_name": "ClickSend",
    "email": "john.doe@example.com",
    "website_url": "https://example.com",
    "sample_message": "Get 20% off",
    "primary_use_case": "Marketing",
    "company_number": "+1-800-555-0199",
    "area_code": "416, 647",
}
AU_REGISTRATION = {
    "business_name": "ABD",
    "business_address": "242 Exhibition Street",
    "suburb": "Melbourne",
    "postcode": "3000",
    "state": "Victoria",
    "contact_name": "ABD",
    "contact_number": "+61419765195",
    "country": "au",
}


class TestNumbers:
    async def test_search_buy_and_list(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        page = await client.numbers.search("au", search="6128", search_type=0, limit=15)
        request = emulator.requests[-1]
        assert request.path == "/numbers/search/AU"
        assert_valid_query(
            "GET",
            "/v3/numbers/search/{country}",
            request.query,
            undeclared=["search", "search_type", "page", "limit"],
        )
        assert page.total > 0 and all(isinstance(n, AvailableNumber) for n in page)
        offer = page.items[0]
        assert offer.dedicated_number.startswith("+6128")

        before = emulator.balance
        bought = await client.numbers.buy(
            offer.dedicated_number, registration_data=AU_REGISTRATION, timeout=5
        )
        request = emulator.requests[-1]
        assert request.path == f"/numbers/buy/{offer.dedicated_number}"
        assert request.json == {
            "dedicated_number": offer.dedicated_number,
            "type": "sms",
            "registration_data": {**AU_REGISTRATION, "country": "AU"},
        }
        assert_valid_request("POST", "/v3/numbers/buy/{dedicated_number}", request.json)
        assert bought.price_total == offer.price_total
        assert emulator.balance == before - (offer.price_total or Decimal(0))

        owned = [n async for n in client.numbers.list(q={"country": "AU"})]
        assert [n.dedicated_number for n in owned] == [offer.dedicated_number]
        assert isinstance(owned[0], DedicatedNumber) and owned[0].country_name == "Australia"
        assert_valid_query("GET", "/v3/numbers", emulator.requests[-1].query)
        # q2, the spec's second filter: both must match.
        assert [n async for n in client.numbers.list(q={"country": "AU"}, q2="country:US")] == []
        assert emulator.requests[-1].query["q2"] == "country:US"
        assert_valid_query("GET", "/v3/numbers", emulator.requests[-1].query)
        again = [n.dedicated_number async for n in client.numbers.search("AU")]
        assert offer.dedicated_number not in again
        with pytest.raises(NotFoundError):
            await client.numbers.buy(offer.dedicated_number)

    async def test_register(self, client: ClickSendClient, emulator: ClickSendEmulator) -> None:
        assert await client.numbers.register("10DLC", "ca", **REGISTRATION) is None
        request = emulator.requests[-1]
        assert request.path == "/numbers/registrations/number-types/10DLC/country/CA"
        assert_valid_request(
            "POST",
            "/v3/numbers/registrations/number-types/{number_type}/country/{country_code}",
            request.json,
        )

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"dedicated_number": "0411"}, "dedicated_number"),
            ({"type": "voice"}, "type"),
            (
                {"registration_data": {**AU_REGISTRATION, "postcode": "3"}},
                "registration_data.postcode",
            ),
            ({"registration_data": {**AU_REGISTRATION, "extra": "x"}}, "registration_data"),
        ],
    )
    async def test_a_bad_purchase_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        kwargs: dict[str, Any],
        field: str,
    ) -> None:
        options: dict[str, Any] = {"dedicated_number": "+61280662200", **kwargs}
        number = options.pop("dedicated_number")
        with pytest.raises(ValidationError) as info:
            await client.numbers.buy(number, **options)
        assert info.value.field == field
        assert emulator.requests == []

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"country": "Australia"}, "country"),
            ({"search_type": 3}, "search_type"),
            ({"search": "61a"}, "search"),
        ],
    )
    def test_a_bad_search_is_refused(
        self, client: ClickSendClient, kwargs: dict[str, Any], field: str
    ) -> None:
        options: dict[str, Any] = {"country": "AU", **kwargs}
        with pytest.raises(ValidationError) as info:
            client.numbers.search(options.pop("country"), **options)
        assert info.value.field == field
