"""client.own_numbers, client.alpha_tags and client.default_senders (cursor-paged)."""

from __future__ import annotations

from typing import Any

import pytest
from resource_support import Stub, assert_valid_query, assert_valid_request

from clicksend_async import (
    AlphaTag,
    BadRequestError,
    ClickSendClient,
    CompliantSenderTypes,
    CursorPage,
    DefaultSender,
    NotFoundError,
    OwnNumber,
    OwnNumberVerification,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


class TestOwnNumbers:
    async def test_verify_then_list_relabel_and_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        started = await client.own_numbers.request_verification(
            "+61 412 345 678", country="au", label="Mobile"
        )
        request = emulator.requests[-1]
        assert request.json == {"phone_number": "+61412345678", "country": "AU", "label": "Mobile"}
        assert_valid_request("POST", "/v3/own-numbers/verifications", request.json)
        assert isinstance(started, OwnNumberVerification)
        assert (started.status, started.remaining_attempts) == ("PENDING", 3)

        wrong = await client.own_numbers.verify(
            started.id, phone_number="+61412345678", country="AU", code="000000"
        )
        assert (wrong.status, wrong.remaining_attempts) == ("PENDING", 2)
        code = emulator.own_number_code(started.id)
        done = await client.own_numbers.verify(
            started.id, phone_number="+61412345678", country="AU", code=code, timeout=5
        )
        assert_valid_request(
            "POST",
            "/v3/own-numbers/verifications/{verification_id}/verify",
            emulator.requests[-1].json,
        )
        assert done.status == "APPROVED"
        own_id = started.own_number_id or ""

        (listed,) = [n async for n in client.own_numbers.list(status=["APPROVED"])]
        assert isinstance(listed, OwnNumber)
        assert (listed.phone_number, listed.status) == ("+61412345678", "APPROVED")
        assert listed.verified_timestamp is not None
        assert [n async for n in client.own_numbers.list(status=["PENDING"])] == []

        relabelled = await client.own_numbers.update(own_id, label="Work")
        assert (emulator.requests[-1].method, emulator.requests[-1].json) == (
            "PATCH",
            {"label": "Work"},
        )
        assert relabelled.label == "Work"
        assert (await client.own_numbers.get(own_id)).label == "Work"
        await client.own_numbers.delete(own_id)
        with pytest.raises(NotFoundError):
            await client.own_numbers.get(own_id)

    async def test_pages_follow_the_offset_cursor(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        for i in range(5):
            await client.own_numbers.request_verification(f"+6141234560{i}", country="AU")
        first = await client.own_numbers.list(page_size=2)
        assert isinstance(first, CursorPage) and len(first) == 2 and first.has_next
        assert_valid_query(
            "GET", "/v3/own-numbers", emulator.requests[-1].query, undeclared=["page_size"]
        )
        numbers = [n.phone_number async for n in client.own_numbers.list(page_size=2)]
        assert numbers == [f"+6141234560{i}" for i in range(5)]
        offsets = [r.query.get("offset") for r in emulator.requests[-3:]]
        assert offsets[0] is None and all(offsets[1:])
        rest = await client.own_numbers.list(offset=first.next_offset, page_size=2)
        assert rest.items[0].phone_number == "+61412345602"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"page_size": 0}, "page_size"),
            ({"status": ["DONE"]}, "status[0]"),
            ({"sort_direction": "up"}, "sort_direction"),
        ],
    )
    def test_bad_list_options_are_refused(
        self, client: ClickSendClient, kwargs: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            client.own_numbers.list(**kwargs)
        assert info.value.field == field

    async def test_a_bad_code_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.own_numbers.verify(
                "v1", phone_number="+61412345678", country="AU", code="12a"
            )
        assert info.value.field == "code"
        assert emulator.requests == []


class TestAlphaTags:
    async def test_request_list_get_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        tag = await client.alpha_tags.create("MyCompany", reason="Company Name", countries=["au"])
        assert emulator.requests[-1].json == {
            "alpha_tag": "MyCompany",
            "reason": "Company Name",
            "countries": ["AU"],
        }
        assert_valid_request("POST", "/v3/alpha-tags", emulator.requests[-1].json)
        assert isinstance(tag, AlphaTag) and (tag.status, tag.countries) == ("PENDING", ("AU",))
        assert [t.alpha_tag async for t in client.alpha_tags.list(sort_direction="desc")] == [
            "MyCompany"
        ]
        assert_valid_query("GET", "/v3/alpha-tags", emulator.requests[-1].query)
        assert await client.alpha_tags.get(tag.id) == tag
        assert await client.alpha_tags.delete(tag.id) is None
        assert [t async for t in client.alpha_tags.list()] == []
        await client.alpha_tags.create("MyCompany", reason="again")  # deleted, so free
        with pytest.raises(BadRequestError):
            await client.alpha_tags.create("mycompany", reason="twice")

    @pytest.mark.parametrize("tag", ["AB", "TwelveChars1", "1234", "Café"])
    async def test_a_malformed_tag_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator, tag: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.alpha_tags.create(tag, reason="Company Name")
        assert info.value.field == "alpha_tag"
        assert emulator.requests == []


class TestDefaultSenders:
    async def test_create_list_get_update_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender = await client.default_senders.create(
            country_code="au", sender_id="MyCompany", sender_type="alpha_tag", note="brand"
        )
        assert emulator.requests[-1].json == {
            "country_code": "AU",
            "product_type": "SMS",
            "default_sender_strategies": [
                {"sender_id": "MyCompany", "sender_type": "alpha_tag", "note": "brand"}
            ],
        }
        assert_valid_request("POST", "/v3/senders/default-senders", emulator.requests[-1].json)
        assert isinstance(sender, DefaultSender)
        assert [s.sender_id for s in sender.default_sender_strategies] == ["MyCompany"]

        assert [s.id async for s in client.default_senders.list(per_page=1)] == [sender.id]
        updated = await client.default_senders.update(
            sender.id, sender_id="+61411111111", sender_type="own_number"
        )
        assert_valid_request(
            "PATCH",
            "/v3/senders/default-senders/{default_sender_id}",
            emulator.requests[-1].json,
        )
        assert updated.default_sender_strategies[0].sender_type == "own_number"
        assert await client.default_senders.get(sender.id) == updated
        assert await client.default_senders.delete(sender.id) is None
        with pytest.raises(NotFoundError):
            await client.default_senders.get(sender.id)

    async def test_compliant_sender_types(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        (us,) = await client.default_senders.compliant_sender_types(["us"])
        assert emulator.requests[-1].query == {
            "filter[product_type]": "SMS",
            "filter[country_code][0]": "US",
        }
        assert isinstance(us, CompliantSenderTypes) and us.recipient_country_code == "US"
        assert "alpha_tag" in us.blocked_sender_types
        kinds = {t.sender_type: t.allowed_sender_countries for t in us.allowed_sender_types}
        assert kinds["10DLC"] is not None and kinds["10DLC"].global_ is True

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"sender_type": "pigeon"}, "sender_type"),
            ({"country_code": "AUS"}, "country_code"),
            ({"note": "x" * 201}, "note"),
            ({"product_type": "MMS"}, "product_type"),
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
            "country_code": "AU",
            "sender_id": "MyCompany",
            "sender_type": "alpha_tag",
            **kwargs,
        }
        with pytest.raises(ValidationError) as info:
            await client.default_senders.create(**options)
        assert info.value.field == field
        assert emulator.requests == []


class TestCursorAnswers:
    async def test_a_page_without_metadata_is_the_last(
        self, stub_client: ClickSendClient, stub: Stub
    ) -> None:
        stub.reply = {"own_numbers": [{"id": "n1", "phone_number": "+61412345678"}]}
        page = await stub_client.own_numbers.list()
        assert [n.id for n in page] == ["n1"] and page.next_offset is None
        stub.reply = {"alpha_tags": [], "_metadata": None}
        assert [t async for t in stub_client.alpha_tags.list()] == []
