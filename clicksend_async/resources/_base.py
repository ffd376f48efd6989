"""What every resource shares: the session, and coercion of caller input into models."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, TypeVar

import attrs
import cattrs

from .._converter import converter, structure, unstructure
from .._exceptions import ValidationError
from .._pagination import AsyncPaginator, Page, decode_page
from .._session import Session
from .._validation import (
    check_csv_filename,
    check_positive_int,
    normalize_number,
    path_segment,
)
from ..models._common import to_unix
from ..models.messages import HistoryExport

__all__ = [
    "Resource",
    "coerce",
    "coerce_many",
    "count_in",
    "export_params",
    "history_params",
    "message_payloads",
    "new_custom_string",
    "one_or_many",
    "operation",
    "path_segment",
    "payload_of",
    "search_query",
    "unix_or_none",
    "with_custom_strings",
]

M = TypeVar("M")
F = TypeVar("F", bound=Callable[..., Any])

#: The attribute :func:`operation` sets: the ClickSend operations a method calls.
OPERATIONS_ATTR = "__clicksend_operations__"


def operation(method: str, path: str) -> Callable[[F], F]:
    """Mark a resource method as the SDK's way to call ``method path`` of ClickSend's spec.

    ``path`` is the spec's path template with its ``/v3`` prefix, e.g.
    ``/v3/sms/templates/{template_id}``.
    A method may carry several marks (it calls more than one operation). The README's coverage
    table is generated from these marks (``scripts/coverage.py``), so it cannot go stale.
    """

    def mark(func: F) -> F:
        marks = list(getattr(func, OPERATIONS_ATTR, ()))
        marks.append((method.upper(), path))
        setattr(func, OPERATIONS_ATTR, tuple(marks))
        return func

    return mark


class Resource:
    """Base class: a resource holds the client's session and nothing else."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def _paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        item_type: type[M],
        page: int | None,
        limit: int | None,
        *,
        base: Literal["api", "ctrl"] = "api",
        timeout: float | None = None,
    ) -> AsyncPaginator[M]:
        """Return a paginator over ``GET path`` decoding each item as ``item_type``."""
        session = self._session
        fixed = dict(params or {})

        async def fetch(number: int | None, size: int | None) -> Page[M]:
            data = await session.data(
                "GET",
                path,
                params={**fixed, "page": number, "limit": size},
                base=base,
                timeout=timeout,
            )
            return decode_page(data, item_type, where=f"GET {path} data")

        return AsyncPaginator(fetch, page=page, limit=limit)

    async def _export(
        self, path: str, params: Mapping[str, Any], *, timeout: float | None = None
    ) -> HistoryExport:
        """Ask for a history export (``GET path``) and return its download link."""
        data = await self._session.data("GET", path, params=params, timeout=timeout)
        if isinstance(data, str):
            # The v1 spec types this answer as a plain string: read a bare link as the link.
            data = {"url": data}
        return structure(data, HistoryExport, where=f"GET {path} data")


def search_query(q: str | Mapping[str, str] | None) -> str | None:
    """Return ClickSend's ``q`` search: a string as is, a mapping as ``field:value,...``."""
    if q is None or isinstance(q, str):
        return q
    return ",".join(f"{key}:{value}" for key, value in q.items())


def history_params(
    date_from: datetime | int | None,
    date_to: datetime | int | None,
    q: str | Mapping[str, str] | None,
    order_by: str | None,
) -> dict[str, Any]:
    """Build the query of a ``*/history`` call: Unix dates, ``q`` as ``field:value,...``."""
    return {
        "date_from": unix_or_none(date_from, "date_from"),
        "date_to": unix_or_none(date_to, "date_to"),
        "q": search_query(q),
        "order_by": order_by,
    }


def export_params(
    filename: str,
    date_from: datetime | int | None,
    date_to: datetime | int | None,
    q: str | Mapping[str, str] | None,
    order_by: str | None,
    limit: int | None,
) -> dict[str, Any]:
    """Build the query of a ``*/history/export`` call: ``filename`` plus the history filters."""
    return {
        "filename": check_csv_filename(filename),
        **history_params(date_from, date_to, q, order_by),
        "limit": None if limit is None else check_positive_int(limit, "limit"),
    }


def coerce(value: M | Mapping[str, Any], cls: type[M], *, field: str) -> M:
    """Return ``value`` as a ``cls`` instance, building it from a plain dict if needed."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        try:
            return converter.structure(value, cls)
        except ValidationError as exc:
            raise ValidationError(
                exc.reason, field=f"{field}.{exc.field or ''}".rstrip(".")
            ) from None
        except cattrs.BaseValidationError as exc:
            details = "; ".join(cattrs.transform_error(exc, path=field))
            raise ValidationError(details, field=field) from None
        except (TypeError, ValueError) as exc:
            raise ValidationError(str(exc), field=field) from None
    raise ValidationError(
        f"expected {cls.__name__} or a dict, got {type(value).__name__}", field=field
    )


def coerce_many(
    values: Iterable[M | Mapping[str, Any]], cls: type[M], *, field: str = "messages"
) -> list[M]:
    """Coerce each item of ``values`` (a single model or dict is not accepted: pass a list)."""
    if isinstance(values, (Mapping, str, bytes, cls)) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a list of {cls.__name__}", field=field)
    return [coerce(v, cls, field=f"{field}[{i}]") for i, v in enumerate(values)]


def one_or_many(
    messages: M | Mapping[str, Any] | Iterable[M | Mapping[str, Any]] | None,
    cls: type[M],
    fields: Mapping[str, Any],
) -> list[M]:
    """Return the messages of a send: one model or dict, a list of them, or one from ``fields``.

    ``fields`` are the keyword arguments describing a single message (``to=``, ``body=`` ...);
    those left at None are not given. Giving both ``messages`` and fields is refused.
    """
    given = {key: value for key, value in fields.items() if value is not None}
    if messages is None:
        if not given:
            raise ValidationError(
                f"give a {cls.__name__}, a list of them, or the message as keyword arguments "
                "(to=..., body=...)",
                field="messages",
            )
        try:
            return [cls(**given)]
        except ValidationError as exc:
            raise ValidationError(exc.reason, field=exc.field or "messages[0]") from None
        except (TypeError, ValueError) as exc:
            raise ValidationError(str(exc), field="messages[0]") from None
    if given:
        names = ", ".join(f"{key}=" for key in given)
        raise ValidationError(
            f"give either messages or keyword arguments for one message ({names}), not both",
            field="messages",
        )
    if isinstance(messages, cls | Mapping):
        return [coerce(messages, cls, field="messages[0]")]
    if isinstance(messages, str | bytes):
        raise ValidationError(f"expected a {cls.__name__} or a list of them", field="messages")
    many: Iterable[M | Mapping[str, Any]] = messages  # type: ignore[assignment]
    return coerce_many(many, cls)


def new_custom_string() -> str:
    """Return a fresh ``custom_string`` to find a message by when its send outcome is unknown."""
    return f"cs-{secrets.token_hex(8)}"


def with_custom_strings(models: Iterable[M]) -> list[M]:
    """Give every message without a ``custom_string`` a unique one (models are frozen: copies)."""
    out: list[M] = []
    for model in models:
        if getattr(model, "custom_string", "") is None:
            model = attrs.evolve(model, custom_string=new_custom_string())  # type: ignore[misc]
        out.append(model)
    return out


def payload_of(models: Iterable[Any]) -> list[dict[str, Any]]:
    """Unstructure models into the JSON-ready list ClickSend expects."""
    return [unstructure(m) for m in models]


def message_payloads(models: Iterable[Any], *, int_list_id: bool = False) -> list[dict[str, Any]]:
    """Unstructure messages, each recipient number as it was validated (normalised).

    Validation reads ``+44 (0)20 7946 0000`` as ``+442079460000``; that is what is sent, not
    the spaces and the bracketed trunk prefix, which ClickSend might read as a digit.
    ``int_list_id``: send a numeric ``list_id`` as an integer (MMS and voice declare int32; the
    SMS v2 schema declares a string).
    """
    out = []
    for model in models:
        payload = unstructure(model)
        to = payload.get("to")
        if isinstance(to, str):
            payload["to"] = normalize_number(to)
        list_id = payload.get("list_id")
        if int_list_id and isinstance(list_id, str) and list_id.strip().isdigit():
            payload["list_id"] = int(list_id)
        out.append(payload)
    return out


def unix_or_none(value: datetime | int | None, field: str) -> int | None:
    """Convert a datetime or Unix time query parameter into Unix seconds."""
    try:
        return to_unix(value)
    except ValidationError as exc:
        raise ValidationError(exc.reason, field=field) from None


def count_in(data: Any, key: str | None, *, where: str) -> int | None:
    """Return the count ClickSend reports in ``data[key]`` (or ``data`` itself when key is None).

    None when the response carries no count (``null``, ``[]``, ``"{}"``): the call succeeded but
    ClickSend did not say how many.
    """
    if key is not None:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    if data is None or isinstance(data, Mapping | list) or data in ("", "{}"):
        return None
    return structure(data, int, where=f"{where}.{key}" if key else where)
