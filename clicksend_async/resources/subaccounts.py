"""Subaccounts (https://developers.clicksend.com/docs/rest/v3/#subaccounts)."""

from __future__ import annotations

from typing import Any

from .._converter import structure
from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_email_address, check_text, is_e164, normalize_number
from ..models.account import Subaccount
from ._base import Resource, operation, path_segment

__all__ = ["SubaccountsResource"]

#: The permission flags a subaccount has (each sent as 0 or 1).
ACCESS_FLAGS = (
    "access_smpp",
    "access_users",
    "access_billing",
    "access_reporting",
    "access_contacts",
    "access_settings",
    "access_sms",
    "access_mms",
    "access_voice",
    "access_email",
    "access_fax",
    "access_post",
)
#: Every 0/1 flag a subaccount takes: the permissions, and ``sms_deidentify_message`` (the
#: spec's create schema has it: the subaccount's SMS text is hidden in reports).
FLAGS = (*ACCESS_FLAGS, "sms_deidentify_message")


def _fields(
    *,
    password: str | None,
    email: str | None,
    phone_number: str | None,
    first_name: str | None,
    last_name: str | None,
    notes: str | None,
    access: dict[str, bool | None],
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if password is not None:
        payload["password"] = check_text(password, "password")
    if email is not None:
        payload["email"] = check_email_address(email, "email")
    if phone_number is not None:
        if not isinstance(phone_number, str) or not is_e164(phone_number):
            raise ValidationError(
                "must be an E.164 number such as +61411111111", field="phone_number"
            )
        payload["phone_number"] = normalize_number(phone_number)
    if first_name is not None:
        payload["first_name"] = check_text(first_name, "first_name")
    if last_name is not None:
        payload["last_name"] = check_text(last_name, "last_name")
    for flag, value in access.items():
        if flag not in FLAGS:
            raise ValidationError(f"unknown flag; use one of {', '.join(FLAGS)}", field=flag)
        if value is not None:
            if not isinstance(value, bool):
                raise ValidationError(f"must be True or False, got {value!r}", field=flag)
            payload[flag] = int(value)
    if notes is not None:
        if not isinstance(notes, str):
            raise ValidationError("must be a string", field="notes")
        payload["notes"] = notes
    return payload


class SubaccountsResource(Resource):
    """List, read, create, update and delete subaccounts; regenerate their API keys.

    Each subaccount has its own ``api_username`` and API key (a live credential, kept out of
    reprs) and permission flags (``access_sms=True`` ...).
    See https://developers.clicksend.com/docs/rest/v3/#subaccounts.
    """

    @operation("GET", "/v3/subaccounts")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[Subaccount]:
        """Page through your subaccounts."""
        return self._paginate("/subaccounts", None, Subaccount, page, limit, timeout=timeout)

    @operation("GET", "/v3/subaccounts/{subaccount_id}")
    async def get(self, subaccount_id: int | str, *, timeout: float | None = None) -> Subaccount:
        """Return one subaccount."""
        path = f"/subaccounts/{path_segment(subaccount_id, field='subaccount_id')}"
        return await self._session.call("GET", path, cast_to=Subaccount, timeout=timeout)

    @operation("POST", "/v3/subaccounts")
    async def create(
        self,
        *,
        api_username: str,
        password: str,
        email: str,
        phone_number: str,
        first_name: str,
        last_name: str,
        notes: str | None = None,
        timeout: float | None = None,
        **access: bool,
    ) -> Subaccount:
        """Create a subaccount; ``access_sms=True`` etc. set its permissions, and
        ``sms_deidentify_message=True`` hides its messages' text in reports."""
        payload = {
            "api_username": check_text(api_username, "api_username"),
            **_fields(
                password=password,
                email=email,
                phone_number=phone_number,
                first_name=first_name,
                last_name=last_name,
                notes=notes,
                access=dict(access),
            ),
        }
        return await self._session.call(
            "POST", "/subaccounts", json=payload, cast_to=Subaccount, timeout=timeout
        )

    @operation("PUT", "/v3/subaccounts/{subaccount_id}")
    async def update(
        self,
        subaccount_id: int | str,
        *,
        password: str | None = None,
        email: str | None = None,
        phone_number: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        notes: str | None = None,
        timeout: float | None = None,
        **access: bool | None,
    ) -> Subaccount:
        """Change the fields and flags given of a subaccount (the flags of :meth:`create`)."""
        path = f"/subaccounts/{path_segment(subaccount_id, field='subaccount_id')}"
        payload = _fields(
            password=password,
            email=email,
            phone_number=phone_number,
            first_name=first_name,
            last_name=last_name,
            notes=notes,
            access=dict(access),
        )
        if not payload:
            raise ValidationError("nothing to update: give at least one field")
        return await self._session.call(
            "PUT", path, json=payload, cast_to=Subaccount, timeout=timeout
        )

    @operation("DELETE", "/v3/subaccounts/{subaccount_id}")
    async def delete(self, subaccount_id: int | str, *, timeout: float | None = None) -> None:
        """Delete a subaccount."""
        path = f"/subaccounts/{path_segment(subaccount_id, field='subaccount_id')}"
        await self._session.data("DELETE", path, timeout=timeout)

    @operation("PUT", "/v3/subaccounts/{subaccount_id}/regen-api-key")
    async def regenerate_api_key(
        self, subaccount_id: int | str, *, timeout: float | None = None
    ) -> str:
        """Replace a subaccount's API key and return the new one (the old one stops working)."""
        path = f"/subaccounts/{path_segment(subaccount_id, field='subaccount_id')}/regen-api-key"
        data = await self._session.data("PUT", path, timeout=timeout)
        where = f"PUT {path} data.api_key"
        key = data.get("api_key") if isinstance(data, dict) else None
        return structure(key, str, where=where)
