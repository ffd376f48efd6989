"""Lists, contacts, templates, allowed email addresses and pagination."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_helpers import Api, FakeClock

from clicksend_async.testing import ClickSendEmulator


async def new_list(api: Api, name: str = "Customers") -> int:
    reply = await api.post("/lists", {"list_name": name})
    assert reply.status == 200
    list_id: int = reply.data["list_id"]
    return list_id


async def new_contact(api: Api, list_id: int, **fields: Any) -> dict[str, Any]:
    reply = await api.post(f"/lists/{list_id}/contacts", fields)
    assert reply.status == 200, reply.body
    contact: dict[str, Any] = reply.data
    return contact


class TestLists:
    async def test_create_appears_in_listing(self, api: Api) -> None:
        list_id = await new_list(api, "VIP")
        listing = (await api.get("/lists")).data
        assert [x["list_id"] for x in listing["data"]] == [list_id]
        assert listing["data"][0]["list_name"] == "VIP"
        assert listing["data"][0]["_contacts_count"] == 0
        assert listing["path"].endswith("/v3/lists")
        assert (await api.get(f"/lists/{list_id}")).data["list_name"] == "VIP"

    async def test_update_and_delete(self, api: Api) -> None:
        list_id = await new_list(api)
        reply = await api.put(f"/lists/{list_id}", {"list_name": "Renamed"})
        assert reply.data["list_name"] == "Renamed"
        assert (await api.delete(f"/lists/{list_id}")).data == []
        assert (await api.get(f"/lists/{list_id}")).status == 404
        assert (await api.get("/lists")).data["total"] == 0

    async def test_create_requires_a_name(self, api: Api) -> None:
        reply = await api.post("/lists", {})
        assert (reply.status, list(reply.data)) == (400, ["list_name"])

    async def test_unknown_list_is_404(self, api: Api) -> None:
        assert (await api.get("/lists/12345")).status == 404
        assert (await api.get("/lists/abc")).status == 404

    @pytest.mark.parametrize("suffix", ["", "/"])
    async def test_remove_duplicates(self, api: Api, suffix: str) -> None:
        list_id = await new_list(api)
        for first in ("Ann", "Ann", "Bob"):
            await new_contact(api, list_id, phone_number="+61412345678", first_name=first)
        await new_contact(api, list_id, phone_number="+61412345679", first_name="Ann")
        reply = await api.put(
            f"/lists/{list_id}/remove-duplicates{suffix}",
            {"fields": {"phone_number": "phone_number", "first_name": "first_name"}},
        )
        assert reply.data == {"deleted": 1}
        assert (await api.get(f"/lists/{list_id}")).data["_contacts_count"] == 3

    async def test_remove_duplicates_accepts_a_field_list(self, api: Api) -> None:
        list_id = await new_list(api)
        for _ in range(3):
            await new_contact(api, list_id, phone_number="+61412345678")
        reply = await api.put(
            f"/lists/{list_id}/remove-duplicates", {"fields": ["phone_number"]}, spec=False
        )
        assert reply.data == {"deleted": 2}

    async def test_import_is_acknowledged_but_imports_nothing(self, api: Api) -> None:
        list_id = await new_list(api)
        reply = await api.post(
            f"/lists/{list_id}/import",
            {"file_url": "https://example.com/c.csv", "field_order": "phone_number,first_name"},
        )
        assert reply.data["msg"] == "Messages put on queue."
        assert reply.data["ids"] == [reply.data["id"]]
        assert (await api.get(f"/lists/{list_id}")).data["_contacts_count"] == 0
        missing = await api.post(f"/lists/{list_id}/import", {})
        assert (missing.status, sorted(missing.data)) == (400, ["field_order", "file_url"])


class TestContacts:
    async def test_crud(self, api: Api, clock: FakeClock) -> None:
        list_id = await new_list(api, "People")
        contact = await new_contact(
            api, list_id, phone_number="0412 345 678", address_country="AU", first_name="Ann"
        )
        assert contact["phone_number"] == "+61412345678"
        assert contact["list_id"] == list_id
        assert contact["_list_name"] == "People"
        assert (contact["last_name"], contact["email"]) == ("", None)
        path = f"/lists/{list_id}/contacts/{contact['contact_id']}"
        assert (await api.get(path)).data == contact

        clock.advance(10)
        updated = (await api.put(path, {"last_name": "Lee", "email": "ann@example.com"})).data
        assert (updated["first_name"], updated["last_name"]) == ("Ann", "Lee")
        assert updated["date_updated"] == contact["date_updated"] + 10

        listing = (await api.get(f"/lists/{list_id}/contacts")).data
        assert [c["contact_id"] for c in listing["data"]] == [contact["contact_id"]]
        after = {"updated_after": str(contact["date_updated"])}
        assert (await api.get(f"/lists/{list_id}/contacts", params=after)).data["total"] == 1
        later = {"updated_after": str(updated["date_updated"])}
        assert (await api.get(f"/lists/{list_id}/contacts", params=later)).data["total"] == 0

        assert (await api.delete(path)).data == []
        assert (await api.get(path)).status == 404

    async def test_create_needs_phone_email_or_fax(self, api: Api) -> None:
        list_id = await new_list(api)
        reply = await api.post(f"/lists/{list_id}/contacts", {"first_name": "Nobody"})
        assert (reply.status, list(reply.data)) == (400, ["phone_number"])
        assert (await new_contact(api, list_id, email="a@example.com"))["phone_number"] == ""

    async def test_copy_and_transfer(self, api: Api) -> None:
        source, target = await new_list(api, "A"), await new_list(api, "B")
        contact = await new_contact(api, source, phone_number="+61412345678")
        cid = contact["contact_id"]

        copied = (await api.put(f"/lists/{source}/contacts/{cid}/copy/{target}", {})).data
        assert copied["list_id"] == target
        assert copied["contact_id"] != cid
        assert copied["_list_name"] == "B"
        assert (await api.get(f"/lists/{source}")).data["_contacts_count"] == 1
        assert (await api.get(f"/lists/{target}")).data["_contacts_count"] == 1

        moved = (await api.put(f"/lists/{source}/contacts/{cid}/transfer/{target}", {})).data
        assert (moved["contact_id"], moved["list_id"]) == (cid, target)
        assert (await api.get(f"/lists/{source}")).data["_contacts_count"] == 0
        assert (await api.get(f"/lists/{target}")).data["_contacts_count"] == 2
        assert (await api.get(f"/lists/{source}/contacts/{cid}")).status == 404
        assert (await api.put(f"/lists/{source}/contacts/{cid}/copy/{target}", {})).status == 404

    async def test_deleting_a_list_deletes_its_contacts(self, api: Api) -> None:
        list_id = await new_list(api)
        contact = await new_contact(api, list_id, phone_number="+61412345678")
        await api.delete(f"/lists/{list_id}")
        other = await new_list(api)
        path = f"/lists/{list_id}/contacts/{contact['contact_id']}/transfer/{other}"
        assert (await api.put(path, {})).status == 404


class TestTemplates:
    async def test_crud(self, api: Api) -> None:
        created = (
            await api.post("/sms/templates", {"template_name": "Welcome", "body": "Hi {name}"})
        ).data
        template_id = created["template_id"]
        assert created == {
            "template_id": template_id,
            "template_name": "Welcome",
            "body": "Hi {name}",
        }
        assert (await api.get(f"/sms/templates/{template_id}")).data == created
        assert [t["template_id"] for t in (await api.get("/sms/templates")).data["data"]] == [
            template_id
        ]
        updated = await api.put(f"/sms/templates/{template_id}", {"body": "Hello {name}"})
        assert updated.data["body"] == "Hello {name}"
        assert updated.data["template_name"] == "Welcome"
        assert (await api.delete(f"/sms/templates/{template_id}")).status == 200
        assert (await api.get(f"/sms/templates/{template_id}")).status == 404
        assert (await api.delete(f"/sms/templates/{template_id}")).status == 404

    async def test_create_requires_name_and_body(self, api: Api) -> None:
        reply = await api.post("/sms/templates", {})
        assert (reply.status, sorted(reply.data)) == (400, ["body", "template_name"])


class TestEmailAddresses:
    async def test_create_verify_delete(self, api: Api, emu: ClickSendEmulator) -> None:
        created = (await api.post("/email/addresses", {"email_address": "a@example.com"})).data
        email_id = created["email_address_id"]
        assert created["verified"] == 0
        listing = (await api.get("/email/addresses")).data
        assert [e["email_address"] for e in listing["data"]] == ["a@example.com"]

        assert (await api.put(f"/email/address-verify/{email_id}/send", {})).status == 200
        bad = await api.put(f"/email/address-verify/{email_id}/verify/WRONG", {})
        assert bad.status == 400
        token = emu.activation_token(email_id)
        verified = await api.put(f"/email/address-verify/{email_id}/verify/{token}", {})
        assert verified.data["verified"] == 1
        assert (await api.get(f"/email/addresses/{email_id}")).data["verified"] == 1

        assert (await api.delete(f"/email/addresses/{email_id}")).status == 200
        assert (await api.get(f"/email/addresses/{email_id}")).status == 404

    async def test_create_requires_an_address(self, api: Api) -> None:
        reply = await api.post("/email/addresses", {"email_address": "nope"})
        assert (reply.status, list(reply.data)) == (400, ["email_address"])


class TestPagination:
    async def test_empty_page(self, api: Api) -> None:
        page = (await api.get("/sms/templates")).data
        assert page == {
            "total": 0,
            "per_page": 15,
            "current_page": 1,
            "last_page": 0,
            "next_page_url": None,
            "prev_page_url": None,
            "from": None,
            "to": None,
            "data": [],
        }

    async def test_pages_and_limit_bounds(self, api: Api) -> None:
        for i in range(40):
            await api.post("/sms/templates", {"template_name": f"t{i}", "body": "b"})

        first = (await api.get("/sms/templates")).data
        assert (first["total"], first["per_page"], first["last_page"]) == (40, 15, 3)
        assert (first["from"], first["to"], first["prev_page_url"]) == (1, 15, None)
        assert "page=2" in first["next_page_url"]

        third = (await api.get("/sms/templates", params={"page": "3"})).data
        assert (third["from"], third["to"], len(third["data"]), third["next_page_url"]) == (
            31,
            40,
            10,
            None,
        )
        assert "page=2" in third["prev_page_url"]
        assert third["data"][-1]["template_name"] == "t39"

        beyond = (await api.get("/sms/templates", params={"page": "9"})).data
        assert (beyond["data"], beyond["from"], beyond["to"]) == ([], None, None)

        assert (await api.get("/sms/templates", params={"limit": "5"})).data["per_page"] == 15
        big = (await api.get("/sms/templates", params={"limit": "500"})).data
        assert (big["per_page"], len(big["data"]), big["last_page"]) == (100, 40, 1)
        odd = (await api.get("/sms/templates", params={"limit": "x", "page": "-2"})).data
        assert (odd["per_page"], odd["current_page"]) == (15, 1)
