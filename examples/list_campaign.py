"""Price and schedule a server-side SMS campaign to a contact list, then cancel it.

Run: ``python examples/list_campaign.py``

ClickSend's own campaigns (``cs.sms_campaigns``) send one body to a whole list in one request;
the client-side engine (``cs.sms.send_bulk``, see ``bulk_campaign.py``) sends per-row messages
with a journal. With no credentials in the environment this runs against the built-in emulator.
With credentials it runs against the real service, on a new list of ClickSend's free test
numbers, and cancels the scheduled campaign before it goes out (a cancel is refunded).
"""

import asyncio
import time

from _common import OTHER_TEST_NUMBER, TEST_NUMBER, client_for_example


async def main() -> None:
    """Create a list, price a campaign to it, schedule it an hour ahead and cancel it."""
    async with client_for_example() as cs:
        customers = await cs.lists.create(list_name="clicksend_async example")
        for number in (TEST_NUMBER, OTHER_TEST_NUMBER):
            await cs.contacts.create(customers.list_id, {"phone_number": number})

        body = "Our spring sale starts today. Reply STOP to opt out."
        price = await cs.sms_campaigns.price(customers.list_id, name="Spring", body=body)
        currency = price.currency.code if price.currency else ""
        print(f"{price.total_count} recipients would cost {price.total_price} {currency}")

        campaign = await cs.sms_campaigns.send(
            customers.list_id, name="Spring", body=body, schedule=int(time.time()) + 3600
        )
        print(f"Campaign {campaign.sms_campaign_id}: {campaign.status}")
        cancelled = await cs.sms_campaigns.cancel(campaign.sms_campaign_id)
        print(f"Campaign {cancelled.sms_campaign_id}: {cancelled.status}")
        await cs.lists.delete(customers.list_id)


if __name__ == "__main__":
    asyncio.run(main())
