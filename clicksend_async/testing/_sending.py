"""``/sms|mms|voice`` ``/send`` and ``/price``: per-message validation, pricing and acceptance.

This is the emulator's hot path (a benchmark posts 1000 messages per request), so it avoids
regular expressions, deep copies and per-message allocations beyond the response dicts.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from typing import Any, Final

from ..segments import GSM7, GSM_SINGLE_LIMIT, SegmentInfo, count_segments, gsm_units
from ._numbers import (
    CARRIERS,
    COUNTRIES,
    FREE_TEST_NUMBERS,
    VOICE_LANGUAGES,
    normalize,
    undeliverable,
)
from ._state import SUBACCOUNT_ID, USER_ID, MessageRecord, currency_block
from ._world import World

__all__ = [
    "MAX_RECIPIENTS",
    "SendOutcome",
    "bad_request",
    "dumps",
    "process",
    "shared_sender",
    "voice_view",
]

MAX_RECIPIENTS: Final = 1000
_VOICE_PART_CHARS: Final = {"GSM-7": 300, "UCS-2": 150}
_VOICE_MAX_PARTS: Final = 4
_MMS_SUBJECT_MAX: Final = 20
_ZERO: Final = Decimal(0)
_ZERO_STR: Final = "0.0000"

_segments = functools.lru_cache(maxsize=16384)(count_segments)


dumps: Final = json.JSONEncoder(separators=(",", ":")).encode
_esc: Final = encode_basestring_ascii


class SendOutcome:
    """Hold the HTTP status, the envelope and the messages a send accepted.

    A successful send keeps its ``messages[]`` as pre-encoded JSON fragments: building them
    with f-strings is several times cheaper than dicts run through ``json`` (the hot path).
    """

    __slots__ = ("_envelope", "_fragments", "accepted", "status")

    def __init__(
        self,
        status: int,
        envelope: dict[str, Any],
        accepted: list[MessageRecord],
        fragments: list[str] | None = None,
    ) -> None:
        self.status = status
        self._envelope = envelope
        self._fragments = fragments
        self.accepted = accepted

    def encode(self) -> bytes:
        """Return the response body as JSON bytes."""
        if self._fragments is None:
            return dumps(self._envelope).encode()
        data = self._envelope["data"]
        head = dumps({k: v for k, v in self._envelope.items() if k != "data"})
        tail = dumps(data)
        messages = ",".join(self._fragments)
        return f'{head[:-1]},"data":{{"messages":[{messages}],{tail[1:]}}}'.encode()

    @property
    def body(self) -> dict[str, Any]:
        """Return the response body as a JSON object (decoded again; for tests)."""
        decoded: dict[str, Any] = json.loads(self.encode())
        return decoded


def bad_request(data: Any, msg: str = "Invalid input.") -> SendOutcome:
    """Return a 400 ``BAD_REQUEST`` outcome naming the bad fields in ``data``."""
    body = {"http_code": 400, "response_code": "BAD_REQUEST", "response_msg": msg, "data": data}
    return SendOutcome(400, body, [])


def shared_sender(iso: str) -> str:
    """Return the shared system number the emulator sends from in a country."""
    code = COUNTRIES[iso][1]
    return "+" + code + ("4" + "0" * 14)[: 11 - len(code)]


_SHARED_SENDERS: Final = {iso: shared_sender(iso) for iso in COUNTRIES}
_CARRIERS_JSON: Final = {iso: dumps(name) for iso, name in CARRIERS.items()}
_DEFAULT_CARRIER_JSON: Final = dumps("Emulator Mobile")


def _valid_sender(sender: str) -> bool:
    if sender[:1] == "+" or sender.isdigit():
        return True
    # Alphanumeric sender ids: 3 to 11 characters, no spaces (facts section 2.4).
    return 3 <= len(sender) <= 11 and " " not in sender


def _schedule(raw: Any, now: float, grace: float) -> tuple[bool, int | None]:
    """Return ``(valid, schedule)``; a time within ``grace`` seconds in the past means now."""
    if raw is None or raw == "" or raw == 0 or raw == "0":
        return True, None
    try:
        when = int(raw)
    except (TypeError, ValueError):
        try:
            when = int(float(raw))
        except (TypeError, ValueError):
            return False, None
    if when > now:
        return True, when
    if when >= now - grace:
        return True, None
    return False, None


def _expand(world: World, messages: list[Any]) -> list[tuple[dict[str, Any], Any]] | SendOutcome:
    """Return ``(message, contact-or-None)`` per recipient, or a 400 outcome."""
    out: list[tuple[dict[str, Any], Any]] = []
    for index, message in enumerate(messages):
        if type(message) is not dict:
            return bad_request({f"messages.{index}": "The message must be an object."})
        list_id = message.get("list_id")
        if list_id is None or message.get("to") is not None:
            out.append((message, None))
            continue
        try:
            key = int(list_id)
        except (TypeError, ValueError):
            key = -1
        if key not in world.lists:
            out.append((message, False))
            continue
        out.extend((message, contact) for contact in world.list_contacts(key))
    if len(out) > MAX_RECIPIENTS:
        return bad_request(
            {"messages": f"You can send to at most {MAX_RECIPIENTS} recipients per request."},
            "Too many recipients.",
        )
    return out


def _rejected(
    to: Any, body: Any, sender: Any, message_id: str, custom_string: str, status: str
) -> str:
    # The minimal shape ClickSend returns for a message it did not queue (facts section 2.1).
    return dumps(
        {
            "to": to if type(to) is str else "",
            "body": body if type(body) is str else "",
            "from": sender if type(sender) is str else "",
            "schedule": "",
            "message_id": message_id,
            "custom_string": custom_string,
            "is_shared_system_number": False,
            "status": status,
        }
    )


def process(world: World, kind: str, payload: Any, *, commit: bool, now: float) -> SendOutcome:
    """Validate, price and (when ``commit``) accept the messages of a send or price request."""
    if type(payload) is not dict:
        return bad_request({"messages": "The messages field is required."})
    messages = payload.get("messages")
    if type(messages) is not list or not messages:
        return bad_request({"messages": "The messages field is required."})
    if len(messages) > MAX_RECIPIENTS:
        return bad_request(
            {"messages": f"You can send at most {MAX_RECIPIENTS} messages per request."},
            "Too many messages.",
        )
    media_file: str | None = None
    if kind == "mms":
        raw_media = payload.get("media_file")
        if type(raw_media) is not str or not raw_media:
            return bad_request({"media_file": "The media file field is required."})
        media_file = raw_media
    expanded = _expand(world, messages)
    if isinstance(expanded, SendOutcome):
        return expanded

    balance = world.balance
    throttle = world.throttle
    window = world.throttle_window
    enabled = world.enabled_countries
    free_tests = world.free_test_numbers
    grace = world.schedule_grace
    receipt_delay = world.receipt_delay
    price_cache: dict[tuple[str, int], tuple[Decimal, str]] = {}
    new_id = world.new_message_id
    date = int(now)
    media_ok = media_file is None or media_file.startswith(("http://", "https://"))

    out: list[str] = []
    accepted: list[MessageRecord] = []
    total = _ZERO
    blocked = 0
    summary: dict[str, int] = {}

    for message, contact in expanded:
        message_id = new_id()
        body = message.get("body")
        raw_custom = message.get("custom_string")
        custom = "" if raw_custom is None else str(raw_custom)
        sender = message.get("from")
        if contact is False:
            out.append(
                _rejected("", body, sender, message_id, custom, "NOT_ENOUGH_PERMISSION_TO_LIST_ID")
            )
            continue
        if contact is None:
            raw_to = message.get("to")
            normalized = normalize(raw_to, message.get("country"))
        else:
            raw_to = contact["phone_number"]
            normalized = normalize(raw_to, contact["address_country"] or message.get("country"))
        if normalized is None:
            out.append(_rejected(raw_to, body, sender, message_id, custom, "INVALID_RECIPIENT"))
            continue
        to, iso = normalized
        if type(body) is not str or not body:
            out.append(_rejected(to, body, sender, message_id, custom, "EMPTY_MESSAGE"))
            continue
        ok, schedule = _schedule(message.get("schedule"), now, grace)
        if not ok:
            out.append(_rejected(to, body, sender, message_id, custom, "INVALID_SCHEDULE"))
            continue
        if sender is not None and (type(sender) is not str or not _valid_sender(sender)):
            out.append(_rejected(to, body, sender, message_id, custom, "INVALID_SENDER_ID"))
            continue
        if enabled is not None and iso not in enabled:
            blocked += 1
            out.append(_rejected(to, body, sender, message_id, custom, "COUNTRY_NOT_ENABLED"))
            continue

        voice = lang = subject = None
        if kind == "sms":
            units = gsm_units(body)
            if units is not None and units <= GSM_SINGLE_LIMIT:
                # The common case, decided without building a SegmentInfo.
                encoding, parts = GSM7, 1
            else:
                info: SegmentInfo = _segments(body)
                encoding = info.encoding
                parts = info.segments
        elif kind == "mms":
            subject = message.get("subject")
            if type(subject) is not str or not subject or len(subject) > _MMS_SUBJECT_MAX:
                out.append(_rejected(to, body, sender, message_id, custom, "SUBJECT_REQUIRED"))
                continue
            if not media_ok:
                out.append(_rejected(to, body, sender, message_id, custom, "INVALID_MEDIA_FILE"))
                continue
            encoding = _segments(body).encoding
            parts = 1
        else:
            voice = message.get("voice", "female")
            lang = message.get("lang", "en-us")
            entry = VOICE_LANGUAGES.get(lang) if type(lang) is str else None
            if voice not in ("female", "male"):
                out.append(_rejected(to, body, sender, message_id, custom, "INVALID_VOICE"))
                continue
            if entry is None:
                out.append(_rejected(to, body, sender, message_id, custom, "INVALID_LANG"))
                continue
            if voice not in entry[1]:
                out.append(_rejected(to, body, sender, message_id, custom, "INVALID_VOICE"))
                continue
            encoding = _segments(body).encoding
            per = _VOICE_PART_CHARS[encoding]
            parts = min(_VOICE_MAX_PARTS, -(-len(body) // per))

        free = free_tests and to in FREE_TEST_NUMBERS
        if free:
            # Live, ClickSend's test numbers came back with 0 parts and "0.0000" (facts §0).
            parts, price, price_str = 0, _ZERO, _ZERO_STR
        else:
            key = (iso, parts)
            cached = price_cache.get(key)
            if cached is None:
                price = world.price_of(kind, iso) * parts
                cached = price_cache[key] = (price, f"{price:.4f}")
            price, price_str = cached

        if commit:
            throttle_key = f"{kind}\x00{to}\x00{body}"
            last = throttle.get(throttle_key)
            if last is not None and now - last < window:
                out.append(_rejected(to, body, sender, message_id, custom, "THROTTLED"))
                continue
        if price > balance:
            out.append(_rejected(to, body, sender, message_id, custom, "INSUFFICIENT_CREDIT"))
            continue
        balance -= price
        total += price
        summary[iso] = summary.get(iso, 0) + 1

        shared = sender is None
        from_: str = _SHARED_SENDERS[iso] if sender is None else sender
        list_id = None if contact is None else contact["list_id"]
        contact_id = None if contact is None else contact["contact_id"]
        record = None
        if commit or kind == "voice":
            record = MessageRecord(
                kind,
                message_id,
                to,
                body,
                from_,
                sender,  # requested_from
                custom,
                schedule,
                now,  # time
                parts,
                price,
                price_str,
                iso,  # country
                encoding,
                list_id,
                contact_id,
                None if contact is None else contact["first_name"],
                None if contact is None else contact["last_name"],
                (now if schedule is None else schedule) + receipt_delay,  # receipt_due
                not free,  # has_receipt
                not undeliverable(to),  # deliverable
            )
            if kind != "sms":
                record.subject = subject
                record.media_file = media_file
                record.voice = voice
                record.lang = lang
            if kind == "voice":
                record.require_input = _flag(message.get("require_input"))
                record.machine_detection = _flag(message.get("machine_detection"))
        if commit:
            assert record is not None
            throttle[throttle_key] = now
            accepted.append(record)
        if kind == "sms":
            # Fragments in the send_sms_data / calculate_sms_price_data shapes; to, message_id,
            # iso and price_str are plain ASCII by construction and need no escaping.
            shared_json = "true" if shared else "false"
            if commit:
                from_email = message.get("from_email")
                list_json = "null" if list_id is None else f'"{list_id}"'
                contact_json = "null" if contact_id is None else f'"{contact_id}"'
                out.append(
                    f'{{"direction":"out","date":{date},"to":"{to}","body":{_esc(body)},'
                    f'"from":{_esc(from_)},"schedule":{date if schedule is None else schedule},'
                    f'"message_id":"{message_id}","message_parts":{parts},'
                    f'"message_price":"{price_str}",'
                    f'"from_email":{"null" if from_email is None else dumps(from_email)},'
                    f'"list_id":{list_json},'
                    f'"custom_string":{_esc(custom)},'
                    f'"contact_id":{contact_json},'
                    f'"user_id":{USER_ID},"subaccount_id":{SUBACCOUNT_ID},'
                    f'"is_shared_system_number":{shared_json},"country":"{iso}",'
                    f'"carrier":{_CARRIERS_JSON.get(iso, _DEFAULT_CARRIER_JSON)},'
                    '"status":"SUCCESS"}'
                )
            else:
                out.append(
                    f'{{"to":"{to}","body":{_esc(body)},"from":{_esc(from_)},'
                    f'"schedule":"{"" if schedule is None else schedule}",'
                    f'"message_id":"{message_id}","message_parts":{parts},'
                    f'"message_price":"{price_str}","custom_string":{_esc(custom)},'
                    f'"is_shared_system_number":{shared_json},"country":"{iso}",'
                    '"status":"SUCCESS"}'
                )
        elif kind == "mms":
            out.append(
                dumps(
                    {
                        "list_id": None if list_id is None else str(list_id),
                        "contact_id": contact_id,
                        "message_id": message_id,
                        "to": to,
                        "subject": subject,
                        "from": from_,
                        "body": body,
                        "country": iso,
                        "custom_string": custom,
                        "schedule": "" if schedule is None else str(schedule),
                        "message_parts": parts,
                        "message_price": price_str,
                        "_media_file_url": media_file,
                        "status": "SUCCESS",
                    }
                )
            )
        else:
            assert record is not None
            out.append(dumps(voice_view(world, record, "SUCCESS", None, None)))

    if commit:
        world.balance = balance
        if accepted:
            world.messages.extend(accepted)
            by_id = world.by_id
            for record in accepted:
                by_id[record.message_id] = record
            world.prune_throttle(now)
    data: dict[str, Any] = {
        "total_price": float(total),
        "total_count": len(out),
        "queued_count": len(accepted) if commit else sum(summary.values()),
        "blocked_count": blocked,
        "_currency": currency_block(world.currency),
    }
    if (
        not commit
        and kind == "sms"
        and (payload.get("show_summary") or any(m.get("show_summary") for m, _ in expanded))
    ):
        data["_summary"] = _summary(world, messages, summary)
    msg = "Messages queued for delivery." if commit else "Here is some pricing."
    envelope = {"http_code": 200, "response_code": "SUCCESS", "response_msg": msg, "data": data}
    return SendOutcome(200, envelope, accepted, out)


def _flag(value: Any) -> int:
    if value is None:
        return 0
    try:
        return 1 if int(value) else 0
    except (TypeError, ValueError):
        return 0


def voice_view(
    world: World,
    record: MessageRecord,
    status: str,
    status_code: str | None,
    status_text: str | None,
) -> dict[str, Any]:
    """Return a voice message in the ``voice_message`` shape."""
    return {
        "date": str(record.date),
        "date_added": record.date,
        "list_id": None if record.list_id is None else str(record.list_id),
        "to": record.to,
        "to_type": "mobile",
        "body": record.body,
        "from": record.from_,
        "lang": record.lang,
        "voice": record.voice,
        "schedule": record.date if record.schedule is None else record.schedule,
        "message_id": record.message_id,
        "message_parts": record.parts,
        "message_price": record.price_str,
        "custom_string": record.custom_string,
        "user_id": USER_ID,
        "subaccount_id": SUBACCOUNT_ID,
        "country": record.country,
        "require_input": record.require_input,
        "machine_detection": record.machine_detection,
        "machine_detected": 0,
        "digits": None,
        "carrier": CARRIERS.get(record.country, "Emulator Mobile"),
        "status_code": status_code,
        "status_text": status_text,
        "status": status,
        "_api_username": world.username,
    }


def _summary(world: World, messages: list[Any], counts: Mapping[str, int]) -> dict[str, Any]:
    # The live shape: countries keyed by ISO code (the schema says array; facts section 2.2).
    first = messages[0] if messages and type(messages[0]) is dict else {}
    return {
        "test_message": first.get("body", ""),
        "countries": {
            iso: {
                "registration_type": 0,
                "recipient_count": n,
                "usable_sender_id": True,
                "selected": True,
                "name": world.country_name(iso),
                "regulation": {
                    "sms_registration_type": 0,
                    "restricted_sending": False,
                    "trial_sending": False,
                    "regulation_requirements_description": "",
                },
            }
            for iso, n in counts.items()
        },
    }
