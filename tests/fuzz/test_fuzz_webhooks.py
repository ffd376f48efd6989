"""Fuzz: webhook parsers give a receipt, a message or a WebhookPayloadError; routes never 500.

ClickSend signs no webhooks, so anyone who knows the URL can post anything to it: a body in
any charset, truncated JSON, nesting deep enough to break a recursive decoder, huge numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clicksend_async import ClickSendError
from clicksend_async.webhooks import (
    DeliveryReceipt,
    InboundMessage,
    parse_inbound,
    parse_receipt,
    webhook_routes,
)

from .strategies import anything, hostile_text

FUZZ = settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

SECRET = "fuzz-Secret-0123456789"
FIELDS = [
    "message_id",
    "status",
    "status_code",
    "status_text",
    "timestamp",
    "timestamp_send",
    "error_code",
    "custom_string",
    "subaccount_id",
    "message_type",
    "from",
    "to",
    "body",
    "original_message_id",
    "original_body",
    "digits",
]

media_type = st.sampled_from(
    [
        None,
        "application/x-www-form-urlencoded",
        "application/json",
        "application/problem+json",
        "multipart/form-data; boundary=xyz",
        "text/plain",
        "",
        ";",
    ]
)
charset = st.sampled_from(
    [
        "",
        "utf-8",
        "latin-1",
        "utf-16",
        "utf-32",
        "punycode",
        "idna",
        "utf-7",
        "rot13",
        "base64",
        "undefined",
        "no-such",
        '"utf-8"',
        "utf-8; charset=punycode",
    ]
)
content_type = st.builds(
    lambda m, c: m if m is None or not c else f"{m}; charset={c}", media_type, charset
)
fields = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), hostile_text), st.one_of(hostile_text, anything), max_size=6
)


def _json_bytes(value: Any) -> bytes:
    try:
        return json.dumps(value, default=repr).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError, RecursionError):
        return b"{}"


def _form_bytes(value: dict[Any, Any]) -> bytes:
    pairs = {str(k): str(v) for k, v in value.items()}
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()


body = st.one_of(
    st.binary(max_size=200),
    fields.map(_form_bytes),
    fields.map(_json_bytes),
    fields.map(_json_bytes).map(lambda b: b[: max(1, len(b) // 2)]),  # truncated JSON
    st.integers(1, 5000).map(lambda n: b'{"message_id":' + b"[" * n + b"]" * n + b"}"),
    st.sampled_from([b"NaN", b'{"message_id": "M", "timestamp": 1e999}', b"1" * 5000]),
    st.text(max_size=60).map(lambda t: t.encode("utf-16", "surrogatepass")),
)

Parse = Callable[[str | None, Any], DeliveryReceipt | InboundMessage]


@FUZZ
@given(parse=st.sampled_from([parse_receipt, parse_inbound]), ct=content_type, payload=body)
def test_a_body_parses_or_is_a_payload_error(parse: Parse, ct: str | None, payload: bytes) -> None:
    with contextlib.suppress(ClickSendError):
        parse(ct, payload)


@FUZZ
@given(parse=st.sampled_from([parse_receipt, parse_inbound]), payload=fields)
def test_a_decoded_mapping_parses_or_is_a_payload_error(parse: Parse, payload: Any) -> None:
    with contextlib.suppress(ClickSendError):
        parse(None, payload)


@settings(FUZZ, max_examples=8)
@given(
    requests=st.lists(
        st.tuples(st.sampled_from(["receipts", "inbound"]), content_type, body, st.booleans()),
        min_size=25,
        max_size=25,
    )
)
def test_the_routes_answer_every_post_without_a_500(
    requests: list[tuple[str, str | None, bytes, bool]],
) -> None:
    asyncio.run(_post_all(requests))


async def _post_all(requests: list[tuple[str, str | None, bytes, bool]]) -> None:
    got: list[object] = []
    app = web.Application()
    app.add_routes(
        webhook_routes(
            on_receipt=got.append, on_inbound=got.append, secret=SECRET, raise_handler_errors=True
        )
    )
    async with TestClient(TestServer(app)) as client:
        for kind, ct, payload, as_query in requests:
            headers = {} if ct is None else {"Content-Type": ct}
            if as_query:
                query = payload.decode("latin-1")
                response = await client.get(f"/clicksend/{kind}/{SECRET}?{query}")
            else:
                response = await client.post(
                    f"/clicksend/{kind}/{SECRET}", data=payload, headers=headers
                )
            assert response.status in (200, 400), (kind, ct, payload[:80], response.status)
            await response.release()
    assert all(isinstance(item, DeliveryReceipt | InboundMessage) for item in got)
