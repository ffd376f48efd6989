"""Tests for clicksend_async.webhooks: the pure parsers first, then the aiohttp.web adapter."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from multidict import MultiDict

from clicksend_async._exceptions import ClickSendError
from clicksend_async.webhooks import (
    DeliveryReceipt,
    DeliveryState,
    InboundMessage,
    ReceiptStatusCode,
    WebhookPayloadError,
    parse_inbound,
    parse_receipt,
    webhook_app,
    webhook_routes,
)

DATA = Path(__file__).parent / "data" / "webhooks"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def sample_json(name: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(sample(name))
    return decoded


def ts(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# The n8n inbound payload, as every encoding should decode it.
N8N_INBOUND = InboundMessage(
    message_id="1F12D781-99C1-6D94-96FE-F5A311C8997D",
    body="trigger reply",
    from_="+61429912603",
    to="+61477485926",
    original_message_id="1F12D717-947A-6FBC-BBFE-D14C2927CEEF",
    original_body="TESTING TRIGGER",
    custom_string=None,
    timestamp=ts(1775012927),
    user_id=304497,
    subaccount_id=745158,
)

UNDELIVERED_SMS = DeliveryReceipt(
    message_id="D6D16B28-46AC-484A-AB0A-A08CD08EF75C",
    status_code="301",
    status="Undelivered",
    status_text="Failed: Unknown subscriber.",
    error_code="8",
    error_text="Unknown subscriber",
    custom_string="order-1042",
    timestamp_send=ts(1722565661),
    timestamp=ts(1722565700),
    user_id=304497,
    subaccount_id=745158,
    message_type="sms",
    digits=None,
)


class TestParseReceiptSamples:
    def test_view_specific_sms_receipt_example(self) -> None:
        receipt = parse_receipt(JSON, sample("receipt_view_specific.json"))
        assert receipt == DeliveryReceipt(
            message_id="D6D16B28-46AC-484A-AB0A-A08CD08EF75C",
            status_code="201",
            status_text="Success: Message received on handset.",
            timestamp_send=ts(1722565661),
            timestamp=ts(1722565661),
            subaccount_id=123456,
            message_type="sms",
        )
        assert receipt.state is DeliveryState.DELIVERED
        assert receipt.extra == {}

    def test_create_test_receipt_example_with_int_code_zero_error_and_int_digits(self) -> None:
        receipt = parse_receipt(JSON, sample("receipt_create_test.json"))
        assert receipt.status_code == "201"
        assert receipt.status_code == ReceiptStatusCode.DELIVERED
        assert receipt.error_code is None
        assert receipt.error_text == "error_text"
        assert receipt.custom_string == "custom_string"
        assert receipt.digits == "6"

    def test_2021_polled_record_uses_legacy_message_type_and_string_timestamps(self) -> None:
        receipt = parse_receipt(JSON, sample("receipt_polled_2021.json"))
        assert receipt.message_type == "sms"
        assert receipt.timestamp == ts(1442381791)
        assert receipt.timestamp_send == ts(1442381791)
        assert "_message_type" not in receipt.extra

    def test_voice_form_post_with_blank_digits_and_errors(self) -> None:
        receipt = parse_receipt(FORM, sample("receipt_voice_form.txt"))
        assert receipt == DeliveryReceipt(
            message_id="0C8A8B3E-6A0B-4C37-9D5B-8E2A1C1F4D11",
            status_code="201",
            status="Delivered",
            status_text="Success: Message received on handset.",
            custom_string="order-1042",
            timestamp_send=ts(1439173980),
            timestamp=ts(1439173981),
            user_id=304497,
            subaccount_id=745158,
            message_type="voice",
        )

    def test_undelivered_sms_form_post(self) -> None:
        receipt = parse_receipt(FORM, sample("receipt_sms_undelivered_form.txt"))
        assert receipt == UNDELIVERED_SMS
        assert receipt.state is DeliveryState.FAILED
        assert receipt.is_final


class TestParseReceiptEncodings:
    """One receipt, every way it can arrive, decodes to the same model."""

    @pytest.mark.parametrize(
        "content_type",
        [
            FORM,
            "application/x-www-form-urlencoded; charset=UTF-8",
            "Application/X-WWW-Form-Urlencoded;charset=utf-8",
            None,
            "text/plain",
        ],
    )
    def test_form_body(self, content_type: str | None) -> None:
        body = sample("receipt_sms_undelivered_form.txt")
        assert parse_receipt(content_type, body) == UNDELIVERED_SMS

    @pytest.mark.parametrize("content_type", [JSON, "application/json; charset=utf-8", None, FORM])
    def test_json_body_is_recognised_by_header_or_by_sniffing(
        self, content_type: str | None
    ) -> None:
        body = json.dumps(
            {
                "message_id": "D6D16B28-46AC-484A-AB0A-A08CD08EF75C",
                "status": "Undelivered",
                "status_code": 301,
                "status_text": "Failed: Unknown subscriber.",
                "error_code": 8,
                "error_text": "Unknown subscriber",
                "custom_string": "order-1042",
                "timestamp_send": 1722565661,
                "timestamp": "1722565700",
                "user_id": "304497",
                "subaccount_id": 745158,
                "message_type": "sms",
                "digits": None,
            }
        ).encode()
        assert parse_receipt(content_type, b"  \n" + body) == UNDELIVERED_SMS

    @pytest.mark.parametrize("strip_question_mark", [False, True])
    def test_get_query_string(self, strip_question_mark: bool) -> None:
        query = sample("receipt_get_query.txt").decode()
        if strip_question_mark:
            query = query.removeprefix("?")
        assert query.startswith("?") is not strip_question_mark
        assert parse_receipt(None, query) == UNDELIVERED_SMS

    def test_plain_dict(self) -> None:
        query = sample("receipt_get_query.txt").decode().strip().removeprefix("?")
        mapping = dict(parse_qsl(query, keep_blank_values=True))
        assert parse_receipt(None, mapping) == UNDELIVERED_SMS

    def test_multidict_takes_the_first_of_repeated_keys(self) -> None:
        mapping = MultiDict([("message_id", "A"), ("message_id", "B"), ("status_code", "201")])
        assert parse_receipt(None, mapping).message_id == "A"

    def test_repeated_form_keys_take_the_first(self) -> None:
        assert parse_receipt(FORM, b"message_id=A&message_id=B&status_code=201").message_id == "A"

    def test_decoded_json_object(self) -> None:
        receipt = parse_receipt(JSON, sample_json("receipt_view_specific.json"))
        assert receipt == parse_receipt(JSON, sample("receipt_view_specific.json"))

    def test_bytearray_and_str_bodies(self) -> None:
        body = sample("receipt_view_specific.json")
        expected = parse_receipt(JSON, body)
        assert parse_receipt(JSON, bytearray(body)) == expected  # type: ignore[arg-type]
        assert parse_receipt(JSON, body.decode()) == expected

    def test_latin_1_charset_is_honoured(self) -> None:
        body = b"message_id=X&status_code=201&custom_string=caf%E9"
        receipt = parse_receipt("application/x-www-form-urlencoded; charset=ISO-8859-1", body)
        assert receipt.custom_string == "café"

    @pytest.mark.parametrize("charset", ["bogus", "rot13", "hex", ""])
    def test_unknown_or_non_text_charset_falls_back_to_utf_8(self, charset: str) -> None:
        body = "message_id=X&status_code=201&custom_string=café".encode()
        receipt = parse_receipt(f"application/x-www-form-urlencoded; charset={charset}", body)
        assert receipt.custom_string == "café"

    def test_byte_order_mark_is_ignored(self) -> None:
        body = "\ufeff".encode() + sample("receipt_view_specific.json")
        assert parse_receipt(None, body).message_id == "D6D16B28-46AC-484A-AB0A-A08CD08EF75C"

    def test_multipart_form_body(self) -> None:
        content_type, body = multipart({"message_id": "M1", "status_code": "201", "x": "y"})
        receipt = parse_receipt(content_type, body)
        assert receipt == DeliveryReceipt(message_id="M1", status_code="201")
        assert receipt.extra == {"x": "y"}

    def test_unsupported_payload_type_is_a_type_error(self) -> None:
        with pytest.raises(TypeError):
            parse_receipt(None, 42)  # type: ignore[arg-type]


class TestReceiptCoercion:
    @staticmethod
    def receipt(**fields: Any) -> DeliveryReceipt:
        return parse_receipt(JSON, json.dumps({"message_id": "M", "status_code": "201", **fields}))

    @pytest.mark.parametrize("value", [201, "201", " 201 ", 201.0])
    def test_status_code_is_a_string(self, value: object) -> None:
        assert self.receipt(status_code=value).status_code == "201"

    @pytest.mark.parametrize("value", [None, 0, "0", "", " ", 0.0, "00"])
    def test_error_code_null_zero_and_empty_mean_no_error(self, value: object) -> None:
        assert self.receipt(error_code=value).error_code is None

    @pytest.mark.parametrize(("value", "expected"), [(8, "8"), ("8", "8"), ("19", "19")])
    def test_error_code_keeps_real_codes_as_strings(self, value: object, expected: str) -> None:
        assert self.receipt(error_code=value).error_code == expected

    @pytest.mark.parametrize("value", [None, ""])
    def test_blank_custom_string_is_none(self, value: object) -> None:
        assert self.receipt(custom_string=value).custom_string is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (1722565661, ts(1722565661)),
            ("1722565661", ts(1722565661)),
            (1722565661.0, ts(1722565661)),
            ("2024-08-02T02:27:41Z", ts(1722565661)),
            ("2024-08-02 02:27:41", ts(1722565661)),
            ("2024-08-02T12:27:41+10:00", ts(1722565661)),
            ("", None),
            (None, None),
            (0, None),
            ("0", None),
        ],
    )
    def test_timestamps_are_aware_utc(self, value: object, expected: datetime | None) -> None:
        receipt = self.receipt(timestamp=value, timestamp_send=value)
        assert receipt.timestamp == expected
        assert receipt.timestamp_send == expected
        if receipt.timestamp is not None:
            assert receipt.timestamp.utcoffset() is not None
            assert receipt.timestamp.tzinfo is UTC

    @pytest.mark.parametrize("value", ["yesterday", True, [1], 1e20, "nan"])
    def test_bad_timestamp_names_the_field(self, value: object) -> None:
        with pytest.raises(WebhookPayloadError, match="'timestamp'") as info:
            self.receipt(timestamp=value)
        assert info.value.field == "timestamp"

    @pytest.mark.parametrize(
        ("value", "expected"), [(123456, 123456), ("123456", 123456), (1.0, 1), ("", None)]
    )
    def test_ids_accept_numbers_and_numeric_strings(
        self, value: object, expected: int | None
    ) -> None:
        receipt = self.receipt(user_id=value, subaccount_id=value)
        assert (receipt.user_id, receipt.subaccount_id) == (expected, expected)

    @pytest.mark.parametrize("value", ["abc", 1.5, False, {"a": 1}])
    def test_bad_subaccount_id_names_the_field(self, value: object) -> None:
        with pytest.raises(WebhookPayloadError, match="'subaccount_id'") as info:
            self.receipt(subaccount_id=value)
        assert info.value.field == "subaccount_id"

    def test_object_in_a_text_field_names_the_field(self) -> None:
        with pytest.raises(WebhookPayloadError, match="'status_text'"):
            self.receipt(status_text={"nested": True})

    def test_message_type_prefers_the_current_key(self) -> None:
        receipt = self.receipt(message_type="voice", _message_type="sms")
        assert receipt.message_type == "voice"
        assert "_message_type" not in receipt.extra

    def test_blank_current_key_falls_back_to_legacy_alias(self) -> None:
        assert self.receipt(message_type="", _message_type="mms").message_type == "mms"

    def test_unknown_keys_land_in_extra_as_text(self) -> None:
        receipt = self.receipt(carrier="Telstra", parts=2, flag=True, gone=None, meta={"a": [1]})
        assert receipt.extra == {
            "carrier": "Telstra",
            "parts": "2",
            "flag": "true",
            "gone": "",
            "meta": '{"a":[1]}',
        }

    def test_extra_is_read_only_and_outside_eq_and_repr(self) -> None:
        with_extra = self.receipt(carrier="Telstra")
        assert with_extra == self.receipt()
        assert "Telstra" not in repr(with_extra)
        with pytest.raises(TypeError):
            with_extra.extra["carrier"] = "x"  # type: ignore[index]

    def test_status_word_alone_is_enough(self) -> None:
        receipt = parse_receipt(None, {"message_id": "M", "status": "Delivered"})
        assert receipt.status_code == ""
        assert receipt.state is DeliveryState.DELIVERED

    def test_message_id_is_stripped(self) -> None:
        assert self.receipt(message_id="  M1 ").message_id == "M1"


class TestDeliveryState:
    @pytest.mark.parametrize(
        ("status_code", "status", "state", "final"),
        [
            ("200", None, DeliveryState.PENDING, False),
            ("201", None, DeliveryState.DELIVERED, True),
            ("300", None, DeliveryState.PENDING, False),
            ("301", None, DeliveryState.FAILED, True),
            ("302", None, DeliveryState.PENDING, False),
            ("300", "Undelivered", DeliveryState.PENDING, False),  # the code wins over the word
            ("201", "Undelivered", DeliveryState.DELIVERED, True),
            ("999", "Delivered", DeliveryState.DELIVERED, True),
            ("999", "undelivered", DeliveryState.FAILED, True),
            ("999", "Something new", DeliveryState.PENDING, False),
            ("999", None, DeliveryState.PENDING, False),
            ("", "Delivered", DeliveryState.DELIVERED, True),
        ],
    )
    def test_state_mapping(
        self, status_code: str, status: str | None, state: DeliveryState, final: bool
    ) -> None:
        receipt = DeliveryReceipt(message_id="M", status_code=status_code, status=status)
        assert receipt.state is state
        assert receipt.is_final is final

    @pytest.mark.parametrize(
        ("raw", "state"), [(201, "delivered"), (301, "failed"), (300, "pending")]
    )
    def test_int_status_codes_from_json_map_too(self, raw: int, state: str) -> None:
        receipt = parse_receipt(JSON, json.dumps({"message_id": "M", "status_code": raw}))
        assert receipt.state == state

    def test_status_code_constants_are_the_documented_codes(self) -> None:
        assert [code.value for code in ReceiptStatusCode] == ["200", "201", "300", "301", "302"]


class TestParseInbound:
    def test_n8n_json_payload(self) -> None:
        message = parse_inbound(JSON, sample("inbound_n8n.json"))
        assert message == N8N_INBOUND
        assert message.extra == {}  # aliases are consumed, not left in extra

    def test_form_post_with_canonical_keys_and_legacy_aliases(self) -> None:
        message = parse_inbound(FORM, sample("inbound_form_full.txt"))
        assert message == N8N_INBOUND
        assert message.extra == {}

    def test_form_post_with_legacy_aliases_only(self) -> None:
        message = parse_inbound(FORM, sample("inbound_form_legacy_only.txt"))
        assert message == InboundMessage(
            message_id="1F12D781-99C1-6D94-96FE-F5A311C8997D",
            body="trigger reply",
            from_="+61429912603",
            to="+61477485926",
            original_message_id="1F12D717-947A-6FBC-BBFE-D14C2927CEEF",
            original_body="TESTING TRIGGER",
            custom_string="campaign-7",
            timestamp=ts(1775012927),
        )

    def test_get_query_string(self) -> None:
        assert parse_inbound(None, sample("inbound_get_query.txt").decode()) == N8N_INBOUND

    def test_mapping(self) -> None:
        assert parse_inbound(None, sample_json("inbound_n8n.json")) == N8N_INBOUND

    def test_polled_v2_record_uses_timestamp_send_and_keyword(self) -> None:
        message = parse_inbound(JSON, sample("inbound_polled_v2.json"))
        assert message.timestamp == ts(1722997250)
        assert message.keyword == "reply"
        assert message.custom_string is None
        assert message.from_ == "+61123456789"
        assert message.extra == {}

    def test_2021_test_inbound_with_null_custom_string_and_string_timestamp(self) -> None:
        message = parse_inbound(JSON, sample("inbound_test_2021.json"))
        assert message.custom_string is None
        assert message.timestamp == ts(1442398236)
        assert message.keyword == "this"
        assert message.to == "+61411111111"

    def test_empty_body_is_kept(self) -> None:
        message = parse_inbound(None, {"message_id": "M", "body": ""})
        assert message.body == ""

    def test_body_is_not_stripped(self) -> None:
        assert parse_inbound(None, {"message_id": "M", "body": " hi\n"}).body == " hi\n"

    def test_missing_body_names_the_field(self) -> None:
        with pytest.raises(WebhookPayloadError, match="'body'") as info:
            parse_inbound(None, {"message_id": "M", "from": "+61411111111"})
        assert info.value.field == "body"

    def test_a_receipt_is_not_an_inbound_message(self) -> None:
        with pytest.raises(WebhookPayloadError, match="'body'"):
            parse_inbound(JSON, sample("receipt_view_specific.json"))

    def test_an_inbound_message_is_not_a_receipt(self) -> None:
        with pytest.raises(WebhookPayloadError, match="'status_code'"):
            parse_receipt(JSON, sample("inbound_n8n.json"))


class TestBadPayloads:
    @pytest.mark.parametrize(
        ("content_type", "payload", "match"),
        [
            (None, b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "not valid utf-8"),
            (FORM, b"\xff\xfe\xfd", "not valid utf-8"),
            (FORM, b"message_id=%FF%FE&status_code=201", "not valid form data"),
            (JSON, b"[1, 2]", "JSON object, not array"),
            (None, b'[{"message_id": "M"}]', "JSON object, not array"),
            (JSON, b'"just a string"', "JSON object, not str"),
            (JSON, b"{not json", "not valid JSON"),
            (JSON, b"", "not valid JSON"),
            (JSON, b"[" * 100_000, "not valid JSON"),
            ("multipart/form-data; boundary=x", b"garbage", "not valid multipart"),
        ],
    )
    def test_undecodable_payload(
        self, content_type: str | None, payload: bytes, match: str
    ) -> None:
        with pytest.raises(WebhookPayloadError, match=match):
            parse_receipt(content_type, payload)

    @pytest.mark.parametrize(
        "payload",
        [
            b"",
            b"hello world",
            b"status_code=201&to=%2B61411111111",
            b'{"status_code": 201}',
            b'{"message_id": null, "status_code": 201}',
            b'{"message_id": "  ", "status_code": 201}',
        ],
    )
    def test_missing_message_id_names_the_field(self, payload: bytes) -> None:
        with pytest.raises(WebhookPayloadError, match="'message_id'") as info:
            parse_receipt(None, payload)
        assert info.value.field == "message_id"
        with pytest.raises(WebhookPayloadError, match="'message_id'"):
            parse_inbound(None, payload)

    def test_error_is_a_value_error_and_a_clicksend_error(self) -> None:
        with pytest.raises(ValueError, match="message_id"):
            parse_receipt(None, b"")
        with pytest.raises(ClickSendError):
            parse_receipt(None, b"")

    def test_messages_never_echo_payload_values(self) -> None:
        secret_body = "my PIN is 4821"
        phone = "+61499999999"
        payloads: list[dict[str, object]] = [
            {"from": phone, "body": secret_body},
            {"message_id": "M", "from": phone, "message": secret_body, "timestamp": secret_body},
            {"message_id": "M", "body": secret_body, "user_id": f"id {phone}"},
        ]
        for payload in payloads:
            for encoded in (json.dumps(payload).encode(), urlencode(payload).encode()):
                with pytest.raises(WebhookPayloadError) as info:
                    parse_inbound(None, encoded)
                assert secret_body not in str(info.value)
                assert phone not in str(info.value)
                assert "4821" not in str(info.value)


def multipart(fields: dict[str, str]) -> tuple[str, bytes]:
    """Encode fields the way aiohttp's client does for multipart/form-data."""
    form = FormData(fields, default_to_multipart=True)
    writer = form()

    class Sink:
        def __init__(self) -> None:
            self.data = b""

        async def write(self, chunk: bytes) -> None:
            self.data += bytes(chunk)

    sink = Sink()
    asyncio.run(writer.write(sink))  # type: ignore[arg-type]
    return writer.content_type, sink.data


# --- the aiohttp.web adapter ---------------------------------------------------------------------

SECRET = "s3cr3t-Zq9xJ4-value"
Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def serve() -> AsyncIterator[MakeClient]:
    """Start a TestServer (127.0.0.1, random port) with webhook_routes(**kwargs) mounted."""
    clients: list[Client] = []

    async def make(**kwargs: Any) -> Client:
        if kwargs.get("secret") is None:
            kwargs.setdefault("insecure", True)  # these tests count log records
        app = web.Application()
        app.add_routes(webhook_routes(**kwargs))
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


class Recorder:
    """A sync callback that records what it got."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def __call__(self, item: Any) -> None:
        self.items.append(item)


async def post_form(client: Client, path: str, body: bytes) -> tuple[int, str]:
    response = await client.post(path, data=body, headers={"Content-Type": FORM})
    return response.status, await response.text()


class TestWebhookRoutes:
    async def test_receipt_form_post_calls_sync_callback_once(self, serve: MakeClient) -> None:
        got = Recorder()
        client = await serve(on_receipt=got)
        status, text = await post_form(
            client, "/clicksend/receipts", sample("receipt_sms_undelivered_form.txt")
        )
        assert (status, text) == (200, "OK")
        assert got.items == [UNDELIVERED_SMS]

    async def test_async_callback_is_awaited(self, serve: MakeClient) -> None:
        got: list[InboundMessage] = []

        async def on_inbound(message: InboundMessage) -> None:
            got.append(message)

        client = await serve(on_inbound=on_inbound)
        response = await client.post(
            "/clicksend/inbound", data=sample("inbound_n8n.json"), headers={"Content-Type": JSON}
        )
        assert response.status == 200
        assert got == [N8N_INBOUND]

    async def test_inbound_get_query(self, serve: MakeClient) -> None:
        got = Recorder()
        client = await serve(on_inbound=got)
        query = sample("inbound_get_query.txt").decode().strip()
        response = await client.get(f"/clicksend/inbound?{query}")
        assert response.status == 200
        assert got.items == [N8N_INBOUND]

    async def test_inbound_form_post_and_multipart_post(self, serve: MakeClient) -> None:
        got = Recorder()
        client = await serve(on_inbound=got)
        status, _ = await post_form(client, "/clicksend/inbound", sample("inbound_form_full.txt"))
        assert status == 200
        fields = {k: str(v) for k, v in sample_json("inbound_n8n.json").items()}
        response = await client.post(
            "/clicksend/inbound", data=FormData(fields, default_to_multipart=True)
        )
        assert response.status == 200
        assert got.items == [N8N_INBOUND, N8N_INBOUND]

    async def test_post_with_empty_body_reads_the_query(self, serve: MakeClient) -> None:
        got = Recorder()
        client = await serve(on_receipt=got)
        response = await client.post("/clicksend/receipts?message_id=M&status_code=201")
        assert response.status == 200
        assert got.items == [DeliveryReceipt(message_id="M", status_code="201")]

    async def test_only_routes_for_given_callbacks_exist(self, serve: MakeClient) -> None:
        client = await serve(on_receipt=Recorder())
        response = await client.post("/clicksend/inbound", data=b"message_id=M&body=x")
        assert response.status == 404

    @pytest.mark.parametrize("method", ["HEAD", "PUT", "DELETE"])
    async def test_other_methods_are_refused(self, serve: MakeClient, method: str) -> None:
        got = Recorder()
        client = await serve(on_receipt=got)
        response = await client.request(method, "/clicksend/receipts?message_id=M&status_code=1")
        assert response.status == 405
        assert got.items == []

    async def test_custom_paths(self, serve: MakeClient) -> None:
        got = Recorder()
        client = await serve(
            on_receipt=got, on_inbound=got, path_prefix="/hooks/", receipt_path="/dlr/"
        )
        assert (await client.get("/hooks/dlr?message_id=M&status_code=201")).status == 200
        assert (await client.get("/hooks/inbound?message_id=M&body=hi")).status == 200
        assert [type(item) for item in got.items] == [DeliveryReceipt, InboundMessage]

    async def test_webhook_app_mounts_as_a_sub_app(self) -> None:
        got = Recorder()
        app = web.Application()
        app.add_subapp("/cs", webhook_app(on_inbound=got, secret=SECRET))
        async with TestClient(TestServer(app)) as client:
            response = await client.get(f"/cs/inbound/{SECRET}?message_id=M&body=hi")
            assert response.status == 200
        assert got.items == [InboundMessage(message_id="M", body="hi")]

    def test_argument_checks(self) -> None:
        with pytest.raises(ValueError, match="on_receipt"):
            webhook_routes()
        with pytest.raises(ValueError, match="secret"):
            webhook_routes(on_receipt=Recorder(), secret="")
        with pytest.raises(ValueError, match="differ"):
            webhook_routes(on_receipt=Recorder(), on_inbound=Recorder(), inbound_path="receipts")


class TestWebhookSecret:
    @pytest.mark.parametrize(
        "path",
        [
            f"/clicksend/receipts/{SECRET}",
            f"/clicksend/receipts?secret={SECRET}",
            f"/clicksend/receipts?token={SECRET}",
            f"/clicksend/receipts/wrong?token={SECRET}",
        ],
    )
    async def test_secret_in_path_or_query_is_accepted(self, serve: MakeClient, path: str) -> None:
        got = Recorder()
        client = await serve(on_receipt=got, secret=SECRET)
        status, _ = await post_form(client, path, sample("receipt_sms_undelivered_form.txt"))
        assert status == 200
        assert got.items == [UNDELIVERED_SMS]

    @pytest.mark.parametrize(
        "path",
        [
            "/clicksend/receipts",
            "/clicksend/receipts/wrong",
            "/clicksend/receipts?secret=wrong",
            f"/clicksend/receipts?secret={SECRET}x",
            f"/clicksend/receipts/{SECRET[:-1]}",
            "/clicksend/receipts?secret=",
            "/clicksend/receipts?token=%C3%A9",
        ],
    )
    async def test_missing_or_wrong_secret_is_403(self, serve: MakeClient, path: str) -> None:
        got = Recorder()
        client = await serve(on_receipt=got, secret=SECRET)
        status, text = await post_form(client, path, sample("receipt_sms_undelivered_form.txt"))
        assert status == 403
        assert text == "Forbidden"
        assert got.items == []

    async def test_secret_in_get_query_does_not_reach_the_payload(self, serve: MakeClient) -> None:
        got = Recorder()
        client = await serve(on_inbound=got, secret=SECRET)
        query = sample("inbound_get_query.txt").decode().strip()
        response = await client.get(f"/clicksend/inbound?{query}&secret={SECRET}&token=x")
        assert response.status == 200
        [message] = got.items
        assert message == N8N_INBOUND
        assert message.extra == {}

    async def test_without_a_secret_there_is_no_secret_route(self, serve: MakeClient) -> None:
        client = await serve(on_receipt=Recorder())
        response = await client.get(f"/clicksend/receipts/{SECRET}?message_id=M&status_code=1")
        assert response.status == 404

    async def test_secret_never_appears_in_logs(
        self, serve: MakeClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Everything from this module at DEBUG, everything else at WARNING. aiohttp's own access
        # log (INFO) prints request paths, secret included; the module docstring says so.
        caplog.set_level(logging.WARNING)
        caplog.set_level(logging.DEBUG, logger="clicksend_async.webhooks")

        def explode(receipt: DeliveryReceipt) -> None:
            raise RuntimeError("handler bug")

        client = await serve(on_receipt=explode, secret=SECRET)
        body = sample("receipt_sms_undelivered_form.txt")
        await post_form(client, f"/clicksend/receipts/{SECRET}x", body)  # wrong: 403
        await post_form(client, f"/clicksend/receipts?token={SECRET}", b"garbage")  # 400
        await post_form(client, f"/clicksend/receipts/{SECRET}", body)  # handler raises
        await client.get(f"/clicksend/receipts?secret={SECRET}&message_id=M")  # 400
        levels = [record.levelname for record in caplog.records]
        assert levels == ["WARNING", "WARNING", "ERROR", "WARNING"]
        assert SECRET not in caplog.text
        assert SECRET[:8] not in caplog.text


class TestWebhookErrors:
    async def test_malformed_payload_is_400_and_server_keeps_serving(
        self, serve: MakeClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="clicksend_async.webhooks")
        got = Recorder()
        client = await serve(on_receipt=got)
        response = await client.post(
            "/clicksend/receipts",
            data=b'{"status_code": 201, "to": "+61499999999"}',
            headers={"Content-Type": JSON},
        )
        assert response.status == 400
        text = await response.text()
        assert "message_id" in text
        assert "+61499999999" not in text
        assert got.items == []
        [record] = caplog.records
        assert record.name == "clicksend_async.webhooks"
        assert record.levelno == logging.WARNING
        assert "message_id" in record.getMessage()
        assert "+61499999999" not in caplog.text

        status, _ = await post_form(
            client, "/clicksend/receipts", sample("receipt_sms_undelivered_form.txt")
        )
        assert status == 200
        assert got.items == [UNDELIVERED_SMS]

    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            (JSON, b"[1, 2, 3]"),
            (JSON, b"{broken"),
            (FORM, b"\xff\xfe garbage"),
            ("multipart/form-data; boundary=zz", b"--zz\r\nnot a part"),
        ],
    )
    async def test_garbage_bodies_are_400(
        self, serve: MakeClient, content_type: str, body: bytes
    ) -> None:
        got = Recorder()
        client = await serve(on_receipt=got)
        response = await client.post(
            "/clicksend/receipts", data=body, headers={"Content-Type": content_type}
        )
        assert response.status == 400
        assert (await response.text()).startswith("Bad Request: ")
        assert got.items == []

    async def test_handler_exception_is_logged_and_answered_200(
        self, serve: MakeClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="clicksend_async.webhooks")
        calls: list[str] = []

        async def explode(receipt: DeliveryReceipt) -> None:
            calls.append(receipt.message_id)
            raise RuntimeError("handler bug")

        client = await serve(on_receipt=explode)
        body = sample("receipt_sms_undelivered_form.txt")
        status, text = await post_form(client, "/clicksend/receipts", body)
        assert (status, text) == (200, "OK")
        assert calls == ["D6D16B28-46AC-484A-AB0A-A08CD08EF75C"]
        [record] = caplog.records
        assert record.levelno == logging.ERROR
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], RuntimeError)
        assert "D6D16B28-46AC-484A-AB0A-A08CD08EF75C" in record.getMessage()
        assert "explode" in record.getMessage()

        # The server is unharmed.
        assert (await post_form(client, "/clicksend/receipts", body))[0] == 200

    async def test_raise_handler_errors_answers_500(
        self, serve: MakeClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="clicksend_async.webhooks")

        def explode(receipt: DeliveryReceipt) -> None:
            raise RuntimeError("handler bug")

        client = await serve(on_receipt=explode, raise_handler_errors=True)
        status, text = await post_form(
            client, "/clicksend/receipts", sample("receipt_sms_undelivered_form.txt")
        )
        assert status == 500
        assert "handler bug" not in text
        [record] = caplog.records
        assert record.levelno == logging.ERROR
        assert record.exc_info is not None


class TestPublicNames:
    def test_all_is_sorted_and_complete(self) -> None:
        from clicksend_async import webhooks

        assert webhooks.__all__ == sorted(webhooks.__all__)
        for name in webhooks.__all__:
            assert hasattr(webhooks, name), name
