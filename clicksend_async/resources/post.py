"""Post: letters, postcards, direct mail, return addresses.

Letters, postcards, direct mail and address detection come from ClickSend's **2021 spec**
(https://developers.clicksend.com/docs/rest/v3/#post-letter, ``#postcards``,
``#post-direct-mail``); the current spec dropped them, and ClickSend may have changed or retired
them since. Return addresses are in the current spec too
(https://developers.clicksend.com/docs/rest/v3/#post-return-addresses).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, Final

from .._converter import structure
from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_text, check_url
from ..models.messages import HistoryExport
from ..models.post import (
    DetectedAddress,
    DirectMailArea,
    DirectMailCampaign,
    DirectMailLocation,
    DirectMailResult,
    Letter,
    LetterResult,
    Postcard,
    PostcardResult,
    PostRecipient,
    ReturnAddress,
)
from ._base import (
    Resource,
    coerce,
    export_params,
    history_params,
    operation,
    path_segment,
    payload_of,
)
from ._inputs import check_id, unix, update_payload

__all__ = [
    "DirectMailResource",
    "LettersResource",
    "PostResource",
    "PostcardsResource",
    "ReturnAddressesResource",
]

RecipientsIn = Iterable[PostRecipient | Mapping[str, Any]]
#: Direct-mail flyer sizes.
DIRECT_MAIL_SIZES: Final = frozenset({"A5", "DL", "A4"})


def _recipients(values: RecipientsIn) -> list[dict[str, Any]]:
    if isinstance(values, Mapping | str | PostRecipient):
        raise ValidationError("expected a list of recipients", field="recipients")
    out = []
    for i, value in enumerate(values):
        field = f"recipients[{i}]"
        model = coerce(value, PostRecipient, field=field)
        for name in ("address_name", "address_line_1", "address_city", "address_postal_code"):
            check_text(getattr(model, name), f"{field}.{name}")
        _country(model.address_country, f"{field}.address_country")
        if model.return_address_id is not None:
            check_id(model.return_address_id, f"{field}.return_address_id")
        out.append(payload_of([model])[0])
    if not out:
        raise ValidationError("needs at least one recipient", field="recipients")
    return out


def _country(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isalpha():
        raise ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 code", field=field)
    return value.strip().upper()


def _export(data: Any, where: str) -> HistoryExport:
    if isinstance(data, str):
        data = {"url": data}
    return structure(data, HistoryExport, where=where)


class PostResource(Resource):
    """Letters, postcards, direct mail and return addresses (``cs.post.letters`` etc.)."""

    @cached_property
    def letters(self) -> LettersResource:
        """Letters (2021 spec)."""
        return LettersResource(self._session)

    @cached_property
    def postcards(self) -> PostcardsResource:
        """Postcards (2021 spec)."""
        return PostcardsResource(self._session)

    @cached_property
    def direct_mail(self) -> DirectMailResource:
        """Direct-mail campaigns (2021 spec)."""
        return DirectMailResource(self._session)

    @cached_property
    def return_addresses(self) -> ReturnAddressesResource:
        """Return addresses."""
        return ReturnAddressesResource(self._session)


class LettersResource(Resource):
    """Send and price letters (a PDF printed and posted), read and export the history.

    From ClickSend's 2021 spec (the current spec dropped post letters). A send is never
    repeated after the request may have reached ClickSend.
    See https://developers.clicksend.com/docs/rest/v3/#post-letter.
    """

    def _payload(
        self,
        file_url: str,
        recipients: RecipientsIn,
        colour: bool,
        duplex: bool,
        priority_post: bool,
        template_used: bool,
    ) -> dict[str, Any]:
        return {
            "file_url": check_url(file_url, "file_url"),
            "recipients": _recipients(recipients),
            "colour": int(colour),
            "duplex": int(duplex),
            "priority_post": int(priority_post),
            "template_used": int(template_used),
        }

    @operation("POST", "/v3/post/letters/send")
    async def send(
        self,
        file_url: str,
        recipients: RecipientsIn,
        *,
        colour: bool = False,
        duplex: bool = False,
        priority_post: bool = False,
        template_used: bool = False,
        timeout: float | None = None,
    ) -> LetterResult:
        """Print the PDF at ``file_url`` and post it to each recipient.

        ``template_used``: the PDF follows ClickSend's letter template (the address sits in its
        window), so no address page is added.
        """
        payload = self._payload(file_url, recipients, colour, duplex, priority_post, template_used)
        return await self._session.call(
            "POST", "/post/letters/send", json=payload, cast_to=LetterResult, timeout=timeout
        )

    @operation("POST", "/v3/post/letters/price")
    async def price(
        self,
        file_url: str,
        recipients: RecipientsIn,
        *,
        colour: bool = False,
        duplex: bool = False,
        priority_post: bool = False,
        template_used: bool = False,
        timeout: float | None = None,
    ) -> LetterResult:
        """Return what posting the letters would cost; nothing is sent."""
        payload = self._payload(file_url, recipients, colour, duplex, priority_post, template_used)
        return await self._session.call(
            "POST", "/post/letters/price", json=payload, cast_to=LetterResult, timeout=timeout
        )

    @operation("GET", "/v3/post/letters/history")
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
    ) -> AsyncPaginator[Letter]:
        """Page through the letters you sent."""
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/post/letters/history", params, Letter, page, limit, timeout=timeout)

    @operation("GET", "/v3/post/letters/history/export")
    async def export_history(
        self, *, filename: str = "export.csv", timeout: float | None = None
    ) -> HistoryExport:
        """Export the letter history to a CSV file and return its download link."""
        params = export_params(filename, None, None, None, None, None)
        path = "/post/letters/history/export"
        data = await self._session.data("GET", path, params=params, timeout=timeout)
        return _export(data, f"GET {path} data")

    @operation("POST", "/v3/post/letters/detect-address")
    async def detect_address(
        self,
        *,
        content: bytes | None = None,
        address: str | None = None,
        timeout: float | None = None,
    ) -> DetectedAddress:
        """Read the postal address from a letter's file ``content`` (or from ``address`` text)."""
        if (content is None) == (address is None):
            raise ValidationError("give exactly one of content and address", field="content")
        if content is not None:
            if not isinstance(content, bytes | bytearray) or not content:
                raise ValidationError("must be the file's bytes", field="content")
            payload = {"content": base64.b64encode(content).decode("ascii")}
        else:
            payload = {"address": check_text(address, "address")}
        return await self._session.call(
            "POST",
            "/post/letters/detect-address",
            json=payload,
            cast_to=DetectedAddress,
            timeout=timeout,
        )


class PostcardsResource(Resource):
    """Send and price postcards (a front and a back PDF), read and export the history.

    From ClickSend's 2021 spec (the current spec dropped postcards).
    See https://developers.clicksend.com/docs/rest/v3/#postcards.
    """

    def _payload(self, file_urls: Iterable[str], recipients: RecipientsIn) -> dict[str, Any]:
        if isinstance(file_urls, str):
            file_urls = [file_urls]
        urls = [check_url(u, f"file_urls[{i}]") for i, u in enumerate(file_urls)]
        if not 1 <= len(urls) <= 2:
            raise ValidationError("give one or two PDF URLs (front, then back)", field="file_urls")
        return {"file_urls": urls, "recipients": _recipients(recipients)}

    @operation("POST", "/v3/post/postcards/send")
    async def send(
        self,
        file_urls: Iterable[str],
        recipients: RecipientsIn,
        *,
        timeout: float | None = None,
    ) -> PostcardResult:
        """Print a postcard (``file_urls``: front, optional back) and post one to each recipient."""
        payload = self._payload(file_urls, recipients)
        return await self._session.call(
            "POST", "/post/postcards/send", json=payload, cast_to=PostcardResult, timeout=timeout
        )

    @operation("POST", "/v3/post/postcards/price")
    async def price(
        self,
        file_urls: Iterable[str],
        recipients: RecipientsIn,
        *,
        timeout: float | None = None,
    ) -> PostcardResult:
        """Return what posting the postcards would cost; nothing is sent."""
        payload = self._payload(file_urls, recipients)
        return await self._session.call(
            "POST", "/post/postcards/price", json=payload, cast_to=PostcardResult, timeout=timeout
        )

    @operation("GET", "/v3/post/postcards/history")
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
    ) -> AsyncPaginator[Postcard]:
        """Page through the postcards you sent."""
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate(
            "/post/postcards/history", params, Postcard, page, limit, timeout=timeout
        )

    @operation("GET", "/v3/post/postcards/export")
    async def export_history(
        self, *, filename: str = "export.csv", timeout: float | None = None
    ) -> HistoryExport:
        """Export the postcard history to a CSV file and return its download link."""
        params = export_params(filename, None, None, None, None, None)
        path = "/post/postcards/export"
        data = await self._session.data("GET", path, params=params, timeout=timeout)
        return _export(data, f"GET {path} data")


class DirectMailResource(Resource):
    """Price and send direct-mail campaigns (flyers to every letterbox of an area), list them.

    From ClickSend's 2021 spec (the current spec dropped direct mail).
    See https://developers.clicksend.com/docs/rest/v3/#post-direct-mail.
    """

    def _payload(
        self,
        name: str,
        size: str,
        file_urls: Iterable[str],
        areas: Iterable[DirectMailArea | Mapping[str, Any]],
        schedule: datetime | int | None,
        source: str | None,
        custom_string: str | None,
    ) -> dict[str, Any]:
        if size not in DIRECT_MAIL_SIZES:
            raise ValidationError(
                f"{size!r} is not one of {', '.join(sorted(DIRECT_MAIL_SIZES))}", field="size"
            )
        if isinstance(file_urls, str):
            file_urls = [file_urls]
        urls = [check_url(u, f"file_urls[{i}]") for i, u in enumerate(file_urls)]
        if not urls:
            raise ValidationError("needs the flyer's PDF URL", field="file_urls")
        wanted = []
        for i, area in enumerate(areas):
            model = coerce(area, DirectMailArea, field=f"areas[{i}]")
            check_id(model.location_id, f"areas[{i}].location_id")
            check_id(model.quantity, f"areas[{i}].quantity")
            wanted.append({"location_id": model.location_id, "quantity": model.quantity})
        if not wanted:
            raise ValidationError("needs at least one area", field="areas")
        payload: dict[str, Any] = {
            "name": check_text(name, "name"),
            "size": size,
            "file_urls": urls,
            "areas": wanted,
        }
        if schedule is not None:
            payload["schedule"] = unix(schedule)
        if source is not None:
            payload["source"] = check_text(source, "source")
        if custom_string is not None:
            payload["custom_string"] = check_text(custom_string, "custom_string")
        return payload

    @operation("POST", "/v3/post/direct-mail/campaigns/send")
    async def send(
        self,
        *,
        name: str,
        size: str,
        file_urls: Iterable[str],
        areas: Iterable[DirectMailArea | Mapping[str, Any]],
        schedule: datetime | int | None = None,
        source: str | None = None,
        custom_string: str | None = None,
        timeout: float | None = None,
    ) -> DirectMailResult:
        """Create a direct-mail campaign: ``quantity`` flyers to each area's ``location_id``."""
        payload = self._payload(name, size, file_urls, areas, schedule, source, custom_string)
        return await self._session.call(
            "POST",
            "/post/direct-mail/campaigns/send",
            json=payload,
            cast_to=DirectMailResult,
            timeout=timeout,
        )

    @operation("POST", "/v3/post/direct-mail/campaigns/price")
    async def price(
        self,
        *,
        name: str,
        size: str,
        file_urls: Iterable[str],
        areas: Iterable[DirectMailArea | Mapping[str, Any]],
        schedule: datetime | int | None = None,
        source: str | None = None,
        custom_string: str | None = None,
        timeout: float | None = None,
    ) -> DirectMailResult:
        """Return what a direct-mail campaign would cost; nothing is sent."""
        payload = self._payload(name, size, file_urls, areas, schedule, source, custom_string)
        return await self._session.call(
            "POST",
            "/post/direct-mail/campaigns/price",
            json=payload,
            cast_to=DirectMailResult,
            timeout=timeout,
        )

    @operation("GET", "/v3/post/direct-mail/campaigns")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[DirectMailCampaign]:
        """Page through your direct-mail campaigns."""
        path = "/post/direct-mail/campaigns"
        return self._paginate(path, None, DirectMailCampaign, page, limit, timeout=timeout)

    @operation("GET", "/v3/post/direct-mail/locations/search/{country}")
    def locations(
        self,
        country: str,
        *,
        q: str,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[DirectMailLocation]:
        """Page through the delivery areas of ``country`` whose name or postcode matches ``q``."""
        segment = path_segment(_country(country, "country"), "token", field="country")
        path = f"/post/direct-mail/locations/search/{segment}"
        params = {"q": check_text(q, "q")}
        return self._paginate(path, params, DirectMailLocation, page, limit, timeout=timeout)


class ReturnAddressesResource(Resource):
    """Create, list, change and delete return addresses for letters and postcards.

    Reached as ``cs.post.return_addresses``.
    See https://developers.clicksend.com/docs/rest/v3/#post-return-addresses.
    """

    @operation("GET", "/v3/post/return-addresses")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[ReturnAddress]:
        """Page through your return addresses."""
        return self._paginate(
            "/post/return-addresses", None, ReturnAddress, page, limit, timeout=timeout
        )

    @operation("GET", "/v3/post/return-addresses/{return_address_id}")
    async def get(
        self, return_address_id: int | str, *, timeout: float | None = None
    ) -> ReturnAddress:
        """Return one return address."""
        path = (
            f"/post/return-addresses/{path_segment(return_address_id, field='return_address_id')}"
        )
        return await self._session.call("GET", path, cast_to=ReturnAddress, timeout=timeout)

    @operation("POST", "/v3/post/return-addresses")
    async def create(
        self,
        *,
        address_name: str,
        address_line_1: str,
        address_city: str,
        address_postal_code: str,
        address_country: str,
        address_line_2: str | None = None,
        address_state: str | None = None,
        timeout: float | None = None,
    ) -> ReturnAddress:
        """Save a return address (``address_country`` an ISO-2 code such as ``"AU"``)."""
        payload: dict[str, Any] = {
            "address_name": check_text(address_name, "address_name"),
            "address_line_1": check_text(address_line_1, "address_line_1"),
            "address_city": check_text(address_city, "address_city"),
            "address_postal_code": check_text(address_postal_code, "address_postal_code"),
            "address_country": _country(address_country, "address_country"),
        }
        if address_line_2 is not None:
            payload["address_line_2"] = address_line_2
        if address_state is not None:
            payload["address_state"] = check_text(address_state, "address_state")
        return await self._session.call(
            "POST", "/post/return-addresses", json=payload, cast_to=ReturnAddress, timeout=timeout
        )

    @operation("PUT", "/v3/post/return-addresses/{return_address_id}")
    async def update(
        self,
        return_address_id: int | str,
        *,
        address_name: str | None = None,
        address_line_1: str | None = None,
        address_line_2: str | None = None,
        address_city: str | None = None,
        address_state: str | None = None,
        address_postal_code: str | None = None,
        address_country: str | None = None,
        timeout: float | None = None,
    ) -> ReturnAddress:
        """Change some fields of a return address."""
        path = (
            f"/post/return-addresses/{path_segment(return_address_id, field='return_address_id')}"
        )
        given = {
            "address_name": address_name,
            "address_line_1": address_line_1,
            "address_line_2": address_line_2,
            "address_city": address_city,
            "address_state": address_state,
            "address_postal_code": address_postal_code,
        }
        fields = {k: check_text(v, k) for k, v in given.items() if v is not None}
        if address_country is not None:
            fields["address_country"] = _country(address_country, "address_country")
        payload = update_payload(**fields)
        return await self._session.call(
            "PUT", path, json=payload, cast_to=ReturnAddress, timeout=timeout
        )

    @operation("DELETE", "/v3/post/return-addresses/{return_address_id}")
    async def delete(self, return_address_id: int | str, *, timeout: float | None = None) -> None:
        """Delete a return address."""
        path = (
            f"/post/return-addresses/{path_segment(return_address_id, field='return_address_id')}"
        )
        await self._session.data("DELETE", path, timeout=timeout)
