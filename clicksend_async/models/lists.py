"""Contact list models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["ContactImport", "ContactList"]


@attrs.frozen(kw_only=True)
class ContactList:
    """A contact list (``GET /lists/{list_id}``)."""

    list_id: int
    list_name: str | None = None
    list_email_id: str | None = None
    contacts_count: int | None = attrs.field(default=None, metadata={"wire": "_contacts_count"})
    import_in_progress: bool | None = attrs.field(
        default=None, metadata={"wire": "_import_in_progress"}
    )
    optout_in_progress: bool | None = attrs.field(
        default=None, metadata={"wire": "_optout_in_progress"}
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class ContactImport:
    """The queued job of ``POST /lists/{list_id}/import``."""

    id: str | None = None
    ids: list[str] = attrs.field(factory=list)
    msg: str | None = None
    extra: Mapping[str, Any] = extra_field()
