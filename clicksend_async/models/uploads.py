"""Upload models: a file ClickSend converted and holds for a few minutes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from ._common import extra_field

__all__ = ["Upload", "UploadConversion"]


class UploadConversion:
    """``convert`` values: what the uploaded file is made fit for."""

    MMS: Final = "mms"
    FAX: Final = "fax"
    CSV: Final = "csv"
    POST: Final = "post"
    POSTCARD: Final = "postcard"
    ALL: Final = frozenset({"mms", "fax", "csv", "post", "postcard"})


@attrs.frozen(kw_only=True)
class Upload:
    """An uploaded, converted file: pass ``url`` on (e.g. as an MMS ``media_file``).

    ClickSend deletes the file at ``date_delete`` (ten minutes after the upload).
    """

    url: str = attrs.field(metadata={"wire": "_url", "aliases": ("url",)})
    upload_id: int | None = None
    file_name: str | None = None
    date_added: datetime | None = None
    date_delete: datetime | None = None
    user_id: int | None = None
    extra: Mapping[str, Any] = extra_field()
