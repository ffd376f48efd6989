"""SMS and MMS campaigns: ClickSend sends one message to every contact of a list, server-side.

https://developers.clicksend.com/docs/rest/v3/#sms-campaigns and
https://developers.clicksend.com/docs/rest/v3/#mms-campaigns. A documented alternative to the
client-side bulk engine (``cs.sms.send_bulk``): ClickSend personalises and sends, you make one
request. A campaign send is never repeated after the request may have reached ClickSend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .._pagination import AsyncPaginator
from .._validation import check_media_file, check_text, check_url
from ..models.campaigns import CampaignPrice, CampaignSender, MmsCampaign, SmsCampaign
from ._base import Resource, coerce, history_params, operation, path_segment, payload_of
from ._inputs import (
    check_id,
    check_mms_body,
    check_sms_body,
    check_subject,
    sender,
    unix,
    update_payload,
)

__all__ = ["MmsCampaignsResource", "SmsCampaignsResource"]

SendersIn = Iterable[CampaignSender | Mapping[str, Any]]


class SmsCampaignsResource(Resource):
    """Send, price, list, update and cancel SMS campaigns to a contact list.

    The body may use the list's fields (``"Hi [first_name]"`` in ClickSend's syntax).
    See https://developers.clicksend.com/docs/rest/v3/#sms-campaigns.
    """

    def _payload(
        self,
        list_id: int | str,
        name: str,
        body: str,
        from_: str | None,
        schedule: datetime | int | None,
        *,
        list_id_as_str: bool,
    ) -> dict[str, Any]:
        number = check_id(list_id, "list_id")
        payload: dict[str, Any] = {
            # The send schema types list_id as an integer, price and update as a string.
            "list_id": str(number) if list_id_as_str else number,
            "name": check_text(name, "name"),
            "body": check_sms_body(body),
        }
        if sender(from_) is not None:
            payload["from"] = from_
        if schedule is not None:
            payload["schedule"] = unix(schedule)
        return payload

    @operation("POST", "/v3/sms-campaigns/send")
    async def send(
        self,
        list_id: int | str,
        *,
        name: str,
        body: str,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        senders: SendersIn | None = None,
        url_to_shorten: str | None = None,
        source: str | None = None,
        timeout: float | None = None,
    ) -> SmsCampaign:
        """Send (or schedule) ``body`` to every contact of list ``list_id``.

        ``senders`` picks a sender per recipient country; ``url_to_shorten`` is replaced by a
        tracked short link where the body says ``http://smsu.io/xxxxx``.
        """
        payload = self._payload(list_id, name, body, from_, schedule, list_id_as_str=False)
        if senders is not None:
            payload["senders"] = payload_of(
                coerce(s, CampaignSender, field=f"senders[{i}]") for i, s in enumerate(senders)
            )
        if url_to_shorten is not None:
            payload["url_to_shorten"] = check_url(url_to_shorten, "url_to_shorten")
        if source is not None:
            payload["source"] = check_text(source, "source")
        return await self._session.call(
            "POST", "/sms-campaigns/send", json=payload, cast_to=SmsCampaign, timeout=timeout
        )

    @operation("POST", "/v3/sms-campaigns/price")
    async def price(
        self,
        list_id: int | str,
        *,
        name: str,
        body: str,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        timeout: float | None = None,
    ) -> CampaignPrice:
        """Return what sending ``body`` to list ``list_id`` would cost; nothing is sent."""
        payload = self._payload(list_id, name, body, from_, schedule, list_id_as_str=True)
        return await self._session.call(
            "POST", "/sms-campaigns/price", json=payload, cast_to=CampaignPrice, timeout=timeout
        )

    @operation("GET", "/v3/sms-campaigns")
    def list(
        self,
        *,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[SmsCampaign]:
        """Page through your SMS campaigns (``q`` is ``field:value,...``)."""
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/sms-campaigns", params, SmsCampaign, page, limit, timeout=timeout)

    @operation("GET", "/v3/sms-campaigns/{sms_campaign_id}")
    async def get(self, sms_campaign_id: int | str, *, timeout: float | None = None) -> SmsCampaign:
        """Return one SMS campaign."""
        path = f"/sms-campaigns/{path_segment(sms_campaign_id, field='sms_campaign_id')}"
        return await self._session.call("GET", path, cast_to=SmsCampaign, timeout=timeout)

    @operation("PUT", "/v3/sms-campaigns/{sms_campaign_id}")
    async def update(
        self,
        sms_campaign_id: int | str,
        *,
        list_id: int | str | None = None,
        name: str | None = None,
        body: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        timeout: float | None = None,
    ) -> SmsCampaign:
        """Change a scheduled campaign's list, name, body, sender or schedule."""
        payload = update_payload(
            list_id=None if list_id is None else str(check_id(list_id, "list_id")),
            name=None if name is None else check_text(name, "name"),
            body=None if body is None else check_sms_body(body),
            from_=sender(from_),
            schedule=unix(schedule),
        )
        path = f"/sms-campaigns/{path_segment(sms_campaign_id, field='sms_campaign_id')}"
        return await self._session.call(
            "PUT", path, json=payload, cast_to=SmsCampaign, timeout=timeout
        )

    @operation("PUT", "/v3/sms-campaigns/{sms_campaign_id}/cancel")
    async def cancel(
        self, sms_campaign_id: int | str, *, timeout: float | None = None
    ) -> SmsCampaign:
        """Cancel a scheduled campaign (ClickSend refunds it); return it, now cancelled."""
        path = f"/sms-campaigns/{path_segment(sms_campaign_id, field='sms_campaign_id')}/cancel"
        return await self._session.call("PUT", path, cast_to=SmsCampaign, timeout=timeout)


class MmsCampaignsResource(Resource):
    """Send, price, list, update and cancel MMS campaigns to a contact list.

    One media file (a URL: jpg or gif, or converted through ``/uploads?convert=mms``) goes to
    every contact. See https://developers.clicksend.com/docs/rest/v3/#mms-campaigns.
    """

    def _payload(
        self,
        list_id: int | str,
        name: str,
        body: str,
        subject: str,
        media_file: str,
        from_: str | None,
        schedule: datetime | int | None,
    ) -> dict[str, Any]:
        check_media_file(media_file)
        payload: dict[str, Any] = {
            "list_id": str(check_id(list_id, "list_id")),  # a string in the MMS schemas
            "name": check_text(name, "name"),
            "body": check_mms_body(body),
            "subject": check_subject(subject),
            "media_file": media_file,
        }
        if sender(from_) is not None:
            payload["from"] = from_
        if schedule is not None:
            payload["schedule"] = unix(schedule)
        return payload

    @operation("POST", "/v3/mms-campaigns/send")
    async def send(
        self,
        list_id: int | str,
        *,
        name: str,
        body: str,
        subject: str,
        media_file: str,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        url_to_shorten: str | None = None,
        timeout: float | None = None,
    ) -> MmsCampaign:
        """Send (or schedule) an MMS with ``media_file`` to every contact of list ``list_id``."""
        payload = self._payload(list_id, name, body, subject, media_file, from_, schedule)
        if url_to_shorten is not None:
            payload["url_to_shorten"] = check_url(url_to_shorten, "url_to_shorten")
        return await self._session.call(
            "POST", "/mms-campaigns/send", json=payload, cast_to=MmsCampaign, timeout=timeout
        )

    @operation("POST", "/v3/mms-campaigns/price")
    async def price(
        self,
        list_id: int | str,
        *,
        name: str,
        body: str,
        subject: str,
        media_file: str,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        timeout: float | None = None,
    ) -> CampaignPrice:
        """Return what an MMS campaign to list ``list_id`` would cost; nothing is sent."""
        payload = self._payload(list_id, name, body, subject, media_file, from_, schedule)
        return await self._session.call(
            "POST", "/mms-campaigns/price", json=payload, cast_to=CampaignPrice, timeout=timeout
        )

    @operation("GET", "/v3/mms-campaigns")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[MmsCampaign]:
        """Page through your MMS campaigns."""
        return self._paginate("/mms-campaigns", None, MmsCampaign, page, limit, timeout=timeout)

    @operation("GET", "/v3/mms-campaigns/{mms_campaign_id}")
    async def get(self, mms_campaign_id: int | str, *, timeout: float | None = None) -> MmsCampaign:
        """Return one MMS campaign."""
        path = f"/mms-campaigns/{path_segment(mms_campaign_id, field='mms_campaign_id')}"
        return await self._session.call("GET", path, cast_to=MmsCampaign, timeout=timeout)

    @operation("PUT", "/v3/mms-campaigns/{mms_campaign_id}")
    async def update(
        self,
        mms_campaign_id: int | str,
        *,
        list_id: int | str | None = None,
        name: str | None = None,
        body: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        timeout: float | None = None,
    ) -> MmsCampaign:
        """Change a scheduled MMS campaign's list, name, body, sender or schedule."""
        payload = update_payload(
            list_id=None if list_id is None else str(check_id(list_id, "list_id")),
            name=None if name is None else check_text(name, "name"),
            body=None if body is None else check_mms_body(body),
            from_=sender(from_),
            schedule=unix(schedule),
        )
        path = f"/mms-campaigns/{path_segment(mms_campaign_id, field='mms_campaign_id')}"
        return await self._session.call(
            "PUT", path, json=payload, cast_to=MmsCampaign, timeout=timeout
        )

    @operation("PUT", "/v3/mms-campaigns/{mms_campaign_id}/cancel")
    async def cancel(
        self, mms_campaign_id: int | str, *, timeout: float | None = None
    ) -> MmsCampaign:
        """Cancel a scheduled MMS campaign (ClickSend refunds it); return it, now cancelled."""
        path = f"/mms-campaigns/{path_segment(mms_campaign_id, field='mms_campaign_id')}/cancel"
        return await self._session.call("PUT", path, cast_to=MmsCampaign, timeout=timeout)
