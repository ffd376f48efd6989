"""Send a PNG (or JPEG, BMP) as MMS: upload it with ``convert="mms"``, then send its URL.

Run: ``python examples/mms_with_upload.py [image.png]``

ClickSend sends jpg and gif attachments as they are; other images must first go through
``POST /uploads?convert=mms``, which answers with the URL of an MMS-ready copy that lives for ten
minutes. Without a path this example draws a small PNG itself. With no credentials in the
environment it runs against the built-in emulator (nothing leaves the machine); with
``MATON_API_KEY``, or ``CLICKSEND_USERNAME`` and ``CLICKSEND_API_KEY``, against the real service,
sending to ClickSend's free test number +61411111111 so nothing is delivered or charged.
"""

import asyncio
import struct
import sys
import zlib
from pathlib import Path

from _common import TEST_NUMBER, client_for_example

from clicksend_async import MmsMessage, ValidationError


def tiny_png(width: int = 16, height: int = 16) -> bytes:
    """Return a small PNG: a blue square."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x1f\x6f\xd6" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


async def main() -> None:
    """Upload an image for MMS, then send it."""
    image: bytes | Path = Path(sys.argv[1]) if len(sys.argv) > 1 else tiny_png()
    async with client_for_example() as cs:
        try:
            upload = await cs.uploads.create(image, convert="mms")
        except ValidationError as exc:
            sys.exit(f"cannot upload that file: {exc}")
        print(f"Uploaded as {upload.file_name}; the link expires at {upload.date_delete}.")

        message = MmsMessage(to=TEST_NUMBER, subject="New colours", body="Blue is back in stock")
        result = await cs.mms.send(upload.url, [message])
        for sent in result.messages:
            print(f"  {sent.to}: {sent.status} (message_id {sent.message_id})")

        # A file that is not an image is refused before anything is sent.
        try:
            await cs.uploads.create(b"%PDF-1.4 not an image", convert="mms")
        except ValidationError as exc:
            print(f"Refused before sending: {exc}")


if __name__ == "__main__":
    asyncio.run(main())
