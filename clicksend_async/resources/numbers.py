"""Dedicated numbers (https://developers.clicksend.com/docs/rest/v3/#dedicated-numbers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_email_address, check_text, check_url, is_e164, normalize_number
from ..models.numbers import AvailableNumber, DedicatedNumber, NumberPurchase
from ._base import Resource, operation, path_segment, search_query

__all__ = ["NumbersResource"]

_SERVICE_TYPES: Final = frozenset({"sms", "mms"})
#: Registration data of an AU number purchase: field -> (min, max) length.
_REGISTRATION_FIELDS: Final = {
    "business_name": (2, 100),
    "business_address": (5, 150),
    "suburb": (2, 50),
    "postcode": (2, 20),
    "state": (2, 50),
    "contact_name": (2, 100),
    "contact_number": (2, 30),
    "country": (2, 2),
}


def _country(value: Any, field: str) -> str:
    code = check_text(value, field).strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValidationError("must be an ISO 3166-1 alpha-2 code such as AU", field=field)
    return code


def _registration(data: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(data, Mapping):
        raise ValidationError("must be a mapping of fields", field="registration_data")
    out: dict[str, str] = {}
    for field, (low, high) in _REGISTRATION_FIELDS.items():
        where = f"registration_data.{field}"
        value = data.get(field)
        if not isinstance(value, str) or not low <= len(value.strip()) <= high:
            raise ValidationError(f"must be {low} to {high} characters", field=where)
        out[field] = value.strip()
    out["country"] = _country(out["country"], "registration_data.country")
    if not is_e164(out["contact_number"]) and not out["contact_number"].isdigit():
        raise ValidationError("is not a phone number", field="registration_data.contact_number")
    unknown = sorted(set(data) - set(_REGISTRATION_FIELDS))
    if unknown:
        raise ValidationError(f"unknown field {unknown[0]!r}", field="registration_data")
    return out


class NumbersResource(Resource):
    """Find, buy and list dedicated numbers; register numbers that need it (Canada 10DLC).

    See https://developers.clicksend.com/docs/rest/v3/#dedicated-numbers.
    """

    @operation("GET", "/v3/numbers")
    def list(
        self,
        *,
        q: str | Mapping[str, str] | None = None,
        q2: str | Mapping[str, str] | None = None,
        excluding_number_type: str | None = None,
        exclude_10dlc_campaign: bool | None = None,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[DedicatedNumber]:
        """Page through your dedicated numbers.

        ``q`` filters on ``type``, ``number_type`` or ``country`` (``{"country": "AU"}``);
        ``q2`` is the spec's second filter of the same form (its example: ``type:mms``);
        ``excluding_number_type`` leaves out ``shortcode``, ``tollfree`` or ``10DLC`` numbers.
        """
        params = {
            "q": search_query(q),
            "q2": search_query(q2),
            "excluding_number_type": excluding_number_type,
            "exclude_10dlc_campaign": None
            if exclude_10dlc_campaign is None
            else str(bool(exclude_10dlc_campaign)).lower(),
        }
        return self._paginate("/numbers", params, DedicatedNumber, page, limit, timeout=timeout)

    @operation("GET", "/v3/numbers/search/{country}")
    def search(
        self,
        country: str,
        *,
        search: str | None = None,
        search_type: int | None = None,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[AvailableNumber]:
        """Page through the numbers for sale in ``country`` (ISO code).

        ``search`` is a digit pattern; ``search_type`` 0 = starts with, 1 = anywhere,
        2 = ends with.
        """
        code = _country(country, "country")
        if search_type is not None and (
            isinstance(search_type, bool) or search_type not in (0, 1, 2)
        ):
            raise ValidationError(
                "must be 0 (starts with), 1 (anywhere) or 2 (ends with)", field="search_type"
            )
        if search is not None and (not isinstance(search, str) or not search.strip().isdigit()):
            raise ValidationError("must be digits", field="search")
        params = {"search": search, "search_type": search_type}
        return self._paginate(
            f"/numbers/search/{path_segment(code, 'token', field='country')}",
            params,
            AvailableNumber,
            page,
            limit,
            timeout=timeout,
        )

    @operation("POST", "/v3/numbers/buy/{dedicated_number}")
    async def buy(
        self,
        dedicated_number: str,
        *,
        type: str = "sms",
        registration_data: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> NumberPurchase:
        """Buy a number found with :meth:`search` (this charges the account).

        ``type`` is ``"sms"`` or ``"mms"``; AU numbers may need ``registration_data``
        (``business_name``, ``business_address``, ``suburb``, ``postcode``, ``state``,
        ``contact_name``, ``contact_number``, ``country``).
        """
        if not isinstance(dedicated_number, str) or not is_e164(dedicated_number):
            raise ValidationError(
                "must be an E.164 number such as +61411111111", field="dedicated_number"
            )
        number = normalize_number(dedicated_number)
        if type not in _SERVICE_TYPES:
            raise ValidationError(f"must be 'sms' or 'mms', got {type!r}", field="type")
        payload: dict[str, Any] = {"dedicated_number": number, "type": type}
        if registration_data is not None:
            payload["registration_data"] = _registration(registration_data)
        return await self._session.call(
            "POST",
            f"/numbers/buy/{path_segment(number, 'number', field='dedicated_number')}",
            json=payload,
            cast_to=NumberPurchase,
            timeout=timeout,
        )

    @operation(
        "POST", "/v3/numbers/registrations/number-types/{number_type}/country/{country_code}"
    )
    async def register(
        self,
        number_type: str,
        country_code: str,
        *,
        full_name: str,
        company_name: str,
        email: str,
        website_url: str,
        sample_message: str,
        primary_use_case: str,
        company_number: str,
        area_code: str,
        timeout: float | None = None,
    ) -> None:
        """Ask ClickSend's compliance team to register numbers (today: Canada 10DLC only)."""
        payload = {
            "full_name": check_text(full_name, "full_name"),
            "company_name": check_text(company_name, "company_name"),
            "email": check_email_address(email, "email"),
            "website_url": check_url(website_url, "website_url"),
            "sample_message": check_text(sample_message, "sample_message"),
            "primary_use_case": check_text(primary_use_case, "primary_use_case"),
            "company_number": check_text(company_number, "company_number"),
            "area_code": check_text(area_code, "area_code"),
        }
        kind = path_segment(check_text(number_type, "number_type"), "token", field="number_type")
        country = path_segment(
            _country(country_code, "country_code"), "token", field="country_code"
        )
        path = f"/numbers/registrations/number-types/{kind}/country/{country}"
        await self._session.data("POST", path, json=payload, timeout=timeout)
