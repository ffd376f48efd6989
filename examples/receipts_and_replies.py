"""Point ClickSend's delivery receipts and replies at your webhook app, in one call.

Run: ``python examples/receipts_and_replies.py``

With no credentials in the environment it is a self-contained demo: it serves
``clicksend_async.webhooks.webhook_routes`` (with a shared secret) on a free port of 127.0.0.1,
starts the built-in emulator, and calls ``cs.automations.push_to_webhooks(...)``, which creates
(or updates) the SMS and voice delivery-receipt rules and the inbound-SMS rule so that ClickSend
pushes to the app. It then sends one SMS; the emulator delivers it, pushes the receipt to the
app, the recipient answers (the emulator's ``auto_reply``) and the reply is pushed too. Nothing
leaves 127.0.0.1.

With ``CLICKSEND_USERNAME`` and ``CLICKSEND_API_KEY`` (or ``MATON_API_KEY``) set, it only points
the real account's rules at ``WEBHOOK_BASE_URL`` (where your app serves ``webhook_routes``, e.g.
``https://example.com/clicksend``) with the secret in ``CLICKSEND_WEBHOOK_SECRET``, prints the
rules and exits: ClickSend must reach that URL, so the demo part cannot run there.
"""

import asyncio
import os
import secrets
import sys

from _common import has_credentials
from aiohttp import web

from clicksend_async import ClickSendClient, SmsMessage, WebhookRules
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.webhooks import DeliveryReceipt, InboundMessage, webhook_routes


def show(rules: WebhookRules) -> None:
    """Print which rules now push where (the URLs hold the secret, so print only the host)."""
    voice = rules.voice_receipts
    print(f"SMS receipt rule #{rules.sms_receipts.receipt_rule_id}: {rules.sms_receipts.action}")
    if voice is not None:
        print(f"voice receipt rule #{voice.receipt_rule_id}: {voice.action}")
    print(
        f"inbound rule #{rules.inbound.inbound_rule_id}: {rules.inbound.action} "
        f"({rules.inbound.webhook_type})"
    )


async def configure_real_account() -> None:
    """Point the real account's rules at WEBHOOK_BASE_URL."""
    base_url = os.environ.get("WEBHOOK_BASE_URL", "")
    secret = os.environ.get("CLICKSEND_WEBHOOK_SECRET", "")
    if not base_url or not secret:
        sys.exit(
            "set WEBHOOK_BASE_URL and CLICKSEND_WEBHOOK_SECRET to point real rules at your app"
        )
    async with ClickSendClient.from_env() as cs:
        show(await cs.automations.push_to_webhooks(base_url, secret=secret))


async def demo() -> None:
    """Wire the emulator to a local webhook app and watch a receipt and a reply arrive."""
    secret = secrets.token_urlsafe(24)
    receipts: asyncio.Queue[DeliveryReceipt] = asyncio.Queue()
    replies: asyncio.Queue[InboundMessage] = asyncio.Queue()
    app = web.Application()
    app.add_routes(
        webhook_routes(on_receipt=receipts.put_nowait, on_inbound=replies.put_nowait, secret=secret)
    )
    runner = web.AppRunner(app, access_log=None)  # no access log: the URLs carry the secret
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}/clicksend"
        async with ClickSendEmulator(receipt_delay=0.2, auto_reply="YES please") as emulator:
            print(
                f"No credentials in the environment: using the built-in emulator at {emulator.url}."
            )
            async with emulator.client(rate_limit=None) as cs:
                show(await cs.automations.push_to_webhooks(base_url, secret=secret))
                result = await cs.sms.send(
                    [
                        SmsMessage(
                            to="+61412345678",
                            body="Order 1042 is ready. Reply YES to book.",
                            custom_string="order-1042",
                        )
                    ]
                )
                print(f"sent {result.messages[0].message_id}: {result.messages[0].status}")
                receipt = await asyncio.wait_for(receipts.get(), 10)
                print(
                    f"receipt  {receipt.message_id}: {receipt.state.value} "
                    f"(custom_string={receipt.custom_string!r})"
                )
                reply = await asyncio.wait_for(replies.get(), 10)
                print(
                    f"reply    from {reply.from_}: {reply.body!r} "
                    f"(to message {reply.original_message_id})"
                )
    finally:
        await runner.cleanup()


async def main() -> None:
    """Run the offline demo, or configure the real account when credentials are set."""
    if has_credentials():
        await configure_real_account()
    else:
        await demo()


if __name__ == "__main__":
    asyncio.run(main())
