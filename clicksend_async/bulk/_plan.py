"""Planning: rows in, a validated plan in the store out (no request is sent while planning).

Each row becomes a message (template filled, number normalised), is validated and
segment-counted, gets a unique ``custom_string`` that carries its row number, and is written to
the store in batches. A bad file surfaces here, before any request. A resume re-reads the input
only to prove it is the same campaign (the fingerprint).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import unicodedata
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any

import attrs

from .._converter import unstructure
from .._exceptions import JournalError, JournalMismatchError, ValidationError
from .._pagination import raw_records
from .._validation import check_row_fields, normalize_number, path_segment
from ..segments import UCS2, SegmentInfo, is_gsm, to_gsm
from ._channels import _compact_json
from ._price import Pricing
from ._report import BulkOutcome, BulkPlan, InvalidRow
from ._states import PlannedRow

__all__ = ["EXCLUDED", "EXCLUDED_WHY", "Planning", "Recipients"]

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
#: The status and reason of a row not sent because its number is excluded.
EXCLUDED = "EXCLUDED"
EXCLUDED_WHY = "excluded: the number is on the exclusion list (exclude / exclude_lists)"


class CampaignOptionError(ValidationError):
    """A campaign-wide option (``from_``, ``schedule`` ...) fails its check: no row can pass."""


def _exclusion_set(numbers: Iterable[Any] | None) -> set[str]:
    """Return the numbers as the engine compares them: normalised, as rows are sent.

    Entries may be numbers or rows (a mapping's ``to``, as :func:`read_recipients_csv` gives).
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
        if value is not None and str(value).strip():
            out.add(normalize_number(str(value)))
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


#: Planning a plain iterable (a list, a CSV file) hands the event loop back this often, so an
#: application's other tasks keep running while a million rows are checked.
_YIELD_EVERY = 500


async def _aiter(items: Recipients) -> AsyncIterator[Any]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for count, item in enumerate(items, 1):
            yield item
            if count % _YIELD_EVERY == 0:
                await asyncio.sleep(0)


class Planning(Pricing):
    """The planning stage of :class:`~._engine.BulkJob`: rows to a validated plan in the store."""

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
                    raise ValidationError(
                        "template field(s) missing or empty in the row: "
                        + ", ".join(template.missing(item, allow_empty=self.allow_empty_fields)),
                        field="body",
                        row=row,
                    )
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
                        self._exclude.add(normalize_number(str(number)))
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

    async def _make_plan(self) -> BulkPlan:
        store = self._store
        stored = await store.get_meta("plan")
        if stored is not None:
            if self._resume is False:
                raise JournalError(
                    f"the journal {store.where} already holds a campaign; resume it, or use a "
                    "new journal file for a new campaign"
                )
            try:
                plan = BulkPlan.from_json(json.loads(stored))
            except (ValueError, TypeError, KeyError) as exc:
                raise JournalError(
                    f"the journal {store.where} holds an unreadable plan: {exc}"
                ) from None
            return await self._verify_resume(plan)
        if self._resume:
            rows_held = await store.row_count()
            raise JournalError(
                f"nothing to resume: the journal {store.where} holds no campaign"
                + (f" ({rows_held} row(s) of a plan that never finished)" if rows_held else "")
                + "; start the campaign without resume"
            )
        if await store.row_count() or await store.get_meta("campaign") is not None:
            await store.reset()  # a plan that died half way: nothing was sent from it
        campaign = secrets.token_hex(4)
        prefix = f"cs{campaign}-"
        fingerprint = _Fingerprint(self._fingerprint_seed())
        now = self._clock()
        shape = self._row_shape(now)
        seen_custom: set[str] = set()
        seen_pairs: set[int] = set()
        batch: list[PlannedRow] = []
        seg_by_enc: dict[str, int] = {}
        msg_by_enc: dict[str, int] = {}
        invalid_rows: list[InvalidRow] = []
        rows = valid = duplicates = excluded = long_messages = segments = 0
        exclude = self._exclude
        transliterated = 0
        ucs2_chars: dict[str, int] = {}
        fixable = 0
        pricing = self.preflight
        price_state = self._new_price_state()

        # The whole input is read and validated before the first request: a bad file or row
        # is reported before anything touches the network.
        async for item in _aiter(self._recipients):
            rows += 1
            row = rows
            try:
                payload, info = self._build(item, row, now, shape)
            except CampaignOptionError:
                raise
            except ValidationError as exc:
                to_text = _row_to(item)
                field = (exc.field or "").removeprefix("message.")
                reason = f"{field}: {exc.reason}" if field else exc.reason
                if len(invalid_rows) < PLAN_INVALID_ROWS:
                    invalid_rows.append(InvalidRow(row=row, to=to_text, reason=reason))
                batch.append(
                    PlannedRow(row, None, to_text, None, None, None, "invalid", None, reason)
                )
                fingerprint.add(row, to_text, None)
                await self._emit(BulkOutcome(row=row, to=to_text, state="invalid", reason=reason))
            else:
                to_text = payload.get("to")
                body = payload.get("body", "")
                fingerprint.add(row, to_text, body)
                if exclude and to_text in exclude:
                    excluded += 1
                    batch.append(
                        PlannedRow(
                            row, None, to_text, None, None, None, "invalid", EXCLUDED, EXCLUDED_WHY
                        )
                    )
                    await self._emit(
                        BulkOutcome(
                            row=row,
                            to=to_text,
                            state="invalid",
                            status=EXCLUDED,
                            reason=EXCLUDED_WHY,
                        )
                    )
                    continue
                if self.dedupe:
                    by_number = self.dedupe == "number"
                    key = hash(to_text) if by_number else hash((to_text, body))
                    if key in seen_pairs:
                        duplicates += 1
                        reason = (
                            "duplicate of an earlier row (same recipient)"
                            if by_number
                            else "duplicate of an earlier row (same recipient and body)"
                        )
                        if len(invalid_rows) < PLAN_INVALID_ROWS:
                            invalid_rows.append(InvalidRow(row=row, to=to_text, reason=reason))
                        batch.append(
                            PlannedRow(
                                row,
                                None,
                                to_text,
                                None,
                                None,
                                None,
                                "invalid",
                                "DUPLICATE",
                                reason,
                            )
                        )
                        await self._emit(
                            BulkOutcome(
                                row=row,
                                to=to_text,
                                state="invalid",
                                status="DUPLICATE",
                                reason=reason,
                            )
                        )
                        continue
                    seen_pairs.add(key)
                custom = payload.get("custom_string")
                if not custom or custom in seen_custom or custom.startswith(prefix):
                    custom = f"{prefix}{row}"
                    payload["custom_string"] = custom
                elif custom is not None:
                    seen_custom.add(custom)
                valid += 1
                if self._row_transliterated:
                    transliterated += 1
                segments += info.segments
                seg_by_enc[info.encoding] = seg_by_enc.get(info.encoding, 0) + info.segments
                msg_by_enc[info.encoding] = msg_by_enc.get(info.encoding, 0) + 1
                if info.segments > self._limits.warn_parts:
                    long_messages += 1
                if info.encoding == UCS2:
                    for char in info.non_gsm:
                        ucs2_chars[char] = ucs2_chars.get(char, 0) + 1
                    fixable += _gsm_fixable(body, info.non_gsm)
                encoded = _compact_json(payload)
                batch.append(
                    PlannedRow(
                        row,
                        custom,
                        to_text,
                        encoded,
                        info.segments,
                        info.encoding,
                        None,
                        None,
                        None,
                    )
                )
            if len(batch) >= 1000:
                await store.add_rows(batch)
                batch = []
            if rows % 10_000 == 0:
                await self._progress("planning", rows=rows, valid=valid, invalid=rows - valid)
        if batch:
            await store.add_rows(batch)
        if pricing:
            await self._progress("pricing", rows=rows, valid=valid, invalid=rows - valid)
            await self._price_all(price_state)
        plan = BulkPlan(
            ucs2_characters=dict(
                sorted(ucs2_chars.items(), key=lambda item: (-item[1], item[0]))[
                    :PLAN_UCS2_CHARACTERS
                ]
            ),
            gsm_fixable=fixable,
            transliterated=transliterated,
            rows=rows,
            messages=valid,
            invalid=rows - valid,
            duplicates=duplicates,
            excluded=excluded,
            segments=segments,
            segments_by_encoding=seg_by_enc,
            messages_by_encoding=msg_by_enc,
            long_messages=long_messages,
            total_cost=price_state.total() if pricing else None,
            currency=price_state.currency,
            blocked=price_state.blocked,
            priced=pricing,
            chunks=-(-(valid - sum(price_state.rejected.values())) // self.chunk_size),
            invalid_rows=invalid_rows,
            rejected_statuses=dict(price_state.rejected),
            short_of_credit=price_state.short_of_credit,
            priced_segments=(
                price_state.counted_parts
                if pricing and price_state.error is None and not price_state.parts_unknown
                else None
            ),
        )
        if plan.gsm_fixable:
            logger.warning(
                "%d message(s) are UCS-2 (70 characters a part, not 160) only because of "
                "look-alike characters such as %s; transliterate=True would make them GSM-7",
                plan.gsm_fixable,
                ", ".join(
                    f"{c!r} (U+{ord(c):04X})"
                    for c in [c for c in plan.ucs2_characters if _CHAR_FIXABLE.get(c)][:3]
                    or list(plan.ucs2_characters)[:3]
                ),
                extra={"shown_in_plan": True},
            )
        await store.set_meta(
            {
                **self._fingerprint_parts(),
                "campaign": campaign,
                "fingerprint": fingerprint.hexdigest(),
                "rows": str(rows),
                "channel": self.channel.name,
                "plan": json.dumps(plan.to_json()),
                "planned": "1",
                "planned_at": repr(now),
            }
        )
        await self._progress("planning", rows=rows, valid=valid, invalid=rows - valid)
        return plan

    async def _verify_resume(self, plan: BulkPlan) -> BulkPlan:
        """Re-read the input only to prove it is the same campaign as the store's."""
        store = self._store
        fingerprint = _Fingerprint(self._fingerprint_seed())
        # Validate as of the planning time: a schedule that has since passed is the same campaign.
        planned_at = await store.get_meta("planned_at")
        now = float(planned_at) if planned_at is not None else self._clock()
        shape = self._row_shape(now)
        rows = 0
        async for item in _aiter(self._recipients):
            rows += 1
            try:
                payload, _ = self._build(item, rows, now, shape)
            except ValidationError:
                fingerprint.add(rows, _row_to(item), None)
                continue
            fingerprint.add(rows, payload.get("to"), payload.get("body", ""))
        channel = await store.get_meta("channel")
        if channel != self.channel.name:
            raise JournalMismatchError(
                f"the journal {store.where} is for a {channel} campaign, not {self.channel.name}",
                differences=["channel"],
            )
        expected_rows = await store.get_meta("rows")
        if str(rows) == expected_rows and fingerprint.hexdigest() == await store.get_meta(
            "fingerprint"
        ):
            logger.info(
                "resuming campaign %s from %s", await store.get_meta("campaign"), store.where
            )
            return plan
        differences: list[str] = []
        parts = self._fingerprint_parts()
        for key, name in (("fp_template", "template"), ("fp_options", "options")):
            recorded = await store.get_meta(key)
            if recorded is not None and recorded != parts[key]:
                differences.append(name)
        if str(rows) != expected_rows:
            differences.append(f"rows ({expected_rows} in the journal, {rows} in this input)")
        elif not differences:
            differences.append("rows (recipients or message text)")
        raise JournalMismatchError(
            f"the journal {store.where} belongs to another campaign: the "
            f"{', '.join(differences)} differ; use a new journal file for a new campaign",
            differences=differences,
        )


def _row_to(item: Any) -> str | None:
    """Return an input row's recipient as given, for reports of rows that failed to build."""
    to = item.get("to") if isinstance(item, Mapping) else getattr(item, "to", None)
    return None if to is None else str(to)


class _Fingerprint:
    """The campaign fingerprint: the options, then every row's recipient and body, in order.

    The plan and the resume check both feed rows through :meth:`add`, so the two cannot drift
    apart. Rows are hashed a thousand at a time: hashing is incremental, so the digest is the
    same as one update per row, for less work.
    """

    def __init__(self, digest: Any) -> None:
        self._digest = digest
        self._pending: list[str] = []

    def add(self, row: int, to: str | None, body: str | None) -> None:
        """Add one row (``body`` None: the row was invalid)."""
        self._pending.append(f"{row}\x1f{to}\x1f{'invalid' if body is None else body}\x1e")
        if len(self._pending) >= 1000:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._digest.update("".join(self._pending).encode("utf-8", "surrogatepass"))
            self._pending.clear()

    def hexdigest(self) -> str:
        """Return the digest of everything added so far."""
        self._flush()
        return str(self._digest.hexdigest())
