"""International messaging: the countries an account sends to.

See https://developers.clicksend.com/docs/rest/v3/#international-messaging. Sending to a
country that is not selected and agreed to fails with ``COUNTRY_NOT_ENABLED``;
:meth:`InternationalResource.enable` clears that in one call.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from .._converter import structure
from .._exceptions import ValidationError
from ..models.international import CountryOption, UserCountry
from ._base import Resource, operation

__all__ = ["InternationalResource"]


def _ids(country_ids: Iterable[int]) -> builtins.list[int]:
    if isinstance(country_ids, int | str | bytes):
        raise ValidationError("expected a list of country ids", field="country_list_ids")
    ids = builtins.list(country_ids)
    for i, value in enumerate(ids):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(
                f"must be a country id (a whole number from 1), got {value!r}",
                field=f"country_list_ids[{i}]",
            )
    return ids


class InternationalResource(Resource):
    """Choose the countries you send to and agree to their rules; list time zones.

    See https://developers.clicksend.com/docs/rest/v3/#international-messaging.
    """

    @operation("GET", "/v3/country-list")
    async def countries(self, *, timeout: float | None = None) -> builtins.list[CountryOption]:
        """Return every country that can be selected, with the id selecting it takes."""
        data = await self._session.data("GET", "/country-list", timeout=timeout)
        return structure(data, builtins.list[CountryOption], where="GET /country-list data")

    @operation("GET", "/v3/user-countries")
    async def selected(self, *, timeout: float | None = None) -> builtins.list[UserCountry]:
        """Return the countries selected for sending (``agreed`` once their rules are)."""
        data = await self._session.data("GET", "/user-countries", timeout=timeout)
        return structure(data, builtins.list[UserCountry], where="GET /user-countries data")

    @operation("POST", "/v3/user-countries")
    async def select(
        self, country_ids: Iterable[int], *, timeout: float | None = None
    ) -> builtins.list[UserCountry]:
        """Make ``country_ids`` the whole selection (a country left out is unselected)."""
        payload = {"country_list_ids": _ids(country_ids)}
        data = await self._session.data("POST", "/user-countries", json=payload, timeout=timeout)
        return structure(data, builtins.list[UserCountry], where="POST /user-countries data")

    @operation("POST", "/v3/user-countries/agree")
    async def agree(
        self, country_ids: Iterable[int], *, timeout: float | None = None
    ) -> builtins.list[UserCountry]:
        """Agree to the rules of selected countries, which enables sending to them."""
        payload = {"country_list_ids": _ids(country_ids)}
        data = await self._session.data(
            "POST", "/user-countries/agree", json=payload, timeout=timeout
        )
        return structure(data, builtins.list[UserCountry], where="POST /user-countries/agree")

    async def enable(
        self, codes: Iterable[str], *, timeout: float | None = None
    ) -> builtins.list[UserCountry]:
        """Select the countries with these ISO codes (keeping the others) and agree to them.

        Raises:
            ValidationError: a code that is not a country of :meth:`countries`.
        """
        if isinstance(codes, str):
            codes = [codes]
        wanted = [c.strip().upper() if isinstance(c, str) else c for c in codes]
        if not wanted:
            raise ValidationError("give at least one country code", field="codes")
        by_code = {c.code.upper(): c.id for c in await self.countries(timeout=timeout) if c.code}
        ids = []
        for i, code in enumerate(wanted):
            if not isinstance(code, str) or code not in by_code:
                raise ValidationError(f"{code!r} is not a selectable country", field=f"codes[{i}]")
            ids.append(by_code[code])
        current = [c.id for c in await self.selected(timeout=timeout)]
        await self.select(dict.fromkeys([*current, *ids]), timeout=timeout)
        return await self.agree(ids, timeout=timeout)

    @operation("GET", "/v3/timezones")
    async def timezones(self, *, timeout: float | None = None) -> builtins.list[str]:
        """Return the time zone names ClickSend accepts (``Australia/Melbourne`` style)."""
        data = await self._session.data("GET", "/timezones", timeout=timeout)
        return structure(data, builtins.list[str], where="GET /timezones data")
