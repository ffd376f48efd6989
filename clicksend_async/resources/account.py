"""Account details and usage (https://developers.clicksend.com/docs/rest/v3/#account)."""

from __future__ import annotations

from .._validation import check_year_month
from ..models.account import Account, AccountUsage
from ._base import Resource, operation

__all__ = ["AccountResource"]


class AccountResource(Resource):
    """Read the account behind the credentials, and its monthly usage.

    The response's ``_subaccount.api_key`` is a live credential: it is kept on the model but
    out of its repr, and never logged.
    """

    @operation("GET", "/v3/account")
    async def get(self, *, timeout: float | None = None) -> Account:
        """Return the account (``GET /account``)."""
        return await self._session.call("GET", "/account", cast_to=Account, timeout=timeout)

    @operation("GET", "/v3/account/usage/{year}/{month}/subaccount")
    async def usage(self, year: int, month: int, *, timeout: float | None = None) -> AccountUsage:
        """Return a month's usage per channel and sub-account.

        ``GET /account/usage/{year}/{month}/subaccount``: ``year`` has four digits, ``month`` is
        1 to 12.
        """
        year, month = check_year_month(year, month)
        return await self._session.call(
            "GET",
            f"/account/usage/{year}/{month}/subaccount",
            cast_to=AccountUsage,
            timeout=timeout,
        )
