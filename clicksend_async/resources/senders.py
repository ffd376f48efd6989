"""Own numbers, alpha tags and default senders: who your messages come from.

See https://developers.clicksend.com/docs/rest/v3/#own-numbers,
https://developers.clicksend.com/docs/rest/v3/#alpha-tags and
https://developers.clicksend.com/docs/rest/v3/#default-senders. These newer endpoints page with
an ``offset`` cursor (:class:`~clicksend_async.CursorPaginator`), and own numbers and alpha tags
answer without ClickSend's usual envelope.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

from .._converter import structure
from .._cursor import CursorPage, CursorPaginator, offset_of
from .._exceptions import DecodeError, ValidationError
from .._validation import check_text, is_e164, normalize_number
from ..models.senders import (
    AlphaTag,
    CompliantSenderTypes,
    DefaultSender,
    OwnNumber,
    OwnNumberVerification,
    SenderType,
)
from ._base import Resource, operation, path_segment

__all__ = ["AlphaTagsResource", "DefaultSendersResource", "OwnNumbersResource"]

M = TypeVar("M")
_STATUSES: Final = frozenset({"PENDING", "APPROVED", "REJECTED"})
_DIRECTIONS: Final = frozenset({"asc", "desc"})


def _direction(value: str | None) -> str | None:
    if value is not None and value not in _DIRECTIONS:
        raise ValidationError(f"must be 'asc' or 'desc', got {value!r}", field="sort_direction")
    return value


def _country(value: Any, field: str = "country") -> str:
    code = check_text(value, field).strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValidationError("must be an ISO 3166-1 alpha-2 code such as AU", field=field)
    return code


def _number(value: Any, field: str = "phone_number") -> str:
    if not isinstance(value, str) or not is_e164(value):
        raise ValidationError("must be an E.164 number such as +61411111111", field=field)
    return normalize_number(value)


def _decode_cursor_page(body: Any, key: str, item_type: type[M], *, where: str) -> CursorPage[M]:
    """Decode ``{key: [...], "_metadata": {"pagination": {"next": ...}}}``."""
    if not isinstance(body, Mapping):
        raise DecodeError(f"expected an object at {where}, got {type(body).__name__}")
    items = body.get(key)
    metadata = body.get("_metadata")
    pagination = metadata.get("pagination") if isinstance(metadata, Mapping) else None
    if not isinstance(pagination, Mapping):
        pagination = {}
    decoded = structure(items if items is not None else [], builtins.list[item_type], where=where)  # type: ignore[valid-type]
    size = pagination.get("page_size")
    return CursorPage(
        items=decoded,
        next_offset=offset_of(pagination.get("next")),
        page_size=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


class OwnNumbersResource(Resource):
    """Verify numbers of your own (a one-time code by SMS) to send from them.

    See https://developers.clicksend.com/docs/rest/v3/#own-numbers.
    """

    @operation("GET", "/v3/own-numbers")
    def list(
        self,
        *,
        status: Iterable[str] | None = None,
        sort_by: str | None = None,
        sort_direction: str | None = None,
        offset: str | None = None,
        page_size: int | None = None,
        timeout: float | None = None,
    ) -> CursorPaginator[OwnNumber]:
        """Page through your own numbers, optionally only those of some ``status`` values."""
        params: dict[str, Any] = {"sort_by": sort_by, "sort_direction": _direction(sort_direction)}
        for i, value in enumerate([] if status is None else builtins.list(status)):
            if value not in _STATUSES:
                raise ValidationError(
                    f"must be PENDING, APPROVED or REJECTED, got {value!r}", field=f"status[{i}]"
                )
            params[f"filter[status][{i}]"] = value
        session = self._session

        async def fetch(cursor: str | None, size: int | None) -> CursorPage[OwnNumber]:
            body = await session.request(
                "GET",
                "/own-numbers",
                params={**params, "offset": cursor, "page_size": size},
                timeout=timeout,
            )
            return _decode_cursor_page(
                body, "own_numbers", OwnNumber, where="GET /own-numbers own_numbers"
            )

        return CursorPaginator(fetch, offset=offset, page_size=page_size, max_page_size=500)

    @operation("GET", "/v3/own-numbers/{own_number_id}")
    async def get(self, own_number_id: str, *, timeout: float | None = None) -> OwnNumber:
        """Return one own number."""
        path = f"/own-numbers/{path_segment(own_number_id, 'token', field='own_number_id')}"
        body = await self._session.request("GET", path, timeout=timeout)
        return structure(body, OwnNumber, where=f"GET {path}")

    @operation("PATCH", "/v3/own-numbers/{own_number_id}")
    async def update(
        self, own_number_id: str, *, label: str, timeout: float | None = None
    ) -> OwnNumber:
        """Change an own number's label (1 to 200 characters)."""
        label = check_text(label, "label")
        if len(label) > 200:
            raise ValidationError("must be at most 200 characters", field="label")
        path = f"/own-numbers/{path_segment(own_number_id, 'token', field='own_number_id')}"
        body = await self._session.request("PATCH", path, json={"label": label}, timeout=timeout)
        return structure(body, OwnNumber, where=f"PATCH {path}")

    @operation("DELETE", "/v3/own-numbers/{own_number_id}")
    async def delete(self, own_number_id: str, *, timeout: float | None = None) -> None:
        """Remove an own number."""
        await self._session.request(
            "DELETE",
            f"/own-numbers/{path_segment(own_number_id, 'token', field='own_number_id')}",
            timeout=timeout,
        )

    @operation("POST", "/v3/own-numbers/verifications")
    async def request_verification(
        self,
        phone_number: str,
        *,
        country: str,
        label: str | None = None,
        timeout: float | None = None,
    ) -> OwnNumberVerification:
        """Text a one-time code to ``phone_number``; pass it to :meth:`verify`."""
        payload: dict[str, Any] = {
            "phone_number": _number(phone_number),
            "country": _country(country),
        }
        if label is not None:
            payload["label"] = check_text(label, "label")
        body = await self._session.request(
            "POST", "/own-numbers/verifications", json=payload, timeout=timeout
        )
        return structure(body, OwnNumberVerification, where="POST /own-numbers/verifications")

    @operation("POST", "/v3/own-numbers/verifications/{verification_id}/verify")
    async def verify(
        self,
        verification_id: str,
        *,
        phone_number: str,
        country: str,
        code: str,
        timeout: float | None = None,
    ) -> OwnNumberVerification:
        """Confirm a verification with the code that was texted; ``status`` says the outcome."""
        segment = path_segment(verification_id, "token", field="verification_id")
        code = check_text(code, "code").strip()
        if not code.isdigit():
            raise ValidationError("must be the digits that were texted", field="code")
        payload = {
            "phone_number": _number(phone_number),
            "country": _country(country),
            "code": code,
        }
        path = f"/own-numbers/verifications/{segment}/verify"
        body = await self._session.request("POST", path, json=payload, timeout=timeout)
        return structure(body, OwnNumberVerification, where=f"POST {path}")


class AlphaTagsResource(Resource):
    """Request, list and delete alphanumeric sender IDs (alpha tags).

    See https://developers.clicksend.com/docs/rest/v3/#alpha-tags.
    """

    @operation("GET", "/v3/alpha-tags")
    def list(
        self,
        *,
        sort_direction: str | None = None,
        offset: str | None = None,
        page_size: int | None = None,
        timeout: float | None = None,
    ) -> CursorPaginator[AlphaTag]:
        """Page through your alpha tags."""
        params = {"sort_direction": _direction(sort_direction)}
        session = self._session

        async def fetch(cursor: str | None, size: int | None) -> CursorPage[AlphaTag]:
            body = await session.request(
                "GET",
                "/alpha-tags",
                params={**params, "offset": cursor, "page_size": size},
                timeout=timeout,
            )
            return _decode_cursor_page(
                body, "alpha_tags", AlphaTag, where="GET /alpha-tags alpha_tags"
            )

        return CursorPaginator(fetch, offset=offset, page_size=page_size, max_page_size=1000)

    @operation("GET", "/v3/alpha-tags/{alpha_tag_id}")
    async def get(self, alpha_tag_id: str, *, timeout: float | None = None) -> AlphaTag:
        """Return one alpha tag."""
        path = f"/alpha-tags/{path_segment(alpha_tag_id, 'token', field='alpha_tag_id')}"
        body = await self._session.request("GET", path, timeout=timeout)
        return structure(body, AlphaTag, where=f"GET {path}")

    @operation("POST", "/v3/alpha-tags")
    async def create(
        self,
        alpha_tag: str,
        *,
        reason: str,
        countries: Iterable[str] | None = None,
        businesses: Iterable[Mapping[str, Any]] | None = None,
        timeout: float | None = None,
    ) -> AlphaTag:
        """Ask for an alpha tag (3 to 11 letters, digits or spaces, at least one letter).

        ``businesses`` carries the registration ClickSend asks for in AU (see the spec's
        ``businesses`` schema); it is sent as given.
        """
        tag = check_text(alpha_tag, "alpha_tag")
        if (
            not 3 <= len(tag) <= 11
            or not all(ch.isascii() and (ch.isalnum() or ch == " ") for ch in tag)
            or not any(ch.isalpha() for ch in tag)
        ):
            raise ValidationError(
                "must be 3 to 11 letters, digits or spaces with at least one letter",
                field="alpha_tag",
            )
        payload: dict[str, Any] = {"alpha_tag": tag, "reason": check_text(reason, "reason")}
        if countries is not None:
            if isinstance(countries, str):
                countries = [countries]
            payload["countries"] = [_country(c, f"countries[{i}]") for i, c in enumerate(countries)]
        if businesses is not None:
            items = builtins.list(businesses)
            for i, business in enumerate(items):
                if not isinstance(business, Mapping):
                    raise ValidationError("must be a mapping", field=f"businesses[{i}]")
            payload["businesses"] = [dict(b) for b in items]
        body = await self._session.request("POST", "/alpha-tags", json=payload, timeout=timeout)
        return structure(body, AlphaTag, where="POST /alpha-tags")

    @operation("DELETE", "/v3/alpha-tags/{alpha_tag_id}")
    async def delete(self, alpha_tag_id: str, *, timeout: float | None = None) -> None:
        """Withdraw or delete an alpha tag."""
        await self._session.request(
            "DELETE",
            f"/alpha-tags/{path_segment(alpha_tag_id, 'token', field='alpha_tag_id')}",
            timeout=timeout,
        )


def _strategy(
    sender_id: str, sender_type: str, sender_country_code: str | None, note: str | None
) -> dict[str, Any]:
    if sender_type not in SenderType.ALL:
        raise ValidationError(
            f"must be one of {', '.join(sorted(SenderType.ALL))}, got {sender_type!r}",
            field="sender_type",
        )
    strategy: dict[str, Any] = {
        "sender_id": check_text(sender_id, "sender_id"),
        "sender_type": sender_type,
    }
    if sender_country_code is not None:
        strategy["sender_country_code"] = _country(sender_country_code, "sender_country_code")
    if note is not None:
        if not isinstance(note, str) or len(note) > 200:
            raise ValidationError("must be a string of at most 200 characters", field="note")
        strategy["note"] = note
    return strategy


class DefaultSendersResource(Resource):
    """Choose the sender used per country when a message names none; check what is allowed.

    See https://developers.clicksend.com/docs/rest/v3/#default-senders.
    """

    @operation("GET", "/v3/senders/default-senders")
    def list(
        self,
        *,
        sort_by: str | None = None,
        sort_direction: str | None = None,
        offset: str | None = None,
        per_page: int | None = None,
        timeout: float | None = None,
    ) -> CursorPaginator[DefaultSender]:
        """Page through your default senders."""
        params = {"sort_by": sort_by, "sort_direction": _direction(sort_direction)}
        session = self._session

        async def fetch(cursor: str | None, size: int | None) -> CursorPage[DefaultSender]:
            data = await session.data(
                "GET",
                "/senders/default-senders",
                params={**params, "offset": cursor, "per_page": size},
                timeout=timeout,
            )
            where = "GET /senders/default-senders data"
            items = data.get("data") if isinstance(data, Mapping) else None
            decoded = structure(items or [], builtins.list[DefaultSender], where=f"{where}.data")
            size_out = data.get("per_page") if isinstance(data, Mapping) else None
            return CursorPage(
                items=decoded,
                next_offset=offset_of(data.get("next_page_url"))
                if isinstance(data, Mapping)
                else None,
                page_size=size_out if isinstance(size_out, int) else None,
            )

        return CursorPaginator(fetch, offset=offset, page_size=per_page)

    @operation("GET", "/v3/senders/default-senders/{default_sender_id}")
    async def get(self, default_sender_id: str, *, timeout: float | None = None) -> DefaultSender:
        """Return one default sender."""
        segment = path_segment(default_sender_id, "token", field="default_sender_id")
        path = f"/senders/default-senders/{segment}"
        return await self._session.call("GET", path, cast_to=DefaultSender, timeout=timeout)

    @operation("POST", "/v3/senders/default-senders")
    async def create(
        self,
        *,
        country_code: str,
        sender_id: str,
        sender_type: str,
        sender_country_code: str | None = None,
        note: str | None = None,
        product_type: str = "SMS",
        timeout: float | None = None,
    ) -> DefaultSender:
        """Make ``sender_id`` (of ``sender_type``) the default sender towards ``country_code``."""
        if product_type != "SMS":
            raise ValidationError("only 'SMS' has default senders", field="product_type")
        payload = {
            "country_code": _country(country_code, "country_code"),
            "product_type": product_type,
            "default_sender_strategies": [
                _strategy(sender_id, sender_type, sender_country_code, note)
            ],
        }
        return await self._session.call(
            "POST", "/senders/default-senders", json=payload, cast_to=DefaultSender, timeout=timeout
        )

    @operation("PATCH", "/v3/senders/default-senders/{default_sender_id}")
    async def update(
        self,
        default_sender_id: str,
        *,
        sender_id: str,
        sender_type: str,
        sender_country_code: str | None = None,
        note: str | None = None,
        timeout: float | None = None,
    ) -> DefaultSender:
        """Replace a default sender's sender."""
        segment = path_segment(default_sender_id, "token", field="default_sender_id")
        path = f"/senders/default-senders/{segment}"
        payload = {
            "default_sender_strategies": [
                _strategy(sender_id, sender_type, sender_country_code, note)
            ]
        }
        return await self._session.call(
            "PATCH", path, json=payload, cast_to=DefaultSender, timeout=timeout
        )

    @operation("DELETE", "/v3/senders/default-senders/{default_sender_id}")
    async def delete(self, default_sender_id: str, *, timeout: float | None = None) -> None:
        """Delete a default sender."""
        segment = path_segment(default_sender_id, "token", field="default_sender_id")
        path = f"/senders/default-senders/{segment}"
        await self._session.data("DELETE", path, timeout=timeout)

    @operation("GET", "/v3/senders/compliant-sender-types")
    async def compliant_sender_types(
        self,
        country_codes: Iterable[str],
        *,
        product_type: str = "SMS",
        timeout: float | None = None,
    ) -> builtins.list[CompliantSenderTypes]:
        """Return, per recipient country, the sender types allowed and blocked."""
        if isinstance(country_codes, str):
            country_codes = [country_codes]
        codes = [_country(c, f"country_codes[{i}]") for i, c in enumerate(country_codes)]
        params: dict[str, Any] = {"filter[product_type]": check_text(product_type, "product_type")}
        for i, code in enumerate(codes):
            params[f"filter[country_code][{i}]"] = code
        data = await self._session.data(
            "GET", "/senders/compliant-sender-types", params=params, timeout=timeout
        )
        items = data.get("data") if isinstance(data, Mapping) else data
        return structure(
            items or [],
            builtins.list[CompliantSenderTypes],
            where="GET /senders/compliant-sender-types data.data",
        )
