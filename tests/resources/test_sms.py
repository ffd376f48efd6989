"""client.sms beyond sending: history export, inbound, receipts, cancel, templates; per the spec."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from resource_support import Stub, assert_valid_query, assert_valid_request, response_example

from clicksend_async import (
    ClickSendClient,
    DecodeError,
    HistoryExport,
    InboundSms,
    NotFoundError,
    ReceiptStatus,
    SmsMessage,
    SmsReceipt,
    SmsTemplate,
    ValidationError,
)
from clicksend_async._converter import structure
from clicksend_async.testing import ClickSendEmulator

DELIVERABLE = "+61412345678"
UNDELIVERABLE = "+61412340000"  # the emulator's numbers ending in 0000 fail delivery


class TestSendAndPriceBodies:
    async def test_send_body_matches_the_spec(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send(
            [SmsMessage(to="+61411111111", body="hi", from_="Shop", custom_string="ref-1")],
            shorten_urls=True,
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", "/sms/send")
        assert_valid_request("POST", "/v3/sms/send", request.json)

    async def test_numbers_go_out_as_validated(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send(
            [
                SmsMessage(to="+61 (0)411 111 111", body="a"),
                SmsMessage(to=" +61 411-111-112 ", body="b"),
                SmsMessage(to="0411 111 113", body="c", country="AU"),
            ]
        )
        sent = [m["to"] for m in emulator.requests[-1].json["messages"]]
        assert sent == ["+61411111111", "+61411111112", "0411111113"]

    async def test_a_dict_message_may_name_the_sender_from_(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send([{"to": "+61411111111", "body": "hi", "from_": "Acme"}])
        (message,) = emulator.requests[-1].json["messages"]
        assert message["from"] == "Acme" and "from_" not in message

    async def test_price_body_matches_the_spec(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.price([{"to": "+61411111111", "body": "hi"}], show_summary=True)
        assert_valid_request("POST", "/v3/sms/price", emulator.requests[-1].json)


EXPORT = "/v3/sms/history/export"


async def download(url: str) -> list[dict[str, str]]:
    """Fetch an export link (it needs no credentials) and parse the CSV file."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return list(csv.DictReader(io.StringIO(await response.text())))


class TestExportHistory:
    async def test_export_query_matches_the_spec_and_the_link_downloads(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send(
            [
                SmsMessage(to=DELIVERABLE, body="one", custom_string="a"),
                SmsMessage(to=UNDELIVERABLE, body="two", custom_string="b"),
            ]
        )
        since = datetime.fromtimestamp(int(time.time()) - 60, UTC)
        export = await client.sms.export_history(
            filename="june.csv",
            date_from=since,
            q={"to": DELIVERABLE},
            order_by="date:desc",
            limit=50,
            page=1,
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("GET", "/sms/history/export")
        assert request.query == {
            "filename": "june.csv",
            "date_from": str(int(since.timestamp())),
            "q": f"to:{DELIVERABLE}",
            "order_by": "date:desc",
            "limit": "50",
            "page": "1",
        }
        assert_valid_query("GET", EXPORT, request.query)
        assert isinstance(export, HistoryExport)
        assert export.filename == "june.csv"
        assert export.url not in repr(export) and "june.csv" in repr(export)
        (row,) = await download(export.url)
        assert (row["to"], row["body"], row["custom_string"]) == (DELIVERABLE, "one", "a")

    async def test_defaults_send_only_the_filename(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        export = await client.sms.export_history()
        assert emulator.requests[-1].query == {"filename": "export.csv"}
        assert export.filename == "export.csv"
        assert await download(export.url) == []

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"filename": ""}, "filename"),
            ({"filename": "history.txt"}, "filename"),
            ({"filename": ".csv"}, "filename"),
            ({"filename": "exports/june.csv"}, "filename"),
            ({"filename": None}, "filename"),
            ({"limit": 0}, "limit"),
            ({"limit": True}, "limit"),
            ({"limit": "50"}, "limit"),
            ({"page": 0}, "page"),
            ({"date_from": datetime(2030, 1, 1)}, "date_from"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        kwargs: dict[str, Any],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.sms.export_history(**kwargs)
        assert info.value.field == field
        assert emulator.requests == []

    async def test_the_spec_example_decodes(self, stub: Stub, stub_client: ClickSendClient) -> None:
        stub.reply = response_example("GET", EXPORT)
        export = await stub_client.sms.export_history(filename="SMS_history.csv")
        assert stub.requests[-1].query == {"filename": "SMS_history.csv"}
        # A pre-signed S3 link names the file in response-content-disposition.
        assert export.url.startswith("https://clicksend-api-downloads.s3.")
        assert export.filename == "SMS_history.csv"

    async def test_a_bare_link_is_read_as_the_link(
        self, stub: Stub, stub_client: ClickSendClient
    ) -> None:
        link = "https://rest.clicksend.com/files/22D55AF9?filename=export.csv"
        stub.reply = {"http_code": 200, "response_code": "SUCCESS", "data": link}
        assert (await stub_client.sms.export_history()).url == link

    async def test_an_answer_without_a_link_is_a_decode_error(
        self, stub: Stub, stub_client: ClickSendClient
    ) -> None:
        stub.reply = {"http_code": 200, "response_code": "SUCCESS", "data": {"file": "x"}}
        with pytest.raises(DecodeError, match="url"):
            await stub_client.sms.export_history()

    def test_filename_is_none_when_the_link_does_not_say(self) -> None:
        export = structure({"url": "https://example.com/files/1", "expires": 1200}, HistoryExport)
        assert export.filename is None
        assert export.extra == {"expires": 1200}

    @pytest.mark.parametrize("url", ["http://[", "https://[::1/x.csv?filename=a.csv", ""])
    def test_a_link_urllib_cannot_split_names_no_file_and_still_shows(self, url: str) -> None:
        export = structure({"url": url}, HistoryExport)
        assert export.filename is None
        assert repr(export) == "HistoryExport(filename=None)"


class TestInbound:
    async def test_await_gives_one_page_of_unread_replies(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        emulator.simulate_inbound(DELIVERABLE, "Yes please")
        emulator.simulate_inbound(DELIVERABLE, "Stop")
        page = await client.sms.inbound()
        request = emulator.requests[-1]
        assert (request.method, request.path, request.query) == ("GET", "/sms/inbound", {})
        assert page.total == 2
        assert [m.body for m in page] == ["Yes please", "Stop"]
        first = page.items[0]
        assert isinstance(first, InboundSms)
        assert first.from_ == DELIVERABLE
        assert first.keyword == "yes"
        assert isinstance(first.timestamp, datetime)
        assert first.message_id

    async def test_async_for_walks_every_page(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        for i in range(20):
            emulator.simulate_inbound(DELIVERABLE, f"reply {i}")
        bodies = [m.body async for m in client.sms.inbound(limit=15)]
        assert bodies == [f"reply {i}" for i in range(20)]
        queries = [r.query for r in emulator.requests if r.path == "/sms/inbound"]
        assert queries == [{"page": "1", "limit": "15"}, {"page": "2", "limit": "15"}]

    async def test_a_reply_names_the_message_it_answers(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sent = await client.sms.send([SmsMessage(to=DELIVERABLE, body="Coming?")])
        original = sent.messages[0].message_id
        assert original is not None
        emulator.simulate_inbound(DELIVERABLE, "Yes", original_message_id=original)
        (reply,) = (await client.sms.inbound()).items
        assert reply.original_message_id == original
        assert reply.original_body == "Coming?"

    async def test_inbound_message_reads_by_original_message_id(
        self, stub: Stub, stub_client: ClickSendClient
    ) -> None:
        # The emulator has no GET /sms/inbound/{original_message_id}; the spec's example stands in.
        stub.reply = response_example("GET", "/v3/sms/inbound/{original_message_id}")
        reply = await stub_client.sms.inbound_message("1EF54878-1137-62F4-9EAC-CBF078A1262E")
        assert stub.requests[-1].method == "GET"
        assert stub.requests[-1].path == "/sms/inbound/1EF54878-1137-62F4-9EAC-CBF078A1262E"
        assert reply.original_message_id == "1EF54878-1137-62F4-9EAC-CBF078A1262E"
        assert reply.message_id == "F892B812-24E3-404B-A1CB-D714BBB2B127"
        assert reply.timestamp == datetime.fromtimestamp(1723012981, UTC)
        assert reply.keyword == "reply"

    async def test_mark_read_with_date_before(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        emulator.simulate_inbound(DELIVERABLE, "old")
        cutoff = datetime.fromtimestamp(int(time.time()) + 60, UTC)
        assert await client.sms.mark_inbound_read(date_before=cutoff) is None
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("PUT", "/sms/inbound-read")
        assert request.json == {"date_before": int(cutoff.timestamp())}
        assert_valid_request("PUT", "/v3/sms/inbound-read", request.json)
        assert (await client.sms.inbound()).total == 0

    async def test_mark_all_read_sends_no_body(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        emulator.simulate_inbound(DELIVERABLE, "hello")
        await client.sms.mark_inbound_read()
        assert emulator.requests[-1].json is None
        assert (await client.sms.inbound()).total == 0

    async def test_mark_one_read_returns_the_count(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        record = emulator.simulate_inbound(DELIVERABLE, "one")
        emulator.simulate_inbound(DELIVERABLE, "two")
        marked = await client.sms.mark_inbound_message_read(record["message_id"])
        assert marked == 1
        request = emulator.requests[-1]
        assert (request.method, request.path) == (
            "PUT",
            f"/sms/inbound-read/{record['message_id']}",
        )
        assert [m.body for m in await client.sms.inbound()] == ["two"]

    async def test_naive_date_before_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError, match="date_before"):
            await client.sms.mark_inbound_read(date_before=datetime(2030, 1, 1))
        assert emulator.requests == []


class TestReceipts:
    async def test_receipts_page_decodes_delivered_and_failed(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send(
            [
                SmsMessage(to=DELIVERABLE, body="ok", custom_string="a"),
                SmsMessage(to=UNDELIVERABLE, body="nope", custom_string="b"),
            ]
        )
        page = await client.sms.receipts()
        assert (emulator.requests[-1].method, emulator.requests[-1].path) == (
            "GET",
            "/sms/receipts",
        )
        by_ref = {r.custom_string: r for r in page}
        delivered, failed = by_ref["a"], by_ref["b"]
        assert isinstance(delivered, SmsReceipt)
        assert delivered.status_code == ReceiptStatus.DELIVERED
        assert delivered.delivered and delivered.is_final
        assert delivered.message_type == "sms"
        assert delivered.error_code is None
        assert isinstance(delivered.timestamp, datetime)
        assert failed.status_code == ReceiptStatus.PERMANENT_FAILURE
        assert failed.error_code == "8"
        assert not failed.delivered and failed.is_final

    async def test_receipt_by_message_id(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sent = await client.sms.send([SmsMessage(to=DELIVERABLE, body="hi")])
        message_id = sent.messages[0].message_id
        assert message_id is not None
        receipt = await client.sms.receipt(message_id)
        assert emulator.requests[-1].path == f"/sms/receipts/{message_id}"
        assert receipt.message_id == message_id
        assert receipt.status_code == "201"

    async def test_missing_receipt_is_not_found(self, client: ClickSendClient) -> None:
        with pytest.raises(NotFoundError):
            await client.sms.receipt("00000000-0000-4000-8000-000000000000")

    async def test_mark_receipts_read(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send([SmsMessage(to=DELIVERABLE, body="hi")])
        cutoff = int(time.time()) + 60
        await client.sms.mark_receipts_read(date_before=cutoff)
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "PUT",
            "/sms/receipts-read",
            {"date_before": cutoff},
        )
        assert_valid_request("PUT", "/v3/sms/receipts-read", request.json)
        assert (await client.sms.receipts()).total == 0

    def test_legacy_underscore_message_type_is_read(self) -> None:
        receipt = structure(
            {"message_id": "X", "status_code": 201, "_message_type": "sms", "error_code": 0},
            SmsReceipt,
        )
        assert receipt.message_type == "sms"
        assert receipt.status_code == "201"
        assert receipt.extra == {}


class TestCancel:
    async def test_cancel_one_scheduled_message(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        later = int(time.time()) + 3600
        sent = await client.sms.send([SmsMessage(to=DELIVERABLE, body="later", schedule=later)])
        message_id = sent.messages[0].message_id
        assert message_id is not None
        assert await client.sms.cancel(message_id) is None
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("PUT", f"/sms/{message_id}/cancel")
        (record,) = [m async for m in client.sms.history()]
        assert record.status == "Cancelled"

    async def test_cancel_all_returns_the_count(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        later = int(time.time()) + 3600
        await client.sms.send(
            [
                SmsMessage(to=DELIVERABLE, body="a", schedule=later, custom_string="promo"),
                SmsMessage(to=DELIVERABLE, body="b", schedule=later, custom_string="promo"),
                SmsMessage(to=DELIVERABLE, body="c", schedule=later, custom_string="other"),
            ]
        )
        assert await client.sms.cancel_all(custom_string="promo") == 2
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "PUT",
            "/sms/cancel-all",
            {"custom_string": "promo"},
        )
        assert_valid_request("PUT", "/v3/sms/cancel-all", request.json)
        assert await client.sms.cancel_all() == 1
        assert emulator.requests[-1].json is None

    async def test_cancel_all_without_a_count_says_none(
        self, stub: Stub, stub_client: ClickSendClient
    ) -> None:
        stub.reply = {"http_code": 200, "response_code": "SUCCESS", "data": "{}"}
        assert await stub_client.sms.cancel_all() is None


class TestTemplates:
    async def test_create_get_update_list_delete(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await client.sms.templates.create(template_name="Welcome", body="Hi {name}")
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", "/sms/templates")
        assert request.json == {"template_name": "Welcome", "body": "Hi {name}"}
        assert_valid_request("POST", "/v3/sms/templates", request.json)
        assert isinstance(created, SmsTemplate)
        assert created.template_id is not None
        assert (created.template_name, created.body) == ("Welcome", "Hi {name}")

        assert await client.sms.templates.get(created.template_id) == created
        assert emulator.requests[-1].path == f"/sms/templates/{created.template_id}"

        updated = await client.sms.templates.update(created.template_id, body="Hello {name}")
        request = emulator.requests[-1]
        assert (request.method, request.json) == ("PUT", {"body": "Hello {name}"})
        assert_valid_request("PUT", "/v3/sms/templates/{template_id}", request.json)
        assert (updated.template_name, updated.body) == ("Welcome", "Hello {name}")

        page = await client.sms.templates.list()
        assert [t.template_id for t in page] == [created.template_id]

        assert await client.sms.templates.delete(created.template_id) is None
        assert emulator.requests[-1].method == "DELETE"
        with pytest.raises(NotFoundError):
            await client.sms.templates.get(created.template_id)

    async def test_list_searches_and_orders(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        for name, body in [("Promo B", "50% off"), ("Welcome", "Hi"), ("Promo A", "10% off")]:
            await client.sms.templates.create(template_name=name, body=body)
        page = await client.sms.templates.list(
            q={"template_name": "promo"}, order_by="template_name:asc", limit=15
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("GET", "/sms/templates")
        assert request.query == {
            "q": "template_name:promo",
            "order_by": "template_name:asc",
            "limit": "15",
        }
        assert_valid_query("GET", "/v3/sms/templates", request.query)
        assert [t.template_name for t in page] == ["Promo A", "Promo B"]
        names = [t.template_name async for t in client.sms.templates.list(q="body:off")]
        assert names == ["Promo B", "Promo A"]
        assert emulator.requests[-1].query == {"q": "body:off", "page": "1", "limit": "100"}
        everything = await client.sms.templates.list(order_by="template_id:desc")
        assert [t.template_name for t in everything] == ["Promo A", "Welcome", "Promo B"]

    async def test_client_templates_is_sms_templates(self, client: ClickSendClient) -> None:
        assert client.templates is client.sms.templates

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            ({"template_name": "", "body": "x"}, "template_name"),
            ({"template_name": "n", "body": "  "}, "body"),
        ],
    )
    async def test_blank_fields_are_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        call: dict[str, str],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.sms.templates.create(**call)
        assert info.value.field == field
        assert emulator.requests == []

    async def test_update_with_nothing_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError, match="nothing to update"):
            await client.sms.templates.update(1)
        assert emulator.requests == []
