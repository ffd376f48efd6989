"""Decoders map every failure to a typed error: depth, size, non-finite numbers, charsets."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from clicksend_async import ClickSendClient, DecodeError, SendOutcomeUnknownError
from clicksend_async._converter import structure
from clicksend_async._exceptions import ConfigurationError, WebhookPayloadError
from clicksend_async._sansio import MAX_JSON_DEPTH, decode_body, decode_envelope
from clicksend_async._transport import DEFAULT_MAX_RESPONSE_SIZE, Transport
from clicksend_async.webhooks import parse_inbound, parse_receipt, webhook_routes

OK = b'{"http_code":200,"response_code":"SUCCESS","data":%s}'


class TestJsonDepth:
    def test_nesting_past_the_recursion_limit_is_a_decode_error(self) -> None:
        with pytest.raises(DecodeError, match="nests deeper"):
            decode_body(b"[" * 100_000)

    def test_nesting_past_the_cap_is_a_decode_error(self) -> None:
        depth = MAX_JSON_DEPTH + 1
        with pytest.raises(DecodeError, match="nests deeper"):
            decode_body(OK % (b'{"a":' * depth + b"1" + b"}" * depth))

    def test_nesting_up_to_the_cap_decodes(self) -> None:
        depth = MAX_JSON_DEPTH
        assert decode_body(b"[" * depth + b"]" * depth) is not None

    def test_many_brackets_side_by_side_are_not_depth(self) -> None:
        assert len(decode_body(b"[" + b",".join([b"[]"] * 5000) + b"]")) == 5000

    def test_brackets_inside_strings_do_not_count(self) -> None:
        assert decode_body(b'["' + b"[" * 1000 + b'"]') == ["[" * 1000]

    @pytest.mark.parametrize(
        "text",
        ["plain", "a]]]]b", 'a\\"]]b', "back\\slash\\", "line\nbreak", '\\"', "{[", ""],
    )
    @pytest.mark.parametrize("depth", [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
    def test_strings_with_quotes_brackets_or_escapes_never_hide_or_add_depth(
        self, text: str, depth: int
    ) -> None:
        import json

        # The depth is read from the body's bytes unless a string holds a quote or a bracket;
        # either way the answer is the one a walk of the value gives.
        value: Any = text
        for level in range(depth):
            value = [value, text] if level % 2 else {f"k{text}": value, "s": text}
        body = json.dumps(value).encode()
        if depth > MAX_JSON_DEPTH:
            with pytest.raises(DecodeError, match="nests deeper"):
                decode_body(body)
        else:
            assert decode_body(body) == json.loads(body)

    def test_a_large_answer_with_shallow_messages_decodes(self) -> None:
        import json

        messages = [{"custom_string": f"c-{i}", "body": "Hi [name]", "n": i} for i in range(3000)]
        body = json.dumps({"data": {"messages": messages}}).encode()
        assert decode_body(body)["data"]["messages"][2999]["n"] == 2999

    def test_a_deep_error_envelope_is_still_typed(self) -> None:
        with pytest.raises(Exception) as info:
            decode_envelope(400, {}, b"[" * 100_000, method="GET", url="http://x/v3/a")
        assert type(info.value).__name__ == "BadRequestError"


class TestNonFiniteNumbers:
    @pytest.mark.parametrize(
        "body", [b"NaN", b'{"a":Infinity}', b"[-Infinity]", b"1e999", b"-1e400", b"1" * 5000]
    )
    def test_a_number_json_cannot_carry_is_a_decode_error(self, body: bytes) -> None:
        with pytest.raises(DecodeError, match="number JSON cannot carry"):
            decode_body(body)

    def test_ordinary_numbers_decode(self) -> None:
        assert decode_body(b"[0.0792, 1e10, -3, 1E-5]") == [0.0792, 1e10, -3, 1e-05]

    @pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "sNaN", float("nan")])
    def test_money_refuses_non_finite_amounts(self, value: Any) -> None:
        with pytest.raises(DecodeError, match="expected an amount"):
            structure(value, Decimal)

    @pytest.mark.parametrize("value", ["inf", "nan", "-inf", float("inf"), float("nan")])
    def test_integers_refuse_non_finite_values(self, value: Any) -> None:
        with pytest.raises(DecodeError, match="expected an integer"):
            structure(value, int)

    @pytest.mark.parametrize("value", ["inf", "nan", float("inf"), 1e300, "1e300", -1e300])
    def test_timestamps_refuse_non_finite_and_out_of_range_values(self, value: Any) -> None:
        with pytest.raises(DecodeError, match="timestamp"):
            structure(value, datetime)

    def test_booleans_refuse_nan(self) -> None:
        with pytest.raises(DecodeError, match="expected a boolean"):
            structure(float("nan"), bool)

    def test_a_huge_wrong_value_is_named_briefly(self) -> None:
        with pytest.raises(DecodeError) as info:
            structure("x" * 1_000_000, int)
        assert len(str(info.value)) < 300


class TestWebhookCharsets:
    @pytest.mark.parametrize("charset", ["punycode", "idna", "utf-16", "utf-32", "utf-7"])
    @pytest.mark.parametrize("parse", [parse_receipt, parse_inbound])
    def test_a_body_the_charset_cannot_decode_is_a_payload_error(
        self, charset: str, parse: Callable[..., Any]
    ) -> None:
        content_type = f"application/x-www-form-urlencoded; charset={charset}"
        with pytest.raises(WebhookPayloadError):
            parse(content_type, b"message_id=\xff\xfe\xfd-&status_code=201\x80")

    def test_punycode_json_is_a_payload_error(self) -> None:
        with pytest.raises(WebhookPayloadError, match="punycode"):
            parse_receipt("application/json; charset=punycode", b'{"message_id": "\xc3\xa9"}')

    async def test_the_route_answers_400_not_500(self) -> None:
        app = web.Application()
        app.add_routes(webhook_routes(on_receipt=lambda receipt: None, secret="s3cr3t-value"))
        async with TestClient(TestServer(app)) as client:
            response = await client.post(
                "/clicksend/receipts/s3cr3t-value",
                data=b"message_id=x%FF&status=Delivered",
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=punycode"},
            )
            assert response.status == 400


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Serve one handler on every path; yield a function that starts it and returns the URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}/v3"

    yield start
    for runner in runners:
        await runner.cleanup()


def _client(url: str, **kwargs: Any) -> ClickSendClient:
    return ClickSendClient(username="u", api_key="k", base_url=url, rate_limit=None, **kwargs)


class TestResponseSizeCap:
    def test_the_default_is_generous(self) -> None:
        assert DEFAULT_MAX_RESPONSE_SIZE >= 16 * 1024 * 1024

    @pytest.mark.parametrize("size", [0, -1, True, 1.5, "1"])
    def test_a_nonsense_cap_is_a_configuration_error(self, size: Any) -> None:
        with pytest.raises(ConfigurationError, match="max_response_size"):
            Transport(max_response_size=size)

    async def test_a_declared_length_over_the_cap_is_not_read(
        self, serve: Callable[[Handler], Awaitable[str]]
    ) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=OK % (b'"' + b"x" * 5000 + b'"'))

        async with _client(await serve(handler), max_response_size=1000) as cs:
            with pytest.raises(DecodeError, match="larger than max_response_size"):
                await cs.account.get()

    async def test_a_streamed_body_over_the_cap_stops_being_read(
        self, serve: Callable[[Handler], Awaitable[str]]
    ) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            for _ in range(64):
                await response.write(b" " * 65536)
            await response.write_eof()
            return response

        async with _client(await serve(handler), max_response_size=1024 * 1024) as cs:
            with pytest.raises(DecodeError, match="larger than max_response_size"):
                await cs.account.get()

    async def test_a_gzip_bomb_is_counted_inflated(
        self, serve: Callable[[Handler], Awaitable[str]]
    ) -> None:
        bomb = gzip.compress(OK % (b'"' + b"0" * 4_000_000 + b'"'))

        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

        assert len(bomb) < 100_000
        async with _client(await serve(handler), max_response_size=1024 * 1024) as cs:
            with pytest.raises(DecodeError, match="larger than max_response_size"):
                await cs.account.get()

    async def test_an_oversized_answer_to_a_send_is_an_unknown_outcome(
        self, serve: Callable[[Handler], Awaitable[str]]
    ) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=OK % (b'"' + b"x" * 5000 + b'"'))

        async with _client(await serve(handler), max_response_size=1000) as cs:
            with pytest.raises(SendOutcomeUnknownError) as info:
                await cs.sms.send([{"to": "+61411111111", "body": "hi"}])
        assert isinstance(info.value.cause, DecodeError)

    @pytest.mark.parametrize(("spare", "read"), [(0, True), (-1, False)])
    async def test_a_declared_plain_body_is_read_whole_up_to_the_cap(
        self, serve: Callable[[Handler], Awaitable[str]], spare: int, read: bool
    ) -> None:
        body = OK % (b'"' + b"y" * 500 + b'"')

        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=body, content_type="application/json")

        async with _client(await serve(handler), max_response_size=len(body) + spare) as cs:
            if read:
                assert await cs.request("GET", "/account") == json.loads(body)
            else:
                with pytest.raises(DecodeError, match="larger than max_response_size"):
                    await cs.request("GET", "/account")

    async def test_a_small_deflated_body_is_still_counted_inflated(
        self, serve: Callable[[Handler], Awaitable[str]]
    ) -> None:
        body = OK % (b'"' + b"0" * 200_000 + b'"')
        deflated = zlib.compress(body)

        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=deflated, headers={"Content-Encoding": "deflate"})

        assert len(deflated) < 2000
        async with _client(await serve(handler), max_response_size=100_000) as cs:
            with pytest.raises(DecodeError, match="larger than max_response_size"):
                await cs.request("GET", "/account")
        async with _client(await serve(handler), max_response_size=len(body)) as cs:
            assert (await cs.request("GET", "/account"))["data"] == "0" * 200_000

    async def test_a_body_under_the_cap_is_read(
        self, serve: Callable[[Handler], Awaitable[str]]
    ) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.json_response({"http_code": 200, "response_code": "SUCCESS", "data": 7})

        async with _client(await serve(handler), max_response_size=1000) as cs:
            assert await cs.request("GET", "/account") == {
                "http_code": 200,
                "response_code": "SUCCESS",
                "data": 7,
            }
