"""Recharge and transactions (https://developers.clicksend.com/docs/rest/v3/#recharge).

Card details are sent once, to ClickSend, and never logged or kept: only the masked
``display_number`` ever comes back.
"""

from __future__ import annotations

import builtins
from typing import Any

from .._converter import structure
from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._sansio import RequestKind
from .._validation import check_text
from ..models.recharge import PackagePurchase, PaymentCard, RechargePackage, Transaction
from ._base import Resource, operation, path_segment

__all__ = ["RechargeResource", "luhn_ok"]


def luhn_ok(number: str) -> bool:
    """Return True when a card number passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = int(ch)
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(
    number: str, expiry_month: int, expiry_year: int, cvc: str | int, name: str
) -> dict[str, Any]:
    # Errors name the field and never echo the card number or the CVC.
    if not isinstance(number, str):
        raise ValidationError("must be a string of digits", field="number")
    digits = number.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_ok(digits):
        raise ValidationError("is not a valid card number", field="number")
    if isinstance(expiry_month, bool) or not isinstance(expiry_month, int):
        raise ValidationError("must be a month from 1 to 12", field="expiry_month")
    if not 1 <= expiry_month <= 12:
        raise ValidationError("must be a month from 1 to 12", field="expiry_month")
    if isinstance(expiry_year, bool) or not isinstance(expiry_year, int):
        raise ValidationError("must be a four-digit year", field="expiry_year")
    if not 2000 <= expiry_year <= 2099:
        raise ValidationError("must be a four-digit year", field="expiry_year")
    cvc_text = str(cvc) if isinstance(cvc, int) and not isinstance(cvc, bool) else cvc
    if not isinstance(cvc_text, str) or not cvc_text.isdigit() or not 3 <= len(cvc_text) <= 4:
        raise ValidationError("must be the 3 or 4 digits on the card", field="cvc")
    return {
        "number": digits,
        "expiry_month": expiry_month,
        "expiry_year": expiry_year,
        # The spec types the CVC as an integer.
        "cvc": int(cvc_text),
        "name": check_text(name, "name"),
    }


class RechargeResource(Resource):
    """The payment card, credit packages and their purchase, and the account's transactions.

    See https://developers.clicksend.com/docs/rest/v3/#recharge.
    """

    @operation("GET", "/v3/recharge/credit-card")
    async def card(self, *, timeout: float | None = None) -> PaymentCard:
        """Return the card on file (masked)."""
        return await self._session.call(
            "GET", "/recharge/credit-card", cast_to=PaymentCard, timeout=timeout
        )

    @operation("PUT", "/v3/recharge/credit-card")
    async def update_card(
        self,
        *,
        number: str,
        expiry_month: int,
        expiry_year: int,
        cvc: str | int,
        name: str,
        bank_name: str | None = None,
        timeout: float | None = None,
    ) -> str:
        """Put a card on file and return the payment provider's customer token."""
        payload = _card(number, expiry_month, expiry_year, cvc, name)
        if bank_name is not None:
            payload["bank_name"] = check_text(bank_name, "bank_name")
        data = await self._session.data(
            "PUT", "/recharge/credit-card", json=payload, timeout=timeout
        )
        token = data.get("token") if isinstance(data, dict) else None
        return structure(token, str, where="PUT /recharge/credit-card data.token")

    @operation("GET", "/v3/recharge/packages")
    async def packages(self, *, timeout: float | None = None) -> builtins.list[RechargePackage]:
        """Return the credit packages on offer in the account's currency."""
        data = await self._session.data("GET", "/recharge/packages", timeout=timeout)
        packages = data.get("packages") if isinstance(data, dict) else data
        return structure(
            packages, builtins.list[RechargePackage], where="GET /recharge/packages data.packages"
        )

    @operation("PUT", "/v3/recharge/purchase/{package_id}")
    async def purchase(
        self, package_id: int | str, *, timeout: float | None = None
    ) -> PackagePurchase:
        """Buy a credit package with the card on file (this charges the card).

        Never repeated after it may have reached ClickSend (a timeout, a reset, a 5xx): a PUT
        though it is, a second one would charge the card twice. Check :meth:`transactions`.
        """
        path = f"/recharge/purchase/{path_segment(package_id, 'token', field='package_id')}"
        return await self._session.call(
            "PUT", path, cast_to=PackagePurchase, timeout=timeout, kind=RequestKind.UNSAFE
        )

    @operation("GET", "/v3/recharge/transactions")
    def transactions(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[Transaction]:
        """Page through the account's payments."""
        return self._paginate(
            "/recharge/transactions", None, Transaction, page, limit, timeout=timeout
        )

    @operation("GET", "/v3/recharge/transactions/{transaction_id}")
    async def transaction(
        self, transaction_id: str, *, timeout: float | None = None
    ) -> Transaction:
        """Return one payment by its invoice number."""
        segment = path_segment(transaction_id, "token", field="transaction_id")
        path = f"/recharge/transactions/{segment}"
        return await self._session.call("GET", path, cast_to=Transaction, timeout=timeout)
