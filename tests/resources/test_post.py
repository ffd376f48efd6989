"""client.post: return addresses, letters, postcards and direct mail (the latter from 2021)."""

from __future__ import annotations

import time

import aiohttp
import pytest
from resource_support import assert_valid_request, assert_valid_request_2021

from clicksend_async import (
    BadRequestError,
    ClickSendClient,
    LetterResult,
    NotFoundError,
    PostcardResult,
    PostRecipient,
    ReturnAddress,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator

PDF = "https://example.com/letter.pdf"
ADDRESS = {
    "address_name": "Ann Lee",
    "address_line_1": "1 Main Street",
    "address_city": "Perth",
    "address_postal_code": "6000",
    "address_country": "au",
}


class TestReturnAddresses:
    async def test_crud(self, client: ClickSendClient, emulator: ClickSendEmulator) -> None:
        created = await client.post.return_addresses.create(address_state="WA", **ADDRESS)
        request = emulator.requests[-1]
        assert request.json["address_country"] == "AU"
        assert_valid_request("POST", "/v3/post/return-addresses", request.json)
        assert isinstance(created, ReturnAddress)
        assert [a.return_address_id async for a in client.post.return_addresses.list()] == [
            created.return_address_id
        ]
        updated = await client.post.return_addresses.update(
            created.return_address_id, address_state="NSW"
        )
        assert_valid_request(
            "PUT", "/v3/post/return-addresses/{return_address_id}", emulator.requests[-1].json
        )
        assert updated.address_state == "NSW"
        assert await client.post.return_addresses.get(created.return_address_id) == updated
        await client.post.return_addresses.delete(created.return_address_id)
        with pytest.raises(NotFoundError):
            await client.post.return_addresses.get(created.return_address_id)

    async def test_a_country_that_is_not_iso2_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.post.return_addresses.create(**{**ADDRESS, "address_country": "AUS"})
        assert info.value.field == "address_country"
        assert emulator.requests == []


class TestLetters:
    async def test_price_send_history_export(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender = await client.post.return_addresses.create(**ADDRESS)
        recipient = PostRecipient(**ADDRESS, return_address_id=sender.return_address_id)
        price = await client.post.letters.price(PDF, [recipient], colour=True)
        assert_valid_request_2021("POST", "/post/letters/price", emulator.requests[-1].json)
        assert price.total_count == 1 and price.total_price > 0
        before = (await client.account.get()).balance
        sent = await client.post.letters.send(PDF, [recipient], colour=True)
        assert_valid_request_2021("POST", "/post/letters/send", emulator.requests[-1].json)
        assert isinstance(sent, LetterResult)
        (letter,) = sent.recipients
        assert letter.return_address is not None
        assert letter.return_address.return_address_id == sender.return_address_id
        assert (await client.account.get()).balance == before - sent.total_price
        assert [x.message_id async for x in client.post.letters.history()] == [letter.message_id]
        export = await client.post.letters.export_history(filename="letters.csv")
        async with aiohttp.ClientSession() as http, http.get(export.url) as response:
            assert letter.message_id in await response.text()

    async def test_detect_address_reads_a_letter(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        content = b"Ann Lee\n1 Main Street\nPerth WA 6000\nAU\n\nDear Ann,"
        found = await client.post.letters.detect_address(content=content)
        assert_valid_request_2021(
            "POST", "/post/letters/detect-address", emulator.requests[-1].json
        )
        assert (found.address_name, found.address_line_1, found.address_postal_code) == (
            "Ann Lee",
            "1 Main Street",
            "6000",
        )

    async def test_an_unknown_return_address_is_a_bad_request(
        self, client: ClickSendClient
    ) -> None:
        with pytest.raises(BadRequestError):
            await client.post.letters.send(PDF, [{**ADDRESS, "return_address_id": 4242}])

    @pytest.mark.parametrize(
        ("file_url", "recipients", "field"),
        [
            ("letter.pdf", [ADDRESS], "file_url"),
            (PDF, [], "recipients"),
            (PDF, [{**ADDRESS, "address_city": ""}], "recipients[0].address_city"),
            (PDF, [{**ADDRESS, "address_country": "Australia"}], "recipients[0].address_country"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        file_url: str,
        recipients: list[dict[str, str]],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.post.letters.send(file_url, recipients)
        assert info.value.field == field
        assert emulator.requests == []


class TestPostcards:
    async def test_price_send_history_export(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        price = await client.post.postcards.price([PDF, PDF], [ADDRESS])
        assert_valid_request_2021("POST", "/post/postcards/price", emulator.requests[-1].json)
        assert price.total_count == 1
        sent = await client.post.postcards.send(PDF, [ADDRESS])
        assert emulator.requests[-1].json["file_urls"] == [PDF]
        assert_valid_request_2021("POST", "/post/postcards/send", emulator.requests[-1].json)
        assert isinstance(sent, PostcardResult)
        assert [c.message_id async for c in client.post.postcards.history()] == [
            sent.recipients[0].message_id
        ]
        export = await client.post.postcards.export_history(filename="cards.csv")
        assert export.filename == "cards.csv"

    async def test_three_files_are_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.post.postcards.send([PDF, PDF, PDF], [ADDRESS])
        assert info.value.field == "file_urls"
        assert emulator.requests == []


class TestDirectMail:
    async def test_locations_price_send_list(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        locations = [x async for x in client.post.direct_mail.locations("au", q="perth")]
        assert emulator.requests[-1].path == "/post/direct-mail/locations/search/AU"
        assert [x.place_name for x in locations] == ["Perth"]
        areas = [{"location_id": locations[0].location_id, "quantity": 100}]
        kwargs = {"name": "Flyers", "size": "A5", "file_urls": [PDF], "areas": areas}
        price = await client.post.direct_mail.price(**kwargs)
        assert_valid_request_2021(
            "POST", "/post/direct-mail/campaigns/price", emulator.requests[-1].json
        )
        assert price.total_quantity == 100 and price.total_price > 0
        sent = await client.post.direct_mail.send(schedule=int(time.time()) + 60, **kwargs)
        assert_valid_request_2021(
            "POST", "/post/direct-mail/campaigns/send", emulator.requests[-1].json
        )
        assert sent.campaign is not None and sent.campaign.areas[0].quantity == 100
        assert [c.campaign_id async for c in client.post.direct_mail.list()] == [
            sent.campaign.campaign_id
        ]

    async def test_an_unknown_size_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.post.direct_mail.send(
                name="F", size="A3", file_urls=[PDF], areas=[{"location_id": 1, "quantity": 1}]
            )
        assert info.value.field == "size"
        assert emulator.requests == []

    async def test_an_area_without_a_quantity_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.post.direct_mail.price(
                name="F", size="A5", file_urls=[PDF], areas=[{"location_id": 1}]
            )
        assert info.value.field == "areas[0].quantity"
        assert emulator.requests == []
