"""Receive ClickSend delivery receipts and inbound replies with aiohttp.

Run it with no arguments for a self-contained demo: it starts the webhook app on a free port of
127.0.0.1 next to ``clicksend_async.testing.ClickSendEmulator``, whose URL rules point at the
app. It sends one SMS through the emulator with ``ClickSendClient``, prints the delivery receipt
the emulator pushes back (a form POST, as ClickSend posts receipts), has the recipient reply
(pushed as JSON, like an inbound rule with ``webhook_type: "json"``), prints it and exits.
Nothing leaves 127.0.0.1.

To receive real webhooks, run it on a host ClickSend can reach (behind HTTPS)::

    CLICKSEND_WEBHOOK_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(32))') \\
        python examples/webhook_server.py serve --host 0.0.0.0 --port 8080

then point ClickSend rules with ``action: "URL"`` at it, in the dashboard (Messaging Settings,
SMS, Delivery Reports / Inbound Rules) or through the API:

* ``POST /v3/automations/sms/receipts`` with ``{"rule_name": "my app", "match_type": ...,
  "action": "URL", "action_address": "https://example.com/clicksend/receipts/<secret>",
  "enabled": 1}`` (``match_type`` as in ClickSend's docs); the same under
  ``/v3/automations/voice/receipts`` for voice receipts.
* ``POST /v3/automations/sms/inbound`` with ``{"dedicated_number": "*", "rule_name": "my app",
  "message_search_type": 0, "action": "URL",
  "action_address": "https://example.com/clicksend/inbound/<secret>", "webhook_type": "post",
  "enabled": 1}``; ``"get"`` and ``"json"`` work too.

The secret can also go in the query (``...?secret=<secret>``). It is part of the URL, so keep it
out of access logs: this script runs aiohttp without one.
"""

import argparse
import asyncio
import logging
import os
import secrets

import aiohttp
from aiohttp import web

from clicksend_async import SmsMessage
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.webhooks import DeliveryReceipt, InboundMessage, webhook_routes


def print_receipt(receipt: DeliveryReceipt) -> None:
    """Print one delivery receipt."""
    print(
        f"receipt  {receipt.message_id}: {receipt.state.value} "
        f"(status_code {receipt.status_code}, {receipt.status_text or 'no text'}, "
        f"custom_string={receipt.custom_string!r})"
    )


def print_inbound(message: InboundMessage) -> None:
    """Print one inbound message."""
    print(
        f"inbound  {message.message_id}: {message.from_} -> {message.to}: {message.body!r} "
        f"(reply to {message.original_message_id})"
    )


SAMPLE_BODY = "Your order 1042 is ready. Reply YES to book delivery."


async def serve(host: str, port: int, secret: str | None) -> None:
    """Serve the webhook routes until interrupted."""
    app = web.Application()
    app.add_routes(
        webhook_routes(on_receipt=print_receipt, on_inbound=print_inbound, secret=secret)
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        hint = "/<secret>" if secret else ""
        if not secret:
            print("CLICKSEND_WEBHOOK_SECRET is not set: accepting unauthenticated webhooks")
        bound_host, bound_port = runner.addresses[0][:2]
        base = f"http://{bound_host}:{bound_port}/clicksend"
        print(f"listening on {base}/receipts{hint} and {base}/inbound{hint}")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def demo() -> None:
    """Run the app beside a local ClickSend emulator; send an SMS, get its receipt and a reply."""
    secret = secrets.token_urlsafe(16)
    arrived: asyncio.Queue[DeliveryReceipt | InboundMessage] = asyncio.Queue()

    def on_receipt(receipt: DeliveryReceipt) -> None:  # a plain function...
        print_receipt(receipt)
        arrived.put_nowait(receipt)

    async def on_inbound(message: InboundMessage) -> None:  # ...or a coroutine function
        print_inbound(message)
        await arrived.put(message)

    app = web.Application()
    app.add_routes(webhook_routes(on_receipt=on_receipt, on_inbound=on_inbound, secret=secret))
    runner = web.AppRunner(app, access_log=None)  # no access log: the URLs carry the secret
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        base = f"http://{host}:{port}/clicksend"
        print(f"webhook app listening on {base}/receipts/<secret> and {base}/inbound/<secret>")
        # The emulator plays ClickSend: its "URL rules" push to our app, form-encoded receipts
        # and JSON inbound messages (webhook_type "json").
        async with ClickSendEmulator(
            receipt_url=f"{base}/receipts/{secret}",
            inbound_url=f"{base}/inbound/{secret}",
            inbound_format="json",
            receipt_delay=0.1,
        ) as emulator:
            async with emulator.client() as clicksend:
                result = await clicksend.sms.send(
                    [SmsMessage(to="+61412345678", body=SAMPLE_BODY, custom_string="order-1042")]
                )
            [sent] = result.messages
            print(f"sent     {sent.message_id} to {sent.to}: {sent.status}")
            receipt = await asyncio.wait_for(arrived.get(), timeout=3)
            assert isinstance(receipt, DeliveryReceipt)
            emulator.simulate_inbound(
                "+61412345678", "Yes please, deliver tomorrow", original_message_id=sent.message_id
            )
            reply = await asyncio.wait_for(arrived.get(), timeout=3)
            assert isinstance(reply, InboundMessage)
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base}/receipts/wrong-secret", data={"x": "y"}) as response,
        ):
            print(f"a push with the wrong secret got HTTP {response.status}")
        print("demo done")
    finally:
        await runner.cleanup()


async def main() -> None:
    """Run the demo, or serve with ``serve``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="serve until interrupted")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        await serve(args.host, args.port, os.environ.get("CLICKSEND_WEBHOOK_SECRET") or None)
    else:
        await demo()


if __name__ == "__main__":
    asyncio.run(main())
