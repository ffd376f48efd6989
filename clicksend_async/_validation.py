"""Checks every message passes before anything goes on the wire.

Each failure is a :class:`ValidationError` naming the field (``messages[3].to``) and, in bulk
sends, the 1-based input row. Pure: no I/O, no event loop.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from ._exceptions import ValidationError
from .models.contacts import NewContact
from .models.messages import MmsMessage, SmsMessage, VoiceMessage
from .segments import SegmentInfo, count_segments

__all__ = [
    "DEFAULT_MAX_PARTS",
    "ID_PATTERNS",
    "MAX_MESSAGES_PER_REQUEST",
    "TRUNCATION_PARTS",
    "IdKind",
    "Limits",
    "check_contact_update",
    "check_csv_filename",
    "check_email_address",
    "check_field_names",
    "check_media_file",
    "check_operator",
    "check_positive_int",
    "check_row_fields",
    "check_sender",
    "check_text",
    "check_url",
    "check_year_month",
    "is_e164",
    "is_plain_row",
    "mms_body_info",
    "mms_static_checks",
    "normalize_number",
    "sms_body_info",
    "sms_static_checks",
    "validate_mms",
    "validate_new_contact",
    "validate_sms",
    "validate_voice",
    "voice_body_info",
    "voice_static_checks",
]

logger = logging.getLogger("clicksend_async")

#: ClickSend accepts at most this many messages in one ``messages[]`` request.
MAX_MESSAGES_PER_REQUEST = 1000
#: ClickSend's help centre: "longer than 6 message parts ... will be truncated" (account setting).
TRUNCATION_PARTS = 6
#: Refuse above this many parts unless configured otherwise (ClickSend's tables go to 8).
DEFAULT_MAX_PARTS = 8
#: A schedule this many seconds in the past still counts as "now" (clock skew, slow builds).
SCHEDULE_GRACE = 60
MMS_SUBJECT_MAX = 20
MMS_BODY_MAX_GSM = 1500
MMS_BODY_MAX_UNICODE = 500
VOICE_BODY_MAX_GSM = 1200
VOICE_BODY_MAX_UNICODE = 600
#: Voice is billed per this many characters (``/v3/voice/send``: 1-300 is one credit).
VOICE_CHARS_PER_CREDIT_GSM = 300
VOICE_CHARS_PER_CREDIT_UNICODE = 150
VOICES = frozenset({"male", "female"})

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_LOCAL = re.compile(r"[0-9]{3,15}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
#: Alphanumeric sender IDs: letters, digits and the punctuation of GSM-7's basic table.
_GSM_TAG = re.compile(r"[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@_]+")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+")
_FORMATTING = str.maketrans("", "", " -().\u00a0\t")
#: Formatting a word processor or a right-to-left text puts in numbers: dashes (non-breaking,
#: figure, en, minus), thin and zero-width spaces, direction marks. Only looked for in
#: non-ASCII input.
_UNICODE_FORMATTING = str.maketrans(
    "",
    "",
    "\u2010\u2011\u2012\u2013\u2212\u2009\u202f\u2007\u200b\u200e\u200f\u202a\u202c\u2066\u2069",
)
#: A number a spreadsheet or a data frame stored as a decimal: ``61411111111.0``. Its dot must
#: not be read as formatting (that would dial 614111111110).
_DECIMAL_ARTEFACT = re.compile(r"\+?[0-9]{6,}\.0+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalize_number(number: str) -> str:
    """Strip spaces, dashes, dots and brackets that people type into phone numbers.

    A trunk prefix written as ``(0)`` after the country code (``+44 (0)20 7946 0000``, a common
    way to print a number for callers at home and abroad) is dropped, not kept as a digit.
    """
    try:
        if _E164.fullmatch(number) is not None:
            return number  # already clean (the common case in a campaign): nothing to strip
    except TypeError:
        raise ValidationError(
            f"expected a phone number as a string, got {type(number).__name__}", field="to"
        ) from None
    text = number.strip()
    if not text.isascii():
        text = _ascii_number(text)
    if text[:4].lower() == "tel:":  # a tel: URI, from a web page or a vCard
        text = text[4:].strip()
    if text.startswith("'"):  # a spreadsheet's "this cell is text" mark
        text = text[1:].strip()
    if _DECIMAL_ARTEFACT.fullmatch(text) is not None:
        return text  # not a phone number as written: refused, with a hint, by validation
    if text.startswith("+") and "(0)" in text:
        text = text.replace("(0)", "", 1)
    return text.translate(_FORMATTING)


def _ascii_number(text: str) -> str:
    """Return text with digits of any script as ASCII digits, and Unicode formatting dropped.

    NFKC first: full-width digits and plus signs (East Asian input methods) become ASCII. Then
    every decimal digit (Arabic-Indic, Devanagari ...) becomes its ASCII digit: a digit is a
    digit in any script.
    """
    text = unicodedata.normalize("NFKC", text).translate(_UNICODE_FORMATTING)
    if text.isascii():
        return text
    out = []
    for char in text:
        digit = unicodedata.decimal(char, None) if not char.isascii() else None
        out.append(char if digit is None else str(digit))
    return "".join(out)


#: What a ClickSend id in a path looks like, by kind. ``int``: the numeric ids (lists, contacts,
#: templates, email addresses ...: integers in every response, ``number`` in the 2021 spec).
#: ``uuid``: message ids (``BF7AD270-0DE2-418B-B606-71D527D9C1AE``, "must be a valid GUID").
#: ``token``: other opaque strings (activation tokens, Maton connection ids): letters, digits,
#: ``-`` and ``_``, starting with a letter or digit, so never ``.``, ``..`` or a separator.
ID_PATTERNS: dict[str, re.Pattern[str]] = {
    # 20 digits holds any 64-bit id; more is no id ClickSend hands out.
    "int": re.compile(r"[0-9]{1,20}"),
    "uuid": re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}"),
    "token": re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}"),
    # A phone number as a path id (a dedicated number to buy): E.164, '+' optional.
    "number": re.compile(r"\+?[0-9]{3,15}"),
}
_ID_SHAPES = {
    "int": "a whole number (digits only)",
    "uuid": "a message id such as BF7AD270-0DE2-418B-B606-71D527D9C1AE",
    "token": "letters, digits, '-' and '_' (at most 128)",
    "number": "a phone number in E.164 form such as +61411111111",
}
IdKind = Literal["int", "uuid", "token", "number"]


def path_segment(value: str | int, kind: IdKind = "int", *, field: str = "id") -> str:
    """Return an id checked as ClickSend's ``kind`` of id, safe to put in a URL path.

    Anything else is refused before a request is built: ``.`` and ``..`` (which URL
    libraries resolve, turning ``DELETE /lists/1/contacts/..`` into ``DELETE /lists/1``), a
    separator (``/ ? # \\``), an encoded one (``%2e%2e``), whitespace, control characters,
    an empty or huge value.
    """
    pattern = ID_PATTERNS.get(kind) if isinstance(kind, str) else None
    if pattern is None:
        raise ValidationError(f"unknown id kind {kind!r}", field=field)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(
            f"expected an id ({_ID_SHAPES[kind]}), got {type(value).__name__}", field=field
        )
    if isinstance(value, int):
        if kind == "uuid" or value < 0:
            raise ValidationError(
                f"expected an id ({_ID_SHAPES[kind]}), got {value!r}", field=field
            )
        text = str(value)
    else:
        text = value
    if len(text) > 128 or pattern.fullmatch(text) is None:
        shown = text if len(text) <= 40 else f"{text[:40]}... ({len(text)} characters)"
        raise ValidationError(f"{shown!r} is not an id: expected {_ID_SHAPES[kind]}", field=field)
    return text  # every allowed character is unreserved in a URL: nothing to quote


def is_e164(number: object) -> bool:
    """Return True for an E.164 number such as ``+61411111111`` (formatting characters allowed)."""
    if not isinstance(number, str):
        return False  # None, an int from a spreadsheet ...: not an E.164 string
    return _E164.fullmatch(normalize_number(number)) is not None


@attrs.frozen(kw_only=True)
class Limits:
    """Configurable limits for message validation."""

    #: Refuse SMS longer than this many parts.
    max_parts: int = DEFAULT_MAX_PARTS
    #: Log a warning above this many parts (ClickSend truncates above 6 by default).
    warn_parts: int = TRUNCATION_PARTS
    #: Seconds a schedule may lie in the past and still be accepted as "now".
    schedule_grace: int = SCHEDULE_GRACE


DEFAULT_LIMITS = Limits()


def _require_model(value: object, cls: type, field: str, row: int | None = None) -> None:
    """Refuse anything but a ``cls`` (a dict, a string) with a ValidationError."""
    if not isinstance(value, cls):
        raise ValidationError(
            f"expected {cls.__name__}, got {type(value).__name__}", field=field, row=row
        )


def _check_recipient(
    to: str | None, list_id: str | None, country: str | None, field: str, row: int | None
) -> None:
    if country and (type(country) is not str or _COUNTRY.fullmatch(country) is None):
        # Sent with the message even beside an E.164 number: refused here, not by ClickSend.
        raise ValidationError(
            f"{country!r} is not an ISO 3166-1 alpha-2 code (such as AU or GB)",
            field=f"{field}.country",
            row=row,
        )
    if type(to) is str and _E164.fullmatch(to) is not None:
        return  # E.164 as is
    if to is None or not str(to).strip():
        if list_id:
            return
        raise ValidationError(
            "a recipient is required (to, or list_id)", field=f"{field}.to", row=row
        )
    number = normalize_number(str(to))
    decimal_hint = (
        "; a spreadsheet or a data frame stored it as a decimal number: read or format the "
        "column as text"
    )
    if number.startswith("+"):
        if _E164.fullmatch(number) is None:
            hint = decimal_hint if _DECIMAL_ARTEFACT.fullmatch(number) is not None else ""
            raise ValidationError(
                f"{to!r} is not an E.164 number (+ country code, then 7 to 15 digits in all)"
                + hint,
                field=f"{field}.to",
                row=row,
            )
        return
    if _LOCAL.fullmatch(number) is None:
        hint = ""
        if _SCIENTIFIC.fullmatch(number.strip()) is not None:
            hint = "; a spreadsheet turned it into a number: format the column as text"
        elif _DECIMAL_ARTEFACT.fullmatch(number) is not None:
            hint = decimal_hint
        raise ValidationError(
            f"{to!r} is not a phone number (use E.164 such as +61411111111){hint}",
            field=f"{field}.to",
            row=row,
        )
    if not country:
        hint = ""
        if not number.startswith("0") and _E164.fullmatch("+" + number) is not None:
            hint = f" (if it is international already, write it with a +: +{number})"
        raise ValidationError(
            f"{to!r} is a local number: give its country (ISO-2, such as AU: a country column "
            f"or field, or country= for all) or use E.164{hint}",
            field=f"{field}.to",
            row=row,
        )


def _check_schedule(
    schedule: int | None, field: str, row: int | None, limits: Limits, now: float | None
) -> None:
    if schedule is None:
        return
    current = time.time() if now is None else now
    if schedule < current - limits.schedule_grace:
        raise ValidationError(
            "is in the past; omit it to send now", field=f"{field}.schedule", row=row
        )


def _check_body(body: str | None, field: str, row: int | None) -> str:
    if body is None or not isinstance(body, str) or not body.strip():
        raise ValidationError("must not be empty", field=f"{field}.body", row=row)
    _check_encodable(body, f"{field}.body", row)
    return body


def _check_encodable(text: str, field: str, row: int | None) -> None:
    """Refuse a string holding a lone UTF-16 surrogate: it is not text and cannot be sent."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"holds {text[exc.start]!r} at character {exc.start}: a lone UTF-16 surrogate is "
            "not text (was the input decoded with the wrong codec?)",
            field=field,
            row=row,
        ) from None


def is_plain_row(body: object, to: object, country: object) -> bool:
    """Return whether a row surely passes :func:`check_row_fields` as it is (a cheap glance).

    True for the common bulk row: a body of ASCII text that is not blank, a recipient in E.164
    as is (so :func:`normalize_number` returns it unchanged), and no country or a well-formed
    one. False decides nothing: the row then takes the full checks, which name the problem.
    """
    return (
        type(to) is str
        and _E164.fullmatch(to) is not None
        and type(body) is str
        and body.isascii()
        and not body.isspace()
        and body != ""
        and (not country or (type(country) is str and _COUNTRY.fullmatch(country) is not None))
    )


def check_row_fields(
    body: str | None,
    to: str | None,
    list_id: str | None,
    country: str | None,
    field: str,
    row: int | None,
) -> str:
    """Check what changes from one bulk row to the next: a non-empty body and the recipient.

    Every message validator starts with this; the bulk engine calls it once per row and the
    channel's static checks (:func:`sms_static_checks` ...) once per campaign.
    """
    checked = _check_body(body, field, row)
    _check_recipient(to, list_id, country, field, row)
    return checked


def check_sender(sender: str | None, field: str, row: int | None = None) -> None:
    """Check a sender ID (``from``): a phone number, or an alphanumeric tag of 3 to 11 characters.

    ClickSend refuses an alphanumeric ID over 11 characters or with spaces (INVALID_SENDER_ID),
    message by message; a campaign would have every row refused. An alphanumeric tag is carried
    in GSM-7 (3GPP TS 23.040, TP-OA), so it must be GSM-7 text too.
    """
    if sender is None or sender == "":
        return
    if not isinstance(sender, str):
        raise ValidationError("must be a string", field=f"{field}.from", row=row)
    number = normalize_number(sender)
    if _E164.fullmatch(number) is not None or _LOCAL.fullmatch(number) is not None:
        return  # a dedicated, own or short-code number
    if not any(c.isalpha() for c in sender):
        raise ValidationError(
            f"{sender!r} is neither a phone number nor an alphanumeric sender ID",
            field=f"{field}.from",
            row=row,
        )
    problem = ""
    if any(c.isspace() for c in sender):
        problem = "has spaces"
    elif not 3 <= len(sender) <= 11:
        problem = f"is {len(sender)} characters"
    elif not sender.isascii() or _GSM_TAG.fullmatch(sender) is None:
        problem = "has characters a sender ID cannot carry"
    if problem:
        raise ValidationError(
            f"{sender!r} {problem}: an alphanumeric sender ID is 3 to 11 letters, digits or "
            "simple punctuation, without spaces",
            field=f"{field}.from",
            row=row,
        )


def sms_static_checks(
    message: SmsMessage, field: str, row: int | None, limits: Limits, now: float | None
) -> None:
    """Check the SMS fields a bulk campaign shares between rows: sender ID and schedule."""
    _require_model(message, SmsMessage, field, row)
    check_sender(message.from_, field, row)
    _check_schedule(message.schedule, field, row, limits, now)


def sms_body_info(body: str, field: str, row: int | None, limits: Limits) -> SegmentInfo:
    """Count an SMS body's parts; refuse it above ``limits.max_parts``, warn above warn_parts."""
    info = count_segments(body)
    if info.segments > limits.max_parts:
        raise ValidationError(
            f"is {info.segments} parts ({info.units} {info.encoding} units); "
            f"the limit is {limits.max_parts} parts",
            field=f"{field}.body",
            row=row,
        )
    if info.segments > limits.warn_parts:
        logger.warning(
            "%s%s.body is %d parts: ClickSend truncates above %d parts unless the account "
            "allows more (setting_sms_message_char_limit)",
            f"row {row}, " if row is not None else "",
            field,
            info.segments,
            limits.warn_parts,
        )
    return info


def validate_sms(
    message: SmsMessage,
    *,
    field: str = "message",
    row: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    now: float | None = None,
) -> SegmentInfo:
    """Check one SMS and return its segment count; raise ValidationError naming the field."""
    _require_model(message, SmsMessage, field, row)
    body = check_row_fields(message.body, message.to, message.list_id, message.country, field, row)
    sms_static_checks(message, field, row, limits, now)
    return sms_body_info(body, field, row, limits)


def mms_static_checks(
    message: MmsMessage,
    media_file: str | None,
    field: str,
    row: int | None,
    limits: Limits,
    now: float | None,
) -> None:
    """Check the MMS fields a bulk campaign shares between rows: media file, subject, schedule."""
    _require_model(message, MmsMessage, field, row)
    check_media_file(media_file)
    check_sender(message.from_, field, row)
    subject = message.subject
    if not subject or not subject.strip():
        raise ValidationError("is required for MMS", field=f"{field}.subject", row=row)
    _check_encodable(subject, f"{field}.subject", row)
    if len(subject) > MMS_SUBJECT_MAX:
        raise ValidationError(
            f"is {len(subject)} characters; at most {MMS_SUBJECT_MAX}",
            field=f"{field}.subject",
            row=row,
        )
    _check_schedule(message.schedule, field, row, limits, now)


def mms_body_info(body: str, field: str, row: int | None, limits: Limits) -> SegmentInfo:
    """Check an MMS body against MMS's length cap for its encoding; an MMS is one part."""
    info = count_segments(body)
    cap = _check_length(body, info, "MMS", MMS_BODY_MAX_GSM, MMS_BODY_MAX_UNICODE, field, row)
    return _billing_units(info, len(body), cap, cap)


def _billing_units(info: SegmentInfo, characters: int, per_part: int, cap: int) -> SegmentInfo:
    """Re-express a body's count in the units a non-SMS channel is billed by.

    ``segments`` is the number of parts of ``per_part`` characters (at least one), ``units``
    the characters, ``unit_limit`` the characters per part; the encoding and the characters
    that forced UCS-2 are the SMS classification's.
    """
    parts = max(1, -(-characters // per_part))
    return SegmentInfo(
        encoding=info.encoding,
        segments=parts,
        units=characters,
        characters=characters,
        non_gsm=info.non_gsm,
        remaining_in_segment=parts * per_part - characters,
        unit_limit=min(per_part, cap),
    )


def validate_mms(
    message: MmsMessage,
    media_file: str | None,
    *,
    field: str = "message",
    row: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    now: float | None = None,
) -> SegmentInfo:
    """Check one MMS (subject, body length, recipient, schedule) and the media file URL."""
    _require_model(message, MmsMessage, field, row)
    body = check_row_fields(message.body, message.to, message.list_id, message.country, field, row)
    mms_static_checks(message, media_file, field, row, limits, now)
    return mms_body_info(body, field, row, limits)


def _check_length(
    body: str,
    info: SegmentInfo,
    what: str,
    gsm_cap: int,
    unicode_cap: int,
    field: str,
    row: int | None,
) -> int:
    cap = gsm_cap if info.encoding == "GSM-7" else unicode_cap
    if len(body) > cap:
        raise ValidationError(
            f"is {len(body)} characters; {what} allows {cap} ({info.encoding}) before truncating",
            field=f"{field}.body",
            row=row,
        )
    return cap


def check_media_file(media_file: str | None) -> None:
    """Require an http(s) URL for an MMS media file."""
    if not media_file or not isinstance(media_file, str):
        raise ValidationError("an MMS needs a media file URL", field="media_file")
    if not media_file.startswith(("https://", "http://")):
        raise ValidationError(f"{media_file!r} is not an http(s) URL", field="media_file")


def voice_static_checks(
    message: VoiceMessage, field: str, row: int | None, limits: Limits, now: float | None
) -> None:
    """Check the voice fields a bulk campaign shares between rows: voice, lang, schedule."""
    _require_model(message, VoiceMessage, field, row)
    if message.voice not in VOICES:
        raise ValidationError(
            f"{message.voice!r} is not a voice; use 'male' or 'female'",
            field=f"{field}.voice",
            row=row,
        )
    if not message.lang or not message.lang.strip():
        raise ValidationError("is required (for example 'en-us')", field=f"{field}.lang", row=row)
    _check_schedule(message.schedule, field, row, limits, now)


def voice_body_info(body: str, field: str, row: int | None, limits: Limits) -> SegmentInfo:
    """Count a voice message's credits; refuse it above the voice length cap for its encoding.

    ClickSend bills voice per 300 characters of English text (150 of unicode), at most 4
    (``/v3/voice/send``): ``segments`` is that number of credits, not SMS parts.
    """
    info = count_segments(body)
    cap = _check_length(body, info, "voice", VOICE_BODY_MAX_GSM, VOICE_BODY_MAX_UNICODE, field, row)
    per_credit = (
        VOICE_CHARS_PER_CREDIT_GSM if info.encoding == "GSM-7" else VOICE_CHARS_PER_CREDIT_UNICODE
    )
    return _billing_units(info, len(body), per_credit, cap)


def validate_voice(
    message: VoiceMessage,
    *,
    field: str = "message",
    row: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    now: float | None = None,
) -> SegmentInfo:
    """Check one voice message: voice male/female, lang given, body length, recipient."""
    _require_model(message, VoiceMessage, field, row)
    body = check_row_fields(message.body, message.to, message.list_id, message.country, field, row)
    voice_static_checks(message, field, row, limits, now)
    return voice_body_info(body, field, row, limits)


def check_batch_size(messages: Sequence[object]) -> None:
    """Refuse an empty request or one over ClickSend's 1000-message limit."""
    if not messages:
        raise ValidationError("at least one message is required", field="messages")
    if len(messages) > MAX_MESSAGES_PER_REQUEST:
        raise ValidationError(
            f"{len(messages)} messages in one request; ClickSend takes at most "
            f"{MAX_MESSAGES_PER_REQUEST} (use send_bulk for more)",
            field="messages",
        )


def check_text(value: Any, field: str) -> str:
    """Require a non-empty string (a list name, a template name or body)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty string", field=field)
    return value


def check_url(value: Any, field: str) -> str:
    """Require an http(s) URL."""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValidationError(f"{value!r} is not an http(s) URL", field=field)
    return value


def check_csv_filename(value: Any, field: str = "filename") -> str:
    """Require a bare file name ending in ``.csv`` (history exports are CSV files)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty file name", field=field)
    if "/" in value or "\\" in value:
        raise ValidationError(
            f"{value!r} is a path; give a bare file name such as 'export.csv'", field=field
        )
    stem, dot, suffix = value.strip().rpartition(".")
    if not dot or not stem or suffix.lower() != "csv":
        raise ValidationError(
            f"{value!r} is not a .csv file name (the export is a CSV file)", field=field
        )
    _check_encodable(value, field, None)
    return value


def check_positive_int(value: Any, field: str) -> int:
    """Require a whole number from 1 (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"must be a whole number from 1, got {value!r}", field=field)
    return value


def check_year_month(year: Any, month: Any) -> tuple[int, int]:
    """Require a four-digit year and a month from 1 to 12."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValidationError(f"{year!r} is not a four-digit year", field="year")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError(f"{month!r} is not a month (1 to 12)", field="month")
    return year, month


#: How ClickSend combines the terms of a ``q`` search.
SEARCH_OPERATORS = frozenset({"AND", "OR"})


def check_operator(value: Any, field: str = "operator") -> str | None:
    """Return a search ``operator`` as ``AND`` or ``OR`` (any case accepted); None stays None."""
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().upper() not in SEARCH_OPERATORS:
        raise ValidationError(f"{value!r} is not a search operator; use 'AND' or 'OR'", field=field)
    return value.strip().upper()


def check_email_address(value: Any, field: str = "email_address") -> str:
    """Require something shaped like an email address (``name@example.com``)."""
    if not isinstance(value, str) or _EMAIL.fullmatch(value.strip()) is None:
        raise ValidationError(f"{value!r} is not an email address", field=field)
    return value.strip()


def check_field_names(value: Any, field: str) -> list[str]:
    """Require a non-empty list of field names (a bare string is refused, not split)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
        raise ValidationError("must be a non-empty list of field names", field=field)
    for i, name in enumerate(value):
        check_text(name, f"{field}[{i}]")
    return list(value)


def validate_new_contact(contact: NewContact, *, field: str = "contact") -> None:
    """Check a contact to create: a phone number, email or fax number is required."""
    _require_model(contact, NewContact, field)
    phone, email, fax = contact.phone_number, contact.email, contact.fax_number
    if not any(isinstance(v, str) and v.strip() for v in (phone, email, fax)):
        raise ValidationError("a contact needs a phone_number, email or fax_number", field=field)
    _check_contact_fields(contact, field)


def check_contact_update(contact: NewContact, *, field: str = "contact") -> None:
    """Check a contact update: at least one field, and well-formed phone number and email."""
    _require_model(contact, NewContact, field)
    if not contact.extra and all(
        getattr(contact, a.name) is None for a in attrs.fields(NewContact) if a.name != "extra"
    ):
        raise ValidationError("nothing to update: give at least one field", field=field)
    _check_contact_fields(contact, field)


def _check_contact_fields(contact: NewContact, field: str) -> None:
    phone = contact.phone_number
    if isinstance(phone, str) and phone.strip().startswith("+") and not is_e164(phone):
        raise ValidationError(
            f"{phone!r} is not an E.164 number (+ country code, then 7 to 15 digits in all)",
            field=f"{field}.phone_number",
        )
    if isinstance(contact.email, str) and contact.email.strip():
        check_email_address(contact.email, f"{field}.email")
