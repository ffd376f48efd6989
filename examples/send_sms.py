"""Price and send SMS, and read the per-message outcome.

Run: ``python examples/send_sms.py``

With no credentials in the environment it starts the built-in emulator in-process and runs
against it (nothing leaves the machine). With ``MATON_API_KEY``, or ``CLICKSEND_USERNAME`` and
``CLICKSEND_API_KEY``, set it runs against the real service, sending to ClickSend's free test
numbers (+61411111111, +61422222222) so nothing is delivered or charged.
"""

import asyncio

from _common import OTHER_TEST_NUMBER, TEST_NUMBER, client_for_example

from clicksend_async import MessageStatus, SmsMessage, ValidationError


async def main() -> None:
    """Price two messages, send them, and show what ClickSend said about each."""
    messages = [
        SmsMessage(to=TEST_NUMBER, body="Hello from clicksend_async", custom_string="order-1001"),
        SmsMessage(to=OTHER_TEST_NUMBER, body="Your code is 4821", custom_string="otp-7"),
    ]
    async with client_for_example() as cs:
        quote = await cs.sms.price(messages)
        print(f"Price: {quote.total_price} {quote.currency.code if quote.currency else ''}")

        result = await cs.sms.send(messages)
        print(f"Queued {result.queued_count} of {result.total_count}")
        for message in result.messages:
            # Per-message failures are data, not exceptions: check each status.
            outcome = "accepted" if message.accepted else f"refused: {message.status}"
            print(f"  {message.to} [{message.custom_string}] {message.message_id} {outcome}")
        if any(m.status == MessageStatus.THROTTLED for m in result.rejected):
            print("  (THROTTLED: an identical message went to that number seconds ago)")

        try:
            await cs.sms.send([SmsMessage(to="0411 111 111", body="no country given")])
        except ValidationError as exc:
            print(f"Refused before sending: {exc}")


if __name__ == "__main__":
    asyncio.run(main())
