"""Lists, contacts, search, templates, allowed email addresses, usage, exports and pagination."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from emulator_helpers import Api, FakeClock, sms

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


class TestRemoveOptedOut:
    async def test_deletes_contacts_whose_number_or_email_opted_out(self, api: Api) -> None:
        customers = await new_list(api, "Customers")
        opt_outs = await new_list(api, "Opt-outs")
        await new_contact(api, customers, phone_number="+61412345678", first_name="Ann")
        await new_contact(api, customers, email="Bob@Example.com", first_name="Bob")
        kept = await new_contact(api, customers, phone_number="+61412345679", first_name="Cy")
        await new_contact(api, opt_outs, phone_number="0412 345 678", address_country="AU")
        await new_contact(api, opt_outs, email="bob@example.com")
        path = f"/lists/{customers}/remove-opted-out-contacts/{opt_outs}"
        reply = await api.put(path)
        assert reply.body["response_msg"] == "Optout contacts has been deleted."
        assert reply.data == {"deleted": 2}
        left = (await api.get(f"/lists/{customers}/contacts")).data["data"]
        assert [c["contact_id"] for c in left] == [kept["contact_id"]]
        assert (await api.get(f"/lists/{opt_outs}")).data["_contacts_count"] == 2
        assert (await api.put(path)).data == {"deleted": 0}

    async def test_unknown_list_is_404(self, api: Api) -> None:
        customers = await new_list(api)
        missing = await api.put(f"/lists/{customers}/remove-opted-out-contacts/999")
        assert missing.status == 404
        assert (await api.put(f"/lists/999/remove-opted-out-contacts/{customers}")).status == 404


class TestSearch:
    async def test_finds_contacts_then_lists_by_keyword(self, api: Api) -> None:
        gorne = await new_list(api, "Gorne family")
        await new_list(api, "Other")
        ann = await new_contact(
            api, gorne, phone_number="+16783270696", first_name="Ann", last_name="Gorne"
        )
        await new_contact(api, gorne, phone_number="+61412345678", first_name="Bob")
        page = (await api.get("/search/contacts-lists", params={"q": "GORNE"})).data
        assert page["total"] == 2
        contact, found_list = page["data"]
        assert contact == {
            "contact": "+16783270696",
            "contacts_count": None,
            "id": ann["contact_id"],
            "name": "Ann Gorne",
            "type": "contact",
        }
        assert (found_list["id"], found_list["type"], found_list["name"]) == (
            gorne,
            "list",
            "Gorne family",
        )
        assert found_list["contacts_count"] == 2
        assert found_list["contact"] == (await api.get(f"/lists/{gorne}")).data["list_email_id"]

    async def test_matches_numbers_and_emails_too(self, api: Api) -> None:
        list_id = await new_list(api)
        await new_contact(api, list_id, email="zed@example.com")
        await new_contact(api, list_id, phone_number="+61412345678")
        by_email = (await api.get("/search/contacts-lists", params={"q": "zed@"})).data
        assert [x["contact"] for x in by_email["data"]] == ["zed@example.com"]
        # An unencoded "+" arrives as a space.
        by_number = (await api.get("/search/contacts-lists?q=+61412345678")).data
        assert [x["contact"] for x in by_number["data"]] == ["+61412345678"]

    async def test_pages(self, api: Api) -> None:
        list_id = await new_list(api, "Ann's list")
        for _ in range(16):
            await new_contact(api, list_id, first_name="Ann", phone_number="+61412345678")
        first = (await api.get("/search/contacts-lists", params={"q": "ann"})).data
        assert (first["total"], first["last_page"], len(first["data"])) == (17, 2, 15)
        second = (await api.get("/search/contacts-lists", params={"q": "ann", "page": "2"})).data
        assert [x["type"] for x in second["data"]] == ["contact", "list"]

    @pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20"])
    async def test_q_is_required(self, api: Api, query: str) -> None:
        reply = await api.get(f"/search/contacts-lists{query}")
        assert (reply.status, list(reply.data)) == (400, ["q"])


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

    async def test_search_and_order(self, api: Api) -> None:
        ids = []
        for name, body in [("Promo B", "50% off"), ("Welcome", "promo code"), ("promo a", "x")]:
            reply = await api.post("/sms/templates", {"template_name": name, "body": body})
            ids.append(reply.data["template_id"])

        async def names(**params: str) -> list[str]:
            page = (await api.get("/sms/templates", params=params)).data
            return [t["template_name"] for t in page["data"]]

        assert await names() == ["Promo B", "Welcome", "promo a"]
        assert await names(q="template_name:PROMO") == ["Promo B", "promo a"]
        assert await names(q="body:promo") == ["Welcome"]
        assert await names(q=f"template_id:{ids[1]}") == ["Welcome"]
        assert await names(q="template_name:promo,body:off") == ["Promo B"]
        assert await names(q="template_name:welcome,body:x", operator="OR") == [
            "Welcome",
            "promo a",
        ]
        assert await names(q="template_name:") == ["Promo B", "Welcome", "promo a"]
        assert await names(q="colour:red") == []
        assert await names(order_by="template_name:asc") == ["promo a", "Promo B", "Welcome"]
        assert await names(order_by="template_id:desc") == ["promo a", "Welcome", "Promo B"]
        assert await names(order_by="body:desc") == ["promo a", "Welcome", "Promo B"]

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


class TestAccountUsage:
    async def test_counts_the_month_per_channel(self, api: Api, clock: FakeClock) -> None:
        later = int(clock.now) + 3600
        sent = await api.post(
            "/sms/send",
            {
                "messages": [
                    sms(body="x" * 200),  # 2 parts
                    sms(to="+61412345679"),
                    sms(to="+61412345670", schedule=later),  # cancelled: refunded
                ]
            },
        )
        await api.put(f"/sms/{sent.data['messages'][2]['message_id']}/cancel")
        await api.post(
            "/voice/send", {"messages": [{"to": "+61412345678", "body": "Hi", "voice": "male"}]}
        )
        now = dt.datetime.fromtimestamp(clock.now, dt.UTC)
        reply = await api.get(f"/account/usage/{now.year}/{now.month:02d}/subaccount")
        assert reply.body["response_msg"] == "Here is your usage for this month."
        usage = reply.data
        (row,) = usage["sms"]
        assert (row["username"], row["total_count"], row["total_price"]) == (
            "emulator",
            "3.00",
            0.2376,
        )
        assert usage["sms_total"] == {"count": 3, "price": 0.2376}
        assert usage["voice_total"] == {"count": 1, "price": 0.07}
        assert (usage["mms"], usage["mms_total"]) == ([], {"count": 0, "price": 0.0})
        assert usage["email"] == usage["fax"] == usage["post"] == usage["postcards"] == []
        assert usage["_currency"]["currency_name_short"] == "AUD"

        other = (await api.get(f"/account/usage/{now.year - 1}/{now.month}/subaccount")).data
        assert other["sms"] == [] and other["sms_total"] == {"count": 0, "price": 0.0}

    @pytest.mark.parametrize(
        ("year", "month", "bad"),
        [
            ("2026", "13", ["month"]),
            ("2026", "0", ["month"]),
            ("26", "1", ["year"]),
            ("x", "y", ["month", "year"]),
        ],
    )
    async def test_bad_dates_are_400(self, api: Api, year: str, month: str, bad: list[str]) -> None:
        reply = await api.get(f"/account/usage/{year}/{month}/subaccount")
        assert (reply.status, sorted(reply.data)) == (400, bad)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestHistoryExport:
    async def download(self, api: Api, url: str) -> tuple[int, str, str]:
        async with api.session.get(url) as response:
            return (
                response.status,
                response.headers.get("Content-Disposition", ""),
                await response.text(),
            )

    async def test_exports_the_filtered_history_as_a_csv_link(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        await api.post(
            "/sms/send",
            {
                "messages": [
                    sms(custom_string="a"),
                    sms(to="+61412340000", body='Hi, "you"\nthere', custom_string="b"),
                ]
            },
        )
        reply = await api.get(
            "/sms/history/export", params={"filename": "june.csv", "order_by": "custom_string:desc"}
        )
        assert reply.body["response_msg"] == "Download your file here."
        url = reply.data["url"]
        assert url.startswith(emu.base + "/files/") and url.endswith("?filename=june.csv")
        status, disposition, text = await self.download(api, url)
        assert (status, disposition) == (200, 'attachment; filename="june.csv"')
        records = rows(text)
        assert [r["custom_string"] for r in records] == ["b", "a"]
        assert records[0]["body"] == 'Hi, "you"\nthere'
        assert (records[0]["status"], records[0]["status_code"]) == ("Failed", "301")
        assert (records[1]["to"], records[1]["message_parts"]) == ("+61412345678", "1")
        assert records[1]["message_price"] == "0.0792"
        assert emu.requests[-1].api == "other"

        only_a = await api.get("/sms/history/export", params={"q": "custom_string:a"})
        assert only_a.data["url"].endswith("?filename=export.csv")
        assert [
            r["custom_string"] for r in rows((await self.download(api, only_a.data["url"]))[2])
        ] == ["a"]
        capped = await api.get("/sms/history/export", params={"limit": "1"})
        assert len(rows((await self.download(api, capped.data["url"]))[2])) == 1

    async def test_mms_and_voice_files_carry_their_own_columns(self, api: Api) -> None:
        media = "https://example.com/cat.gif"
        mms = {"to": "+61412345678", "body": "Look", "subject": "Cat"}
        await api.post("/mms/send", {"media_file": media, "messages": [mms]})
        voice = {"to": "+61412345678", "body": "Hello", "voice": "male", "lang": "en-au"}
        await api.post("/voice/send", {"messages": [voice]})
        mms_url = (await api.get("/mms/history/export")).data["url"]
        (mms_row,) = rows((await self.download(api, mms_url))[2])
        assert (mms_row["subject"], mms_row["media_file"]) == ("Cat", media)
        voice_url = (await api.get("/voice/history/export")).data["url"]
        (voice_row,) = rows((await self.download(api, voice_url))[2])
        assert (voice_row["voice"], voice_row["lang"], voice_row["body"]) == (
            "male",
            "en-au",
            "Hello",
        )
        sms_url = (await api.get("/sms/history/export")).data["url"]
        assert rows((await self.download(api, sms_url))[2]) == []

    async def test_the_link_expires_after_twenty_minutes(self, api: Api, clock: FakeClock) -> None:
        url = (await api.get("/sms/history/export")).data["url"]
        clock.advance(1200)
        assert (await self.download(api, url))[0] == 200
        clock.advance(1)
        status, _, text = await self.download(api, url)
        assert status == 404 and "expired" in text
        assert (await self.download(api, url.replace("/files/", "/files/X")))[0] == 404

    @pytest.mark.parametrize(
        "params",
        [
            {"filename": "export.txt"},
            {"filename": ".csv"},
            {"filename": "../etc/export.csv"},
            {"filename": 'a".csv'},
            {"limit": "0"},
            {"limit": "many"},
        ],
    )
    async def test_bad_parameters_are_400(self, api: Api, params: dict[str, str]) -> None:
        reply = await api.get("/sms/history/export", params=params)
        assert (reply.status, list(reply.data)) == (400, list(params))


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
