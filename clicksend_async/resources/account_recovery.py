"""Account recovery: forgotten username or password (the spec's ``verification`` group)."""

from __future__ import annotations

from .._validation import check_email_address, check_text
from ._base import Resource, operation

__all__ = ["AccountRecoveryResource"]


class AccountRecoveryResource(Resource):
    """Ask ClickSend to email a forgotten username, or a password-reset link.

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
