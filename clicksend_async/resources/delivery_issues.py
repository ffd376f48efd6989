"""Delivery issues: tell ClickSend support a message did not arrive, and read the answers.

https://developers.clicksend.com/docs/rest/v3/#delivery-issues
"""

from __future__ import annotations

from typing import Any, Final

from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_email_address, check_text
from ..models.delivery_issues import DeliveryIssue
from ._base import Resource, operation

__all__ = ["DeliveryIssuesResource"]

#: Message types an issue can be about, as the spec lists them (sent in capitals).
ISSUE_TYPES: Final = (
    "SMS",
    "MMS",
    "VOICE",
    "EMAIL_MARKETING",
    "EMAIL_TRANSACTIONAL",
    "FAX",
    "POST",
)


class DeliveryIssuesResource(Resource):
    """Report and list delivery issues.

    See https://developers.clicksend.com/docs/rest/v3/#delivery-issues.
    """

    @operation("GET", "/v3/delivery-issues")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[DeliveryIssue]:
        """Page through the issues you reported."""
        return self._paginate("/delivery-issues", None, DeliveryIssue, page, limit, timeout=timeout)

    @operation("POST", "/v3/delivery-issues")
    async def create(
        self,
        message_id: str,
        *,
        type: str,
        description: str,
        email_address: str,
        client_comments: str | None = None,
        timeout: float | None = None,
    ) -> DeliveryIssue:
        """Report that message ``message_id`` was not delivered.

        ``type`` is one of SMS, MMS, VOICE, EMAIL_MARKETING, EMAIL_TRANSACTIONAL, FAX, POST (any
        case; sent in capitals), ``description`` says what went wrong (the spec requires it) and
        ``email_address`` is where support answers.
        """
        kind = check_text(type, "type").strip().upper()
        if kind not in ISSUE_TYPES:
            hint = (
                " (EMAIL_MARKETING or EMAIL_TRANSACTIONAL for an email)" if kind == "EMAIL" else ""
            )
            raise ValidationError(
                f"{type!r} is not one of {', '.join(ISSUE_TYPES)}{hint}", field="type"
            )
        payload: dict[str, Any] = {
            "message_id": check_text(message_id, "message_id"),
            "type": kind,
            "description": check_text(description, "description"),
            "email_address": check_email_address(email_address),
        }
        if client_comments is not None:
            payload["client_comments"] = check_text(client_comments, "client_comments")
        return await self._session.call(
            "POST", "/delivery-issues", json=payload, cast_to=DeliveryIssue, timeout=timeout
        )
