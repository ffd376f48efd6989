"""MMS: send, price, history and its export, receipts, bulk.

https://developers.clicksend.com/docs/rest/v3/#mms
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Unpack

from .._exceptions import SendOutcomeUnknownError
from .._pagination import AsyncPaginator
from .._validation import DEFAULT_LIMITS, Limits, check_batch_size, check_media_file, validate_mms
from ..bulk._api import BulkOptions, MmsBulkArgs, mms_job
from ..bulk._engine import BulkJob, Recipients
from ..bulk._reconcile_one import ReconcileResult, reconcile_unknown
from ..bulk._report import BulkOutcome, BulkReport
from ..models.messages import HistoryExport, MessageResult, MmsMessage, SendResult
from ..models.sms import DeliveryReceipt
from ._base import (
    Resource,
    export_params,
    history_params,
    message_payloads,
    one_or_many,
    operation,
    with_custom_strings,
)

if TYPE_CHECKING:
    from ..batching import BatchSender

__all__ = ["MmsResource"]

MessagesIn = Iterable[MmsMessage | Mapping[str, Any]]
#: One message, or a list of them (models or dicts).
OneOrMany = MmsMessage | Mapping[str, Any] | MessagesIn


class MmsResource(Resource):
    """Send and price MMS (one media file per request), read history and receipts.

    The media file is a URL at the top level of the request, shared by every message in it
    (jpg and gif as they are; convert other formats through ``/uploads?convert=mms`` first).
    See https://developers.clicksend.com/docs/rest/v3/#mms.
    """

    limits: Limits = DEFAULT_LIMITS

    def _prepare(self, media_file: str, models: list[MmsMessage]) -> dict[str, Any]:
        check_media_file(media_file)
        check_batch_size(models)
        for i, message in enumerate(models):
            validate_mms(message, media_file, field=f"messages[{i}]", limits=self.limits)
        return {"media_file": media_file, "messages": message_payloads(models, int_list_id=True)}

    @operation("POST", "/v3/mms/send")
    async def send(
        self,
        media_file: str,
        messages: OneOrMany | None = None,
        *,
        to: str | None = None,
        body: str | None = None,
        subject: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        custom_string: str | None = None,
        list_id: str | int | None = None,
        country: str | None = None,
        source: str | None = None,
        timeout: float | None = None,
    ) -> SendResult:
        """Send one MMS or up to 1000 with one media file (``POST /mms/send``).

        Give an ``MmsMessage`` (or a dict), a list of them, or one message as keyword
        arguments (``to=``, ``body=``, ``subject=`` ...). Per-message failures are on the
        result; every message without a ``custom_string`` gets a unique one; a send is never
        repeated after it may have reached ClickSend (:class:`SendOutcomeUnknownError`).
        """
        fields = {
            "to": to,
            "body": body,
            "subject": subject,
            "from_": from_,
            "schedule": schedule,
            "custom_string": custom_string,
            "list_id": list_id,
            "country": country,
            "source": source,
        }
        models = with_custom_strings(one_or_many(messages, MmsMessage, fields))
        payload = self._prepare(media_file, models)
        return await self._session.call(
            "POST", "/mms/send", json=payload, cast_to=SendResult, timeout=timeout
        )

    def batcher(
        self,
        media_file: str,
        *,
        max_batch: int = 1000,
        max_delay: float = 0.005,
        max_in_flight: int = 4,
        timeout: float | None = None,
        **send_options: Any,
    ) -> BatchSender[MmsMessage]:
        """Return a sender that coalesces concurrent single MMS sends into batches.

        ``async with cs.mms.batcher() as sender: await sender.send(to=..., body=...)``;
        see :class:`clicksend_async.batching.BatchSender` for the rules.
        """
        from ..batching import BatchSender

        return BatchSender(
            self,
            media_file=media_file,
            max_batch=max_batch,
            max_delay=max_delay,
            max_in_flight=max_in_flight,
            timeout=timeout,
            **send_options,
        )

    @operation("POST", "/v3/mms/price")
    async def price(
        self, media_file: str, messages: OneOrMany, *, timeout: float | None = None
    ) -> SendResult:
        """Price up to 1000 MMS without sending them (``POST /mms/price``)."""
        payload = self._prepare(media_file, one_or_many(messages, MmsMessage, {}))
        return await self._session.call(
            "POST", "/mms/price", json=payload, cast_to=SendResult, timeout=timeout
        )

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
        timeout: float | None = None,
    ) -> AsyncPaginator[MessageResult]:
        """Page through sent MMS (``GET /mms/history``)."""
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/mms/history", params, MessageResult, page, limit, timeout=timeout)

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
        timeout: float | None = None,
    ) -> HistoryExport:
        """Export sent MMS to a CSV file and return its download link.

        ``GET /mms/history/export``; the arguments are those of
        :meth:`SmsResource.export_history`.
        """
        params = export_params(filename, date_from, date_to, q, order_by, limit)
        return await self._export("/mms/history/export", params, timeout=timeout)

    @operation("GET", "/v3/mms/receipts")
    def receipts(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[DeliveryReceipt]:
        """Page through unread MMS delivery receipts (``GET /mms/receipts``)."""
        return self._paginate("/mms/receipts", None, DeliveryReceipt, page, limit, timeout=timeout)

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
        **options: Unpack[BulkOptions],
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

    async def send_bulk(
        self, media_file: str, recipients: Recipients, **kwargs: Unpack[MmsBulkArgs]
    ) -> BulkReport:
        """Send an MMS campaign of any size and return its report."""
        return await self.bulk(media_file, recipients, **kwargs).run()

    def stream_bulk(
        self, media_file: str, recipients: Recipients, **kwargs: Unpack[MmsBulkArgs]
    ) -> AsyncIterator[BulkOutcome]:
        """Send an MMS campaign and yield each row's outcome as soon as it is known."""
        return self.bulk(media_file, recipients, **kwargs).stream()

    async def reconcile(
        self,
        error: SendOutcomeUnknownError,
        *,
        settle: float = 2.0,
        timeout: float | None = None,
    ) -> ReconcileResult:
        """Look up in the history which messages of a send with an unknown outcome went out.

        The same reconciler the bulk engine uses: it waits until ClickSend's clock is
        ``settle`` seconds past the request, then reads the MMS history by recipient.
        ``result.sent`` went out (never send them again); ``result.not_sent`` did not (a
        complete read found nothing); ``result.unknown`` could not be looked up.

        Raises:
            ClickSendError: the history could not be read (the outcome stays unknown).
        """
        return await reconcile_unknown(
            self._session, "/mms/history", error, settle=settle, timeout=timeout
        )
