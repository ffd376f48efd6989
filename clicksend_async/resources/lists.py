"""Contact lists (https://developers.clicksend.com/docs/rest/v3/#contact-lists)."""

from __future__ import annotations

from collections.abc import Sequence

from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_field_names, check_text, check_url
from ..models.lists import ContactImport, ContactList, SearchResult
from ._base import Resource, count_in, operation, path_segment

__all__ = ["ListsResource"]


class ListsResource(Resource):
    """Create, read, rename and delete contact lists; import, dedupe, drop opt-outs; search.

    The contacts inside a list are under ``client.contacts``.
    See https://developers.clicksend.com/docs/rest/v3/#contact-lists.
    """

    @operation("GET", "/v3/lists")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[ContactList]:
        """Page through your contact lists (``GET /lists``)."""
        return self._paginate("/lists", None, ContactList, page, limit, timeout=timeout)

    @operation("GET", "/v3/lists/{list_id}")
    async def get(self, list_id: int | str, *, timeout: float | None = None) -> ContactList:
        """Return one list (``GET /lists/{list_id}``)."""
        return await self._session.call(
            "GET", f"/lists/{_list(list_id)}", cast_to=ContactList, timeout=timeout
        )

    @operation("POST", "/v3/lists")
    async def create(self, *, list_name: str, timeout: float | None = None) -> ContactList:
        """Create an empty list (``POST /lists``)."""
        payload = {"list_name": check_text(list_name, "list_name")}
        return await self._session.call(
            "POST", "/lists", json=payload, cast_to=ContactList, timeout=timeout
        )

    @operation("PUT", "/v3/lists/{list_id}")
    async def update(
        self, list_id: int | str, *, list_name: str, timeout: float | None = None
    ) -> ContactList:
        """Rename a list (``PUT /lists/{list_id}``)."""
        path = f"/lists/{_list(list_id)}"
        payload = {"list_name": check_text(list_name, "list_name")}
        return await self._session.call(
            "PUT", path, json=payload, cast_to=ContactList, timeout=timeout
        )

    @operation("DELETE", "/v3/lists/{list_id}")
    async def delete(self, list_id: int | str, *, timeout: float | None = None) -> None:
        """Delete a list and every contact in it (``DELETE /lists/{list_id}``)."""
        await self._session.data("DELETE", f"/lists/{_list(list_id)}", timeout=timeout)

    @operation("PUT", "/v3/lists/{list_id}/remove-duplicates/")
    async def remove_duplicates(
        self,
        list_id: int | str,
        *,
        fields: Sequence[str] = ("phone_number",),
        timeout: float | None = None,
    ) -> int | None:
        """Delete contacts that repeat the values of ``fields``; return how many were deleted.

        ``PUT /lists/{list_id}/remove-duplicates/``. The official spec sends ``fields`` as an
        object whose keys name the fields (``{"phone_number": "phone_number"}``); so do we.
        """
        names = check_field_names(fields, "fields")
        path = f"/lists/{_list(list_id)}/remove-duplicates/"
        payload = {"fields": {name: name for name in names}}
        data = await self._session.data("PUT", path, json=payload, timeout=timeout)
        return count_in(data, "deleted", where="PUT /lists/{list_id}/remove-duplicates data")

    @operation("PUT", "/v3/lists/{list_id}/remove-opted-out-contacts/{opt_out_list_id}")
    async def remove_opted_out_contacts(
        self, list_id: int | str, *, opt_out_list_id: int | str, timeout: float | None = None
    ) -> int | None:
        """Delete the contacts of a list that are in an opt-out list; return how many.

        ``PUT /lists/{list_id}/remove-opted-out-contacts/{opt_out_list_id}``. The two lists must
        differ: checked against itself, a list would lose every contact.
        """
        list_segment = _list(list_id)
        opt_out_segment = path_segment(opt_out_list_id, field="opt_out_list_id")
        if list_segment == opt_out_segment:
            raise ValidationError(
                "is the list itself; every contact would be removed", field="opt_out_list_id"
            )
        path = f"/lists/{list_segment}/remove-opted-out-contacts/{opt_out_segment}"
        data = await self._session.data("PUT", path, timeout=timeout)
        return count_in(
            data, "deleted", where="PUT /lists/{list_id}/remove-opted-out-contacts data"
        )

    @operation("GET", "/v3/search/contacts-lists")
    def search(
        self,
        q: str,
        *,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[SearchResult]:
        """Page through the contacts and lists matching a keyword (``GET /search/contacts-lists``).

        Each result says whether it is a contact or a list (``is_contact``, ``is_list``).
        """
        params = {"q": check_text(q, "q")}
        return self._paginate(
            "/search/contacts-lists", params, SearchResult, page, limit, timeout=timeout
        )

    @operation("POST", "/v3/lists/{list_id}/import")
    async def import_contacts(
        self,
        list_id: int | str,
        *,
        file_url: str,
        field_order: Sequence[str],
        timeout: float | None = None,
    ) -> ContactImport:
        """Queue an import of a CSV file (at ``file_url``) into a list.

        ``POST /lists/{list_id}/import``. ``field_order`` names the file's columns in order,
        e.g. ``["phone_number", "first_name", "last_name"]``; it goes out as a JSON array (the
        spec's description table, the v1 spec and the 2021 docs; its v2 schema says string).
        """
        payload = {
            "file_url": check_url(file_url, "file_url"),
            "field_order": check_field_names(field_order, "field_order"),
        }
        path = f"/lists/{_list(list_id)}/import"
        return await self._session.call(
            "POST", path, json=payload, cast_to=ContactImport, timeout=timeout
        )


def _list(list_id: int | str) -> str:
    return path_segment(list_id, field="list_id")
