"""SMS: send, price, history and its export, inbound, receipts, cancel, templates, bulk.

https://developers.clicksend.com/docs/rest/v3/#sms
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Unpack

from .._exceptions import SendOutcomeUnknownError
from .._pagination import AsyncPaginator
from .._validation import (
    DEFAULT_LIMITS,
    Limits,
    check_batch_size,
    check_positive_int,
    validate_sms,
)
from ..bulk._api import BulkOptions, SmsBulkArgs, sms_job
from ..bulk._engine import BulkJob, Recipients
from ..bulk._reconcile_one import ReconcileResult, reconcile_unknown
from ..bulk._report import BulkOutcome, BulkReport
from ..models.messages import HistoryExport, MessageResult, SendResult, SmsMessage, SmsSender
from ..models.sms import DeliveryReceipt, InboundMessage
from ._base import (
    Resource,
    coerce,
    count_in,
    export_params,
    history_params,
    message_payloads,
    one_or_many,
    operation,
    path_segment,
    payload_of,
    unix_or_none,
    with_custom_strings,
)
from .sms_tests import SmsTestPushesResource
from .templates import SmsTemplatesResource

if TYPE_CHECKING:
    from ..batching import BatchSender

__all__ = ["SmsResource"]

MessagesIn = Iterable[SmsMessage | Mapping[str, Any]]
#: One message, or a list of them (models or dicts).
OneOrMany = SmsMessage | Mapping[str, Any] | MessagesIn


class SmsResource(Resource):
    """Send and price SMS, read history, poll inbound messages and receipts, cancel scheduled ones.

    Sends are never repeated after the request may have reached ClickSend (timeout, reset, 5xx):
    you get a :class:`SendOutcomeUnknownError` with the exact payload instead.
    See https://developers.clicksend.com/docs/rest/v3/#sms.
    """

    limits: Limits = DEFAULT_LIMITS

    def _prepare(
        self,
        models: list[SmsMessage],
        *,
        shorten_urls: bool | None,
        senders: Iterable[SmsSender | Mapping[str, Any]] | None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
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

    @operation("POST", "/v3/sms/send")
    async def send(
        self,
        messages: OneOrMany | None = None,
        *,
        to: str | None = None,
        body: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        custom_string: str | None = None,
        list_id: str | int | None = None,
        country: str | None = None,
        source: str | None = None,
        shorten_urls: bool | None = None,
        senders: Iterable[SmsSender | Mapping[str, Any]] | None = None,
        timeout: float | None = None,
    ) -> SendResult:
        """Send one message or up to 1000 (``POST /sms/send``); per-message failures are data.

        Give an ``SmsMessage`` (or a dict), a list of them, or one message as keyword arguments:
        ``await cs.sms.send(to="+61411111111", body="Hi", from_="MyBrand")``. Every message
        without a ``custom_string`` gets a unique one, so that a send whose outcome is unknown
        (:class:`SendOutcomeUnknownError`, which carries them) can be looked up in the history.
        """
        fields = {
            "to": to,
            "body": body,
            "from_": from_,
            "schedule": schedule,
            "custom_string": custom_string,
            "list_id": list_id,
            "country": country,
            "source": source,
        }
        models = with_custom_strings(one_or_many(messages, SmsMessage, fields))
        payload = self._prepare(models, shorten_urls=shorten_urls, senders=senders)
        return await self._session.call(
            "POST", "/sms/send", json=payload, cast_to=SendResult, timeout=timeout
        )

    def batcher(
        self,
        *,
        max_batch: int = 1000,
        max_delay: float = 0.005,
        max_in_flight: int = 4,
        timeout: float | None = None,
        **send_options: Any,
    ) -> BatchSender[SmsMessage]:
        """Return a sender that coalesces concurrent single SMS sends into batches.

        ``async with cs.sms.batcher() as sender: await sender.send(to=..., body=...)``;
        see :class:`clicksend_async.batching.BatchSender` for the rules.
        """
        from ..batching import BatchSender

        return BatchSender(
            self,
            max_batch=max_batch,
            max_delay=max_delay,
            max_in_flight=max_in_flight,
            timeout=timeout,
            **send_options,
        )

    @operation("POST", "/v3/sms/price")
    async def price(
        self,
        messages: OneOrMany,
        *,
        shorten_urls: bool | None = None,
        senders: Iterable[SmsSender | Mapping[str, Any]] | None = None,
        show_summary: bool = False,
        timeout: float | None = None,
    ) -> SendResult:
        """Price up to 1000 messages without sending them (``POST /sms/price``)."""
        models = one_or_many(messages, SmsMessage, {})
        payload = self._prepare(models, shorten_urls=shorten_urls, senders=senders)
        if show_summary:
            for message in payload["messages"]:
                message["show_summary"] = True
        return await self._session.call(
            "POST", "/sms/price", json=payload, cast_to=SendResult, timeout=timeout
        )

    @operation("GET", "/v3/sms/history")
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
        """Page through sent messages (``GET /sms/history``), oldest first unless ``order_by``.

        ``q`` is ClickSend's ``field:value,...`` search (status, to, from, subaccount_id,
        message_id), as a string or a mapping.
        """
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/sms/history", params, MessageResult, page, limit, timeout=timeout)

    @operation("GET", "/v3/sms/history/export")
    async def export_history(
        self,
        *,
        filename: str = "export.csv",
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        page: int | None = None,
        timeout: float | None = None,
    ) -> HistoryExport:
        """Export sent messages to a CSV file and return its download link.

        ``GET /sms/history/export``. The filters are those of :meth:`history`; ``filename`` (a
        ``.csv`` name) is what the file downloads as, and ``limit`` and ``page`` are passed
        through as given (the spec declares them without saying what they do to an export).
        """
        params = export_params(filename, date_from, date_to, q, order_by, limit)
        if page is not None:
            params["page"] = check_positive_int(page, "page")
        return await self._export("/sms/history/export", params, timeout=timeout)

    @operation("PUT", "/v3/sms/{message_id}/cancel")
    async def cancel(self, message_id: str, *, timeout: float | None = None) -> None:
        """Cancel one scheduled message (``PUT /sms/{message_id}/cancel``)."""
        await self._session.data("PUT", f"/sms/{_message(message_id)}/cancel", timeout=timeout)

    @operation("PUT", "/v3/sms/cancel-all")
    async def cancel_all(
        self, custom_string: str | None = None, *, timeout: float | None = None
    ) -> int | None:
        """Cancel every scheduled message, or only those carrying ``custom_string``.

        Returns how many were cancelled (None if ClickSend does not say).
        """
        body = None if custom_string is None else {"custom_string": custom_string}
        data = await self._session.data("PUT", "/sms/cancel-all", json=body, timeout=timeout)
        return count_in(data, "count", where="PUT /sms/cancel-all data")

    @operation("GET", "/v3/sms/inbound")
    def inbound(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[InboundMessage]:
        """Page through unread inbound messages (``GET /sms/inbound``).

        Only messages kept by a POLL inbound rule show up, and only until marked read.
        """
        return self._paginate("/sms/inbound", None, InboundMessage, page, limit, timeout=timeout)

    @operation("GET", "/v3/sms/inbound/{original_message_id}")
    async def inbound_message(
        self, original_message_id: str, *, timeout: float | None = None
    ) -> InboundMessage:
        """Return the first reply to one of your messages, read or not.

        ``GET /sms/inbound/{original_message_id}``: the id is that of *your* outbound message.
        """
        message = _message(original_message_id, "original_message_id")
        return await self._session.call(
            "GET", f"/sms/inbound/{message}", cast_to=InboundMessage, timeout=timeout
        )

    @operation("PUT", "/v3/sms/inbound-read")
    async def mark_inbound_read(
        self, *, date_before: datetime | int | None = None, timeout: float | None = None
    ) -> None:
        """Mark every inbound message (or those before ``date_before``) read."""
        await self._session.data(
            "PUT", "/sms/inbound-read", json=_date_before(date_before), timeout=timeout
        )

    @operation("PUT", "/v3/sms/inbound-read/{message_id}")
    async def mark_inbound_message_read(
        self, message_id: str, *, timeout: float | None = None
    ) -> int | None:
        """Mark one inbound message read by its own ``message_id``; return how many were marked."""
        data = await self._session.data(
            "PUT", f"/sms/inbound-read/{_message(message_id)}", timeout=timeout
        )
        return count_in(data, None, where="PUT /sms/inbound-read/{message_id} data")

    @operation("GET", "/v3/sms/receipts")
    def receipts(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[DeliveryReceipt]:
        """Page through unread delivery receipts (``GET /sms/receipts``).

        Only receipts kept by a POLL delivery-report rule show up, and only until marked read.
        """
        return self._paginate("/sms/receipts", None, DeliveryReceipt, page, limit, timeout=timeout)

    @operation("GET", "/v3/sms/receipts/{message_id}")
    async def receipt(self, message_id: str, *, timeout: float | None = None) -> DeliveryReceipt:
        """Return the delivery receipt of one message, read or not."""
        path = f"/sms/receipts/{_message(message_id)}"
        return await self._session.call("GET", path, cast_to=DeliveryReceipt, timeout=timeout)

    @operation("PUT", "/v3/sms/receipts-read")
    async def mark_receipts_read(
        self, *, date_before: datetime | int | None = None, timeout: float | None = None
    ) -> None:
        """Mark every delivery receipt (or those before ``date_before``) read."""
        await self._session.data(
            "PUT", "/sms/receipts-read", json=_date_before(date_before), timeout=timeout
        )

    @cached_property
    def templates(self) -> SmsTemplatesResource:
        """Saved SMS templates."""
        return SmsTemplatesResource(self._session)

    @cached_property
    def test_pushes(self) -> SmsTestPushesResource:
        """Sample receipts and replies ClickSend posts to a webhook URL, to try it."""
        return SmsTestPushesResource(self._session)

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
        **options: Unpack[BulkOptions],
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

    async def send_bulk(self, recipients: Recipients, **kwargs: Unpack[SmsBulkArgs]) -> BulkReport:
        """Send a campaign of any size and return its report.

        Args:
            recipients: a list, iterable or async iterable of ``SmsMessage``s or of rows (dicts
                with ``to`` plus personalisation fields), e.g. ``read_recipients_csv(path)``.
            body: a template such as ``"Hi {first_name}"`` filled from each row (a missing
                field makes that row invalid); rows may instead carry their own ``body``.
            from_, schedule, country, source, shorten_urls, senders: applied to every message.
            chunk_size: messages per request (at most 1000); concurrency: requests in flight.
            preflight: price the plan through ``/sms/price`` before sending: True or ``"key"``
                (the default) prices one row per price key (destination prefix, sender,
                encoding, parts), ``"exact"`` every row, False nothing.
            max_cost, max_segments: refuse to start when the plan exceeds them; while sending,
                stop before a chunk that could take the billed cost past max_cost.
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

    def stream_bulk(
        self, recipients: Recipients, **kwargs: Unpack[SmsBulkArgs]
    ) -> AsyncIterator[BulkOutcome]:
        """Send a campaign and yield each row's outcome as soon as it is known."""
        return self.bulk(recipients, **kwargs).stream()

    async def reconcile(
        self,
        error: SendOutcomeUnknownError,
        *,
        settle: float = 2.0,
        timeout: float | None = None,
    ) -> ReconcileResult:
        """Look up in the history which messages of a send with an unknown outcome went out.

        The same reconciler the bulk engine uses: it waits until ClickSend's clock is
        ``settle`` seconds past the request, then reads the SMS history by recipient.
        ``result.sent`` went out (never send them again); ``result.not_sent`` did not (a
        complete read found nothing); ``result.unknown`` could not be looked up.

        Raises:
            ClickSendError: the history could not be read (the outcome stays unknown).
        """
        return await reconcile_unknown(
            self._session, "/sms/history", error, settle=settle, timeout=timeout
        )


def _date_before(value: datetime | int | None) -> dict[str, int] | None:
    unix = unix_or_none(value, "date_before")
    return None if unix is None else {"date_before": unix}


def _message(message_id: str, field: str = "message_id") -> str:
    return path_segment(message_id, "uuid", field=field)
