"""The bulk-send engine: plan, price, send in concurrent chunks, reconcile, report.

How a campaign runs:

1. **Plan** (one streaming pass over the input, no network): each row becomes a message
   (template filled, number normalised), is validated and segment-counted, gets a unique
   ``custom_string``, and is written to the journal in batches. A bad file surfaces here, before
   any request. With ``preflight`` the valid messages are then read back and priced through
   ``/price`` in chunks. Rows refused by pricing (INVALID_RECIPIENT ...) are settled as rejected
   without being sent. The plan is checked against ``max_cost``,
   ``max_segments`` and the account balance; ``dry_run`` stops here.
2. **Send**: pending rows are read back from the journal in chunks of ``chunk_size`` and sent
   with ``concurrency`` requests in flight, each through the client's rate limiter. A chunk's
   intent is committed before its request leaves and its outcome after its answer arrives.
3. **Answers**: accepted rows are ``sent``; per-message refusals are ``rejected``; THROTTLED rows
   were not sent and go back to pending for a later pass; a 429 or a connection that never
   opened puts the whole chunk back (it surely was not processed).
4. **Unknown outcomes** (timeout, reset, 5xx, an unreadable 200): the chunk is never re-sent
   blindly. The engine pages through the history around the chunk's send time and matches
   ``custom_string``: rows found there are ``sent``; only the rows not found are sent again. If
   the re-send comes back THROTTLED, an identical message went out seconds earlier, so the row is
   ``unknown``, never sent a third time. If the history itself cannot be read, the rows stay
   ``unknown`` and the report says so loudly.

Every input row ends in exactly one state; the journal makes the whole thing resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import time
import unicodedata
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from .._converter import unstructure
from .._exceptions import (
    APIError,
    AuthenticationError,
    BudgetExceededError,
    ClickSendError,
    ConfigurationError,
    ConnectError,
    DecodeError,
    JournalMismatchError,
    PermissionDeniedError,
    RateLimitError,
    SendOutcomeUnknownError,
    ValidationError,
)
from .._pagination import raw_records
from .._sansio import RequestKind
from .._session import Session
from .._validation import (
    DEFAULT_LIMITS,
    MAX_MESSAGES_PER_REQUEST,
    Limits,
    check_media_file,
    check_row_fields,
    mms_body_info,
    mms_static_checks,
    normalize_number,
    path_segment,
    sms_body_info,
    sms_static_checks,
    voice_body_info,
    voice_static_checks,
)
from ..models.messages import MmsMessage, SmsMessage, VoiceMessage
from ..segments import UCS2, SegmentInfo, is_gsm, to_gsm
from ._journal import Journal, RowRecord
from ._report import BulkOutcome, BulkPlan, BulkReport, InvalidRow, OutcomeState, ProgressEvent
from ._rows import BodyTemplate

__all__ = ["SMS", "VOICE", "BulkJob", "Channel", "mms_channel"]

logger = logging.getLogger("clicksend_async.bulk")

StaticCheck = Callable[[Any, int | None, Limits, float], None]
BodyInfo = Callable[[str, str, int | None, Limits], SegmentInfo]


@attrs.frozen
class Channel:
    """How one kind of message is built, validated, sent, priced and looked up.

    Validation comes in the three parts every message validator is made of
    (``_validation.validate_sms`` ...): :func:`check_row_fields` (body and recipient, which
    change per row), ``check_static`` (the fields a campaign's rows share) and ``body_info``
    (length and segments). The engine checks the shared part once per campaign.
    """

    name: str
    message_cls: type[Any]
    send_path: str
    price_path: str
    history_path: str
    check_static: StaticCheck = attrs.field(repr=False)
    body_info: BodyInfo = attrs.field(repr=False)

    def validate(self, message: Any, row: int, limits: Limits, now: float) -> SegmentInfo:
        """Check one whole message (all three parts) and return its segment count."""
        body = check_row_fields(
            message.body, message.to, message.list_id, message.country, "message", row
        )
        self.check_static(message, row, limits, now)
        return self.body_info(body, "message", row, limits)


SMS = Channel(
    "sms",
    SmsMessage,
    "/sms/send",
    "/sms/price",
    "/sms/history",
    lambda m, row, limits, now: sms_static_checks(m, "message", row, limits, now),
    sms_body_info,
)
VOICE = Channel(
    "voice",
    VoiceMessage,
    "/voice/send",
    "/voice/price",
    "/voice/history",
    lambda m, row, limits, now: voice_static_checks(m, "message", row, limits, now),
    voice_body_info,
)


def _mms_channel(media_file: str) -> Channel:
    return Channel(
        "mms",
        MmsMessage,
        "/mms/send",
        "/mms/price",
        "/mms/history",
        lambda m, row, limits, now: mms_static_checks(m, media_file, "message", row, limits, now),
        mms_body_info,
    )


@attrs.frozen
class _RowShape:
    """What every dict row of a campaign shares, built from ``defaults`` and checked once."""

    #: The defaults as a request payload, without ``to`` and ``body``.
    payload: dict[str, Any]
    country: str | None


#: Per-message statuses that, at preflight pricing, settle a row as rejected without sending.
_PRICE_KEEP_PENDING = frozenset({"SUCCESS", "THROTTLED", "INSUFFICIENT_CREDIT", "QUEUED"})

Recipients = Iterable[Any] | AsyncIterable[Any]

#: The plan lists this many invalid rows at most (all of them are in the report and journal).
PLAN_INVALID_ROWS = 1000
#: The status and reason of a row not sent because its number is excluded.
EXCLUDED = "EXCLUDED"
_EXCLUDED_WHY = "excluded: the number is on the exclusion list (exclude / exclude_lists)"


class _CampaignOptionError(ValidationError):
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


ProgressHook = Callable[[ProgressEvent], Awaitable[None] | None]


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


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_compact_json() -> Callable[[Any], str]:
    """Return ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)`` for one payload.

    ``JSONEncoder.encode`` builds a new C encoder on every call, which is half the cost of
    encoding a message payload; this builds it once. The planning loop calls it once per row.
    Without the C accelerator (not CPython) it falls back to ``JSONEncoder``.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    chunks = make(
        None,  # markers: payloads are trees of plain values, never cyclic
        _not_serializable,
        json.encoder.encode_basestring,  # ensure_ascii=False
        None,  # indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )
    join = "".join
    return lambda value: join(chunks(value, 0))


_compact_json = _make_compact_json()

#: Integers a float holds exactly: for these ``_int`` is the identity.
_EXACT_INT = 2**53


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _price_of(
    value: Any, cache: dict[str, tuple[Decimal | None, str | None]]
) -> tuple[Decimal | None, str | None]:
    """Return ``_decimal(value)`` and its text; a price string is parsed once per ``cache``."""
    if type(value) is str:
        found = cache.get(value)
        if found is None:
            price = _decimal(value)
            found = cache[value] = (price, None if price is None else str(price))
        return found
    price = _decimal(value)
    return price, None if price is None else str(price)


def _parts_of(value: Any) -> int | None:
    """Return ``_int(value)``, skipping the float round trip for a plain int it keeps as is."""
    if type(value) is int and -_EXACT_INT <= value <= _EXACT_INT:
        return value
    return _int(value)


class BulkJob:
    """One campaign: ``await job.plan()``, ``await job.run()`` or ``async for o in job.stream()``.

    Made by ``client.sms.bulk(...)`` (and ``mms.bulk``, ``voice.bulk``); see
    :meth:`clicksend_async.resources.sms.SmsResource.send_bulk` for the arguments.
    """

    def __init__(
        self,
        session: Session,
        channel: Channel,
        recipients: Recipients,
        *,
        body: str | None = None,
        defaults: Mapping[str, Any] | None = None,
        request_extra: Mapping[str, Any] | None = None,
        chunk_size: int = MAX_MESSAGES_PER_REQUEST,
        concurrency: int = 4,
        preflight: bool = True,
        max_cost: Decimal | float | str | None = None,
        max_segments: int | None = None,
        check_balance: bool = True,
        dry_run: bool = False,
        dedupe: bool | str = False,
        allow_empty_fields: bool = False,
        transliterate: bool = False,
        exclude: Iterable[Any] | None = None,
        exclude_lists: Iterable[int | str] = (),
        journal: str | Journal | None = None,
        on_progress: ProgressHook | None = None,
        limits: Limits = DEFAULT_LIMITS,
        reconcile_settle: float = 2.0,
        throttle_pause: float = 6.0,
        max_attempts: int = 4,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 1 <= chunk_size <= MAX_MESSAGES_PER_REQUEST:
            raise ValidationError(
                f"must be from 1 to {MAX_MESSAGES_PER_REQUEST}", field="chunk_size"
            )
        if concurrency < 1:
            raise ValidationError("must be at least 1", field="concurrency")
        if channel.name == "mms":
            check_media_file((request_extra or {}).get("media_file"))
        self._session = session
        self.channel = channel
        self._recipients = recipients
        self._template = None if body is None else BodyTemplate.compile(body)
        self._defaults = dict(defaults or {})
        self._request_extra = dict(request_extra or {})
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self.preflight = preflight
        self.max_cost = None if max_cost is None else Decimal(str(max_cost))
        self.max_segments = max_segments
        self.check_balance = check_balance
        self.dry_run = dry_run
        if dedupe not in (False, True, "number"):
            raise ValidationError(
                f"must be True (same number and text), 'number' (same number) or False, "
                f"not {dedupe!r}",
                field="dedupe",
            )
        self.dedupe = dedupe
        self.allow_empty_fields = allow_empty_fields
        self.transliterate = transliterate
        #: Numbers never to text (normalised as the rows are): an opt-out list, say.
        self._exclude: set[str] = _exclusion_set(exclude)
        self.exclude_lists = tuple(exclude_lists)
        for list_id in self.exclude_lists:
            path_segment(list_id)  # a bad id is refused now, not after the input was read
        self._lists_loaded = not self.exclude_lists
        #: Whether transliteration changed the row being built (counted if the row is valid).
        self._row_transliterated = False
        self._on_progress = on_progress
        self._limits = limits
        self._settle = reconcile_settle
        self._throttle_pause = throttle_pause
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._clock = clock
        if isinstance(journal, Journal):
            self._journal = journal
            self._owns_journal = False
        else:
            self._journal = Journal(journal)
            self._owns_journal = journal is None
        self._plan: BulkPlan | None = None
        self._defaults_error: ValidationError | None = None
        self._queue: asyncio.Queue[BulkOutcome | None] | None = None
        self._resend_rows: set[int] = set()
        self._abort: str | None = None
        #: Set by :meth:`stop`: the run ends after the chunks in flight (``report.stopped``).
        self.stopped = False
        self._cancelled = False
        self._started = 0.0
        self._in_flight = 0
        self._sent = self._rejected = self._unknown = 0
        self._cost = Decimal(0)
        self._used = False
        self._flush_header = json.dumps(self._request_extra, separators=(",", ":"))[1:-1]

    def __repr__(self) -> str:
        return f"<BulkJob {self.channel.name} journal={self._journal!r}>"

    # -- public ---------------------------------------------------------------------------

    @property
    def journal(self) -> Journal:
        """Return the campaign journal."""
        return self._journal

    async def plan(self) -> BulkPlan:
        """Validate, count and (with preflight) price every row; send nothing."""
        if self._plan is None:
            self._started = self._started or time.monotonic()
            if not self._lists_loaded:
                await self._load_exclude_lists()
            self._plan = await self._make_plan()
        return self._plan

    async def run(self) -> BulkReport:
        """Plan, check the budget, send everything, and return the report.

        Cancelling the task (or Ctrl-C in ``asyncio.run``) stops new chunks, lets the ones in
        flight finish and be recorded, and still returns the report (``report.cancelled``).
        """
        if self._used:
            raise ConfigurationError("a BulkJob runs once; make a new one (the journal resumes)")
        self._used = True
        self._started = time.monotonic()
        try:
            plan = await self.plan()
            self._check_budget(plan)
            if self.check_balance and plan.total_cost is not None and not self.dry_run:
                await self._check_balance(plan)
            if self.dry_run:
                self._journal.skip_remaining("dry run: nothing was sent")
            else:
                await self._send_all()
        except asyncio.CancelledError:
            self._cancelled = True
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            self._journal.skip_remaining("cancelled before it was sent")
        except BaseException:
            if self._owns_journal:
                self._journal.close()
            raise
        await self._progress("done")
        await self._emit_skipped()
        return BulkReport(
            journal=self._journal,
            plan=self._plan,
            duration=time.monotonic() - self._started,
            cancelled=self._cancelled,
            dry_run=self.dry_run,
            aborted=self._abort,
            owns_journal=self._owns_journal,
            stopped=self.stopped,
        )

    async def stop(self) -> None:
        """Stop gracefully: no new chunks; chunks in flight finish and are recorded."""
        self.stopped = True
        if self._abort is None:
            self._abort = "stopped"

    async def stream(self) -> AsyncIterator[BulkOutcome]:
        """Run the campaign and yield each row's outcome as soon as it is known."""
        queue: asyncio.Queue[BulkOutcome | None] = asyncio.Queue(maxsize=10_000)
        self._queue = queue
        report_box: list[BulkReport] = []

        async def runner() -> None:
            try:
                report_box.append(await self.run())
            finally:
                await queue.put(None)

        task = asyncio.create_task(runner())
        try:
            while True:
                item = await queue.get()
                if item is None:
                    break
                yield item
            await task
        finally:
            if not task.done():
                self._queue = None  # nobody is listening any more: emits become no-ops
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for report in report_box:
                report.close()

    # -- planning -------------------------------------------------------------------------

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
                raise _CampaignOptionError(
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
        journal = self._journal
        stored = journal.plan_json()
        if stored is not None:
            return await self._verify_resume(BulkPlan.from_json(stored))
        if journal.get_meta("fingerprint") is None and journal.row_count():
            journal.reset_rows()  # a plan that died half way: nothing was sent from it
        elif journal.get_meta("planned") is None:
            journal.reset_rows()
        campaign = secrets.token_hex(4)
        prefix = f"cs{campaign}-"
        fingerprint = _Fingerprint(self._fingerprint_seed())
        now = self._clock()
        shape = self._row_shape(now)
        seen_custom: set[str] = set()
        seen_pairs: set[int] = set()
        batch: list[tuple[Any, ...]] = []
        seg_by_enc: dict[str, int] = {}
        msg_by_enc: dict[str, int] = {}
        invalid_rows: list[InvalidRow] = []
        rows = valid = duplicates = excluded = long_messages = segments = 0
        exclude = self._exclude
        transliterated = 0
        ucs2_chars: dict[str, int] = {}
        fixable = 0
        pricing = self.preflight
        price_state = _PriceState()

        # The whole input is read and validated before the first request: a bad file or row
        # is reported before anything touches the network.
        async for item in _aiter(self._recipients):
            rows += 1
            row = rows
            try:
                payload, info = self._build(item, row, now, shape)
            except _CampaignOptionError:
                raise
            except ValidationError as exc:
                to_text = _row_to(item)
                field = (exc.field or "").removeprefix("message.")
                reason = f"{field}: {exc.reason}" if field else exc.reason
                if len(invalid_rows) < PLAN_INVALID_ROWS:
                    invalid_rows.append(InvalidRow(row=row, to=to_text, reason=reason))
                batch.append((row, None, to_text, None, None, None, "invalid", None, reason))
                fingerprint.add(row, to_text, None)
                await self._emit(BulkOutcome(row=row, to=to_text, state="invalid", reason=reason))
            else:
                to_text = payload.get("to")
                body = payload.get("body", "")
                fingerprint.add(row, to_text, body)
                if exclude and to_text in exclude:
                    excluded += 1
                    batch.append(
                        (row, None, to_text, None, None, None, "invalid", EXCLUDED, _EXCLUDED_WHY)
                    )
                    await self._emit(
                        BulkOutcome(
                            row=row,
                            to=to_text,
                            state="invalid",
                            status=EXCLUDED,
                            reason=_EXCLUDED_WHY,
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
                            (
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
                    (
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
                journal.add_rows(batch)
                batch = []
            if rows % 10_000 == 0:
                await self._progress("planning", rows=rows, valid=valid, invalid=rows - valid)
        if batch:
            journal.add_rows(batch)
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
        journal.set_meta_many(
            {
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
        """Re-read the input only to prove it is the same campaign as the journal's."""
        journal = self._journal
        fingerprint = _Fingerprint(self._fingerprint_seed())
        # Validate as of the planning time: a schedule that has since passed is the same campaign.
        planned_at = journal.get_meta("planned_at")
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
        expected_rows = journal.get_meta("rows")
        if str(rows) != expected_rows or fingerprint.hexdigest() != journal.get_meta("fingerprint"):
            raise JournalMismatchError(
                f"the journal {journal.path} belongs to another campaign (it has {expected_rows} "
                f"rows, this input {rows}, or the recipients, template or options differ); "
                "use a new journal file for a new campaign"
            )
        if journal.get_meta("channel") != self.channel.name:
            raise JournalMismatchError(
                f"the journal is for {journal.get_meta('channel')}, not {self.channel.name}"
            )
        logger.info("resuming campaign %s from %s", journal.get_meta("campaign"), journal.path)
        return plan

    async def _price_all(self, state: _PriceState) -> None:
        """Price every valid row through ``/price``, chunk by chunk, ``concurrency`` at a time."""
        sem = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()

        async def price(rows: list[RowRecord]) -> None:
            try:
                await self._price_chunk(rows, state)
            finally:
                sem.release()

        cursor = 0
        try:
            while state.error is None:
                await sem.acquire()
                rows = self._journal.pending(cursor, self.chunk_size)
                if not rows:
                    sem.release()
                    break
                cursor = rows[-1][0]
                task = asyncio.create_task(price(rows))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        if state.error is not None:
            raise state.error

    async def _price_chunk(self, chunk: list[RowRecord], state: _PriceState) -> None:
        if state.error is not None:
            return
        try:
            data = await self._session.data(
                "POST", self.channel.price_path, content=self._body(chunk)
            )
        except ClickSendError as exc:
            state.error = exc
            return
        if not isinstance(data, Mapping):
            state.error = DecodeError(f"{self.channel.price_path}: expected an object in data")
            return
        messages = data.get("messages") or []
        currency = data.get("_currency") or data.get("currency")
        if isinstance(currency, Mapping) and state.currency is None:
            name = currency.get("currency_name_short")
            state.currency = None if name is None else str(name)
        blocked = _int(data.get("blocked_count"))
        state.blocked += blocked or 0
        by_custom = {
            m.get("custom_string"): m for m in messages if type(m) is dict or isinstance(m, Mapping)
        }
        updates: list[tuple[Any, ...]] = []
        prices: dict[str, tuple[Decimal | None, str | None]] = {}
        for index, (row, custom, _, _, _) in enumerate(chunk):
            found = by_custom.get(custom)
            if (
                found is None
                and len(messages) == len(chunk)
                and isinstance(messages[index], Mapping)
            ):
                found = messages[index]
            if found is None:
                continue
            status = str(found.get("status") or "")
            price, price_text = _price_of(found.get("message_price"), prices)
            parts = _parts_of(found.get("message_parts"))
            if status in _PRICE_KEEP_PENDING or not status:
                if parts is None:
                    state.parts_unknown += 1
                else:
                    state.counted_parts += parts
                if price is not None:
                    state.cost += price
                    state.priced_parts += parts or 0
                else:
                    # Priced without a price (INSUFFICIENT_CREDIT ...): estimated later.
                    state.unpriced += 1
                    state.unpriced_parts += parts or 1
                if status == "INSUFFICIENT_CREDIT":
                    state.short_of_credit += 1
                updates.append((price_text, parts, None, None, None, row))
            else:
                state.rejected[status] = state.rejected.get(status, 0) + 1
                reason = f"refused at preflight pricing: {status}"
                updates.append((None, parts, "rejected", status, reason, row))
                to = found.get("to")
                await self._emit(
                    BulkOutcome(
                        row=row,
                        to=None if to is None else str(to),
                        state="rejected",
                        status=status,
                        custom_string=custom,
                        reason=reason,
                    )
                )
        self._journal.set_prices(updates)

    def _check_budget(self, plan: BulkPlan) -> None:
        if (
            self.max_cost is not None
            and plan.total_cost is not None
            and plan.total_cost > self.max_cost
        ):
            raise BudgetExceededError(
                f"the campaign would cost {plan.total_cost} {plan.currency or ''}, over "
                f"max_cost {self.max_cost}; nothing was sent".replace("  ", " "),
                plan=plan,
            )
        if self.max_segments is not None and plan.billable_segments > self.max_segments:
            counted = ""
            if plan.billable_segments != plan.segments:
                counted = f" as ClickSend counts them ({plan.segments} by 3GPP's count)"
            raise BudgetExceededError(
                f"the campaign is {plan.billable_segments} segments{counted}, over max_segments "
                f"{self.max_segments}; nothing was sent",
                plan=plan,
            )

    async def _check_balance(self, plan: BulkPlan) -> None:
        data = await self._session.data("GET", "/account")
        balance = _decimal(data.get("balance")) if isinstance(data, Mapping) else None
        cost = plan.total_cost
        if balance is None or cost is None:
            return
        self._plan = plan = attrs.evolve(plan, balance=balance)
        already = self._journal.totals()[0]
        if plan.short_of_credit and not already:
            raise BudgetExceededError(
                f"ClickSend priced {plan.short_of_credit} message(s) as INSUFFICIENT_CREDIT: the "
                f"balance {balance} does not cover the campaign (about {cost}); nothing was sent",
                plan=plan,
            )
        if cost - already > balance:
            raise BudgetExceededError(
                f"the campaign would cost {cost - already}, more than the account "
                f"balance {balance}; nothing was sent",
                plan=plan,
            )

    # -- sending --------------------------------------------------------------------------

    async def _send_all(self) -> None:
        open_chunks = self._journal.open_chunks()
        if open_chunks:
            await self._progress("reconciling")
            if self._settle:
                await self._sleep(self._settle)  # once for all of them
            for chunk, started_at, unsettled in open_chunks:
                await self._reconcile(chunk, started_at, list(unsettled), settle=False)
        inflight: set[asyncio.Task[None]] = set()
        sem = asyncio.Semaphore(self.concurrency)
        try:
            for _ in range(self._max_attempts + 1):
                cursor = 0
                while not self._stopping():
                    await sem.acquire()
                    if self._stopping():  # an answer that arrived while we waited said stop
                        sem.release()
                        break
                    rows = self._journal.pending(cursor, self.chunk_size)
                    if not rows:
                        sem.release()
                        break
                    cursor = rows[-1][0]
                    # Rows at their attempt limit stay pending (skipped, resumable).
                    rows = [r for r in rows if r[4] < self._max_attempts]
                    if self._exclude:
                        rows = await self._drop_excluded(rows)
                    if not rows:
                        sem.release()
                        continue
                    if self.max_cost is not None and self._cost >= self.max_cost:
                        self._abort = f"max_cost {self.max_cost} reached while sending"
                        sem.release()
                        break
                    task = asyncio.create_task(self._send_chunk(rows))
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
                    task.add_done_callback(lambda _: sem.release())
                if inflight:
                    await asyncio.gather(*inflight)
                if self._abort is not None or not self._journal.count_pending(self._max_attempts):
                    break
                await self._progress("sending")
                await self._sleep(self._throttle_pause)
        except asyncio.CancelledError:
            self._cancelled = True
            if inflight:
                # Let the requests already sent finish and be recorded: cancelling them would
                # turn known outcomes into unknown ones.
                await asyncio.wait(inflight)
            raise
        if self._abort is not None:
            self._journal.skip_remaining(f"not sent: {self._abort}")
        elif self._journal.count_pending():
            self._journal.skip_remaining(
                f"not sent after {self._max_attempts} attempts (rate limited, throttled or "
                "connection failures)"
            )

    async def _drop_excluded(self, rows: list[RowRecord]) -> list[RowRecord]:
        """Settle pending rows whose number is excluded now (a resume honours the exclusions
        of the current run, which may have grown since the plan); return the others."""
        exclude = self._exclude
        dropped = [r for r in rows if r[2] in exclude]
        if not dropped:
            return rows
        self._journal.exclude_rows([r[0] for r in dropped], EXCLUDED, _EXCLUDED_WHY)
        for row, _, to, _, _ in dropped:
            await self._emit(
                BulkOutcome(row=row, to=to, state="invalid", status=EXCLUDED, reason=_EXCLUDED_WHY)
            )
        return [r for r in rows if r[2] not in exclude]

    def _stopping(self) -> bool:
        return self._abort is not None

    def _body(self, rows: list[RowRecord]) -> bytes:
        head = '{"messages":['
        if self._flush_header:
            head = "{" + self._flush_header + ',"messages":['
        return (head + ",".join(r[3] for r in rows) + "]}").encode()

    async def _send_chunk(self, rows: list[RowRecord]) -> None:
        journal = self._journal
        row_ids = [r[0] for r in rows]
        resend = any(r in self._resend_rows for r in row_ids)
        started_at = self._clock()
        chunk = journal.start_chunk(row_ids, resend=resend, now=started_at)
        self._in_flight += 1
        try:
            try:
                envelope = await self._session.request(
                    "POST",
                    self.channel.send_path,
                    content=self._body(rows),
                    kind=RequestKind.SEND,
                )
            except (SendOutcomeUnknownError, DecodeError) as exc:
                logger.warning("chunk %d (%d rows): outcome unknown (%s)", chunk, len(rows), exc)
                await self._reconcile(chunk, started_at, [(r[0], r[1]) for r in rows])
                return
            except (RateLimitError, ConnectError) as exc:
                # Surely not processed: the rows go back to pending for the next pass.
                journal.finish_chunk(chunk, state="not_sent", release=row_ids, error=str(exc))
                return
            except (AuthenticationError, PermissionDeniedError) as exc:
                self._abort = f"{type(exc).__name__}: {exc}"
                journal.finish_chunk(chunk, state="not_sent", release=row_ids, error=str(exc))
                return
            except APIError as exc:
                # The request was refused whole (400/404/422 ...): nothing of it was sent.
                status = exc.response_code or f"HTTP_{exc.status_code}"
                reason = f"request refused: {exc.response_msg or exc}"
                journal.finish_chunk(
                    chunk,
                    state="refused",
                    outcomes=[("rejected", status, None, None, None, reason, r) for r in row_ids],
                    error=str(exc),
                )
                self._rejected += len(rows)
                for r in rows:
                    await self._emit(
                        BulkOutcome(
                            row=r[0],
                            to=r[2],
                            state="rejected",
                            status=status,
                            custom_string=r[1],
                            reason=reason,
                        )
                    )
                return
            await self._apply_results(chunk, rows, envelope.get("data"), started_at)
        finally:
            self._in_flight -= 1
            await self._progress("sending")

    async def _apply_results(
        self, chunk: int, rows: list[RowRecord], data: Any, started_at: float
    ) -> None:
        messages = data.get("messages") if isinstance(data, Mapping) else None
        if not isinstance(messages, list):
            logger.warning("chunk %d: answer without messages[]; reconciling", chunk)
            await self._reconcile(chunk, started_at, [(r[0], r[1]) for r in rows])
            return
        # The hot loop of a send (once per message): plain dicts skip the ABC check, prices
        # are parsed once per distinct string, outcomes are only built when someone streams.
        by_custom: dict[Any, Mapping[str, Any]] = {}
        for m in messages:
            if type(m) is dict or isinstance(m, Mapping):
                by_custom.setdefault(m.get("custom_string"), m)
        same_length = len(messages) == len(rows)
        outcomes: list[tuple[Any, ...]] = []
        release: list[int] = []
        missing: list[tuple[int, str]] = []
        emitted: list[BulkOutcome] = []
        listening = self._queue is not None
        prices: dict[str, tuple[Decimal | None, str | None]] = {}
        for index, (row, custom, to, _, _) in enumerate(rows):
            found = by_custom.get(custom)
            if found is None and same_length and isinstance(messages[index], Mapping):
                found = messages[index]
            if found is None:
                missing.append((row, custom))
                continue
            status = found.get("status")
            if type(status) is not str:
                status = str(status or "")
            if status == "SUCCESS" or status == "QUEUED":
                price, price_text = _price_of(found.get("message_price"), prices)
                parts = _parts_of(found.get("message_parts"))
                message_id = found.get("message_id")
                outcomes.append(("sent", status, message_id, price_text, parts, None, row))
                self._sent += 1
                if price is not None:
                    self._cost += price
                if listening:
                    emitted.append(
                        BulkOutcome(
                            row=row,
                            to=to,
                            state="sent",
                            status=status,
                            message_id=message_id,
                            parts=parts,
                            price=price,
                            custom_string=custom,
                        )
                    )
            elif status == "THROTTLED":
                if row in self._resend_rows:
                    reason = (
                        "THROTTLED on re-send after an unknown outcome: an identical message "
                        "went out seconds earlier, so it was probably sent already"
                    )
                    outcomes.append(("unknown", status, None, None, None, reason, row))
                    self._unknown += 1
                    emitted.append(
                        BulkOutcome(
                            row=row,
                            to=to,
                            state="unknown",
                            status=status,
                            custom_string=custom,
                            reason=reason,
                        )
                    )
                else:
                    release.append(row)
            else:
                if status == "INSUFFICIENT_CREDIT" and self._abort is None:
                    self._abort = "the account ran out of credit (INSUFFICIENT_CREDIT)"
                reason = f"ClickSend refused it: {status or 'no status'}"
                outcomes.append(
                    ("rejected", status, found.get("message_id"), None, None, reason, row)
                )
                self._rejected += 1
                emitted.append(
                    BulkOutcome(
                        row=row,
                        to=to,
                        state="rejected",
                        status=status,
                        message_id=found.get("message_id"),
                        custom_string=custom,
                        reason=reason,
                    )
                )
        self._journal.finish_chunk(
            # Rows missing from the answer keep the chunk in flight until they are reconciled,
            # so a process that dies first reconciles them on resume.
            chunk,
            state="done" if not missing else "in_flight",
            outcomes=outcomes,
            release=release,
            unsettled=[row for row, _ in missing] if missing else None,
        )
        for outcome in emitted:
            await self._emit(outcome)
        if missing:
            await self._reconcile(chunk, started_at, missing)

    async def _reconcile(
        self, chunk: int, started_at: float, rows: list[tuple[int, str]], *, settle: bool = True
    ) -> None:
        """Settle rows whose send outcome is unknown by looking for them in the history."""
        if not rows:
            self._journal.finish_chunk(chunk, state="done")
            return
        if settle and self._settle:
            await self._sleep(self._settle)
        want = {custom: row for row, custom in rows}
        found: dict[int, Mapping[str, Any]] = {}
        date_from = int(started_at) - 300
        date_to = int(self._clock()) + 300
        path = self.channel.history_path
        session = self._session

        async def fetch(page: int) -> Any:
            params = {"date_from": date_from, "date_to": date_to, "page": page, "limit": 100}
            return await session.data("GET", path, params=params)

        try:
            async with contextlib.aclosing(raw_records(fetch, where=path)) as records:
                async for record in records:
                    row = want.pop(str(record.get("custom_string")), None)
                    if row is not None:
                        found[row] = record
                        if not want:
                            break
        except ClickSendError as exc:
            reason = f"outcome unknown and the history could not be read: {exc}"
            logger.error("chunk %d: %d row(s) left UNKNOWN: %s", chunk, len(rows), exc)
            self._journal.finish_chunk(
                chunk,
                state="unknown",
                outcomes=[("unknown", None, None, None, None, reason, row) for row, _ in rows],
                error=str(exc),
            )
            self._unknown += len(rows)
            for row, custom in rows:
                await self._emit(
                    BulkOutcome(
                        row=row, to=None, state="unknown", custom_string=custom, reason=reason
                    )
                )
            return
        outcomes = []
        for row, record in found.items():
            price = _decimal(record.get("message_price"))
            parts = _int(record.get("message_parts"))
            status = str(record.get("status") or "SUCCESS")
            outcomes.append(
                (
                    "sent",
                    status,
                    record.get("message_id"),
                    None if price is None else str(price),
                    parts,
                    "confirmed through the history after an unknown outcome",
                    row,
                )
            )
            self._sent += 1
            if price is not None:
                self._cost += price
        release = list(want.values())
        self._resend_rows.update(release)
        self._journal.finish_chunk(chunk, state="reconciled", outcomes=outcomes, release=release)
        logger.warning(
            "chunk %d reconciled: %d found in the history (sent), %d not found (will be re-sent)",
            chunk,
            len(found),
            len(release),
        )
        for row, record in found.items():
            await self._emit(
                BulkOutcome(
                    row=row,
                    to=None if record.get("to") is None else str(record.get("to")),
                    state="sent",
                    status=str(record.get("status") or ""),
                    message_id=record.get("message_id"),
                    parts=_int(record.get("message_parts")),
                    price=_decimal(record.get("message_price")),
                    custom_string=str(record.get("custom_string")),
                    reason="confirmed through the history after an unknown outcome",
                )
            )

    # -- events ---------------------------------------------------------------------------

    async def _emit(self, outcome: BulkOutcome) -> None:
        if self._queue is not None:
            await self._queue.put(outcome)

    async def _emit_skipped(self) -> None:
        if self._queue is None:
            return
        for row, to, state, status, _, _, _, custom, reason, _, _ in self._journal.iter_rows():
            if state is None:
                await self._queue.put(
                    BulkOutcome(
                        row=row,
                        to=to,
                        state=OutcomeState.SKIPPED,
                        status=status,
                        custom_string=custom,
                        reason=reason,
                    )
                )

    def _pending_estimate(self, plan: BulkPlan | None) -> int:
        if plan is None:
            return 0
        sendable = plan.messages - sum(plan.rejected_statuses.values())
        return max(0, sendable - self._sent - self._rejected - self._unknown)

    async def _progress(
        self,
        phase: str,
        *,
        rows: int | None = None,
        valid: int | None = None,
        invalid: int | None = None,
    ) -> None:
        hook = self._on_progress
        if hook is None:
            return
        plan = self._plan
        event = ProgressEvent(
            phase=phase,
            rows=rows if rows is not None else (plan.rows if plan else 0),
            valid=valid if valid is not None else (plan.messages if plan else 0),
            invalid=invalid if invalid is not None else (plan.invalid if plan else 0),
            sent=self._sent,
            rejected=self._rejected,
            unknown=self._unknown,
            in_flight=self._in_flight,
            pending=self._pending_estimate(plan) if phase != "planning" else 0,
            cost=self._cost,
            elapsed=time.monotonic() - self._started,
        )
        result = hook(event)
        if result is not None:
            await result


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


@attrs.define
class _PriceState:
    """Totals gathered while preflight pricing streams past."""

    cost: Decimal = Decimal(0)
    currency: str | None = None
    blocked: int = 0
    rejected: dict[str, int] = attrs.field(factory=dict)
    error: ClickSendError | None = None
    priced_parts: int = 0
    unpriced: int = 0
    unpriced_parts: int = 0
    short_of_credit: int = 0
    #: ClickSend's part count for the messages it would send, and how many answers lacked one.
    counted_parts: int = 0
    parts_unknown: int = 0

    def total(self) -> Decimal:
        """Return the priced cost plus an estimate (mean price per part) for unpriced rows."""
        if not self.unpriced_parts or not self.priced_parts:
            return self.cost
        per_part = self.cost / self.priced_parts
        return (self.cost + per_part * self.unpriced_parts).quantize(Decimal("0.0001"))


def make_job(session: Session, channel: Channel, recipients: Recipients, **kwargs: Any) -> BulkJob:
    """Build a BulkJob (used by the resources)."""
    return BulkJob(session, channel, recipients, **kwargs)


def mms_channel(media_file: str) -> Channel:
    """Return the MMS channel for one media file."""
    return _mms_channel(media_file)
