"""Uploads (https://developers.clicksend.com/docs/rest/v3/#uploads)."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path
from typing import Final

from .._exceptions import ValidationError
from ..models.uploads import Upload, UploadConversion
from ._base import Resource, operation

__all__ = ["UploadsResource", "image_kind"]

#: Leading bytes of the image formats ClickSend converts for MMS.
_IMAGE_MAGIC: Final = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)


def image_kind(content: bytes) -> str | None:
    """Return ``jpeg``, ``png``, ``gif`` or ``bmp`` from a file's first bytes, else None."""
    for magic, kind in _IMAGE_MAGIC:
        if content.startswith(magic):
            return kind
    return None


class UploadsResource(Resource):
    """Upload a file for ClickSend to convert, e.g. a JPEG or PNG into an MMS attachment.

    See https://developers.clicksend.com/docs/rest/v3/#uploads.
    """

    @operation("POST", "/v3/uploads")
    async def create(
        self,
        file: bytes | str | os.PathLike[str],
        *,
        convert: str,
        timeout: float | None = None,
    ) -> Upload:
        """Upload ``file`` (its bytes, or a path) converted for ``convert``; return its URL.

        ``convert`` is ``"mms"``, ``"fax"``, ``"csv"``, ``"post"`` or ``"postcard"``. For
        ``"mms"`` the file must be a JPEG, PNG, GIF or BMP image. The file is sent base64-encoded
        in a JSON body (``{"content": ...}``, ``?convert=`` in the query) and expires on
        ClickSend ten minutes later: send the MMS soon after.

        Raises:
            ValidationError: an unknown ``convert``, an empty or unreadable file, or (for MMS)
                a file that is not a JPEG, PNG, GIF or BMP image.
        """
        if convert not in UploadConversion.ALL:
            raise ValidationError(
                f"must be one of {', '.join(sorted(UploadConversion.ALL))}, got {convert!r}",
                field="convert",
            )
        if isinstance(file, bytes | bytearray):
            content = bytes(file)
        elif isinstance(file, str | os.PathLike):
            path = Path(file)
            try:
                content = await asyncio.to_thread(path.read_bytes)
            except OSError as exc:
                raise ValidationError(
                    f"cannot read {path.name!r}: {exc.strerror}", field="file"
                ) from None
        else:
            raise ValidationError(
                f"expected bytes or a path, got {type(file).__name__}", field="file"
            )
        if not content:
            raise ValidationError("the file is empty", field="file")
        if convert == UploadConversion.MMS and image_kind(content) is None:
            raise ValidationError(
                "an MMS upload must be a JPEG, PNG, GIF or BMP image", field="file"
            )
        payload = {"content": base64.b64encode(content).decode("ascii")}
        return await self._session.call(
            "POST",
            "/uploads",
            params={"convert": convert},
            json=payload,
            cast_to=Upload,
            timeout=timeout,
        )
