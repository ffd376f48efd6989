"""client.voice: send, price, languages, history (operator, export), receipts, cancel, bulk."""

from __future__ import annotations

import time
from typing import Any

import pytest
from resource_support import Stub, assert_valid_query, assert_valid_request, response_example

from clicksend_async import (
    ClickSendClient,
    HistoryExport,
    MessageStatus,
    ValidationError,
    VoiceLanguage,
    VoiceMessage,
    VoiceReceipt,
)
from clicksend_async.testing import ClickSendEmulator

DELIVERABLE = "+61412345678"


class TestSend:
    async def test_send_body_and_result(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        result = await client.voice.send(
            [
                VoiceMessage(
                    to=DELIVERABLE,
                    body="Your code is 1 2 3",
                    voice="male",
                    lang="en-au",
                    machine_detection=1,
                    custom_string="otp-1",
                )
            ]
        )
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", "/voice/send")
        assert request.json == {
            "messages": [
                {
                    "body": "Your code is 1 2 3",
                    "to": DELIVERABLE,
                    "voice": "male",
                    "lang": "en-au",
                    "custom_string": "otp-1",
                    "machine_detection": 1,
                }
            ]
        }
        assert_valid_request("POST", "/v3/voice/send", request.json)
        (message,) = result.messages
        assert message.status == MessageStatus.SUCCESS
        assert (message.voice, message.lang) == ("male", "en-au")
        assert emulator.sent[0].kind == "voice"

    async def test_list_id_goes_out_as_an_integer(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        """The voice table in the spec declares list_id int32 (the SMS v2 schema, a string)."""
        await client.voice.price([VoiceMessage(list_id="428", body="Hello")])
        assert emulator.requests[-1].json["messages"][0]["list_id"] == 428
        await client.sms.price([{"list_id": "428", "body": "Hello"}])
        assert emulator.requests[-1].json["messages"][0]["list_id"] == "428"

    async def test_price(self, client: ClickSendClient, emulator: ClickSendEmulator) -> None:
        result = await client.voice.price([{"to": DELIVERABLE, "body": "Hello"}])
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("POST", "/voice/price")
        assert request.json["messages"][0]["voice"] == "female"
        assert request.json["messages"][0]["lang"] == "en-us"
        assert_valid_request("POST", "/v3/voice/price", request.json)
        assert result.total_price > 0
        assert emulator.sent == []

    @pytest.mark.parametrize(
        ("message", "field"),
        [
            ({"to": DELIVERABLE, "body": "Hi", "voice": "robot"}, "messages[0].voice"),
            ({"to": DELIVERABLE, "body": "Hi", "lang": ""}, "messages[0].lang"),
            ({"to": DELIVERABLE, "body": "x" * 1201}, "messages[0].body"),
        ],
    )
    async def test_invalid_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        message: dict[str, str],
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.voice.send([message])
        assert info.value.field == field
        assert emulator.requests == []


class TestLanguages:
    async def test_languages_normalise_gender_to_a_tuple(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        languages = await client.voice.languages()
        assert (emulator.requests[-1].method, emulator.requests[-1].path) == ("GET", "/voice/lang")
        by_code = {lang.code: lang for lang in languages}
        assert isinstance(by_code["en-au"], VoiceLanguage)
        assert by_code["en-au"].genders == ("female", "male")
        assert by_code["en-au"].country == "English, Australia"
        assert by_code["en-in"].genders == ("female",)
        assert not by_code["en-in"].supports("male")


class TestHistoryReceiptsCancel:
    async def test_history_and_receipts(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.voice.send([VoiceMessage(to=DELIVERABLE, body="Hello", custom_string="c1")])
        (call,) = [m async for m in client.voice.history()]
        assert emulator.requests[-1].path == "/voice/history"
        assert (call.custom_string, call.voice) == ("c1", "female")
        page = await client.voice.receipts(limit=15)
        assert emulator.requests[-1].query == {"limit": "15"}
        (receipt,) = page.items
        assert isinstance(receipt, VoiceReceipt)
        assert (receipt.message_type, receipt.custom_string) == ("voice", "c1")
        assert receipt.delivered

    async def test_history_operator_combines_the_q_terms(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.voice.send(
            [
                VoiceMessage(to=DELIVERABLE, body="one", custom_string="a"),
                VoiceMessage(to="+61412345679", body="two", custom_string="b"),
            ]
        )
        q = {"custom_string": "a", "to": "+61412345679"}
        both = await client.voice.history(q=q)
        assert both.items == []
        either = await client.voice.history(q=q, operator="OR", order_by="to:desc")
        request = emulator.requests[-1]
        assert request.query == {
            "q": "custom_string:a,to:+61412345679",
            "order_by": "to:desc",
            "operator": "OR",
        }
        # The v2 spec's parameter list forgot q (its description table and the docs' search
        # section have it).
        assert_valid_query("GET", "/v3/voice/history", request.query, undeclared=["q"])
        assert [m.custom_string for m in either] == ["b", "a"]
        await client.voice.history(q=q, operator="or")  # type: ignore[arg-type]
        assert emulator.requests[-1].query["operator"] == "OR"

    @pytest.mark.parametrize("operator", ["XOR", "", 1])
    async def test_bad_operator_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator, operator: Any
    ) -> None:
        with pytest.raises(ValidationError) as info:
            client.voice.history(q="to:+61412345678", operator=operator)
        assert info.value.field == "operator"
        assert emulator.requests == []

    async def test_export_history(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.voice.send([VoiceMessage(to=DELIVERABLE, body="Hello", custom_string="c1")])
        export = await client.voice.export_history(filename="calls.csv", order_by="date:asc")
        request = emulator.requests[-1]
        assert (request.method, request.path) == ("GET", "/voice/history/export")
        assert request.query == {"filename": "calls.csv", "order_by": "date:asc"}
        assert_valid_query("GET", "/v3/voice/history/export", request.query)
        assert isinstance(export, HistoryExport)
        assert export.filename == "calls.csv"

    async def test_export_example_decodes(self, stub: Stub, stub_client: ClickSendClient) -> None:
        stub.reply = response_example("GET", "/v3/voice/history/export")
        export = await stub_client.voice.export_history()
        assert stub.requests[-1].path == "/voice/history/export"
        assert export.url.startswith("https://rest.clicksend.com/files/")

    async def test_cancel_and_cancel_all(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        later = int(time.time()) + 3600
        result = await client.voice.send(
            [
                VoiceMessage(to=DELIVERABLE, body="one", schedule=later),
                VoiceMessage(to=DELIVERABLE, body="two", schedule=later),
                VoiceMessage(to=DELIVERABLE, body="three", schedule=later),
            ]
        )
        first = result.messages[0].message_id
        assert first is not None
        assert await client.voice.cancel(first) is None
        assert (emulator.requests[-1].method, emulator.requests[-1].path) == (
            "PUT",
            f"/voice/{first}/cancel",
        )
        assert await client.voice.cancel_all() == 2
        assert (emulator.requests[-1].method, emulator.requests[-1].path) == (
            "PUT",
            "/voice/cancel-all",
        )


class TestBulk:
    async def test_send_bulk(self, client: ClickSendClient, emulator: ClickSendEmulator) -> None:
        report = await client.voice.send_bulk(
            [{"to": DELIVERABLE, "code": "4 2"}], body="Your code is {code}", voice="male"
        )
        assert report.sent == 1
        (sent,) = emulator.sent
        assert (sent.body, sent.voice, sent.lang) == ("Your code is 4 2", "male", "en-us")
