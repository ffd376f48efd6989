"""SMS: send, price, history and its export, inbound, receipts, cancel, templates, bulk.

https://developers.clicksend.com/docs/rest/v3/#sms
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from .._pagination import AsyncPaginator
from .._validation import DEFAULT_LIMITS, Limits, check_batch_size, validate_sms
from ..bulk._api import sms_job
from ..bulk._engine import BulkJob, Recipients
from ..bulk._report import BulkOutcome, BulkReport
from ..models.messages import HistoryExport, MessageResult, SendResult, SmsMessage, SmsSender
from ..models.sms import InboundSms, SmsReceipt
from ._base import (
    Resource,
    coerce,
    coerce_many,
    count_in,
    export_params,
    history_params,
    message_payloads,
    path_segment,
    payload_of,
    unix_or_none,
)
from .templates import SmsTemplatesResource

__all__ = ["SmsResource"]

MessagesIn = Iterable[SmsMessage | Mapping[str, Any]]


class SmsResource(Resource):
    """Send and price SMS, read history, poll inbound messages and receipts, cancel scheduled ones.

    Sends are never repeated after the request may have reached ClickSend (timeout, reset, 5xx):
    you get a :class:`SendOutcomeUnknownError` with the exact payload instead.
    See https://developers.clicksend.com/docs/rest/v3/#sms.
    """

    limits: Limits = DEFAULT_LIMITS

    def _prepare(
        self,
        messages: MessagesIn,
        *,
        shorten_urls: bool | None,
        senders: Iterable[SmsSender | Mapping[str, Any]] | None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        models = coerce_many(messages, SmsMessage)
        check_batch_size(models)
        for i, message in enumerate(models):
            validate_sms(message, field=f"messages[{i}]", limits=self.limits)
        payload: dict[str, Any] = {"messages": message_payloads(models)}
        if shorten_urls is not None:
            payload["shorten_urls"] = shorten_urls
        if senders is not None:
            payload["senders"] = payload_of(
                coerce(s, SmsSender, field=f"senders[{i}]") for i, s in enumerate(senders)
            )
        if extra:
            payload.update(extra)
        return payload

    async def send(
        self,
        messages: MessagesIn,
        *,
        shorten_urls: bool | None = None,
        senders: Iterable[SmsSender | Mapping[str, Any]] | None = None,
        timeout: float | None = None,
    ) -> SendResult:
        """Send up to 1000 messages (``POST /sms/send``); per-message failures are on the result."""
        payload = self._prepare(messages, shorten_urls=shorten_urls, senders=senders)
        return await self._session.call(
            "POST", "/sms/send", json=payload, cast_to=SendResult, timeout=timeout
        )

    async def price(
        self,
        messages: MessagesIn,
        *,
        shorten_urls: bool | None = None,
        senders: Iterable[SmsSender | Mapping[str, Any]] | None = None,
        show_summary: bool = False,
    ) -> SendResult:
        """Price up to 1000 messages without sending them (``POST /sms/price``)."""
        payload = self._prepare(messages, shorten_urls=shorten_urls, senders=senders)
        if show_summary:
            for message in payload["messages"]:
                message["show_summary"] = True
        return await self._session.call("POST", "/sms/price", json=payload, cast_to=SendResult)

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
        """Page through sent messages (``GET /sms/history``), oldest first unless ``order_by``.

        ``q`` is ClickSend's ``field:value,...`` search (status, to, from, subaccount_id,
        message_id), as a string or a mapping.
        """
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/sms/history", params, MessageResult, page, limit)

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
        """Export sent messages to a CSV file and return its download link.

        ``GET /sms/history/export``. The filters are those of :meth:`history`; ``filename`` (a
        ``.csv`` name) is what the file downloads as, and ``limit`` is passed through as given
        (the spec declares it without saying what it does to an export).
        """
        params = export_params(filename, date_from, date_to, q, order_by, limit)
        return await self._export("/sms/history/export", params)

    async def cancel(self, message_id: str) -> None:
        """Cancel one scheduled message (``PUT /sms/{message_id}/cancel``)."""
        await self._session.data("PUT", f"/sms/{_message(message_id)}/cancel")

    async def cancel_all(self, custom_string: str | None = None) -> int | None:
        """Cancel every scheduled message, or only those carrying ``custom_string``.

        Returns how many were cancelled (None if ClickSend does not say).
        """
        body = None if custom_string is None else {"custom_string": custom_string}
        data = await self._session.data("PUT", "/sms/cancel-all", json=body)
        return count_in(data, "count", where="PUT /sms/cancel-all data")

    def inbound(
        self, *, page: int | None = None, limit: int | None = None
    ) -> AsyncPaginator[InboundSms]:
        """Page through unread inbound messages (``GET /sms/inbound``).

        Only messages kept by a POLL inbound rule show up, and only until marked read.
        """
        return self._paginate("/sms/inbound", None, InboundSms, page, limit)

    async def inbound_message(self, original_message_id: str) -> InboundSms:
        """Return the first reply to one of your messages, read or not.

        ``GET /sms/inbound/{original_message_id}``: the id is that of *your* outbound message.
        """
        message = _message(original_message_id, "original_message_id")
        return await self._session.call("GET", f"/sms/inbound/{message}", cast_to=InboundSms)

    async def mark_inbound_read(self, *, date_before: datetime | int | None = None) -> None:
        """Mark every inbound message (or those before ``date_before``) read."""
        await self._session.data("PUT", "/sms/inbound-read", json=_date_before(date_before))

    async def mark_inbound_message_read(self, message_id: str) -> int | None:
        """Mark one inbound message read by its own ``message_id``; return how many were marked."""
        data = await self._session.data("PUT", f"/sms/inbound-read/{_message(message_id)}")
        return count_in(data, None, where="PUT /sms/inbound-read/{message_id} data")

    def receipts(
        self, *, page: int | None = None, limit: int | None = None
    ) -> AsyncPaginator[SmsReceipt]:
        """Page through unread delivery receipts (``GET /sms/receipts``).

        Only receipts kept by a POLL delivery-report rule show up, and only until marked read.
        """
        return self._paginate("/sms/receipts", None, SmsReceipt, page, limit)

    async def receipt(self, message_id: str) -> SmsReceipt:
        """Return the delivery receipt of one message, read or not."""
        path = f"/sms/receipts/{_message(message_id)}"
        return await self._session.call("GET", path, cast_to=SmsReceipt)

    async def mark_receipts_read(self, *, date_before: datetime | int | None = None) -> None:
        """Mark every delivery receipt (or those before ``date_before``) read."""
        await self._session.data("PUT", "/sms/receipts-read", json=_date_before(date_before))

    @cached_property
    def templates(self) -> SmsTemplatesResource:
        """Saved SMS templates."""
        return SmsTemplatesResource(self._session)

    def bulk(
        self,
        recipients: Recipients,
        *,
        body: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        country: str | None = None,
        source: str | None = None,
        shorten_urls: bool | None = None,
        senders: Iterable[SmsSender | Mapping[str, Any]] | None = None,
        **options: Any,
    ) -> BulkJob:
        """Prepare a campaign without starting it: ``await job.plan()``, ``await job.run()``.

        Takes the same arguments as :meth:`send_bulk`.
        """
        return sms_job(
            self._session,
            recipients,
            body=body,
            from_=from_,
            schedule=schedule,
            country=country,
            source=source,
            shorten_urls=shorten_urls,
            senders=senders,
            **options,
        )

    async def send_bulk(self, recipients: Recipients, **kwargs: Any) -> BulkReport:
        """Send a campaign of any size and return its report.

        Args:
            recipients: a list, iterable or async iterable of ``SmsMessage``s or of rows (dicts
                with ``to`` plus personalisation fields), e.g. ``read_recipients_csv(path)``.
            body: a template such as ``"Hi {first_name}"`` filled from each row (a missing
                field makes that row invalid); rows may instead carry their own ``body``.
            from_, schedule, country, source, shorten_urls, senders: applied to every message.
            chunk_size: messages per request (at most 1000); concurrency: requests in flight.
            preflight: price every chunk through ``/sms/price`` before sending (default True).
            max_cost, max_segments: refuse to start when the plan exceeds them.
            check_balance: refuse to start when the plan costs more than the balance.
            dry_run: stop after the plan; nothing is sent.
            dedupe: report repeated (to, body) pairs as invalid instead of sending them twice;
                ``dedupe="number"``: send at most one message per number (the first row's).
            transliterate: send a body with GSM-7 look-alikes (``to_gsm``) when that makes it
                GSM-7 (160 characters a part, not 70); any other body is sent as written.
            exclude: numbers (or rows) never to text; exclude_lists: ids of contact lists
                whose numbers are never texted (an opt-out list). Excluded rows end invalid
                with status EXCLUDED; a list that cannot be read stops the campaign first.
            journal: a SQLite file path that makes the campaign resumable.
            on_progress: called (sync or async) with a ProgressEvent after each chunk.

        Raises:
            BudgetExceededError: the plan is over a budget; nothing was sent.
            JournalMismatchError: the journal belongs to another campaign.
        """
        return await self.bulk(recipients, **kwargs).run()

    def stream_bulk(self, recipients: Recipients, **kwargs: Any) -> AsyncIterator[BulkOutcome]:
        """Send a campaign and yield each row's outcome as soon as it is known."""
        return self.bulk(recipients, **kwargs).stream()


def _date_before(value: datetime | int | None) -> dict[str, int] | None:
    unix = unix_or_none(value, "date_before")
    return None if unix is None else {"date_before": unix}


def _message(message_id: str, field: str = "message_id") -> str:
    return path_segment(message_id, "uuid", field=field)
