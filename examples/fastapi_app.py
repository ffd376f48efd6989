"""A FastAPI app that texts people and takes ClickSend's delivery receipts and replies by webhook.

Serve it for real with credentials in the environment::

    CLICKSEND_USERNAME=... CLICKSEND_API_KEY=... WEBHOOK_SECRET=... \\
        uvicorn examples.fastapi_app:app --port 8000

then register ``https://<your host>/clicksend/receipts/<WEBHOOK_SECRET>`` (delivery reports) and
``https://<your host>/clicksend/inbound/<WEBHOOK_SECRET>`` (inbound rules) in the ClickSend
dashboard. ``POST /notify {"to": "+61411111111", "text": "..."}`` sends one SMS; concurrent
requests are coalesced into one ClickSend request by the batching sender.

Run it as a script (``python examples/fastapi_app.py``) with no credentials and it demonstrates
itself offline: it starts the built-in emulator, points ``CLICKSEND_BASE_URL`` at it, serves
the app with uvicorn on a free loopback port, sends a few notifications through ``/notify`` and
prints the receipts and the reply the emulator pushes back to the webhooks.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import TEST_NUMBER, has_credentials

from clicksend_async import (
    ClickSendClient,
    DeliveryReceipt,
    InboundMessage,
    SendOutcomeUnknownError,
    SmsMessage,
    ValidationError,
)
from clicksend_async.batching import BatchSender
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.webhooks import webhook_asgi_app

#: The webhook secret: part of the URLs you register, checked on every delivery.
WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET") or secrets.token_urlsafe(24)

# What the webhooks received; a real app would write to its database instead.
receipts: list[DeliveryReceipt] = []
replies: list[InboundMessage] = []


async def on_receipt(receipt: DeliveryReceipt) -> None:
    """Record a delivery receipt (keep it quick: ClickSend waits for the answer)."""
    receipts.append(receipt)


async def on_inbound(message: InboundMessage) -> None:
    """Record a reply; STOP replies would go on the opt-out list here."""
    replies.append(message)


class Notification(BaseModel):
    """The body of ``POST /notify``."""

    to: str
    text: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open one ClickSend client and one batching sender for the life of the app."""
    async with ClickSendClient.from_env() as cs, cs.sms.batcher(max_delay=0.01) as sender:
        app.state.sender = sender
        yield
    # Leaving the block flushed the sender: no accepted request is left unsent.


app = FastAPI(title="clicksend_async example", lifespan=lifespan)
app.mount(
    "/clicksend",
    webhook_asgi_app(on_receipt=on_receipt, on_inbound=on_inbound, secret=WEBHOOK_SECRET),
)


@app.post("/notify")
async def notify(notification: Notification) -> dict[str, str | None]:
    """Send one SMS; answer with its message id and the custom_string to look it up by."""
    sender: BatchSender[SmsMessage] = app.state.sender
    try:
        result = await sender.send(to=notification.to, body=notification.text)
    except ValidationError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except SendOutcomeUnknownError as exc:
        # Never retried: the message may have gone out. Keep the reference to reconcile.
        raise HTTPException(
            status_code=502, detail={"outcome": "unknown", "custom_string": exc.custom_strings[0]}
        ) from None
    if not result.accepted:
        raise HTTPException(status_code=422, detail=f"refused by ClickSend: {result.status}")
    return {"message_id": result.message_id, "custom_string": result.custom_string}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def demo() -> None:
    """Serve the app on loopback against the emulator, send through it, show the webhooks."""
    port = _free_port()
    hooks = f"http://127.0.0.1:{port}/clicksend"
    async with ClickSendEmulator(
        receipt_url=f"{hooks}/receipts/{WEBHOOK_SECRET}",
        inbound_url=f"{hooks}/inbound/{WEBHOOK_SECRET}",
        receipt_delay=0.1,
        auto_reply="STOP",
    ) as emulator:
        print(f"No credentials in the environment: using the built-in emulator at {emulator.url}.")
        os.environ.update(
            CLICKSEND_USERNAME=emulator.username,
            CLICKSEND_API_KEY=emulator.api_key,
            CLICKSEND_BASE_URL=emulator.url,  # what from_env() reads for the base URL
        )
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, no event)
            await asyncio.sleep(0.01)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                numbers = ["+61412345678", "+61412345679", "+61412340000", TEST_NUMBER]
                answers = await asyncio.gather(
                    *(
                        http.post("/notify", json={"to": n, "text": "Your order shipped"})
                        for n in numbers
                    ),
                    http.post("/notify", json={"to": "not a number", "text": "x"}),
                )
                for number, answer in zip([*numbers, "not a number"], answers, strict=True):
                    print(f"POST /notify {number}: {answer.status_code} {answer.json()}")
                sends = [r for r in emulator.requests if r.path == "/sms/send"]
                print(f"{len(numbers)} notifications went out in {len(sends)} ClickSend request(s)")
                # Three real numbers get receipts (free test numbers get none); the two
                # delivered ones reply STOP.
                for _ in range(300):
                    if len(receipts) >= 3 and len(replies) >= 2:
                        break
                    await asyncio.sleep(0.02)
                forged = await http.post("/clicksend/receipts/wrong-secret", data={"x": "1"})
                print(f"a webhook with the wrong secret gets {forged.status_code}")
        finally:
            server.should_exit = True
            await serving
    for receipt in sorted(receipts, key=lambda r: r.custom_string or ""):
        print(f"receipt {receipt.custom_string}: {receipt.state} ({receipt.status_text})")
    for reply in replies:
        print(f"inbound reply from {reply.from_}: {reply.body!r}")


if __name__ == "__main__":
    if has_credentials():
        print("Credentials found: serve the app with `uvicorn examples.fastapi_app:app`.")
        raise SystemExit(0)
    asyncio.run(demo())
