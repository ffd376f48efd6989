"""Allowed email addresses (https://developers.clicksend.com/docs/rest/v3/#email-addresses)."""

from __future__ import annotations

from .._pagination import AsyncPaginator
from .._validation import check_email_address
from ..models.email_addresses import EmailAddress
from ._base import Resource, operation, path_segment

__all__ = ["EmailAddressesResource"]


class EmailAddressesResource(Resource):
    """Manage the email addresses allowed to send through ClickSend, and verify them.

    A new address is unverified: :meth:`send_verification` mails it a token, and
    :meth:`verify` confirms it with that token.
    See https://developers.clicksend.com/docs/rest/v3/#email-addresses.
    """

    @operation("GET", "/v3/email/addresses")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[EmailAddress]:
        """Page through allowed email addresses (``GET /email/addresses``)."""
        return self._paginate("/email/addresses", None, EmailAddress, page, limit, timeout=timeout)

    @operation("GET", "/v3/email/addresses/{email_address_id}")
    async def get(
        self, email_address_id: int | str, *, timeout: float | None = None
    ) -> EmailAddress:
        """Return one allowed address (``GET /email/addresses/{email_address_id}``)."""
        path = f"/email/addresses/{_address(email_address_id)}"
        return await self._session.call("GET", path, cast_to=EmailAddress, timeout=timeout)

    @operation("POST", "/v3/email/addresses")
    async def create(self, email_address: str, *, timeout: float | None = None) -> EmailAddress:
        """Add an allowed address, unverified (``POST /email/addresses``)."""
        payload = {"email_address": check_email_address(email_address)}
        return await self._session.call(
            "POST", "/email/addresses", json=payload, cast_to=EmailAddress, timeout=timeout
        )

    @operation("DELETE", "/v3/email/addresses/{email_address_id}")
    async def delete(self, email_address_id: int | str, *, timeout: float | None = None) -> None:
        """Remove an allowed address (``DELETE /email/addresses/{email_address_id}``)."""
        await self._session.data(
            "DELETE", f"/email/addresses/{_address(email_address_id)}", timeout=timeout
        )

    @operation("PUT", "/v3/email/address-verify/{email_address_id}/send")
    async def send_verification(
        self, email_address_id: int | str, *, timeout: float | None = None
    ) -> None:
        """Mail the address a verification token (``PUT /email/address-verify/{id}/send``)."""
        path = f"/email/address-verify/{_address(email_address_id)}/send"
        await self._session.data("PUT", path, timeout=timeout)

    @operation("PUT", "/v3/email/address-verify/{email_address_id}/verify/{activation_token}")
    async def verify(
        self, email_address_id: int | str, activation_token: str, *, timeout: float | None = None
    ) -> EmailAddress:
        """Confirm an address with the token it was mailed; return it, now verified."""
        token = path_segment(activation_token, "token", field="activation_token")
        path = f"/email/address-verify/{_address(email_address_id)}/verify/{token}"
        return await self._session.call("PUT", path, cast_to=EmailAddress, timeout=timeout)


def _address(email_address_id: int | str) -> str:
    return path_segment(email_address_id, field="email_address_id")
