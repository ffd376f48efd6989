"""Email-to-SMS: addresses allowed to text by email, and strings stripped from those emails.

https://developers.clicksend.com/docs/rest/v3/#email-to-sms
"""

from __future__ import annotations

from .._pagination import AsyncPaginator
from .._validation import check_email_address, check_text
from ..models.email_sms import EmailSmsAddress, StrippedString
from ._base import Resource, operation, path_segment
from ._inputs import check_id, sender

__all__ = ["EmailToSmsResource"]


class EmailToSmsResource(Resource):
    """Allow addresses to send SMS by email, and strip signatures or disclaimers from them.

    An email to ``<number>@sms.clicksend.com`` from an allowed address is texted to the number,
    from the sender set here. See https://developers.clicksend.com/docs/rest/v3/#email-to-sms.
    """

    @operation("GET", "/v3/sms/email-sms")
    def addresses(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[EmailSmsAddress]:
        """Page through the addresses allowed to send SMS by email."""
        return self._paginate("/sms/email-sms", None, EmailSmsAddress, page, limit, timeout=timeout)

    @operation("POST", "/v3/sms/email-sms")
    async def allow_address(
        self,
        email_address: str,
        *,
        from_: str | None = None,
        from_fax: str | None = None,
        subaccount_id: int | str | None = None,
        timeout: float | None = None,
    ) -> EmailSmsAddress:
        """Allow ``email_address`` to send SMS by email, from the sender ``from_`` (optional,
        as in the spec: without it the account's default sender is used)."""
        payload: dict[str, str] = {"email_address": check_email_address(email_address)}
        if from_ is not None:
            payload["from"] = check_text(sender(from_), "from_")
        if from_fax is not None:
            payload["from_fax"] = check_text(from_fax, "from_fax")
        if subaccount_id is not None:
            payload["subaccount_id"] = str(check_id(subaccount_id, "subaccount_id"))
        return await self._session.call(
            "POST", "/sms/email-sms", json=payload, cast_to=EmailSmsAddress, timeout=timeout
        )

    @operation("GET", "/v3/sms/email-sms-stripped-strings")
    def stripped_strings(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[StrippedString]:
        """Page through the strings removed from emails before they are texted."""
        path = "/sms/email-sms-stripped-strings"
        return self._paginate(path, None, StrippedString, page, limit, timeout=timeout)

    @operation("POST", "/v3/sms/email-sms-stripped-strings")
    async def add_stripped_string(
        self, strip_string: str, *, timeout: float | None = None
    ) -> StrippedString:
        """Remove ``strip_string`` from every email before it is texted."""
        payload = {"strip_string": check_text(strip_string, "strip_string")}
        return await self._session.call(
            "POST",
            "/sms/email-sms-stripped-strings",
            json=payload,
            cast_to=StrippedString,
            timeout=timeout,
        )

    @operation("GET", "/v3/sms/email-sms-stripped-strings/{rule_id}")
    async def stripped_string(
        self, rule_id: int | str, *, timeout: float | None = None
    ) -> StrippedString:
        """Return one stripped-string rule."""
        path = f"/sms/email-sms-stripped-strings/{path_segment(rule_id, field='rule_id')}"
        return await self._session.call("GET", path, cast_to=StrippedString, timeout=timeout)

    @operation("PUT", "/v3/sms/email-sms-stripped-strings/{rule_id}")
    async def update_stripped_string(
        self, rule_id: int | str, strip_string: str, *, timeout: float | None = None
    ) -> StrippedString:
        """Change the text a stripped-string rule removes."""
        path = f"/sms/email-sms-stripped-strings/{path_segment(rule_id, field='rule_id')}"
        payload = {"strip_string": check_text(strip_string, "strip_string")}
        return await self._session.call(
            "PUT", path, json=payload, cast_to=StrippedString, timeout=timeout
        )

    @operation("DELETE", "/v3/sms/email-sms-stripped-strings/{rule_id}")
    async def delete_stripped_string(
        self, rule_id: int | str, *, timeout: float | None = None
    ) -> None:
        """Delete a stripped-string rule."""
        path = f"/sms/email-sms-stripped-strings/{path_segment(rule_id, field='rule_id')}"
        await self._session.data("DELETE", path, timeout=timeout)
