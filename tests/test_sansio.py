"""The pure core: envelope decoding, Retry-After parsing, retry classification."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from clicksend_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from clicksend_async._sansio import (
    Failure,
    RequestKind,
    build_url,
    clean_text,
    decode_envelope,
    may_retry,
    normalize_path,
    parse_retry_after,
    request_kind,
    route,
)

URL = "https://rest.clicksend.com/v3/account"


def envelope(http_code: int, code: str, msg: str = "", data: object = None) -> bytes:
    return json.dumps(
        {"http_code": http_code, "response_code": code, "response_msg": msg, "data": data}
    ).encode()


def decode(status: int, body: bytes, headers: dict[str, str] | None = None) -> dict[str, object]:
    return decode_envelope(status, headers or {}, body, method="GET", url=URL)


class TestDecodeEnvelope:
    @pytest.mark.parametrize("code", ["SUCCESS", "CREATED", "NO_CONTENT"])
    def test_success_codes_return_the_envelope(self, code: str) -> None:
        result = decode(200, envelope(200, code, "ok", {"a": 1}))
        assert result["data"] == {"a": 1}

    def test_empty_204_is_an_empty_envelope(self) -> None:
        assert decode(204, b"")["data"] is None

    @pytest.mark.parametrize(
        ("status", "code", "cls"),
        [
            (400, "BAD_REQUEST", BadRequestError),
            (401, "UNAUTHORIZED", AuthenticationError),
            (403, "FORBIDDEN", PermissionDeniedError),
            (404, "NOT_FOUND", NotFoundError),
            (405, "METHOD_NOT_FOUND", MethodNotAllowedError),
            (422, "UNPROCESSABLE_ENTITY", UnprocessableEntityError),
            (429, "TOO_MANY_REQUESTS", RateLimitError),
            (429, "HTTP_TOO_MANY_REQUESTS", RateLimitError),
            (500, "INTERNAL_SERVER_ERROR", ServerError),
            (502, "BAD_GATEWAY", ServerError),
            (503, "SERVICE_UNAVAILABLE", ServerError),
            (418, "TEAPOT", APIError),
        ],
    )
    def test_status_maps_to_one_class(self, status: int, code: str, cls: type[APIError]) -> None:
        with pytest.raises(cls) as info:
            decode(status, envelope(status, code, "why", {"name": "required"}))
        err = info.value
        assert type(err) is cls
        assert err.status_code == status
        assert err.response_code == code
        assert err.response_msg == "why"
        assert err.data == {"name": "required"}
        assert err.method == "GET"
        assert err.url == URL

    def test_2xx_with_failure_response_code_still_raises(self) -> None:
        with pytest.raises(APIError) as info:
            decode(200, envelope(200, "INVALID_REQUEST", "nope"))
        assert info.value.response_code == "INVALID_REQUEST"
        assert info.value.status_code == 200

    def test_2xx_carrying_rate_limit_code_is_rate_limit(self) -> None:
        with pytest.raises(RateLimitError):
            decode(200, envelope(200, "HTTP_TOO_MANY_REQUESTS"))

    def test_2xx_whose_envelope_says_4xx_raises_that_status(self) -> None:
        with pytest.raises(AuthenticationError):
            decode(200, envelope(401, "UNAUTHORIZED"))

    def test_rate_limit_code_on_other_status_is_rate_limit(self) -> None:
        with pytest.raises(RateLimitError):
            decode(400, envelope(400, "TOO_MANY_REQUESTS"))

    def test_429_carries_retry_after(self) -> None:
        with pytest.raises(RateLimitError) as info:
            decode(429, envelope(429, "HTTP_TOO_MANY_REQUESTS"), {"Retry-After": "20"})
        assert info.value.retry_after == 20

    def test_non_json_2xx_is_a_decode_error_saying_where(self) -> None:
        with pytest.raises(DecodeError) as info:
            decode(200, b"<html>gateway</html>")
        text = str(info.value)
        assert "not JSON" in text
        assert URL in text
        assert "<html>" in text

    def test_non_utf8_body_is_a_decode_error(self) -> None:
        with pytest.raises(DecodeError, match="UTF-8"):
            decode(200, b'{"x": "\xff"}')

    def test_json_array_envelope_is_a_decode_error(self) -> None:
        with pytest.raises(DecodeError, match="envelope"):
            decode(200, b"[1, 2]")

    def test_html_502_is_a_server_error_not_a_decode_error(self) -> None:
        with pytest.raises(ServerError) as info:
            decode(502, b"<html>Bad gateway</html>")
        assert info.value.status_code == 502
        assert info.value.response_code is None


class TestParseRetryAfter:
    NOW = 1_700_000_000.0

    @pytest.mark.parametrize(
        ("headers", "expected"),
        [
            ({"Retry-After": "20"}, 20.0),
            ({"retry-after": "1.5"}, 1.5),
            ({"retry-after-ms": "250"}, 0.25),
            ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
            ({"ratelimit-reset": "47"}, 47.0),
            ({"Retry-After": "3", "ratelimit-reset": "47"}, 3.0),
            ({"ratelimit-reset": str(int(NOW) + 30)}, 30.0),
            ({"Retry-After": "soon"}, None),
            ({"Retry-After": "-5"}, None),
            ({"Retry-After": "nan"}, None),
            ({"Retry-After": "soon", "ratelimit-reset": "12"}, 12.0),
            ({}, None),
        ],
    )
    def test_table(self, headers: dict[str, str], expected: float | None) -> None:
        assert parse_retry_after(headers, now=self.NOW) == expected

    def test_http_date(self) -> None:
        when = datetime.fromtimestamp(self.NOW + 42, UTC)
        headers = {"Retry-After": format_datetime(when, usegmt=True)}
        assert parse_retry_after(headers, now=self.NOW) == pytest.approx(42)

    def test_http_date_in_the_past_is_zero(self) -> None:
        when = datetime.fromtimestamp(self.NOW - 42, UTC)
        headers = {"Retry-After": format_datetime(when, usegmt=True)}
        assert parse_retry_after(headers, now=self.NOW) == 0


class TestRetryClassification:
    @pytest.mark.parametrize(
        ("method", "path", "kind"),
        [
            ("POST", "/sms/send", RequestKind.SEND),
            ("post", "sms/send/", RequestKind.SEND),
            ("POST", "/mms/send", RequestKind.SEND),
            ("POST", "/voice/send", RequestKind.SEND),
            ("POST", "/sms/price", RequestKind.IDEMPOTENT),
            ("POST", "/voice/price", RequestKind.IDEMPOTENT),
            ("GET", "/sms/history", RequestKind.IDEMPOTENT),
            ("PUT", "/lists/4", RequestKind.IDEMPOTENT),
            ("DELETE", "/lists/4", RequestKind.IDEMPOTENT),
            ("POST", "/lists", RequestKind.UNSAFE),
        ],
    )
    def test_request_kind(self, method: str, path: str, kind: RequestKind) -> None:
        assert request_kind(method, path) is kind
        assert route(method, path) == (normalize_path(path), kind)
        assert route(method, path) == (normalize_path(path), kind)  # remembered

    @pytest.mark.parametrize(
        ("kind", "failure", "allowed"),
        [
            (RequestKind.SEND, Failure.RATE_LIMITED, True),
            (RequestKind.SEND, Failure.CONNECT, True),
            (RequestKind.SEND, Failure.SERVER, False),
            (RequestKind.SEND, Failure.TIMEOUT, False),
            (RequestKind.SEND, Failure.CONNECTION_LOST, False),
            (RequestKind.UNSAFE, Failure.SERVER, False),
            (RequestKind.UNSAFE, Failure.RATE_LIMITED, True),
            (RequestKind.IDEMPOTENT, Failure.SERVER, True),
            (RequestKind.IDEMPOTENT, Failure.TIMEOUT, True),
            (RequestKind.IDEMPOTENT, Failure.CONNECTION_LOST, True),
        ],
    )
    def test_may_retry(self, kind: RequestKind, failure: Failure, allowed: bool) -> None:
        assert may_retry(kind, failure) is allowed

    def test_opt_in_allows_unsafe_retries(self) -> None:
        assert may_retry(RequestKind.SEND, Failure.TIMEOUT, retry_unsafe=True)


class TestBuildUrl:
    def test_joins_and_encodes_plus_and_drops_none(self) -> None:
        url = build_url(
            "https://x/v3/", "/sms/history", {"q": "to:+61411111111", "page": 2, "x": None}
        )
        assert url == "https://x/v3/sms/history?q=to:%2B61411111111&page=2"

    def test_booleans_become_digits(self) -> None:
        assert build_url("https://x/v3", "a", {"flag": True}) == "https://x/v3/a?flag=1"


def test_every_send_to_people_is_a_send() -> None:
    from clicksend_async._sansio import RequestKind, request_kind

    for path in (
        "/sms/send",
        "/sms-campaigns/send",
        "/mms-campaigns/send",
        "/email/send",
        "/email-campaigns/send",
        "/fax/send",
        "/post/letters/send",
        "/post/postcards/send",
        "/post/direct-mail/campaigns/send",
    ):
        assert request_kind("POST", path) is RequestKind.SEND, path


class TestOneDecoderForEveryBody:
    """decode_body's shared decoder parses (and fails) exactly as json.loads with its hooks."""

    @pytest.mark.parametrize(
        "body",
        [
            b'{"a": [1, 2.5, "x"], "b": null}',
            b"  [1]  ",
            '{"a": 1}'.encode("utf-16"),
            '{"a": 1}'.encode("utf-32-le"),
            b"\xef\xbb\xbf{}",
            b'{"a": 1} x',
            b"",
            b"\xff\xfe\x00",
            b"[NaN]",
            b"[1e999]",
            b"{",
            b"{\x00",
            b'{"\x00"}',
            '{"a": "\u00e9"}'.encode("utf-16-le"),
            b'{"a": "\xe9"}',
            b"   ",
            b" {} ",
            b"[1] [2]",
            b'{"a": 1e5, "b": -0.0, "c": [true, false, null]}',
        ],
    )
    def test_same_value_or_same_error_as_json_loads(self, body: bytes) -> None:
        from clicksend_async._sansio import _finite_float, _loads, _refuse_constant

        def outcome(parse: Callable[[bytes], Any]) -> tuple[str, str]:
            try:
                return "value", repr(parse(body))
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError among them
                return type(exc).__name__, str(exc)

        assert outcome(_loads) == outcome(
            lambda b: json.loads(b, parse_constant=_refuse_constant, parse_float=_finite_float)
        )

    def test_text_with_a_bom_and_other_types_fail_as_in_json_loads(self) -> None:
        from clicksend_async._sansio import _loads

        with pytest.raises(json.JSONDecodeError, match="BOM"):
            _loads("\ufeff{}")
        assert _loads('{"a": 1}') == {"a": 1}
        with pytest.raises(TypeError, match="memoryview"):
            _loads(memoryview(b"{}"))  # type: ignore[arg-type]


class TestCleanText:
    def test_text_utf_8_can_carry_is_kept_as_it_is(self) -> None:
        for text in ("", "SUCCESS", "caf\u00e9 \U0001f600"):
            assert clean_text(text) is text

    def test_a_lone_surrogate_becomes_a_question_mark(self) -> None:
        assert clean_text("bad\ud800 and \udfff") == "bad? and ?"
        assert clean_text("\ud83d\ude00") == "??"  # a pair of escapes is not an emoji in str

    def test_an_error_envelope_quoting_a_lone_surrogate_gives_clean_text(self) -> None:
        body = b'{"http_code":400,"response_code":"BAD\\ud800","response_msg":"no \\udfff"}'
        with pytest.raises(APIError) as caught:
            decode_envelope(400, {}, body, method="POST", url="https://x/v3/sms/send")
        assert (caught.value.response_code, caught.value.response_msg) == ("BAD?", "no ?")
        str(caught.value).encode("utf-8")
