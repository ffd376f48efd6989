"""Fax: send and price faxes (a PDF), history and export, delivery receipts.

From ClickSend's **2021 spec** (https://developers.clicksend.com/docs/rest/v3/#fax); the current
spec dropped fax, and ClickSend may have changed or retired it since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .._converter import structure
from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_batch_size, check_url, normalize_number
from ..models.fax import Fax, FaxMessage, FaxReceipt, FaxResult
from ..models.messages import HistoryExport
from ._base import (
    Resource,
    coerce_many,
    export_params,
    history_params,
    operation,
    path_segment,
    payload_of,
)
from ._inputs import sender, unix

__all__ = ["FaxResource"]

MessagesIn = Iterable[FaxMessage | Mapping[str, Any]]


class FaxResource(Resource):
    """Send and price faxes, read the history, poll and mark delivery receipts.

    The document is one PDF at ``file_url`` shared by every message of a request. A send is
    never repeated after the request may have reached ClickSend.
    See https://developers.clicksend.com/docs/rest/v3/#fax (2021 spec).
    """

    def _payload(self, file_url: str, messages: MessagesIn) -> dict[str, Any]:
        models = coerce_many(messages, FaxMessage)
        check_batch_size(models)
        payload = payload_of(models)
        for i, (model, item) in enumerate(zip(models, payload, strict=True)):
            if not isinstance(model.to, str) or not model.to.strip():
                raise ValidationError("needs a fax number", field=f"messages[{i}].to")
            item["to"] = normalize_number(model.to)
            try:
                sender(model.from_)
            except ValidationError as exc:
                raise ValidationError(exc.reason, field=f"messages[{i}].from_") from None
        return {"file_url": check_url(file_url, "file_url"), "messages": payload}

    @operation("POST", "/v3/fax/send")
    async def send(
        self, file_url: str, messages: MessagesIn, *, timeout: float | None = None
    ) -> FaxResult:
        """Fax the PDF at ``file_url`` to each message's number; refused ones are on the result."""
        payload = self._payload(file_url, messages)
        return await self._session.call(
            "POST", "/fax/send", json=payload, cast_to=FaxResult, timeout=timeout
        )

    @operation("POST", "/v3/fax/price")
    async def price(
        self, file_url: str, messages: MessagesIn, *, timeout: float | None = None
    ) -> FaxResult:
        """Return what the faxes would cost; nothing is sent."""
        payload = self._payload(file_url, messages)
        return await self._session.call(
            "POST", "/fax/price", json=payload, cast_to=FaxResult, timeout=timeout
        )

    @operation("GET", "/v3/fax/history")
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
    ) -> AsyncPaginator[Fax]:
        """Page through the faxes you sent."""
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/fax/history", params, Fax, page, limit, timeout=timeout)

    @operation("GET", "/v3/fax/history/export")
    async def export_history(
        self,
        *,
        filename: str = "export.csv",
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        timeout: float | None = None,
    ) -> HistoryExport:
        """Export the fax history to a CSV file and return its download link."""
        params = export_params(filename, date_from, date_to, None, None, None)
        data = await self._session.data(
            "GET", "/fax/history/export", params=params, timeout=timeout
        )
        return structure(data, HistoryExport, where="GET /fax/history/export data")

    @operation("GET", "/v3/fax/receipts")
    def receipts(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[FaxReceipt]:
        """Page through unread fax delivery receipts."""
        return self._paginate("/fax/receipts", None, FaxReceipt, page, limit, timeout=timeout)

    @operation("GET", "/v3/fax/receipts/{message_id}")
    async def receipt(self, message_id: str, *, timeout: float | None = None) -> Fax:
        """Return one fax with its delivery status, read or not."""
        path = f"/fax/receipts/{path_segment(message_id, 'uuid', field='message_id')}"
        return await self._session.call("GET", path, cast_to=Fax, timeout=timeout)

    @operation("PUT", "/v3/fax/receipts-read")
    async def mark_receipts_read(
        self, *, date_before: datetime | int | None = None, timeout: float | None = None
    ) -> None:
        """Mark every fax receipt (or those before ``date_before``) read."""
        before = unix(date_before, "date_before")
        body = None if before is None else {"date_before": before}
        await self._session.data("PUT", "/fax/receipts-read", json=body, timeout=timeout)

    @operation("POST", "/v3/fax/receipts")
    async def test_receipt(self, url: str, *, timeout: float | None = None) -> FaxReceipt:
        """Have ClickSend post a sample fax delivery receipt to ``url`` (to try a webhook)."""
        payload = {"url": check_url(url, "url")}
        return await self._session.call(
            "POST", "/fax/receipts", json=payload, cast_to=FaxReceipt, timeout=timeout
        )
