"""Contact models: what a list holds (Contact) and what you create or update (NewContact)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict

import attrs

from ._common import extra_field

__all__ = ["Contact", "ContactFields", "NewContact"]


@attrs.frozen(kw_only=True)
class Contact:
    """A contact in a list, as ClickSend returns it."""

    contact_id: int
    list_id: int | None = None
    phone_number: str | None = None
    email: str | None = None
    fax_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    organization_name: str | None = None
    custom_1: str | None = None
    custom_2: str | None = None
    custom_3: str | None = None
    custom_4: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_postal_code: str | None = None
    address_country: str | None = None
    date_added: datetime | None = None
    date_updated: datetime | None = None
    list_name: str | None = attrs.field(default=None, metadata={"wire": "_list_name"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class NewContact:
    """Contact fields to create or update; a new contact needs a phone number, email or fax.

    ``phone_number`` is E.164, or a local number together with ``address_country``.
    Fields left None are not sent; ``extra`` is sent as is.
    """

    phone_number: str | None = None
    email: str | None = None
    fax_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    organization_name: str | None = None
    custom_1: str | None = None
    custom_2: str | None = None
    custom_3: str | None = None
    custom_4: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_postal_code: str | None = None
    address_country: str | None = None
    extra: Mapping[str, Any] = extra_field()


class ContactFields(TypedDict, total=False):
    """The fields of :class:`NewContact`, for ``contacts.create(list_id, **fields)``."""

    phone_number: str
    email: str
    fax_number: str
    first_name: str
    last_name: str
    organization_name: str
    custom_1: str
    custom_2: str
    custom_3: str
    custom_4: str
    address_line_1: str
    address_line_2: str
    address_city: str
    address_state: str
    address_postal_code: str
    address_country: str
