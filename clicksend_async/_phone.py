"""Phone numbers as comparison keys: one E.164 string per subscriber, whatever the writing.

An opt-out written ``+61412345678`` must stop a row written ``0412 345 678`` with country AU,
and a dedupe must see them as one person. Comparing the written text misses both, so every
comparison (exclusion, dedupe, a campaign's fingerprint) goes through :func:`e164_key`.

Turning a local number into E.164 needs each country's trunk prefix and number plan; Google's
libphonenumber knows them, and its Python port ``phonenumbers`` is an optional extra
(``pip install clicksend-async[phonenumbers]``, included in ``[cli]``). Without it a number
already in E.164 is still its own key, and a local one cannot be compared:
:func:`e164_key` raises :class:`ConfigurationError` rather than guess, and
:func:`check_local_numbers_comparable` lets a campaign refuse to start for that reason before
anything is sent (texting a person who opted out is worse than not texting at all).

Pure: no I/O, no event loop.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from ._exceptions import ConfigurationError, ValidationError
from ._validation import normalize_number

__all__ = [
    "PHONENUMBERS_HINT",
    "check_local_numbers_comparable",
    "compare_key",
    "e164_key",
    "has_phonenumbers",
    "is_local_number",
]

_pn: ModuleType | None
try:
    import phonenumbers as _pn
except ImportError:  # pragma: no cover - exercised by patching _pn in the tests
    _pn = None

PHONENUMBERS_HINT = (
    "install the phonenumbers extra (pip install 'clicksend-async[phonenumbers]') or write "
    "every number in E.164 (+61411111111)"
)

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
#: A local number once formatting is stripped: digits only (no letters: phonenumbers would
#: read ``1800FLOWERS`` as digits, message validation would not).
_LOCAL = re.compile(r"[0-9]{3,15}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
#: libphonenumber's "possible number" verdicts (ValidationResult names), in words.
_REASONS = {
    "INVALID_COUNTRY_CODE": "its country calling code is unknown",
    "TOO_SHORT": "it is too short",
    "TOO_LONG": "it is too long",
    "IS_POSSIBLE_LOCAL_ONLY": "it can only be dialled locally (an area code is missing)",
    "INVALID_LENGTH": "it has the wrong number of digits for its country",
}
#: libphonenumber's parse errors (NumberParseException names), in words.
_PARSE_ERRORS = {
    "INVALID_COUNTRY_CODE": "its country calling code is unknown (or the country is)",
    "NOT_A_NUMBER": "it is not a phone number",
    "TOO_SHORT_AFTER_IDD": "it is too short after the international prefix",
    "TOO_SHORT_NSN": "it is too short",
    "TOO_LONG": "it is too long",
}


def _name_of(holder: Any, value: int) -> str:
    """Return the name of ``value`` among ``holder``'s upper-case constants."""
    for name in dir(holder):
        if name.isupper() and getattr(holder, name) == value:
            return name
    return str(value)


def has_phonenumbers() -> bool:
    """Return True when the ``phonenumbers`` library is there to convert local numbers."""
    return _pn is not None


def is_local_number(number: Any) -> bool:
    """Return True for a number not written in E.164 (it needs a country to compare)."""
    if not isinstance(number, str):
        return False
    return _E164.fullmatch(normalize_number(number)) is None


def e164_key(
    number: Any,
    country: Any = None,
    *,
    field: str = "to",
    row: int | None = None,
    validate: bool = True,
) -> str:
    """Return the E.164 form of ``number`` (local with ``country``, ISO-2) to compare numbers.

    ``+61 412 345 678``, ``0412 345 678`` with AU, ``+61 (0)412 345 678`` and ``61412345678``
    with AU all give ``+61412345678``.

    Raises:
        ValidationError: not a phone number; a local number without a country; a country that
            is not ISO-2; with phonenumbers installed and ``validate``, a number phonenumbers
            knows to be invalid (the message gives its reason). ``field`` and ``row`` say where.
        ConfigurationError: a local number, and phonenumbers is not installed.
    """
    if not isinstance(number, str) or not number.strip():
        raise ValidationError(f"{number!r} is not a phone number", field=field, row=row)
    if country is not None and country != "":
        if not isinstance(country, str) or _COUNTRY.fullmatch(country.strip()) is None:
            raise ValidationError(
                f"{country!r} is not an ISO 3166-1 alpha-2 code (such as AU or GB)",
                field=f"{field}.country" if field else "country",
                row=row,
            )
        region: str | None = country.strip().upper()
    else:
        region = None
    text = normalize_number(number)
    e164 = _E164.fullmatch(text) is not None
    if not e164 and _LOCAL.fullmatch(text) is None:
        raise ValidationError(
            f"{number!r} is not a phone number (use E.164 such as +61411111111)",
            field=field,
            row=row,
        )
    if not e164 and region is None:
        raise ValidationError(
            f"{number!r} is a local number: give its country (ISO-2, such as AU) to compare it "
            "with other numbers, or write it in E.164",
            field=field,
            row=row,
        )
    if _pn is None:
        if e164:
            return text  # E.164 already: its own key
        raise ConfigurationError(
            f"cannot compare the local number {number!r} ({region}) with E.164 numbers without "
            f"the phonenumbers library: {PHONENUMBERS_HINT}"
        )
    return _with_phonenumbers(_pn, number, text, region, field, row, validate)


def _with_phonenumbers(
    pn: Any, number: str, text: str, region: str | None, field: str, row: int | None, strict: bool
) -> str:
    try:
        parsed = pn.parse(text, None if text.startswith("+") else region)
    except pn.NumberParseException as exc:
        name = _name_of(pn.NumberParseException, exc.error_type)
        reason = _PARSE_ERRORS.get(name, str(exc))
        raise ValidationError(
            f"{number!r} is not a phone number: {reason}", field=field, row=row
        ) from None
    if strict and not pn.is_valid_number(parsed):
        verdict = pn.is_possible_number_with_reason(parsed)
        reason = _REASONS.get(
            _name_of(pn.ValidationResult, verdict), "no such number is in use in its country's plan"
        )
        where = pn.region_code_for_number(parsed) or region or "its country"
        raise ValidationError(
            f"{number!r} is not a valid number ({where}): {reason}", field=field, row=row
        )
    key: str = pn.format_number(parsed, pn.PhoneNumberFormat.E164)
    if _E164.fullmatch(key) is None:
        raise ValidationError(f"{number!r} is not a phone number", field=field, row=row)
    return key


def check_local_numbers_comparable(*, purpose: str, example: Any = None) -> None:
    """Refuse to compare local numbers without phonenumbers: raise ConfigurationError.

    The bulk engine calls this when a campaign compares numbers (``purpose``: ``"exclude="``,
    ``"dedupe='number'"`` ...) and a row or an exclusion is a local number (``example``).
    Does nothing when phonenumbers is installed.
    """
    if _pn is not None:
        return
    shown = f" (such as {example!r})" if example is not None else ""
    raise ConfigurationError(
        f"{purpose} compares numbers, and some are local numbers{shown}: without the "
        "phonenumbers library a local number cannot be matched with its E.164 form, so an "
        f"opt-out could be missed; {PHONENUMBERS_HINT}"
    )


def compare_key(
    number: str | None,
    country: str | None,
    *,
    purpose: str,
    validate: bool = False,
    row: int | None = None,
) -> str | None:
    """Return the E.164 form a number is compared by (opt-outs, dedupe), local ones included.

    ``0412 345 678`` with AU and ``+61 412 345 678`` compare equal. Without the phonenumbers
    library a local number cannot be matched with its E.164 form, so comparing one raises
    :class:`~clicksend_async.ConfigurationError` (``purpose`` says why numbers are compared)
    rather than risk texting someone who opted out. With ``validate`` a local number that
    phonenumbers knows to be invalid is refused (``ValidationError`` with its reason, ``row``).
    """
    if number is None or number == "":
        return None
    text = normalize_number(number)
    if text.startswith("+") and not is_local_number(text):
        return text  # E.164 already (the common case): its own key
    check_local_numbers_comparable(purpose=purpose, example=number)
    if not country:
        raise ConfigurationError(
            f"{purpose} compares numbers, and {number!r} is a local number without a country: "
            "give its country (a country column, or country= for the campaign) or write it in "
            "E.164"
        )
    return e164_key(text, country, validate=validate, row=row)
