"""client.contacts: CRUD in a list, updated_after, copy and transfer, validation."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from resource_support import assert_valid_request

from clicksend_async import (
    ClickSendClient,
    Contact,
    NewContact,
    NotFoundError,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


@pytest.fixture
async def list_id(client: ClickSendClient) -> int:
    """Return the id of a fresh list."""
    return (await client.lists.create(list_name="Customers")).list_id


class TestCreate:
    async def test_create_from_a_model(
        self, client: ClickSendClient, emulator: ClickSendEmulator, list_id: int
    ) -> None:
        contact = await client.contacts.create(
            list_id,
            NewContact(
                phone_number="+61412345678",
                first_name="Ann",
                custom_1="gold",
                address_country="AU",
            ),
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", f"/lists/{list_id}/contacts")
        assert request.json == {
            "phone_number": "+61412345678",
            "first_name": "Ann",
            "custom_1": "gold",
            "address_country": "AU",
        }
        assert_valid_request("POST", "/v3/lists/{list_id}/contacts", request.json)
        assert isinstance(contact, Contact)
        assert (contact.list_id, contact.first_name, contact.list_name) == (
            list_id,
            "Ann",
            "Customers",
        )
        assert isinstance(contact.date_added, datetime)

    async def test_create_from_keywords_or_a_dict(
        self, client: ClickSendClient, emulator: ClickSendEmulator, list_id: int
    ) -> None:
        by_keywords = await client.contacts.create(list_id, email="ann@example.com")
        assert emulator.requests[-1].json == {"email": "ann@example.com"}
        by_dict = await client.contacts.create(list_id, {"fax_number": "+61298765432"})
        assert emulator.requests[-1].json == {"fax_number": "+61298765432"}
        assert (by_keywords.email, by_dict.fax_number) == ("ann@example.com", "+61298765432")

    @pytest.mark.parametrize(
        ("contact", "field"),
        [
            ({"first_name": "Nobody"}, "contact"),
            ({"phone_number": " ", "email": ""}, "contact"),
            ({"phone_number": "+61 4"}, "contact.phone_number"),
            ({"email": "not-an-email"}, "contact.email"),
        ],
    )
    async def test_invalid_contact_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        contact: dict[str, str],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.contacts.create(1, contact)
        assert info.value.field == field
        assert emulator.requests == []

    async def test_model_and_keywords_together_are_refused(self, client: ClickSendClient) -> None:
        with pytest.raises(ValidationError, match="not both"):
            await client.contacts.create(1, NewContact(email="a@example.com"), first_name="A")


class TestReadUpdateDelete:
    async def test_get_update_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator, list_id: int
    ) -> None:
        created = await client.contacts.create(list_id, phone_number="+61412345678")
        path = f"/lists/{list_id}/contacts/{created.contact_id}"

        assert await client.contacts.get(list_id, created.contact_id) == created
        assert emulator.requests[-1].path == path

        updated = await client.contacts.update(
            list_id, created.contact_id, last_name="Smith", custom_2="x"
        )
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "PUT",
            path,
            {"last_name": "Smith", "custom_2": "x"},
        )
        assert_valid_request("PUT", "/v3/lists/{list_id}/contacts/{contact_id}", request.json)
        assert (updated.phone_number, updated.last_name) == ("+61412345678", "Smith")

        assert await client.contacts.delete(list_id, created.contact_id) is None
        assert (emulator.requests[-1].method, emulator.requests[-1].path) == ("DELETE", path)
        with pytest.raises(NotFoundError):
            await client.contacts.get(list_id, created.contact_id)

    async def test_empty_update_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError, match="nothing to update"):
            await client.contacts.update(1, 2)
        assert emulator.requests == []

    @pytest.mark.parametrize("updated_after", [1_700_000_000, datetime(2023, 11, 14, tzinfo=UTC)])
    async def test_list_with_updated_after(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        list_id: int,
        updated_after: Any,
    ) -> None:
        await client.contacts.create(list_id, phone_number="+61412345678")
        page = await client.contacts.list(list_id, updated_after=updated_after)
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("GET", f"/lists/{list_id}/contacts")
        expected = (
            updated_after if isinstance(updated_after, int) else int(updated_after.timestamp())
        )
        assert request.query == {"updated_after": str(expected)}
        assert len(page) == 1
        future = await client.contacts.list(list_id, updated_after=int(time.time()) + 3600)
        assert future.total == 0

    async def test_async_for_walks_every_contact(
        self, client: ClickSendClient, list_id: int
    ) -> None:
        for i in range(16):
            await client.contacts.create(list_id, phone_number=f"+614123456{i:02d}")
        numbers = [c.phone_number async for c in client.contacts.list(list_id, limit=15)]
        assert numbers == [f"+614123456{i:02d}" for i in range(16)]


class TestCopyTransfer:
    async def test_copy_then_transfer(
        self, client: ClickSendClient, emulator: ClickSendEmulator, list_id: int
    ) -> None:
        other = (await client.lists.create(list_name="Other")).list_id
        contact = await client.contacts.create(list_id, phone_number="+61412345678")

        copy = await client.contacts.copy(list_id, contact.contact_id, to_list_id=other)
        request = emulator.requests[-1]
        assert (request.method, request.path) == (
            "PUT",
            f"/lists/{list_id}/contacts/{contact.contact_id}/copy/{other}",
        )
        assert copy.list_id == other
        assert copy.contact_id != contact.contact_id

        moved = await client.contacts.transfer(list_id, contact.contact_id, to_list_id=other)
        assert emulator.requests[-1].path == (
            f"/lists/{list_id}/contacts/{contact.contact_id}/transfer/{other}"
        )
        assert (moved.contact_id, moved.list_id) == (contact.contact_id, other)
        assert (await client.contacts.list(list_id)).total == 0
        assert (await client.contacts.list(other)).total == 2
