"""Row building: one input row to a checked request payload and its segment count, the
campaign's fingerprint, exclusions and transliteration (what planning does per row)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import unicodedata
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any

import attrs

from .._converter import unstructure
from .._exceptions import ValidationError
from .._pagination import raw_records
from .._phone import compare_key
from .._validation import check_row_fields, is_plain_row, normalize_number, path_segment
from ..segments import SegmentInfo, is_gsm, to_gsm
from ._channels import _compact_json
from ._jobstate import EXCLUDED, EXCLUDED_WHY
from ._price import Pricing
from ._rows import BodyTemplate

__all__ = [
    "EXCLUDED",
    "EXCLUDED_WHY",
    "CampaignOptionError",
    "Recipients",
    "RowBuilding",
]

logger = logging.getLogger("clicksend_async.bulk")


@attrs.frozen
class _RowShape:
    """What every dict row of a campaign shares, built from ``defaults`` and checked once."""

    #: The defaults as a request payload, without ``to`` and ``body``.
    payload: dict[str, Any]
    country: str | None


Recipients = Iterable[Any] | AsyncIterable[Any]

#: The plan lists this many invalid rows at most (all of them are in the report and journal).
PLAN_INVALID_ROWS = 1000


class CampaignOptionError(ValidationError):
    """A campaign-wide option (``from_``, ``schedule`` ...) fails its check: no row can pass."""


#: A dict row as :meth:`RowBuilding._dict_row_builder` builds it: (number as sent, body, the
#: row's own country or None, its own custom_string or None, segment count).
FastRow = tuple[str | None, str, str | None, str | None, SegmentInfo]
DictRowBuilder = Callable[[Mapping[str, Any], int], FastRow]


def _missing_fields(
    template: BodyTemplate, item: Mapping[str, Any], allow_empty: bool, row: int
) -> ValidationError:
    """Return the error of a row that lacks fields of the body template."""
    return ValidationError(
        "template field(s) missing or empty in the row: "
        + ", ".join(template.missing(item, allow_empty=allow_empty)),
        field="body",
        row=row,
    )


def _exclusion_set(numbers: Iterable[Any] | None, country: str | None = None) -> set[str]:
    """Return the numbers as the engine compares them: E.164 (local ones with their country).

    Entries may be numbers or rows (a mapping's ``to`` and ``country``, as
    :func:`read_recipients_csv` gives); ``country`` is the campaign's, for entries without one.
    """
    out: set[str] = set()
    if numbers is None:
        return out
    if isinstance(numbers, str | bytes):
        raise ValidationError(
            "expected numbers (a list, a set, a CSV), not one string", field="exclude"
        )
    for entry in numbers:
        value = entry.get("to") if isinstance(entry, Mapping) else entry
        own = entry.get("country") if isinstance(entry, Mapping) else None
        if value is not None and str(value).strip():
            key = compare_key(str(value), str(own or country or "") or None, purpose="exclude=")
            if key is not None:
                out.add(key)
    return out


#: The plan names this many of the characters that made messages UCS-2 at most (most common).
PLAN_UCS2_CHARACTERS = 10

#: Whether ``to_gsm`` turns one character into GSM-7 text, by character (cached).
_CHAR_FIXABLE: dict[str, bool] = {}


def _gsm_fixable(body: str, non_gsm: tuple[str, ...]) -> bool:
    """Return whether ``to_gsm`` would make this UCS-2 body GSM-7 (``transliterate=True``).

    Decided from the characters that made it UCS-2, each checked once per process; a combining
    mark or a joiner depends on its neighbours (NFC, emoji sequences), so then the whole body
    is checked.
    """
    for char in non_gsm:
        fixable = _CHAR_FIXABLE.get(char)
        if fixable is None:
            if len(_CHAR_FIXABLE) >= 4096:
                _CHAR_FIXABLE.clear()
            fixable = _CHAR_FIXABLE[char] = is_gsm(to_gsm(char))
        if not fixable:
            if unicodedata.combining(char) or char in "\u200c\u200d":
                return is_gsm(to_gsm(body))
            return False
    return True


class RowBuilding(Pricing):
    """Build and check each row of a campaign (the per-row half of planning)."""

    def _fingerprint_seed(self) -> Any:
        digest = hashlib.blake2b(digest_size=16)
        head = {
            "channel": self.channel.name,
            "template": None if self._template is None else self._template.source,
            "defaults": {k: str(v) for k, v in sorted(self._defaults.items())},
            "extra": json.dumps(self._request_extra, sort_keys=True, default=str),
            "dedupe": self.dedupe,
            "allow_empty_fields": self.allow_empty_fields,
        }
        if self.transliterate:  # only when on: journals planned without it keep their digest
            head["transliterate"] = True
        digest.update(json.dumps(head, sort_keys=True).encode())
        return digest

    def _fingerprint_parts(self) -> dict[str, str]:
        """Return digests of the template and of the other options, to say what differs."""
        template = None if self._template is None else self._template.source
        options = {
            "channel": self.channel.name,
            "defaults": {k: str(v) for k, v in sorted(self._defaults.items())},
            "extra": json.dumps(self._request_extra, sort_keys=True, default=str),
            "dedupe": self.dedupe,
            "allow_empty_fields": self.allow_empty_fields,
            "transliterate": self.transliterate,
        }
        return {
            "fp_template": hashlib.blake2b(
                json.dumps(template).encode(), digest_size=8
            ).hexdigest(),
            "fp_options": hashlib.blake2b(
                json.dumps(options, sort_keys=True).encode(), digest_size=8
            ).hexdigest(),
        }

    def _row_shape(self, now: float) -> _RowShape | None:
        """Build and check the defaults once, so that dict rows skip the message model.

        None when the defaults cannot be built into a message (a list_id, an unknown field):
        every row then takes the model path and reports the error with its row number. A
        default that fails its check (a sender ID with spaces, a past schedule, an MMS without
        subject) is kept in ``_defaults_error``: the first dict row raises it, since it would
        make every row invalid.
        """
        kwargs: dict[str, Any] = dict(self._defaults)
        kwargs["body"] = "-"
        kwargs["to"] = None
        self._defaults_error = None
        if self._subject_template is not None:
            return None  # a templated MMS subject is filled and checked row by row
        try:
            base = self.channel.message_cls(**kwargs)
            if getattr(base, "list_id", None):
                return None
            self.channel.check_static(base, None, self._limits, now)
        except ValidationError as exc:
            self._defaults_error = exc
            return None
        except (TypeError, ValueError):
            return None
        payload = unstructure(base)
        payload.pop("body", None)
        payload.pop("to", None)
        return _RowShape(payload=payload, country=base.country)

    def _build(
        self, item: Any, row: int, now: float, shape: _RowShape | None
    ) -> tuple[dict[str, Any], SegmentInfo]:
        """Turn one input row into a checked request payload and its segment count."""
        self._row_transliterated = False
        cls = self.channel.message_cls
        if isinstance(item, cls):
            message = item
        elif isinstance(item, Mapping):
            if self._defaults_error is not None:
                exc = self._defaults_error
                field = (exc.field or "").removeprefix("message.") or None
                raise CampaignOptionError(
                    f"{exc.reason}; this applies to every row, so nothing was sent", field=field
                )
            template = self._template
            if template is not None:
                filled = template.fill(item, allow_empty=self.allow_empty_fields)
                if filled is None:
                    raise _missing_fields(template, item, self.allow_empty_fields, row)
                text = filled
            else:
                raw_body = item.get("body")
                text = "" if raw_body is None else str(raw_body)
            if self.transliterate:
                text = self._to_gsm(text)
            raw_to = item.get("to")
            # Checked as written (errors quote what the user wrote), sent normalised.
            to = None if raw_to is None or raw_to == "" else str(raw_to)
            raw_country = item.get("country")
            raw_custom = item.get("custom_string")
            if shape is not None:
                # The fast path: the same checks as the model path below (check_row_fields and
                # body_info here, check_static once in _row_shape), without building a model.
                country = shape.country if raw_country in (None, "") else str(raw_country)
                checked = check_row_fields(text, to, None, country, "message", row)
                info = self.channel.body_info(checked, "message", row, self._limits)
                payload = shape.payload.copy()
                payload["to"] = normalize_number(to) if to is not None else to
                payload["body"] = text
                if raw_country not in (None, ""):
                    payload["country"] = country
                if raw_custom not in (None, ""):
                    payload["custom_string"] = str(raw_custom)
                return payload, info
            kwargs: dict[str, Any] = dict(self._defaults)
            kwargs["body"] = text
            kwargs["to"] = to
            subject = self._subject_template
            if subject is not None:
                filled_subject = subject.fill(item, allow_empty=self.allow_empty_fields)
                if filled_subject is None:
                    raise ValidationError(
                        "subject template field(s) missing or empty in the row: "
                        + ", ".join(subject.missing(item, allow_empty=self.allow_empty_fields)),
                        field="subject",
                        row=row,
                    )
                kwargs["subject"] = filled_subject
            if raw_country not in (None, ""):
                kwargs["country"] = str(raw_country)
            if raw_custom not in (None, ""):
                kwargs["custom_string"] = str(raw_custom)
            try:
                message = cls(**kwargs)
            except ValidationError as exc:
                raise ValidationError(exc.reason, field=exc.field, row=row) from None
            except TypeError as exc:
                raise ValidationError(str(exc), row=row) from None
        else:
            raise ValidationError(
                f"expected a dict row or {cls.__name__}, got {type(item).__name__}", row=row
            )
        if self.transliterate and isinstance(message.body, str):
            text = self._to_gsm(message.body)
            if text is not message.body:
                message = attrs.evolve(message, body=text)
        if getattr(message, "list_id", None):
            raise ValidationError(
                "list_id sends expand server-side and cannot be tracked per row; "
                "give each recipient as its own row",
                field="list_id",
                row=row,
            )
        info = self.channel.validate(message, row, self._limits, now)
        payload = unstructure(message)
        to_value = payload.get("to")
        if isinstance(to_value, str):
            payload["to"] = normalize_number(to_value)
        return payload, info

    def _dict_row_builder(self, shape: _RowShape | None) -> DictRowBuilder | None:
        """Return :meth:`_build` for dict rows, made once per campaign, without a payload dict.

        ``build(item, row)`` checks a dict row as :meth:`_build` does on its fast path (the same
        checks in the same order, the same errors) and returns what planning needs of it:
        (number as sent, body, the row's own country or None, its own custom_string or None,
        segment count); :func:`~._channels.payload_writer` then writes the payload ``_build``
        would have made. None when there is no row shape, or when the defaults set a
        custom_string or cannot be encoded (planning then works on the payload dict).
        """
        if shape is None or "custom_string" in shape.payload:
            return None
        try:
            _compact_json(shape.payload)  # what payload_writer encodes once
        except (TypeError, ValueError):  # the payload path fails at the first row, and says so
            return None
        template = self._template
        allow_empty = self.allow_empty_fields
        fill = None if template is None else template.filler(allow_empty=allow_empty)
        transliterate = self.transliterate
        shape_country = shape.country
        body_info = self.channel.body_info
        limits = self._limits

        def build(item: Mapping[str, Any], row: int) -> FastRow:
            if transliterate:
                self._row_transliterated = False
            if template is not None and fill is not None:
                text = fill(item)
                if text is None:
                    raise _missing_fields(template, item, allow_empty, row)
            else:
                raw_body = item.get("body")
                text = "" if raw_body is None else str(raw_body)
            if transliterate:
                text = self._to_gsm(text)
            raw_to = item.get("to")
            to = None if raw_to is None or raw_to == "" else str(raw_to)
            raw_country = item.get("country")
            raw_custom = item.get("custom_string")
            own_country = None if raw_country in (None, "") else str(raw_country)
            country = shape_country if own_country is None else own_country
            if is_plain_row(text, to, country):  # what check_row_fields would pass as it is
                info = body_info(text, "message", row, limits)
                number = to  # E.164 as written: normalize_number returns it unchanged
            else:
                checked = check_row_fields(text, to, None, country, "message", row)
                info = body_info(checked, "message", row, limits)
                number = normalize_number(to) if to is not None else to
            custom = None if raw_custom in (None, "") else str(raw_custom)
            return number, text, own_country, custom, info

        return build

    async def _load_exclude_lists(self) -> None:
        """Add every phone number of the ``exclude_lists`` contact lists to the exclusions.

        Read before planning; a list that cannot be read stops the campaign before anything is
        sent (texting people who opted out is worse than not texting at all).
        """
        session = self._session
        for list_id in self.exclude_lists:
            path = f"/lists/{path_segment(list_id)}/contacts"

            async def fetch(page: int, path: str = path) -> Any:
                return await session.data("GET", path, params={"page": page, "limit": 100})

            count = 0
            async with contextlib.aclosing(raw_records(fetch, where=path)) as records:
                async for record in records:
                    number = record.get("phone_number")
                    if number not in (None, ""):
                        country = record.get("address_country") or self._campaign_country()
                        key = compare_key(
                            str(number), str(country) if country else None, purpose="exclude_lists="
                        )
                        if key is not None:
                            self._exclude.add(key)
                            count += 1
            logger.info("excluding %d number(s) of list %s", count, list_id)
        self._lists_loaded = True

    def _to_gsm(self, text: str) -> str:
        """Return ``to_gsm(text)`` when that makes the text GSM-7, else ``text`` itself."""
        if is_gsm(text):
            return text
        replaced = to_gsm(text)
        if replaced != text and is_gsm(replaced):
            self._row_transliterated = True
            return replaced
        return text
