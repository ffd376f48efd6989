"""Reseller accounts (https://developers.clicksend.com/docs/rest/v3/#reseller)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._sansio import RequestKind
from .._validation import check_email_address, check_text
from ..models.account import Account
from ._base import Resource, operation, path_segment

__all__ = ["ResellerResource"]

_TEXT_FIELDS = ("username", "password", "user_first_name", "user_last_name", "account_name")


def _client_fields(values: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for field, value in values.items():
        if value is None:
            continue
        if field == "user_email":
            payload[field] = check_email_address(value, field)
        elif field == "country":
            code = check_text(value, field).strip().upper()
            if len(code) != 2 or not code.isalpha():
                raise ValidationError("must be an ISO 3166-1 alpha-2 code such as AU", field=field)
            payload[field] = code
        else:
            payload[field] = check_text(value, field)
    return payload


class ResellerResource(Resource):
    """Manage the client accounts of a reseller account and move credit to them.

    Client accounts decode as :class:`~clicksend_async.Account`.
    See https://developers.clicksend.com/docs/rest/v3/#reseller.
    """

    @operation("GET", "/v3/reseller/accounts")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[Account]:
        """Page through your client accounts."""
        return self._paginate("/reseller/accounts", None, Account, page, limit, timeout=timeout)

    @operation("GET", "/v3/reseller/accounts/{client_user_id}")
    async def get(self, client_user_id: int | str, *, timeout: float | None = None) -> Account:
        """Return one client account."""
        path = f"/reseller/accounts/{path_segment(client_user_id, field='client_user_id')}"
        return await self._session.call("GET", path, cast_to=Account, timeout=timeout)

    @operation("POST", "/v3/reseller/accounts")
    async def create(
        self,
        *,
        username: str,
        password: str,
        user_email: str,
        user_phone: str,
        user_first_name: str,
        user_last_name: str,
        account_name: str,
        country: str,
        timeout: float | None = None,
    ) -> Account:
        """Create a client account."""
        payload = _client_fields(
            {
                "username": username,
                "password": password,
                "user_email": user_email,
                "user_phone": user_phone,
                "user_first_name": user_first_name,
                "user_last_name": user_last_name,
                "account_name": account_name,
                "country": country,
            }
        )
        return await self._session.call(
            "POST", "/reseller/accounts", json=payload, cast_to=Account, timeout=timeout
        )

    @operation("PUT", "/v3/reseller/accounts/{client_user_id}")
    async def update(
        self,
        client_user_id: int | str,
        *,
        username: str | None = None,
        password: str | None = None,
        user_email: str | None = None,
        user_phone: str | None = None,
        user_first_name: str | None = None,
        user_last_name: str | None = None,
        account_name: str | None = None,
        country: str | None = None,
        timeout: float | None = None,
    ) -> Account:
        """Change the fields given of a client account."""
        path = f"/reseller/accounts/{path_segment(client_user_id, field='client_user_id')}"
        payload = _client_fields(
            {
                "username": username,
                "password": password,
                "user_email": user_email,
                "user_phone": user_phone,
                "user_first_name": user_first_name,
                "user_last_name": user_last_name,
                "account_name": account_name,
                "country": country,
            }
        )
        if not payload:
            raise ValidationError("nothing to update: give at least one field")
        return await self._session.call("PUT", path, json=payload, cast_to=Account, timeout=timeout)

    @operation("PUT", "/v3/reseller/transfer-credit")
    async def transfer_credit(
        self,
        *,
        client_user_id: int,
        balance: Decimal | int | str,
        currency: str,
        timeout: float | None = None,
    ) -> Account:
        """Move ``balance`` of your credit to a client account; return the client account.

        Never repeated after it may have reached ClickSend (a timeout, a reset, a 5xx): a PUT
        though it is, a second one would move the credit twice. Check the client's balance.
        """
        if isinstance(client_user_id, bool) or not isinstance(client_user_id, int):
            raise ValidationError("must be a client's user id", field="client_user_id")
        try:
            amount = Decimal(str(balance))
        except ArithmeticError:
            raise ValidationError(f"{balance!r} is not an amount", field="balance") from None
        if isinstance(balance, bool) or not amount.is_finite() or amount <= 0:
            raise ValidationError("must be a positive amount", field="balance")
        if amount != amount.to_integral_value():
            # The spec types the amount as an integer (whole units of the currency).
            raise ValidationError("must be a whole amount", field="balance")
        code = check_text(currency, "currency").strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValidationError("must be an ISO 4217 code such as AUD", field="currency")
        payload = {"client_user_id": client_user_id, "balance": int(amount), "currency": code}
        return await self._session.call(
            "PUT",
            "/reseller/transfer-credit",
            json=payload,
            cast_to=Account,
            timeout=timeout,
            kind=RequestKind.UNSAFE,
        )
