"""Delivery receipts and inbound replies pushed to a local aiohttp server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from emulator_helpers import Api, EmulatorFactory, basic, sms


class Receiver:
    """Collect webhook POSTs on a local port."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, Any]] = []
        self.arrived = asyncio.Event()
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body: Any = await request.json()
        else:
            body = dict(await request.post())
        self.posts.append((request.path, request.content_type, body))
        self.arrived.set()
        return web.Response(status=self.status)

    async def wait(self, count: int) -> None:
        async def until() -> None:
            while len(self.posts) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(until(), 2)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = Receiver()
    app = web.Application()
    app.router.add_post("/{kind}", target.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    target.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield target
    await runner.cleanup()


class TestReceiptPush:
    async def test_receipts_are_posted_form_encoded(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, receiver: Receiver
    ) -> None:
        emu = await make_emulator(receipt_url=receiver.url + "/dlr", receipt_delay=0.01)
        api = Api(session, emu.url, basic(emu))
        await api.post(
            "/sms/send",
            {
                "messages": [
                    sms(custom_string="c-1"),
                    sms(to="+61412340000"),
                    sms(to="+61411111111"),
                ]
            },
        )
        await receiver.wait(2)
        await asyncio.sleep(0.03)  # the free test number must not produce a third receipt
        assert len(receiver.posts) == 2
        by_to = {emu.sent[i].message_id: i for i in range(3)}
        delivered, failed = sorted(receiver.posts, key=lambda p: by_to[p[2]["message_id"]])
        assert delivered[:2] == ("/dlr", "application/x-www-form-urlencoded")
        form = delivered[2]
        assert set(form) >= {
            "timestamp_send",
            "timestamp",
            "message_id",
            "status",
            "status_code",
            "status_text",
            "error_code",
            "error_text",
            "custom_string",
            "user_id",
            "subaccount_id",
            "message_type",
        }
        assert (form["status"], form["status_code"], form["custom_string"]) == (
            "Delivered",
            "201",
            "c-1",
        )
        assert form["message_type"] == "sms"
        assert (failed[2]["status"], failed[2]["status_code"]) == ("Undelivered", "301")

    async def test_cancelled_scheduled_message_gets_no_receipt(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, receiver: Receiver
    ) -> None:
        emu = await make_emulator(receipt_url=receiver.url + "/dlr", receipt_delay=0.05)
        api = Api(session, emu.url, basic(emu))
        reply = await api.post("/sms/send", {"messages": [sms()]})
        await api.put(f"/sms/{reply.data['messages'][0]['message_id']}/cancel")  # not scheduled
        scheduled = await api.post(
            "/sms/send",
            {"messages": [sms(to="+61412345679", schedule=int(emu.sent[0].time) + 3600)]},
        )
        await api.put(f"/sms/{scheduled.data['messages'][0]['message_id']}/cancel")
        await receiver.wait(1)
        assert [p[2]["message_id"] for p in receiver.posts] == [emu.sent[0].message_id]

    async def test_push_failures_are_swallowed(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, receiver: Receiver
    ) -> None:
        receiver.status = 500
        emu = await make_emulator(receipt_url=receiver.url + "/dlr", receipt_delay=0)
        api = Api(session, emu.url, basic(emu))
        await api.post("/sms/send", {"messages": [sms()]})
        await receiver.wait(1)
        assert (await api.get("/account")).status == 200

    async def test_unreachable_url_is_logged_not_raised(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(receipt_url="http://127.0.0.1:9/nothing", receipt_delay=0)
        await Api(session, emu.url, basic(emu)).post("/sms/send", {"messages": [sms()]})
        await asyncio.sleep(0.05)
        assert len(emu.sent) == 1

    async def test_close_cancels_pending_pushes(
        self, session: aiohttp.ClientSession, receiver: Receiver
    ) -> None:
        from clicksend_async.testing import ClickSendEmulator

        async with ClickSendEmulator(receipt_url=receiver.url + "/dlr", receipt_delay=60) as emu:
            await Api(session, emu.url, basic(emu)).post("/sms/send", {"messages": [sms()]})
        assert receiver.posts == []


class TestInboundPush:
    async def test_form_push_carries_the_documented_keys(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, receiver: Receiver
    ) -> None:
        emu = await make_emulator(inbound_url=receiver.url + "/in")
        reply = await Api(session, emu.url, basic(emu)).post(
            "/sms/send", {"messages": [sms(custom_string="o-1", **{"from": "+61400000999"})]}
        )
        message_id = reply.data["messages"][0]["message_id"]
        emu.simulate_inbound("+61412345678", "Yes please", original_message_id=message_id)
        await receiver.wait(1)
        path, content_type, form = receiver.posts[0]
        assert (path, content_type) == ("/in", "application/x-www-form-urlencoded")
        assert form["from"] == form["sms"] == "+61412345678"
        assert form["to"] == form["originalsenderid"] == "+61400000999"
        assert form["body"] == form["message"] == "Yes please"
        assert form["original_message_id"] == form["originalmessageid"] == message_id
        assert form["custom_string"] == form["customstring"] == "o-1"
        assert form["original_body"] == "Hello there"
        assert {"timestamp", "message_id", "user_id", "subaccount_id"} <= set(form)

    async def test_json_push(self, make_emulator: EmulatorFactory, receiver: Receiver) -> None:
        emu = await make_emulator(inbound_url=receiver.url + "/in", inbound_format="json")
        emu.simulate_inbound("+61412345678", "hello", custom_string="x")
        await receiver.wait(1)
        _, content_type, body = receiver.posts[0]
        assert content_type == "application/json"
        assert (body["from"], body["body"], body["custom_string"]) == ("+61412345678", "hello", "x")
        assert isinstance(body["timestamp"], int)
        assert "originalmessageid" not in body

    def test_inbound_format_is_checked(self) -> None:
        from clicksend_async.testing import ClickSendEmulator

        with pytest.raises(ValueError, match="inbound_format"):
            ClickSendEmulator(inbound_format="xml")
