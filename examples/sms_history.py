"""Read what happened: SMS history with search and paging, delivery receipts, inbound replies.

Run: ``python examples/sms_history.py``

With no credentials in the environment it starts the built-in emulator in-process and runs
against it (nothing leaves the machine). With ``MATON_API_KEY``, or ``CLICKSEND_USERNAME`` and
``CLICKSEND_API_KEY``, set it runs against the real service, sending one SMS to ClickSend's free
test number +61411111111 so nothing is delivered or charged (test numbers get no receipts).
"""

import asyncio
import time

from _common import TEST_NUMBER, client_for_example

from clicksend_async import SmsMessage


async def main() -> None:
    """Send one message, then look it up in history; poll receipts and replies."""
    async with client_for_example() as cs:
        started = int(time.time()) - 60
        result = await cs.sms.send([SmsMessage(to=TEST_NUMBER, body="History example")])
        print(f"Sent {result.messages[0].message_id}")

        # One page, with ClickSend's paging metadata.
        page = await cs.sms.history(date_from=started, q={"to": TEST_NUMBER}, limit=15)
        print(f"History since {started}: {page.total} message(s), page 1 of {page.last_page}")

        # Every matching message across pages, newest first, at most ten.
        recent = await cs.sms.history(order_by="date:desc").collect(max_items=10)
        for message in recent[:3]:
            when = f"{message.date:%Y-%m-%d %H:%M}" if message.date else "(no date)"
            print(f"  {when} {message.to} {message.status} {message.body!r}")

        # Polling only shows what a POLL rule keeps, until it is marked read.
        receipts = [r async for r in cs.sms.receipts()]
        print(f"{len(receipts)} unread delivery receipt(s)")
        for receipt in receipts[:3]:
            print(f"  {receipt.message_id}: {receipt.status_code} {receipt.status_text}")
        replies = [m async for m in cs.sms.inbound()]
        print(f"{len(replies)} unread inbound message(s)")
        if receipts:
            await cs.sms.mark_receipts_read(date_before=int(time.time()) + 1)
        if replies:
            await cs.sms.mark_inbound_read(date_before=int(time.time()) + 1)


if __name__ == "__main__":
    asyncio.run(main())
