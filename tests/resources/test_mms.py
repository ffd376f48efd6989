"""client.mms: send and price (media file at the top level), history, export, receipts, bulk."""

from __future__ import annotations

import pytest
from resource_support import Stub, assert_valid_query, assert_valid_request, response_example

from clicksend_async import (
    ClickSendClient,
    HistoryExport,
    MessageStatus,
    MmsMessage,
    SmsReceipt,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator

MEDIA = "https://example.com/cat.gif"
DELIVERABLE = "+61412345678"


class TestSend:
    async def test_media_file_goes_at_the_top_level(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        result = await client.mms.send(
            MEDIA,
            [
                MmsMessage(to=DELIVERABLE, subject="Hello", body="Look", custom_string="r1"),
                {"to": "+61411111111", "subject": "Hi", "body": "Free test number"},
            ],
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", "/mms/send")
        assert request.json["media_file"] == MEDIA
        assert all("media_file" not in m for m in request.json["messages"])
        assert request.json["messages"][0] == {
            "to": DELIVERABLE,
            "subject": "Hello",
            "body": "Look",
            "custom_string": "r1",
        }
        assert_valid_request("POST", "/v3/mms/send", request.json)
        assert [m.status for m in result.messages] == [MessageStatus.SUCCESS] * 2
        assert result.messages[0].media_file_url == MEDIA
        assert emulator.sent[0].media_file == MEDIA
        assert emulator.sent[0].subject == "Hello"

    async def test_price_sends_nothing(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        result = await client.mms.price(MEDIA, [MmsMessage(to=DELIVERABLE, subject="S", body="B")])
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", "/mms/price")
        assert_valid_request("POST", "/v3/mms/price", request.json)
        assert result.total_price > 0
        assert emulator.sent == []

    @pytest.mark.parametrize(
        ("media_file", "message", "field"),
        [
            ("cat.gif", {"to": DELIVERABLE, "subject": "S", "body": "B"}, "media_file"),
            (MEDIA, {"to": DELIVERABLE, "subject": "x" * 21, "body": "B"}, "messages[0].subject"),
            (MEDIA, {"to": DELIVERABLE, "subject": "S", "body": " "}, "messages[0].body"),
            (MEDIA, {"to": "0412", "subject": "S", "body": "B"}, "messages[0].to"),
        ],
    )
    async def test_invalid_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        media_file: str,
        message: dict[str, str],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.mms.send(media_file, [message])
        assert info.value.field == field
        assert emulator.requests == []

    async def test_empty_batch_is_refused(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError, match="at least one"):
            await client.mms.price(MEDIA, [])
        assert emulator.requests == []


class TestHistoryAndReceipts:
    async def test_history_filters_on_the_wire(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.mms.send(MEDIA, [MmsMessage(to=DELIVERABLE, subject="S", body="B")])
        page = await client.mms.history(date_from=1, order_by="date:desc", limit=20)
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("GET", "/mms/history")
        assert request.query == {"date_from": "1", "order_by": "date:desc", "limit": "20"}
        (item,) = page.items
        assert (item.subject, item.media_file_url, item.message_parts) == ("S", MEDIA, 1)

    async def test_export_history(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.mms.send(MEDIA, [MmsMessage(to=DELIVERABLE, subject="S", body="B")])
        export = await client.mms.export_history(
            filename="mms.csv", date_to=2_000_000_000, q="status:Sent", limit=50_000
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("GET", "/mms/history/export")
        assert request.query == {
            "filename": "mms.csv",
            "date_to": "2000000000",
            "q": "status:Sent",
            "limit": "50000",
        }
        assert_valid_query("GET", "/v3/mms/history/export", request.query)
        assert isinstance(export, HistoryExport)
        assert export.filename == "mms.csv"

    async def test_export_example_decodes(self, stub: Stub, stub_client: ClickSendClient) -> None:
        stub.reply = response_example("GET", "/v3/mms/history/export")
        export = await stub_client.mms.export_history()
        assert stub.requests[-1].path == "/mms/history/export"
        assert export.filename == "export.csv"

    async def test_bad_export_filename_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.mms.export_history(filename="mms.xlsx")
        assert info.value.field == "filename"
        assert emulator.requests == []

    async def test_receipts_are_sms_shaped_with_message_type_mms(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.mms.send(MEDIA, [MmsMessage(to=DELIVERABLE, subject="S", body="B")])
        receipts = [r async for r in client.mms.receipts()]
        assert emulator.requests[-1].path == "/mms/receipts"
        (receipt,) = receipts
        assert isinstance(receipt, SmsReceipt)
        assert (receipt.message_type, receipt.status_code) == ("mms", "201")


class TestBulk:
    async def test_send_bulk_uses_one_media_file(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        report = await client.mms.send_bulk(
            MEDIA,
            [{"to": DELIVERABLE, "name": "Ann"}, {"to": "+61412345679", "name": "Bob"}],
            subject="News",
            body="Hi {name}",
        )
        assert report.sent == 2
        assert {m.body for m in emulator.sent} == {"Hi Ann", "Hi Bob"}
        assert {m.media_file for m in emulator.sent} == {MEDIA}

    def test_bulk_checks_the_media_file_at_once(self, client: ClickSendClient) -> None:
        with pytest.raises(ValidationError, match="media_file"):
            client.mms.bulk("ftp://example.com/x.gif", [], subject="S", body="B")
