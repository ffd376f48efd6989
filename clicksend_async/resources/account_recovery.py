"""Account recovery and verification: forgotten username or password, verifying an account.

``forgot_username`` and ``forgot_password`` are the current spec's ``verification`` group. The
rest (``send_account_verification``, ``verify_account``, ``reset_password``) are in the 2021
spec only (``/account-verify/...``, ``/forgot-password/verify``): the current one dropped them.
"""

from __future__ import annotations

from typing import Final

from .._exceptions import ValidationError
from .._validation import check_email_address, check_text
from ..models.account import Account
from ._base import Resource, operation, path_segment

_VERIFY_BY: Final = frozenset({"sms", "call"})


def _country(value: str) -> str:
    code = check_text(value, "country").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValidationError("must be an ISO 3166-1 alpha-2 code such as US", field="country")
    return code


__all__ = ["AccountRecoveryResource"]


class AccountRecoveryResource(Resource):
    """Recover a forgotten username or password; verify a new account by phone.

    See https://developers.clicksend.com/docs/rest/v3/#forgot-username.
    """

    @operation("PUT", "/v3/forgot-username")
    async def forgot_username(self, *, email: str, timeout: float | None = None) -> None:
        """Email the usernames of the accounts registered with ``email``."""
        payload = {"email": check_email_address(email, "email")}
        await self._session.data("PUT", "/forgot-username", json=payload, timeout=timeout)

    @operation("PUT", "/v3/forgot-password")
    async def forgot_password(self, *, username: str, timeout: float | None = None) -> None:
        """Email the owner of ``username`` a link to reset the password."""
        payload = {"username": check_text(username, "username").strip()}
        await self._session.data("PUT", "/forgot-password", json=payload, timeout=timeout)

    @operation("PUT", "/v3/forgot-password/verify")
    async def reset_password(
        self,
        *,
        subaccount_id: int,
        activation_token: str,
        password: str,
        timeout: float | None = None,
    ) -> None:
        """Set a new password with the token of the reset email (2021 spec only)."""
        if isinstance(subaccount_id, bool) or not isinstance(subaccount_id, int):
            raise ValidationError("must be the subaccount id from the email", field="subaccount_id")
        payload = {
            "subaccount_id": subaccount_id,
            "activation_token": check_text(activation_token, "activation_token").strip(),
            "password": check_text(password, "password"),
        }
        await self._session.data("PUT", "/forgot-password/verify", json=payload, timeout=timeout)

    @operation("PUT", "/v3/account-verify/send")
    async def send_account_verification(
        self,
        user_phone: str,
        *,
        country: str,
        type: str = "sms",
        timeout: float | None = None,
    ) -> None:
        """Send the account's activation token to ``user_phone`` by SMS or call (2021 spec only).

        ``user_phone`` may be local (``352-394-4199``): ``country`` says how to read it.
        """
        if type not in _VERIFY_BY:
            raise ValidationError(f"must be 'sms' or 'call', got {type!r}", field="type")
        phone = check_text(user_phone, "user_phone").strip()
        if not any(ch.isdigit() for ch in phone) or any(
            not (ch.isdigit() or ch in "+-() .") for ch in phone
        ):
            raise ValidationError("is not a phone number", field="user_phone")
        payload = {"country": _country(country), "type": type, "user_phone": phone}
        await self._session.data("PUT", "/account-verify/send", json=payload, timeout=timeout)

    @operation("PUT", "/v3/account-verify/verify/{activation_token}")
    async def verify_account(
        self, activation_token: str, *, timeout: float | None = None
    ) -> Account:
        """Verify the account with the token that was sent; return it (2021 spec only)."""
        token = path_segment(
            check_text(activation_token, "activation_token").strip(),
            "token",
            field="activation_token",
        )
        return await self._session.call(
            "PUT", f"/account-verify/verify/{token}", cast_to=Account, timeout=timeout
        )
