"""Make a text-to-speech call: pick a language and voice, price, call, schedule and cancel.

Run: ``python examples/voice_call.py``

With no credentials in the environment it starts the built-in emulator in-process and runs
against it (nothing leaves the machine). With ``MATON_API_KEY``, or ``CLICKSEND_USERNAME`` and
``CLICKSEND_API_KEY``, set it runs against the real service, calling ClickSend's free test
number +61411111111 so nothing is dialled or charged.
"""

import asyncio
import time

from _common import TEST_NUMBER, client_for_example

from clicksend_async import VoiceMessage


async def main() -> None:
    """List languages, price and make one call, schedule another and cancel it."""
    async with client_for_example() as cs:
        languages = {lang.code: lang for lang in await cs.voice.languages()}
        australian = languages["en-au"]
        voice = "male" if australian.supports("male") else "female"
        print(
            f"{len(languages)} languages; en-au ({australian.country}) offers {australian.genders}"
        )

        call = VoiceMessage(
            to=TEST_NUMBER,
            body="Your verification code is 4. 8. 2. 1. Again: 4. 8. 2. 1.",
            voice=voice,
            lang="en-au",
            custom_string="otp-call-1",
        )
        quote = await cs.voice.price([call])
        print(f"Price: {quote.total_price}")
        result = await cs.voice.send([call])
        print(f"Call to {TEST_NUMBER}: {result.messages[0].status}")

        later = VoiceMessage(
            to=TEST_NUMBER,
            body="Reminder: your appointment is tomorrow.",
            lang="en-au",
            schedule=int(time.time()) + 3600,
        )
        scheduled = await cs.voice.send([later])
        message_id = scheduled.messages[0].message_id
        if message_id and scheduled.messages[0].accepted:
            await cs.voice.cancel(message_id)
            print(f"Scheduled call {message_id} cancelled")


if __name__ == "__main__":
    asyncio.run(main())
