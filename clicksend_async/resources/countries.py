"""Countries (https://developers.clicksend.com/docs/rest/v3/#countries)."""

from __future__ import annotations

import builtins

from .._converter import structure
from ..models.countries import Country
from ._base import Resource, operation

__all__ = ["CountriesResource"]


class CountriesResource(Resource):
    """List the countries ClickSend knows, with their ISO codes.

    See https://developers.clicksend.com/docs/rest/v3/#countries.
    """

    @operation("GET", "/v3/countries")
    async def list(self, *, timeout: float | None = None) -> builtins.list[Country]:
        """Return every country (``GET /countries``; one unpaged list)."""
        data = await self._session.data("GET", "/countries", timeout=timeout)
        return structure(data, builtins.list[Country], where="GET /countries data")
