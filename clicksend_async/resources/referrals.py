"""Referral accounts (https://developers.clicksend.com/docs/rest/v3/#referral-accounts)."""

from __future__ import annotations

from .._pagination import AsyncPaginator
from ..models.referrals import Referral
from ._base import Resource, operation

__all__ = ["ReferralsResource"]


class ReferralsResource(Resource):
    """List the accounts that signed up through your referral.

    See https://developers.clicksend.com/docs/rest/v3/#referral-accounts.
    """

    @operation("GET", "/v3/referral/accounts/")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[Referral]:
        """Page through your referred accounts."""
        return self._paginate("/referral/accounts", None, Referral, page, limit, timeout=timeout)
