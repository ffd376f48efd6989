"""Uploads: ``POST /uploads?convert=...`` keeps the file and answers with its link.

The emulator does not convert anything: it checks the file (an MMS upload must be a JPEG,
PNG, GIF or BMP image) and serves the bytes it got at ``/files/uploads/<file_name>`` until the
link expires, ten minutes after the upload like ClickSend's.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Final

from .._http import Ctx, Reply, Router, invalid, ok
from .._state import USER_ID

if TYPE_CHECKING:
    from .._app import Service

#: How long an uploaded file lives (ClickSend: "All files will expire 10 minutes after").
UPLOAD_SECONDS: Final = 600
_SUFFIX: Final = {"mms": "jpg", "fax": "pdf", "csv": "csv", "post": "pdf", "postcard": "pdf"}
_IMAGE_MAGIC: Final = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")


def _upload(s: Service, c: Ctx) -> Reply:
    convert = c.query.get("convert") or c.field("convert")
    if convert not in _SUFFIX:
        return invalid({"convert": "The convert must be one of fax, mms, csv, post, postcard."})
    raw = c.field("content")
    if not isinstance(raw, str) or not raw.strip():
        return invalid({"content": "The content field is required."})
    try:
        content = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return invalid({"content": "The content must be base64-encoded."})
    if not content:
        return invalid({"content": "The file is empty."})
    if convert == "mms" and not content.startswith(_IMAGE_MAGIC):
        return invalid({"content": "An MMS file must be a JPEG, PNG, GIF or BMP image."})
    setup = s.world.setup
    upload_id = setup.next_id("upload", 15)
    file_name = f"{setup.new_uuid().upper()}.{_SUFFIX[convert]}"
    now = int(c.now)
    record = {
        "upload_id": upload_id,
        "user_id": USER_ID,
        "file_name": file_name,
        "date_added": now,
        "date_delete": now + UPLOAD_SECONDS,
    }
    setup.uploads[upload_id] = {**record, "content": content, "convert": convert}
    url = c.request.url.origin().with_path(f"/files/uploads/{file_name}")
    return ok("Your file has been uploaded.", {"_url": str(url), **record})


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("POST", "/uploads", _upload)
