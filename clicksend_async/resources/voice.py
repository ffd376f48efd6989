"""Voice (text-to-speech calls): send, price, languages, history, export, receipts, cancel, bulk.

https://developers.clicksend.com/docs/rest/v3/#voice
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from .._converter import structure
from .._pagination import AsyncPaginator
from .._validation import (
    DEFAULT_LIMITS,
    Limits,
    check_batch_size,
    check_operator,
    validate_voice,
)
from ..bulk._api import voice_job
from ..bulk._engine import BulkJob, Recipients
from ..bulk._report import BulkOutcome, BulkReport
from ..models.messages import HistoryExport, MessageResult, SendResult, VoiceMessage
from ..models.voice import VoiceLanguage, VoiceReceipt
from ._base import (
    Resource,
    coerce_many,
    count_in,
    export_params,
    history_params,
    message_payloads,
    path_segment,
)

__all__ = ["VoiceResource"]

MessagesIn = Iterable[VoiceMessage | Mapping[str, Any]]


class VoiceResource(Resource):
    """Make text-to-speech calls: send, price, languages, history (and export), receipts, cancel.

    Each message needs a ``voice`` (female/male) that its ``lang`` offers; :meth:`languages`
    lists them. A pair ClickSend does not offer comes back as a per-message ``INVALID_VOICE``.
    See https://developers.clicksend.com/docs/rest/v3/#voice.
    """

    limits: Limits = DEFAULT_LIMITS

    def _prepare(self, messages: MessagesIn) -> dict[str, Any]:
        models = coerce_many(messages, VoiceMessage)
        check_batch_size(models)
        for i, message in enumerate(models):
            validate_voice(message, field=f"messages[{i}]", limits=self.limits)
        return {"messages": message_payloads(models, int_list_id=True)}

    async def send(self, messages: MessagesIn, *, timeout: float | None = None) -> SendResult:
        """Make up to 1000 calls (``POST /voice/send``); per-message failures are on the result.

        A send is never repeated after it may have reached ClickSend (you get a
        :class:`SendOutcomeUnknownError` instead).
        """
        payload = self._prepare(messages)
        return await self._session.call(
            "POST", "/voice/send", json=payload, cast_to=SendResult, timeout=timeout
        )

    async def price(self, messages: MessagesIn) -> SendResult:
        """Price up to 1000 calls without making them (``POST /voice/price``)."""
        payload = self._prepare(messages)
        return await self._session.call("POST", "/voice/price", json=payload, cast_to=SendResult)

    async def languages(self) -> list[VoiceLanguage]:
        """Return the languages text-to-speech speaks and their voices (``GET /voice/lang``)."""
        data = await self._session.data("GET", "/voice/lang")
        return structure(data, list[VoiceLanguage], where="GET /voice/lang data")

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
    ) -> AsyncPaginator[MessageResult]:
        """Page through calls made (``GET /voice/history``).

        ``operator`` says how the terms of ``q`` combine: ``"AND"`` (ClickSend's default, every
        term must match) or ``"OR"`` (any term).
        """
        params = history_params(date_from, date_to, q, order_by)
        params["operator"] = check_operator(operator)
        return self._paginate("/voice/history", params, MessageResult, page, limit)

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
        """Export calls made to a CSV file and return its download link.

        ``GET /voice/history/export``; the arguments are those of
        :meth:`SmsResource.export_history`.
        """
        params = export_params(filename, date_from, date_to, q, order_by, limit)
        return await self._export("/voice/history/export", params)

    def receipts(
        self, *, page: int | None = None, limit: int | None = None
    ) -> AsyncPaginator[VoiceReceipt]:
        """Page through unread voice delivery receipts (``GET /voice/receipts``)."""
        return self._paginate("/voice/receipts", None, VoiceReceipt, page, limit)

    async def cancel(self, message_id: str) -> None:
        """Cancel one scheduled call (``PUT /voice/{message_id}/cancel``)."""
        message = path_segment(message_id, "uuid", field="message_id")
        await self._session.data("PUT", f"/voice/{message}/cancel")

    async def cancel_all(self) -> int | None:
        """Cancel every scheduled call; return how many (None if ClickSend does not say)."""
        data = await self._session.data("PUT", "/voice/cancel-all")
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
        **options: Any,
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

    async def send_bulk(self, recipients: Recipients, **kwargs: Any) -> BulkReport:
        """Send a voice campaign of any size and return its report."""
        return await self.bulk(recipients, **kwargs).run()

    def stream_bulk(self, recipients: Recipients, **kwargs: Any) -> AsyncIterator[BulkOutcome]:
        """Send a voice campaign and yield each row's outcome as soon as it is known."""
        return self.bulk(recipients, **kwargs).stream()
