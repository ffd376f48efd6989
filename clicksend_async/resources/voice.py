"""Voice (text-to-speech calls): send, price, languages, history, export, receipts, cancel, bulk.

https://developers.clicksend.com/docs/rest/v3/#voice
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Unpack

from .._converter import structure
from .._exceptions import SendOutcomeUnknownError
from .._pagination import AsyncPaginator
from .._validation import (
    DEFAULT_LIMITS,
    Limits,
    check_batch_size,
    check_operator,
    validate_voice,
)
from ..bulk._api import BulkOptions, VoiceBulkArgs, voice_job
from ..bulk._engine import BulkJob, Recipients
from ..bulk._reconcile_one import ReconcileResult, reconcile_unknown
from ..bulk._report import BulkOutcome, BulkReport
from ..models.messages import HistoryExport, MessageResult, SendResult, VoiceMessage
from ..models.voice import VoiceLanguage, VoiceReceipt
from ._base import (
    Resource,
    count_in,
    export_params,
    history_params,
    message_payloads,
    one_or_many,
    operation,
    path_segment,
    with_custom_strings,
)

if TYPE_CHECKING:
    from ..batching import BatchSender

__all__ = ["VoiceResource"]

MessagesIn = Iterable[VoiceMessage | Mapping[str, Any]]
#: One message, or a list of them (models or dicts).
OneOrMany = VoiceMessage | Mapping[str, Any] | MessagesIn


class VoiceResource(Resource):
    """Make text-to-speech calls: send, price, languages, history (and export), receipts, cancel.

    Each message needs a ``voice`` (female/male) that its ``lang`` offers; :meth:`languages`
    lists them. A pair ClickSend does not offer comes back as a per-message ``INVALID_VOICE``.
    See https://developers.clicksend.com/docs/rest/v3/#voice.
    """

    limits: Limits = DEFAULT_LIMITS

    def _prepare(self, models: list[VoiceMessage]) -> dict[str, Any]:
        check_batch_size(models)
        for i, message in enumerate(models):
            validate_voice(message, field=f"messages[{i}]", limits=self.limits)
        return {"messages": message_payloads(models, int_list_id=True)}

    @operation("POST", "/v3/voice/send")
    async def send(
        self,
        messages: OneOrMany | None = None,
        *,
        to: str | None = None,
        body: str | None = None,
        voice: str | None = None,
        lang: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        custom_string: str | None = None,
        list_id: str | int | None = None,
        country: str | None = None,
        source: str | None = None,
        require_input: int | None = None,
        machine_detection: int | None = None,
        timeout: float | None = None,
    ) -> SendResult:
        """Make one call or up to 1000 (``POST /voice/send``); per-message failures are data.

        Give a ``VoiceMessage`` (or a dict), a list of them, or one call as keyword arguments
        (``to=``, ``body=``, ``voice=``, ``lang=`` ...). Every message without a
        ``custom_string`` gets a unique one. A send is never repeated after it may have
        reached ClickSend (you get a :class:`SendOutcomeUnknownError` instead).
        """
        fields = {
            "to": to,
            "body": body,
            "voice": voice,
            "lang": lang,
            "from_": from_,
            "schedule": schedule,
            "custom_string": custom_string,
            "list_id": list_id,
            "country": country,
            "source": source,
            "require_input": require_input,
            "machine_detection": machine_detection,
        }
        models = with_custom_strings(one_or_many(messages, VoiceMessage, fields))
        payload = self._prepare(models)
        return await self._session.call(
            "POST", "/voice/send", json=payload, cast_to=SendResult, timeout=timeout
        )

    def batcher(
        self,
        *,
        max_batch: int = 1000,
        max_delay: float = 0.005,
        max_in_flight: int = 4,
        timeout: float | None = None,
        **send_options: Any,
    ) -> BatchSender[VoiceMessage]:
        """Return a sender that coalesces concurrent single calls sends into batches.

        ``async with cs.voice.batcher() as sender: await sender.send(to=..., body=...)``;
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

    @operation("POST", "/v3/voice/price")
    async def price(self, messages: OneOrMany, *, timeout: float | None = None) -> SendResult:
        """Price up to 1000 calls without making them (``POST /voice/price``)."""
        payload = self._prepare(one_or_many(messages, VoiceMessage, {}))
        return await self._session.call(
            "POST", "/voice/price", json=payload, cast_to=SendResult, timeout=timeout
        )

    @operation("GET", "/v3/voice/lang")
    async def languages(self, *, timeout: float | None = None) -> list[VoiceLanguage]:
        """Return the languages text-to-speech speaks and their voices (``GET /voice/lang``)."""
        data = await self._session.data("GET", "/voice/lang", timeout=timeout)
        return structure(data, list[VoiceLanguage], where="GET /voice/lang data")

    @operation("GET", "/v3/voice/history")
    def history(
        self,
        *,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        operator: Literal["AND", "OR"] | None = None,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[MessageResult]:
        """Page through calls made (``GET /voice/history``).

        ``operator`` says how the terms of ``q`` combine: ``"AND"`` (ClickSend's default, every
        term must match) or ``"OR"`` (any term).
        """
        params = history_params(date_from, date_to, q, order_by)
        params["operator"] = check_operator(operator)
        return self._paginate("/voice/history", params, MessageResult, page, limit, timeout=timeout)

    @operation("GET", "/v3/voice/history/export")
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
        """Export calls made to a CSV file and return its download link.

        ``GET /voice/history/export``; the arguments are those of
        :meth:`SmsResource.export_history`.
        """
        params = export_params(filename, date_from, date_to, q, order_by, limit)
        return await self._export("/voice/history/export", params, timeout=timeout)

    @operation("GET", "/v3/voice/receipts")
    def receipts(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[VoiceReceipt]:
        """Page through unread voice delivery receipts (``GET /voice/receipts``)."""
        return self._paginate("/voice/receipts", None, VoiceReceipt, page, limit, timeout=timeout)

    @operation("PUT", "/v3/voice/{message_id}/cancel")
    async def cancel(self, message_id: str, *, timeout: float | None = None) -> None:
        """Cancel one scheduled call (``PUT /voice/{message_id}/cancel``)."""
        message = path_segment(message_id, "uuid", field="message_id")
        await self._session.data("PUT", f"/voice/{message}/cancel", timeout=timeout)

    @operation("PUT", "/v3/voice/cancel-all")
    async def cancel_all(self, *, timeout: float | None = None) -> int | None:
        """Cancel every scheduled call; return how many (None if ClickSend does not say)."""
        data = await self._session.data("PUT", "/voice/cancel-all", timeout=timeout)
        return count_in(data, "count", where="PUT /voice/cancel-all data")

    def bulk(
        self,
        recipients: Recipients,
        *,
        body: str | None = None,
        voice: str = "female",
        lang: str = "en-us",
        from_: str | None = None,
        schedule: datetime | int | None = None,
        country: str | None = None,
        source: str | None = None,
        require_input: int | None = None,
        machine_detection: int | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkJob:
        """Prepare a voice campaign without starting it.

        Takes the engine options of :meth:`SmsResource.send_bulk` (chunk_size, preflight,
        max_cost, journal ...); ``body`` may be a template filled from each row.
        """
        return voice_job(
            self._session,
            recipients,
            body=body,
            voice=voice,
            lang=lang,
            from_=from_,
            schedule=schedule,
            country=country,
            source=source,
            require_input=require_input,
            machine_detection=machine_detection,
            **options,
        )

    async def send_bulk(
        self, recipients: Recipients, **kwargs: Unpack[VoiceBulkArgs]
    ) -> BulkReport:
        """Send a voice campaign of any size and return its report."""
        return await self.bulk(recipients, **kwargs).run()

    def stream_bulk(
        self, recipients: Recipients, **kwargs: Unpack[VoiceBulkArgs]
    ) -> AsyncIterator[BulkOutcome]:
        """Send a voice campaign and yield each row's outcome as soon as it is known."""
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
        ``settle`` seconds past the request, then reads the voice history by recipient.
        ``result.sent`` went out (never send them again); ``result.not_sent`` did not (a
        complete read found nothing); ``result.unknown`` could not be looked up.

        Raises:
            ClickSendError: the history could not be read (the outcome stays unknown).
        """
        return await reconcile_unknown(
            self._session, "/voice/history", error, settle=settle, timeout=timeout
        )
