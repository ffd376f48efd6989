"""client.lists: CRUD, paging, remove-duplicates (trailing slash), import."""

from __future__ import annotations

from typing import Any

import pytest
from resource_support import assert_valid_request

from clicksend_async import (
    ClickSendClient,
    ContactImport,
    ContactList,
    NewContact,
    NotFoundError,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


class TestCrud:
    async def test_create_get_update_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.lists.create(list_name="Customers")
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "POST",
            "/lists",
            {"list_name": "Customers"},
        )
        assert_valid_request("POST", "/v3/lists", request.json)
        assert isinstance(created, ContactList)
        assert created.list_name == "Customers"
        assert created.contacts_count == 0
        assert created.import_in_progress is False
        assert created.list_email_id

        fetched = await client.lists.get(created.list_id)
        assert emulator.requests[-1].path == f"/lists/{created.list_id}"
        assert fetched == created

        renamed = await client.lists.update(created.list_id, list_name="VIPs")
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "PUT",
            f"/lists/{created.list_id}",
            {"list_name": "VIPs"},
        )
        assert_valid_request("PUT", "/v3/lists/{list_id}", request.json)
        assert renamed.list_name == "VIPs"

        assert await client.lists.delete(created.list_id) is None
        assert (emulator.requests[-1].method, emulator.requests[-1].path) == (
            "DELETE",
            f"/lists/{created.list_id}",
        )
        with pytest.raises(NotFoundError):
            await client.lists.get(created.list_id)

    async def test_list_pages_and_iterates(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        for i in range(17):
            await client.lists.create(list_name=f"list {i}")
        page = await client.lists.list(page=2, limit=15)
        assert emulator.requests[-1].query == {"page": "2", "limit": "15"}
        assert (page.total, page.current_page, page.last_page, len(page)) == (17, 2, 2, 2)
        assert not page.has_next
        names = [x.list_name async for x in client.lists.list()]
        assert names == [f"list {i}" for i in range(17)]

    async def test_blank_name_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.lists.create(list_name=" ")
        assert info.value.field == "list_name"
        assert emulator.requests == []


class TestRemoveDuplicates:
    async def test_returns_the_count_and_sends_fields_as_the_spec_does(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        customers = await client.lists.create(list_name="Customers")
        for first in ("Ann", "Ann", "Bob"):
            await client.contacts.create(
                customers.list_id, NewContact(phone_number="+61412345678", first_name=first)
            )
        deleted = await client.lists.remove_duplicates(
            customers.list_id, fields=["phone_number", "first_name"]
        )
        assert deleted == 1
        request = emulator.requests[-1]
        assert request.method == "PUT"
        assert request.json == {
            "fields": {"phone_number": "phone_number", "first_name": "first_name"}
        }
        assert_valid_request("PUT", "/v3/lists/{list_id}/remove-duplicates/", request.json)
        assert (await client.lists.get(customers.list_id)).contacts_count == 2

    async def test_path_keeps_the_spec_trailing_slash(
        self, client: ClickSendClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The emulator strips trailing slashes before recording, so watch the transport.
        transport = client.session.transport
        urls: list[str] = []
        real = transport.request

        async def spy(method: str, url: str, **kwargs: Any) -> Any:
            urls.append(url)
            return await real(method, url, **kwargs)

        monkeypatch.setattr(transport, "request", spy)
        customers = await client.lists.create(list_name="Customers")
        await client.lists.remove_duplicates(customers.list_id)
        assert urls[-1].endswith(f"/v3/lists/{customers.list_id}/remove-duplicates/")

    async def test_a_bare_string_of_fields_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError, match="list of field names"):
            await client.lists.remove_duplicates(1, fields="phone_number")
        assert emulator.requests == []


class TestImport:
    async def test_import_queues_a_job(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        customers = await client.lists.create(list_name="Customers")
        job = await client.lists.import_contacts(
            customers.list_id,
            file_url="https://example.com/contacts.csv",
            field_order=["phone_number", "first_name", "last_name"],
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", f"/lists/{customers.list_id}/import")
        assert request.json == {
            "file_url": "https://example.com/contacts.csv",
            "field_order": ["phone_number", "first_name", "last_name"],
        }
        # The spec's v2 schema types field_order as a string while its own description table
        # (and the v1 spec and 2021 docs) say an array of strings: facts §5 "Lists".
        assert_valid_request(
            "POST",
            "/v3/lists/{list_id}/import",
            request.json,
            patch={"field_order": {"type": "array", "items": {"type": "string"}}},
        )
        assert isinstance(job, ContactImport)
        assert job.id is not None
        assert job.ids == [job.id]

    @pytest.mark.parametrize(
        ("file_url", "field_order", "field"),
        [
            ("contacts.csv", ["phone_number"], "file_url"),
            ("https://example.com/c.csv", [], "field_order"),
            ("https://example.com/c.csv", "phone_number,first_name", "field_order"),
            ("https://example.com/c.csv", ["phone_number", ""], "field_order[1]"),
        ],
    )
    async def test_bad_import_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        file_url: str,
        field_order: Any,
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.lists.import_contacts(1, file_url=file_url, field_order=field_order)
        assert info.value.field == field
        assert emulator.requests == []
