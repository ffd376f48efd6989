"""client.lists: CRUD, paging, remove-duplicates (trailing slash), opt-outs, search, import."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from resource_support import (
    REPO_ROOT,
    Stub,
    assert_valid_query,
    assert_valid_request,
    response_example,
)

from clicksend_async import (
    ClickSendClient,
    ContactImport,
    ContactList,
    NewContact,
    NotFoundError,
    SearchResult,
    SearchResultType,
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


OPT_OUT = "/v3/lists/{list_id}/remove-opted-out-contacts/{opt_out_list_id}"


class TestRemoveOptedOutContacts:
    async def test_removes_contacts_on_the_opt_out_list(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        customers = await client.lists.create(list_name="Customers")
        opt_outs = await client.lists.create(list_name="Opt-outs")
        for number in ("+61412345678", "+61412345679"):
            await client.contacts.create(customers.list_id, phone_number=number)
        await client.contacts.create(opt_outs.list_id, phone_number="+61412345679")
        deleted = await client.lists.remove_opted_out_contacts(
            customers.list_id, opt_out_list_id=opt_outs.list_id
        )
        assert deleted == 1
        request = emulator.requests[-1]
        assert (request.method, request.path, request.query, request.json) == (
            "PUT",
            f"/lists/{customers.list_id}/remove-opted-out-contacts/{opt_outs.list_id}",
            {},
            None,
        )
        left = [c.phone_number async for c in client.contacts.list(customers.list_id)]
        assert left == ["+61412345678"]

    async def test_unknown_list_is_not_found(self, client: ClickSendClient) -> None:
        customers = await client.lists.create(list_name="Customers")
        with pytest.raises(NotFoundError):
            await client.lists.remove_opted_out_contacts(customers.list_id, opt_out_list_id=999)

    async def test_the_spec_example_gives_the_count(
        self, stub: Stub, stub_client: ClickSendClient
    ) -> None:
        stub.reply = response_example("PUT", OPT_OUT)
        assert await stub_client.lists.remove_opted_out_contacts(439, opt_out_list_id="512") == 6
        assert stub.requests[-1].path == "/lists/439/remove-opted-out-contacts/512"

    async def test_no_count_says_none(self, stub: Stub, stub_client: ClickSendClient) -> None:
        stub.reply = {"http_code": 200, "response_code": "SUCCESS", "data": []}
        assert await stub_client.lists.remove_opted_out_contacts(1, opt_out_list_id=2) is None

    @pytest.mark.parametrize(
        ("list_id", "opt_out_list_id", "field"),
        [
            (7, 7, "opt_out_list_id"),
            (7, "7", "opt_out_list_id"),
            (7, "", "opt_out_list_id"),
            (None, 7, "list_id"),
        ],
    )
    async def test_bad_ids_are_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        list_id: Any,
        opt_out_list_id: Any,
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.lists.remove_opted_out_contacts(list_id, opt_out_list_id=opt_out_list_id)
        assert info.value.field == field
        assert emulator.requests == []


SEARCH = "/v3/search/contacts-lists"
APIARY = REPO_ROOT / "tests" / "data" / "spec" / "clicksend-openapi-apisguru-2021.yaml"


def apiary_search_example() -> Any:
    """Return the search example of ClickSend's 2021 docs (the v2 spec has none)."""
    if not APIARY.exists():
        pytest.skip(f"2021 spec not found at {APIARY}")
    with APIARY.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    op = document["paths"]["/search/contacts-lists?q={q}"]["get"]
    return op["responses"]["200"]["content"]["application/json"]["examples"]["response"]["value"]


class TestSearch:
    async def test_finds_contacts_and_lists(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        gorne = await client.lists.create(list_name="Gorne family")
        ann = await client.contacts.create(
            gorne.list_id, phone_number="+16783270696", first_name="Ann", last_name="Gorne"
        )
        page = await client.lists.search("gorne")
        request = emulator.requests[-1]
        assert (request.method, request.path, request.query) == (
            "GET",
            "/search/contacts-lists",
            {"q": "gorne"},
        )
        assert_valid_query("GET", SEARCH, request.query)
        contact, found = page.items
        assert isinstance(contact, SearchResult)
        assert (contact.id, contact.type, contact.name, contact.contact) == (
            ann.contact_id,
            SearchResultType.CONTACT,
            "Ann Gorne",
            "+16783270696",
        )
        assert contact.is_contact and not contact.is_list
        assert contact.contacts_count is None
        assert (found.id, found.name, found.contacts_count) == (gorne.list_id, "Gorne family", 1)
        assert found.is_list and found.contact == gorne.list_email_id

    async def test_iterates_every_page(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        customers = await client.lists.create(list_name="Customers")
        for i in range(17):
            await client.contacts.create(customers.list_id, first_name=f"Ann {i}", email="a@b.co")
        names = [r.name async for r in client.lists.search("ann", limit=15)]
        assert names == [f"Ann {i}" for i in range(17)]
        queries = [r.query for r in emulator.requests if r.path == "/search/contacts-lists"]
        assert queries == [
            {"q": "ann", "page": "1", "limit": "15"},
            {"q": "ann", "page": "2", "limit": "15"},
        ]
        # The v2 spec's parameter list has only q; its description table (and the v1 spec) add
        # page and limit.
        assert_valid_query("GET", SEARCH, queries[-1], undeclared=["page", "limit"])

    async def test_the_2021_docs_example_decodes(
        self, stub: Stub, stub_client: ClickSendClient
    ) -> None:
        stub.reply = apiary_search_example()
        page = await stub_client.lists.search("Gorne")
        contact, found = page.items
        assert (contact.id, contact.is_contact, contact.contact) == (552807, True, "+16783270696")
        assert (found.id, found.is_list, found.contacts_count) == (428, True, 3)

    @pytest.mark.parametrize(
        ("q", "limit", "field"),
        [("", None, "q"), ("  ", None, "q"), (None, None, "q"), ("ann", 5, "limit")],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        q: Any,
        limit: int | None,
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            client.lists.search(q, limit=limit)
        assert info.value.field == field
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
