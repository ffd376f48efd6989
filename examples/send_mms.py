"""Send an MMS: one media file (a jpg or gif URL) shared by every message of the request.

Run: ``python examples/send_mms.py``

With no credentials in the environment it starts the built-in emulator in-process and runs
against it (nothing leaves the machine). With ``MATON_API_KEY``, or ``CLICKSEND_USERNAME`` and
``CLICKSEND_API_KEY``, set it runs against the real service, sending to ClickSend's free test
number +61411111111 so nothing is delivered or charged. ``MMS_MEDIA_URL`` picks the image
(ClickSend fetches it; jpg and gif go as they are, other formats need ``/uploads?convert=mms``).
"""

import asyncio
import os

from _common import TEST_NUMBER, client_for_example

from clicksend_async import MmsMessage

MEDIA_URL = os.environ.get(
    "MMS_MEDIA_URL", "https://upload.wikimedia.org/wikipedia/commons/3/3f/JPEG_example_flower.jpg"
)


async def main() -> None:
    """Price and send one MMS, then find it in the MMS history."""
    message = MmsMessage(
        to=TEST_NUMBER,
        subject="Spring sale",
        body="20% off this week only",
        custom_string="promo-9",
    )
    async with client_for_example() as cs:
        quote = await cs.mms.price(MEDIA_URL, [message])
        print(f"Price: {quote.total_price}")

        result = await cs.mms.send(MEDIA_URL, [message])
        for sent in result.messages:
            print(f"  {sent.to}: {sent.status} (message_id {sent.message_id})")

        page = await cs.mms.history(order_by="date:desc", limit=15)
        print(f"MMS history: {page.total} message(s); newest first:")
        for item in page.items[:3]:
            print(f"  {item.message_id} {item.status} subject={item.subject!r}")


if __name__ == "__main__":
    asyncio.run(main())
