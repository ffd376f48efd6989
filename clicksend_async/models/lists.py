"""Contact list models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ._common import extra_field

__all__ = ["ContactImport", "ContactList", "SearchResult", "SearchResultType"]


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


class SearchResultType:
    """``type`` values of a contacts-and-lists search result (an open set of strings)."""

    CONTACT: Final = "contact"
    LIST: Final = "list"


@attrs.frozen(kw_only=True)
class SearchResult:
    """One match of ``GET /search/contacts-lists``: a contact or a contact list.

    ``id`` is the ``contact_id`` or the ``list_id``, as ``type`` says. ``contact`` is a contact's
    phone number (or email) and a list's email-to-SMS id; ``contacts_count`` is set for lists.
    """

    id: int
    type: str = ""
    name: str | None = None
    contact: str | None = None
    contacts_count: int | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def is_contact(self) -> bool:
        """Return True when the match is a contact."""
        return self.type.lower() == SearchResultType.CONTACT

    @property
    def is_list(self) -> bool:
        """Return True when the match is a contact list."""
        return self.type.lower() == SearchResultType.LIST
