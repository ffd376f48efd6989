"""Planning: rows in, a validated plan in the store out (no request is sent while planning).

Each row becomes a message (template filled, number normalised), is validated and
segment-counted, gets a unique ``custom_string`` that carries its row number, and is written to
the store in batches. A bad file surfaces here, before any request. A resume re-reads the input
only to prove it is the same campaign (the fingerprint).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any

from .._exceptions import JournalError, JournalMismatchError, ValidationError
from ..segments import UCS2
from ._budget import destination_prefix, table_to_json
from ._channels import _compact_json, payload_writer
from ._keyprice import KeyPricer, generic_key
from ._price import PriceState
from ._report import BulkOutcome, BulkPlan, InvalidRow
from ._rowbuild import (
    _CHAR_FIXABLE,
    EXCLUDED,
    EXCLUDED_WHY,
    PLAN_INVALID_ROWS,
    PLAN_UCS2_CHARACTERS,
    CampaignOptionError,
    Recipients,
    RowBuilding,
    _exclusion_set,
    _gsm_fixable,
)
from ._states import PlannedRow

__all__ = [
    "EXCLUDED",
    "EXCLUDED_WHY",
    "CampaignOptionError",
    "Planning",
    "Recipients",
    "_exclusion_set",
]

logger = logging.getLogger("clicksend_async.bulk")


#: A planned row from its nine fields, made in C (what ``PlannedRow._make`` does, without a
#: Python call per row).
_planned_row = functools.partial(tuple.__new__, PlannedRow)

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


class Planning(RowBuilding):
    """The planning stage of :class:`~._engine.BulkJob`: rows to a validated plan in the store."""

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
        price_state = self._new_price_state()
        # Priced by key (the default): planning collects the keys, one row of each is priced.
        keyer = KeyPricer(self, price_state) if self.preflight == "key" else None
        return await self._plan_rows(campaign, keyer, price_state)

    async def _plan_rows(
        self, campaign: str, keyer: KeyPricer | None, price_state: PriceState
    ) -> BulkPlan:
        store = self._store
        pricing = bool(self.preflight)
        prefix = f"cs{campaign}-"
        fingerprint = _Fingerprint(self._fingerprint_seed())
        add_to_fingerprint = fingerprint.add
        fingerprint_rows = fingerprint.pending
        now = self._clock()
        shape = self._row_shape(now)
        # Dict rows (a CSV's, a list of dicts) skip the payload dict: see _dict_row_builder.
        build_dict_row = self._dict_row_builder(shape)
        write_payload = (
            None if build_dict_row is None or shape is None else payload_writer(shape.payload)
        )
        shape_country = None if shape is None else shape.payload.get("country")
        seen_custom: set[str] = set()
        seen_pairs: set[int] = set()
        batch: list[PlannedRow] = []
        # Valid rows by (encoding, parts), in order of first appearance: the plan's message and
        # segment counts are summed from it at the end (one dict update a row, not four).
        tally: dict[tuple[str, int], int] = {}
        invalid_rows: list[InvalidRow] = []
        rows = valid = duplicates = excluded = 0
        exclude = self._exclude
        dedupe = self.dedupe
        transliterate = self.transliterate
        by_key = keyer is not None and keyer.usable
        transliterated = 0
        ucs2_chars: dict[str, int] = {}
        fixable = 0

        # The whole input is read and validated before the first request: a bad file or row
        # is reported before anything touches the network.
        async for item in _aiter(self._recipients):
            rows += 1
            row = rows
            try:
                if build_dict_row is not None and type(item) is dict:
                    to_text, body, own_country, custom, info = build_dict_row(item, row)
                    payload = None
                    country = shape_country if own_country is None else own_country
                else:
                    payload, info = self._build(item, row, now, shape)
                    to_text = payload.get("to")
                    body = payload.get("body", "")
                    country = payload.get("country")
                    custom = payload.get("custom_string")
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
                add_to_fingerprint(row, to_text, None)
                await self._emit(BulkOutcome(row=row, to=to_text, state="invalid", reason=reason))
            else:
                # fingerprint.add(row, to_text, body), written out: it runs once a valid row.
                fingerprint_rows.append(f"{row}\x1f{to_text}\x1f{body}\x1e")
                # Opt-outs and dedupe compare numbers as E.164 (a local number with its country).
                try:
                    key_to = (
                        self._compare_key(to_text, country, row) if exclude or dedupe else to_text
                    )
                except ValidationError as exc:  # a local number phonenumbers knows is invalid
                    reason = f"to: {exc.reason}"
                    if len(invalid_rows) < PLAN_INVALID_ROWS:
                        invalid_rows.append(InvalidRow(row=row, to=to_text, reason=reason))
                    batch.append(
                        PlannedRow(row, None, to_text, None, None, None, "invalid", None, reason)
                    )
                    await self._emit(
                        BulkOutcome(row=row, to=to_text, state="invalid", reason=reason)
                    )
                    continue
                if exclude and key_to in exclude:
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
                if dedupe:
                    by_number = dedupe == "number"
                    key = hash(key_to) if by_number else hash((key_to, body))
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
                if not custom or custom in seen_custom or custom.startswith(prefix):
                    custom = f"{prefix}{row}"
                    if payload is not None:
                        payload["custom_string"] = custom
                else:
                    seen_custom.add(custom)
                valid += 1
                if transliterate and self._row_transliterated:
                    transliterated += 1
                encoding = info.encoding
                parts = info.segments
                kind = (encoding, parts)
                tally[kind] = tally.get(kind, 0) + 1
                if encoding == UCS2:
                    for char in info.non_gsm:
                        ucs2_chars[char] = ucs2_chars.get(char, 0) + 1
                    fixable += _gsm_fixable(body, info.non_gsm)
                encoded = (
                    _compact_json(payload)
                    if payload is not None or write_payload is None
                    else write_payload(to_text, body, own_country, custom)
                )
                batch.append(
                    _planned_row((row, custom, to_text, encoded, parts, encoding, None, None, None))
                )
                if by_key and keyer is not None:
                    keyer.add(
                        (
                            (destination_prefix(to_text), country, encoding, parts)
                            if payload is None or shape is not None  # the rest is the campaign's
                            else generic_key(payload, encoding, parts)
                        ),
                        row,
                        custom,
                        to_text,
                        encoded,
                        parts,
                    )
                    by_key = keyer.usable
            if len(batch) >= 1000:
                fingerprint.flush()
                await store.add_rows(batch)
                batch = []
            if rows % 10_000 == 0:
                await self._progress("planning", rows=rows, valid=valid, invalid=rows - valid)
        if batch:
            await store.add_rows(batch)
        seg_by_enc: dict[str, int] = {}
        msg_by_enc: dict[str, int] = {}
        segments = long_messages = 0
        warn_parts = self._limits.warn_parts
        for (encoding, parts), count in tally.items():
            segments += parts * count
            seg_by_enc[encoding] = seg_by_enc.get(encoding, 0) + parts * count
            msg_by_enc[encoding] = msg_by_enc.get(encoding, 0) + count
            if parts > warn_parts:
                long_messages += count
        by_key = keyer is not None and keyer.usable
        if pricing:
            # The whole input is validated: now requests may leave. The balance is asked for
            # while the prices come, so the first send waits for one round trip, not two.
            self._ask_balance_early()
            await self._progress("pricing", rows=rows, valid=valid, invalid=rows - valid)
            if keyer is not None and by_key:
                await keyer.price()
            else:
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
            pricing=("key" if by_key else "exact") if pricing else None,
            price_keys=price_state.keys,
            price_requests=price_state.requests,
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
        self._planned_here = True
        self._rate_table = price_state.table
        await store.set_meta(
            {
                **self._fingerprint_parts(),
                "campaign": campaign,
                "fingerprint": fingerprint.hexdigest(),
                "rows": str(rows),
                "channel": self.channel.name,
                # What a worker (``_worker.py``) needs to send without the recipients: the
                # request's shared fields, the chunk size and the campaign's country.
                "request": json.dumps(self._request_extra),
                "chunk_size": str(self.chunk_size),
                "country": self._campaign_country() or "",
                "max_cost": "" if self.max_cost is None else str(self.max_cost),
                # A shared store reserves a row without its own price at this (key pricing).
                "est_row_price": _mean_price(plan),
                # The billed guard's estimates, for workers and resumes (see _budget.py).
                "rate_table": table_to_json(price_state.table),
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
        build_dict_row = self._dict_row_builder(shape)  # as planning builds rows
        rows = 0
        async for item in _aiter(self._recipients):
            rows += 1
            try:
                if build_dict_row is not None and type(item) is dict:
                    to, body, _, _, _ = build_dict_row(item, rows)
                else:
                    payload, _ = self._build(item, rows, now, shape)
                    to, body = payload.get("to"), payload.get("body", "")
            except ValidationError:
                fingerprint.add(rows, _row_to(item), None)
                continue
            fingerprint.add(rows, to, body)
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


def _mean_price(plan: BulkPlan) -> str:
    """Return the plan's cost per message it may send, rounded up ("" when unpriced)."""
    mean = plan.mean_price()
    if mean is None:
        return ""
    return str(mean.quantize(Decimal("0.000001"), rounding=ROUND_CEILING))


def _row_to(item: Any) -> str | None:
    """Return an input row's recipient as given, for reports of rows that failed to build."""
    to = item.get("to") if isinstance(item, Mapping) else getattr(item, "to", None)
    return None if to is None else str(to)


class _Fingerprint:
    """The campaign fingerprint: the options, then every row's recipient and body, in order.

    The plan and the resume check both feed rows through :meth:`add` (planning writes a valid
    row's line into :attr:`pending` itself, the same text), so the two cannot drift apart; the
    journals of tests/data/journals hold that text's digests. Rows are hashed a thousand at a
    time: hashing is incremental, so the digest is the same as one update per row, for less work.
    """

    def __init__(self, digest: Any) -> None:
        self._digest = digest
        #: Rows added and not hashed yet, each as :meth:`add` writes it (planning appends its
        #: valid rows here itself, and calls :meth:`flush` every thousand rows).
        self.pending: list[str] = []

    def add(self, row: int, to: str | None, body: str | None) -> None:
        """Add one row (``body`` None: the row was invalid)."""
        self.pending.append(f"{row}\x1f{to}\x1f{'invalid' if body is None else body}\x1e")
        if len(self.pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        """Hash the rows added so far."""
        if self.pending:
            self._digest.update("".join(self.pending).encode("utf-8", "surrogatepass"))
            self.pending.clear()

    def hexdigest(self) -> str:
        """Return the digest of everything added so far."""
        self.flush()
        return str(self._digest.hexdigest())
