"""Contacts in lists (https://developers.clicksend.com/docs/rest/v3/#contacts)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Unpack

from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_contact_update, validate_new_contact
from ..models.contacts import Contact, ContactFields, NewContact
from ._base import Resource, coerce, operation, path_segment, payload_of, unix_or_none

__all__ = ["ContactsResource"]

ContactIn = NewContact | Mapping[str, Any]


class ContactsResource(Resource):
    """List, read, create, update, delete, copy and move the contacts of a list.

    Give contact fields as a :class:`NewContact`, a dict, or keyword arguments.
    See https://developers.clicksend.com/docs/rest/v3/#contacts.
    """

    @operation("GET", "/v3/lists/{list_id}/contacts")
    def list(
        self,
        list_id: int | str,
        *,
        updated_after: datetime | int | None = None,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[Contact]:
        """Page through a list's contacts (``GET /lists/{list_id}/contacts``).

        ``updated_after`` keeps only contacts changed after that time.
        """
        params = {"updated_after": unix_or_none(updated_after, "updated_after")}
        path = f"/lists/{_list(list_id)}/contacts"
        return self._paginate(path, params, Contact, page, limit, timeout=timeout)

    @operation("GET", "/v3/lists/{list_id}/contacts/{contact_id}")
    async def get(
        self, list_id: int | str, contact_id: int | str, *, timeout: float | None = None
    ) -> Contact:
        """Return one contact (``GET /lists/{list_id}/contacts/{contact_id}``)."""
        return await self._session.call(
            "GET", _path(list_id, contact_id), cast_to=Contact, timeout=timeout
        )

    @operation("POST", "/v3/lists/{list_id}/contacts")
    async def create(
        self,
        list_id: int | str,
        contact: ContactIn | None = None,
        *,
        timeout: float | None = None,
        **fields: Unpack[ContactFields],
    ) -> Contact:
        """Add a contact to a list (``POST /lists/{list_id}/contacts``).

        A phone number (E.164, or local with ``address_country``), email or fax is required.
        """
        path = f"/lists/{_list(list_id)}/contacts"
        model = _contact(contact, fields)
        validate_new_contact(model)
        return await self._session.call(
            "POST", path, json=payload_of([model])[0], cast_to=Contact, timeout=timeout
        )

    @operation("PUT", "/v3/lists/{list_id}/contacts/{contact_id}")
    async def update(
        self,
        list_id: int | str,
        contact_id: int | str,
        contact: ContactIn | None = None,
        *,
        timeout: float | None = None,
        **fields: Unpack[ContactFields],
    ) -> Contact:
        """Change the given fields of a contact; the others stay as they are.

        ``PUT /lists/{list_id}/contacts/{contact_id}``.
        """
        path = _path(list_id, contact_id)
        model = _contact(contact, fields)
        check_contact_update(model)
        return await self._session.call(
            "PUT", path, json=payload_of([model])[0], cast_to=Contact, timeout=timeout
        )

    @operation("DELETE", "/v3/lists/{list_id}/contacts/{contact_id}")
    async def delete(
        self, list_id: int | str, contact_id: int | str, *, timeout: float | None = None
    ) -> None:
        """Delete a contact (``DELETE /lists/{list_id}/contacts/{contact_id}``)."""
        await self._session.data("DELETE", _path(list_id, contact_id), timeout=timeout)

    @operation("PUT", "/v3/lists/{from_list_id}/contacts/{contact_id}/copy/{to_list_id}")
    async def copy(
        self,
        from_list_id: int | str,
        contact_id: int | str,
        *,
        to_list_id: int | str,
        timeout: float | None = None,
    ) -> Contact:
        """Copy a contact into another list; return the new copy."""
        to_list = path_segment(to_list_id, field="to_list_id")
        path = f"{_path(from_list_id, contact_id, 'from_list_id')}/copy/{to_list}"
        return await self._session.call("PUT", path, cast_to=Contact, timeout=timeout)

    @operation("PUT", "/v3/lists/{from_list_id}/contacts/{contact_id}/transfer/{to_list_id}")
    async def transfer(
        self,
        from_list_id: int | str,
        contact_id: int | str,
        *,
        to_list_id: int | str,
        timeout: float | None = None,
    ) -> Contact:
        """Move a contact into another list; return it as it is now."""
        to_list = path_segment(to_list_id, field="to_list_id")
        path = f"{_path(from_list_id, contact_id, 'from_list_id')}/transfer/{to_list}"
        return await self._session.call("PUT", path, cast_to=Contact, timeout=timeout)


def _list(list_id: int | str, field: str = "list_id") -> str:
    return path_segment(list_id, field=field)


def _path(list_id: int | str, contact_id: int | str, list_field: str = "list_id") -> str:
    contact = path_segment(contact_id, field="contact_id")
    return f"/lists/{_list(list_id, list_field)}/contacts/{contact}"


def _contact(contact: ContactIn | None, fields: Mapping[str, Any]) -> NewContact:
    if contact is not None and fields:
        raise ValidationError("give a contact or keyword fields, not both", field="contact")
    return coerce(contact if contact is not None else fields, NewContact, field="contact")
