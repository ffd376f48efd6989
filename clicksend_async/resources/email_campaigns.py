"""Email campaigns: one email (a template or a body) to every contact of a list.

https://developers.clicksend.com/docs/rest/v3/#email-campaigns
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._converter import structure
from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_csv_filename, check_text
from ..models.email import (
    EmailCampaign,
    EmailCampaignPrice,
    EmailCampaignRecipient,
    EmailCampaignResult,
)
from ..models.messages import HistoryExport
from ._base import Resource, operation, path_segment, unix_or_none
from ._inputs import check_id, unix, update_payload

__all__ = ["EmailCampaignsResource"]


class EmailCampaignsResource(Resource):
    """Send, price, list, update and cancel email campaigns, and read who got them.

    The sender is a verified allowed address (``cs.email_addresses``); the content is your
    template (``template_id``, from ``cs.email.templates``) or an HTML ``body``. A campaign send
    is never repeated after the request may have reached ClickSend.
    See https://developers.clicksend.com/docs/rest/v3/#email-campaigns.
    """

    def _payload(
        self,
        list_id: int | str,
        name: str,
        subject: str,
        from_email_address_id: int | str,
        from_name: str,
        template_id: int | str | None,
        body: str | None,
        schedule: datetime | int | None,
        draft: bool,
        custom_string: str | None,
    ) -> dict[str, Any]:
        if template_id is None and body is None:
            raise ValidationError("give template_id or body", field="body")
        payload: dict[str, Any] = {
            # The send and price schemas type every id as a string.
            "list_id": str(check_id(list_id, "list_id")),
            "name": check_text(name, "name"),
            "subject": check_text(subject, "subject"),
            "from_email_address_id": str(check_id(from_email_address_id, "from_email_address_id")),
            "from_name": check_text(from_name, "from_name"),
        }
        if template_id is not None:
            payload["template_id"] = str(check_id(template_id, "template_id"))
        if body is not None:
            payload["body"] = check_text(body, "body")
        if schedule is not None:
            payload["schedule"] = str(unix(schedule))
        if draft:
            payload["draft"] = 1
        if custom_string is not None:
            payload["custom_string"] = check_text(custom_string, "custom_string")
        return payload

    @operation("POST", "/v3/email-campaigns/send")
    async def send(
        self,
        list_id: int | str,
        *,
        name: str,
        subject: str,
        from_email_address_id: int | str,
        from_name: str,
        template_id: int | str | None = None,
        body: str | None = None,
        schedule: datetime | int | None = None,
        draft: bool = False,
        custom_string: str | None = None,
        timeout: float | None = None,
    ) -> EmailCampaignResult:
        """Send (or schedule, or save as a draft) an email to every contact of list ``list_id``."""
        payload = self._payload(
            list_id,
            name,
            subject,
            from_email_address_id,
            from_name,
            template_id,
            body,
            schedule,
            draft,
            custom_string,
        )
        # The send schema has no schedule: ClickSend reads it anyway (price declares it).
        return await self._session.call(
            "POST",
            "/email-campaigns/send",
            json=payload,
            cast_to=EmailCampaignResult,
            timeout=timeout,
        )

    @operation("POST", "/v3/email-campaigns/price")
    async def price(
        self,
        list_id: int | str,
        *,
        name: str,
        subject: str,
        from_email_address_id: int | str,
        from_name: str,
        template_id: int | str | None = None,
        body: str | None = None,
        schedule: datetime | int | None = None,
        timeout: float | None = None,
    ) -> EmailCampaignPrice:
        """Return what an email campaign to list ``list_id`` would cost; nothing is sent."""
        payload = self._payload(
            list_id,
            name,
            subject,
            from_email_address_id,
            from_name,
            template_id,
            body,
            schedule,
            False,
            None,
        )
        return await self._session.call(
            "POST",
            "/email-campaigns/price",
            json=payload,
            cast_to=EmailCampaignPrice,
            timeout=timeout,
        )

    @operation("GET", "/v3/email-campaigns")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[EmailCampaign]:
        """Page through your email campaigns."""
        return self._paginate("/email-campaigns", None, EmailCampaign, page, limit, timeout=timeout)

    @operation("GET", "/v3/email-campaigns/{email_campaign_id}")
    async def get(
        self, email_campaign_id: int | str, *, timeout: float | None = None
    ) -> EmailCampaign:
        """Return one email campaign."""
        path = f"/email-campaigns/{path_segment(email_campaign_id, field='email_campaign_id')}"
        return await self._session.call("GET", path, cast_to=EmailCampaign, timeout=timeout)

    @operation("PUT", "/v3/email-campaigns/{email_campaign_id}")
    async def update(
        self,
        email_campaign_id: int | str,
        *,
        list_id: int | str | None = None,
        name: str | None = None,
        subject: str | None = None,
        from_email_address_id: int | str | None = None,
        from_name: str | None = None,
        template_id: int | str | None = None,
        body: str | None = None,
        schedule: datetime | int | None = None,
        timeout: float | None = None,
    ) -> EmailCampaign:
        """Change a scheduled or draft email campaign."""
        payload = update_payload(
            # The update schema types ids and the schedule as integers.
            list_id=None if list_id is None else check_id(list_id, "list_id"),
            name=None if name is None else check_text(name, "name"),
            subject=None if subject is None else check_text(subject, "subject"),
            from_email_address_id=None
            if from_email_address_id is None
            else check_id(from_email_address_id, "from_email_address_id"),
            from_name=None if from_name is None else check_text(from_name, "from_name"),
            template_id=None if template_id is None else check_id(template_id, "template_id"),
            body=None if body is None else check_text(body, "body"),
            schedule=unix(schedule),
        )
        path = f"/email-campaigns/{path_segment(email_campaign_id, field='email_campaign_id')}"
        return await self._session.call(
            "PUT", path, json=payload, cast_to=EmailCampaign, timeout=timeout
        )

    @operation("PUT", "/v3/email-campaigns/{email_campaign_id}/cancel")
    async def cancel(
        self, email_campaign_id: int | str, *, timeout: float | None = None
    ) -> EmailCampaign:
        """Cancel a scheduled or draft email campaign; return it, now cancelled."""
        path = (
            f"/email-campaigns/{path_segment(email_campaign_id, field='email_campaign_id')}/cancel"
        )
        return await self._session.call("PUT", path, cast_to=EmailCampaign, timeout=timeout)

    @operation("GET", "/v3/email-campaigns/{email_campaign_id}/history")
    def history(
        self,
        email_campaign_id: int | str,
        *,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[EmailCampaignRecipient]:
        """Page through a campaign's recipients and what happened to their emails."""
        path = (
            f"/email-campaigns/{path_segment(email_campaign_id, field='email_campaign_id')}/history"
        )
        return self._paginate(path, None, EmailCampaignRecipient, page, limit, timeout=timeout)

    @operation("GET", "/v3/email-campaigns/{email_campaign_id}/history/export")
    async def export_history(
        self,
        email_campaign_id: int | str,
        *,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        filename: str | None = None,
        timeout: float | None = None,
    ) -> HistoryExport:
        """Export a campaign's recipients to a CSV file and return its download link.

        ``date_from`` / ``date_to`` (datetimes or Unix seconds) are the spec's filters; the spec
        names no ``filename`` here (the other exports take one), so it is sent only if given.
        """
        segment = path_segment(email_campaign_id, field="email_campaign_id")
        path = f"/email-campaigns/{segment}/history/export"
        params = {
            "date_from": unix_or_none(date_from, "date_from"),
            "date_to": unix_or_none(date_to, "date_to"),
            "filename": None if filename is None else check_csv_filename(filename),
        }
        data = await self._session.data("GET", path, params=params, timeout=timeout)
        if isinstance(data, str):
            data = {"url": data}  # the spec documents no shape for this answer
        return structure(data, HistoryExport, where=f"GET {path} data")
