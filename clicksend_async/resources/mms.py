"""MMS: send, price, history and its export, receipts, bulk.

https://developers.clicksend.com/docs/rest/v3/#mms
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any

from .._pagination import AsyncPaginator
from .._validation import DEFAULT_LIMITS, Limits, check_batch_size, check_media_file, validate_mms
from ..bulk._api import mms_job
from ..bulk._engine import BulkJob, Recipients
from ..bulk._report import BulkOutcome, BulkReport
from ..models.messages import HistoryExport, MessageResult, MmsMessage, SendResult
from ..models.sms import SmsReceipt
from ._base import Resource, coerce_many, export_params, history_params, message_payloads, operation

__all__ = ["MmsResource"]

MessagesIn = Iterable[MmsMessage | Mapping[str, Any]]


class MmsResource(Resource):
    """Send and price MMS (one media file per request), read history and receipts.

    The media file is a URL at the top level of the request, shared by every message in it
    (jpg and gif as they are; convert other formats through ``/uploads?convert=mms`` first).
    See https://developers.clicksend.com/docs/rest/v3/#mms.
    """

    limits: Limits = DEFAULT_LIMITS

    def _prepare(self, media_file: str, messages: MessagesIn) -> dict[str, Any]:
        check_media_file(media_file)
        models = coerce_many(messages, MmsMessage)
        check_batch_size(models)
        for i, message in enumerate(models):
            validate_mms(message, media_file, field=f"messages[{i}]", limits=self.limits)
        return {"media_file": media_file, "messages": message_payloads(models, int_list_id=True)}

    @operation("POST", "/v3/mms/send")
    async def send(
        self, media_file: str, messages: MessagesIn, *, timeout: float | None = None
    ) -> SendResult:
        """Send up to 1000 MMS with one media file (``POST /mms/send``).

        Per-message failures are on the result; a send is never repeated after it may have
        reached ClickSend (you get a :class:`SendOutcomeUnknownError` instead).
        """
        payload = self._prepare(media_file, messages)
        return await self._session.call(
            "POST", "/mms/send", json=payload, cast_to=SendResult, timeout=timeout
        )

    @operation("POST", "/v3/mms/price")
    async def price(self, media_file: str, messages: MessagesIn) -> SendResult:
        """Price up to 1000 MMS without sending them (``POST /mms/price``)."""
        payload = self._prepare(media_file, messages)
        return await self._session.call("POST", "/mms/price", json=payload, cast_to=SendResult)

    @operation("GET", "/v3/mms/history")
    def history(
        self,
        *,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        page: int | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[MessageResult]:
        """Page through sent MMS (``GET /mms/history``)."""
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/mms/history", params, MessageResult, page, limit)

    @operation("GET", "/v3/mms/history/export")
    async def export_history(
        self,
        *,
        filename: str = "export.csv",
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        limit: int | None = None,
    ) -> HistoryExport:
        """Export sent MMS to a CSV file and return its download link.

        ``GET /mms/history/export``; the arguments are those of
        :meth:`SmsResource.export_history`.
        """
        params = export_params(filename, date_from, date_to, q, order_by, limit)
        return await self._export("/mms/history/export", params)

    @operation("GET", "/v3/mms/receipts")
    def receipts(
        self, *, page: int | None = None, limit: int | None = None
    ) -> AsyncPaginator[SmsReceipt]:
        """Page through unread MMS delivery receipts (``GET /mms/receipts``)."""
        return self._paginate("/mms/receipts", None, SmsReceipt, page, limit)

    def bulk(
        self,
        media_file: str,
        recipients: Recipients,
        *,
        subject: str | None = None,
        body: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        country: str | None = None,
        source: str | None = None,
        **options: Any,
    ) -> BulkJob:
        """Prepare an MMS campaign (one media file for all) without starting it.

        Takes the engine options of :meth:`SmsResource.send_bulk` (chunk_size, preflight,
        max_cost, journal ...); ``subject`` and ``body`` may be templates filled from each row.
        """
        check_media_file(media_file)
        return mms_job(
            self._session,
            media_file,
            recipients,
            subject=subject,
            body=body,
            from_=from_,
            schedule=schedule,
            country=country,
            source=source,
            **options,
        )

    async def send_bulk(self, media_file: str, recipients: Recipients, **kwargs: Any) -> BulkReport:
        """Send an MMS campaign of any size and return its report."""
        return await self.bulk(media_file, recipients, **kwargs).run()

    def stream_bulk(
        self, media_file: str, recipients: Recipients, **kwargs: Any
    ) -> AsyncIterator[BulkOutcome]:
        """Send an MMS campaign and yield each row's outcome as soon as it is known."""
        return self.bulk(media_file, recipients, **kwargs).stream()
