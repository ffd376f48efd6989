"""The ASGI webhook app: driven with raw ASGI messages, and mounted in FastAPI and Starlette."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

from clicksend_async import DeliveryReceipt, InboundMessage, SmsReceipt
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.webhooks import (
    WebhookASGIApp,
    parse_receipt,
    webhook_asgi_app,
    webhook_routes,
)

FORM = "application/x-www-form-urlencoded"
SECRET = "s3cr3t-Zq9xJ4-value"
RECEIPT = {"message_id": "M-1", "status_code": "201", "status_text": "Delivered", "to": "+6141"}
INBOUND = {"message_id": "I-1", "body": "STOP", "from": "+61411111111", "to": "+61422222222"}


async def call(
    app: Any,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    query: str = "",
    content_type: str | None = FORM,
    root_path: str = "",
    chunks: int = 1,
) -> tuple[int, dict[str, str], str]:
    """Drive an ASGI app with one HTTP request made of raw ASGI messages."""
    size = max(1, -(-len(body) // chunks))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    incoming = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]
    sent: list[Mapping[str, Any]] = []

    async def receive() -> Mapping[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", content_type.encode())] if content_type else []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": root_path + path,
        "root_path": root_path,
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    start, body_message = sent
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, body_message["body"].decode()


class Recorder:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def __call__(self, item: Any) -> None:
        self.items.append(item)


class TestDrivenByAsgiMessages:
    async def test_form_receipt_reaches_the_callback(self) -> None:
        got = Recorder()
        app = webhook_asgi_app(on_receipt=got, insecure=True)
        status, headers, text = await call(
            app, "POST", "/receipts", body=urlencode(RECEIPT).encode(), chunks=3
        )
        assert (status, text) == (200, "OK")
        assert headers["content-type"].startswith("text/plain")
        assert got.items == [parse_receipt(FORM, urlencode(RECEIPT).encode())]
        assert isinstance(got.items[0], DeliveryReceipt)

    async def test_get_inbound_reads_the_query(self) -> None:
        got = Recorder()
        app = webhook_asgi_app(on_inbound=got, insecure=True)
        status, _, _ = await call(app, "GET", "/inbound", query=urlencode(INBOUND))
        assert status == 200
        [message] = got.items
        assert isinstance(message, InboundMessage)
        assert (message.body, message.from_) == ("STOP", "+61411111111")

    async def test_json_body(self) -> None:
        got = Recorder()
        app = webhook_asgi_app(on_receipt=got, insecure=True)
        body = b'{"message_id": "J-1", "status_code": 301}'
        status, _, _ = await call(app, "POST", "/receipts", body=body, content_type=None)
        assert status == 200
        assert got.items[0].status_code == "301"

    @pytest.mark.parametrize(
        ("path", "query"),
        [
            (f"/receipts/{SECRET}", ""),
            ("/receipts", f"secret={SECRET}"),
            ("/receipts", f"token={SECRET}"),
        ],
    )
    async def test_secret_in_path_or_query(self, path: str, query: str) -> None:
        got = Recorder()
        app = webhook_asgi_app(on_receipt=got, secret=SECRET)
        status, _, _ = await call(app, "POST", path, body=urlencode(RECEIPT).encode(), query=query)
        assert status == 200
        assert "secret" not in got.items[0].extra and "token" not in got.items[0].extra

    @pytest.mark.parametrize(("path", "query"), [("/receipts", ""), ("/receipts/wrong", "")])
    async def test_missing_or_wrong_secret_is_403(
        self, path: str, query: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        got = Recorder()
        app = webhook_asgi_app(on_receipt=got, secret=SECRET)
        status, _, text = await call(app, "POST", path, body=urlencode(RECEIPT).encode())
        assert (status, text) == (403, "Forbidden")
        assert got.items == []
        assert SECRET not in caplog.text

    async def test_malformed_payload_is_400_without_echoing_it(self) -> None:
        app = webhook_asgi_app(on_receipt=Recorder(), insecure=True)
        status, _, text = await call(app, "POST", "/receipts", body=b"to=%2B61499999999")
        assert status == 400
        assert "message_id" in text and "61499999999" not in text

    async def test_unknown_path_method_and_size(self) -> None:
        app = webhook_asgi_app(on_receipt=Recorder(), insecure=True)
        assert (await call(app, "POST", "/nope"))[0] == 404
        status, headers, _ = await call(app, "PUT", "/receipts")
        assert (status, headers["allow"]) == (405, "GET, POST")
        assert (await call(app, "HEAD", "/receipts"))[0] == 405
        huge = b"message_id=1&status_code=201&pad=" + b"x" * (1024**2 + 1)
        assert (await call(app, "POST", "/receipts", body=huge, chunks=4))[0] == 413

    async def test_callback_error_is_logged_and_answered_200(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        def explode(_: DeliveryReceipt) -> None:
            raise RuntimeError("handler bug")

        app = webhook_asgi_app(on_receipt=explode, insecure=True)
        status, _, _ = await call(app, "POST", "/receipts", body=urlencode(RECEIPT).encode())
        assert status == 200
        assert "handler bug" in caplog.text

    async def test_raise_handler_errors_answers_500(self) -> None:
        async def explode(_: DeliveryReceipt) -> None:
            raise RuntimeError("handler bug")

        app = webhook_asgi_app(on_receipt=explode, insecure=True, raise_handler_errors=True)
        status, _, text = await call(app, "POST", "/receipts", body=urlencode(RECEIPT).encode())
        assert (status, text) == (500, "Internal Server Error")

    async def test_lifespan_is_acknowledged(self) -> None:
        app = webhook_asgi_app(on_receipt=Recorder(), insecure=True)
        incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[Mapping[str, Any]] = []

        async def receive() -> Mapping[str, Any]:
            return incoming.pop(0)

        async def send(message: Mapping[str, Any]) -> None:
            sent.append(message)

        await app({"type": "lifespan"}, receive, send)
        assert [m["type"] for m in sent] == [
            "lifespan.startup.complete",
            "lifespan.shutdown.complete",
        ]

    async def test_mount_point_in_root_path_is_stripped(self) -> None:
        got = Recorder()
        app = webhook_asgi_app(on_receipt=got, insecure=True)
        status, _, _ = await call(
            app, "POST", "/receipts", body=urlencode(RECEIPT).encode(), root_path="/clicksend"
        )
        assert status == 200


class TestSameAnswersAsAiohttp:
    REQUESTS: ClassVar[list[tuple[str, str, bytes]]] = [
        ("POST", "/clicksend/receipts", urlencode(RECEIPT).encode()),
        ("POST", f"/clicksend/receipts/{SECRET}", urlencode(RECEIPT).encode()),
        ("POST", "/clicksend/receipts/wrong", urlencode(RECEIPT).encode()),
        ("POST", f"/clicksend/receipts?secret={SECRET}", b"status_code=201"),
        ("GET", f"/clicksend/inbound?secret={SECRET}&" + urlencode(INBOUND), b""),
        ("POST", f"/clicksend/inbound/{SECRET}", b"{broken"),
        ("POST", f"/clicksend/receipts/{SECRET}", b""),
    ]

    async def test_every_answer_matches(self) -> None:
        options: dict[str, Any] = {
            "on_receipt": Recorder(),
            "on_inbound": Recorder(),
            "secret": SECRET,
        }
        aio = web.Application()
        aio.add_routes(webhook_routes(**options))
        asgi = webhook_asgi_app(path_prefix="/clicksend", **options)
        async with TestClient(TestServer(aio)) as client:
            for method, target, body in self.REQUESTS:
                path, _, query = target.partition("?")
                response = await client.request(
                    method, target, data=body, headers={"Content-Type": FORM}
                )
                expected = (response.status, await response.text())
                status, _, text = await call(asgi, method, path, body=body, query=query)
                assert (status, text) == expected, target


class TestFrameworks:
    async def test_mounted_in_fastapi(self) -> None:
        receipts, replies = Recorder(), Recorder()
        api = FastAPI()
        api.mount(
            "/clicksend",
            webhook_asgi_app(on_receipt=receipts, on_inbound=replies, secret=SECRET),
        )
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            r1 = await http.post(f"/clicksend/receipts/{SECRET}", data=RECEIPT)
            r2 = await http.get("/clicksend/inbound", params={**INBOUND, "token": SECRET})
            r3 = await http.post("/clicksend/receipts", data=RECEIPT)
        assert (r1.status_code, r2.status_code, r3.status_code) == (200, 200, 403)
        assert receipts.items[0].message_id == "M-1"
        assert replies.items[0].body == "STOP"

    async def test_mounted_in_starlette(self) -> None:
        got = Recorder()
        app = Starlette(
            routes=[Mount("/hooks", app=webhook_asgi_app(on_receipt=got, insecure=True))]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.post("/hooks/receipts", data=RECEIPT)
        assert response.status_code == 200
        assert len(got.items) == 1


class TestNoSecretWarning:
    def test_warns_once_when_built_without_a_secret(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.WARNING, logger="clicksend_async.webhooks")
        webhook_asgi_app(on_receipt=Recorder(), on_inbound=Recorder())
        webhook_routes(on_receipt=Recorder())
        warnings = [r for r in caplog.records if "without a secret" in r.getMessage()]
        assert len(warnings) == 2  # one per app built, none per route or request

    def test_insecure_silences_it(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.WARNING, logger="clicksend_async.webhooks")
        webhook_asgi_app(on_receipt=Recorder(), insecure=True)
        webhook_routes(on_receipt=Recorder(), insecure=True)
        webhook_asgi_app(on_receipt=Recorder(), secret=SECRET)
        assert caplog.records == []

    def test_repr_lists_the_paths(self) -> None:
        app = webhook_asgi_app(on_receipt=Recorder(), insecure=True)
        assert isinstance(app, WebhookASGIApp)
        assert "/receipts" in repr(app)


class TestOneModelPerConcept:
    def test_old_names_are_the_same_classes(self) -> None:
        from clicksend_async import InboundSms, webhooks

        assert SmsReceipt is DeliveryReceipt is webhooks.DeliveryReceipt
        assert InboundSms is InboundMessage is webhooks.InboundMessage

    async def test_polled_and_pushed_receipts_are_equal(self) -> None:
        pushed = Recorder()
        async with ClickSendEmulator(receipt_delay=0) as emu:
            async with emu.client(rate_limit=None) as cs:
                await cs.sms.send(to="+61412345678", body="hi", custom_string="ref-9")
                message_id = emu.sent[0].message_id
                polled = await cs.sms.receipt(message_id)
        assert type(polled) is DeliveryReceipt
        app = webhook_asgi_app(on_receipt=pushed, insecure=True)
        form = {
            "message_id": polled.message_id,
            "status_code": polled.status_code,
            "status_text": polled.status_text,
            "custom_string": polled.custom_string,
            "timestamp": int(polled.timestamp.timestamp()) if polled.timestamp else "",
        }
        await call(app, "POST", "/receipts", body=urlencode(form).encode())
        [item] = pushed.items
        assert type(item) is DeliveryReceipt
        assert (item.message_id, item.status_code, item.custom_string, item.delivered) == (
            polled.message_id,
            polled.status_code,
            "ref-9",
            polled.delivered,
        )
