"""Account details (https://developers.clicksend.com/docs/rest/v3/#account)."""

from __future__ import annotations

from ..models.account import Account
from ._base import Resource

__all__ = ["AccountResource"]


class AccountResource(Resource):
    """Read the account behind the credentials.

    The response's ``_subaccount.api_key`` is a live credential: it is kept on the model but
    out of its repr, and never logged.
    """

    async def get(self) -> Account:
        """Return the account (``GET /account``)."""
        return await self._session.call("GET", "/account", cast_to=Account)
