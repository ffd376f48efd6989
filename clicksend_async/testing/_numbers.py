"""Phone-number, country and price tables of the emulator (pure, no I/O).

Recipients are validated without regular expressions: the hot path of a 1000-message send
calls :func:`normalize` once per message, so it sticks to ``str`` methods and dict lookups.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

__all__ = [
    "CARRIERS",
    "COUNTRIES",
    "DEFAULT_MMS_PRICES",
    "DEFAULT_SMS_PRICES",
    "DEFAULT_VOICE_PRICES",
    "FREE_TEST_NUMBERS",
    "VOICE_LANGUAGES",
    "country_of",
    "normalize",
    "price_table",
    "undeliverable",
]

# ISO 3166-1 alpha-2 -> (English name, ITU calling code).
COUNTRIES: Final[dict[str, tuple[str, str]]] = {
    "AE": ("United Arab Emirates", "971"),
    "AR": ("Argentina", "54"),
    "AT": ("Austria", "43"),
    "AU": ("Australia", "61"),
    "BD": ("Bangladesh", "880"),
    "BE": ("Belgium", "32"),
    "BG": ("Bulgaria", "359"),
    "BR": ("Brazil", "55"),
    "CA": ("Canada", "1"),
    "CH": ("Switzerland", "41"),
    "CL": ("Chile", "56"),
    "CN": ("China", "86"),
    "CO": ("Colombia", "57"),
    "CZ": ("Czech Republic", "420"),
    "DE": ("Germany", "49"),
    "DK": ("Denmark", "45"),
    "EG": ("Egypt", "20"),
    "ES": ("Spain", "34"),
    "FI": ("Finland", "358"),
    "FJ": ("Fiji", "679"),
    "FR": ("France", "33"),
    "GB": ("United Kingdom", "44"),
    "GR": ("Greece", "30"),
    "HK": ("Hong Kong", "852"),
    "HR": ("Croatia", "385"),
    "HU": ("Hungary", "36"),
    "ID": ("Indonesia", "62"),
    "IE": ("Ireland", "353"),
    "IL": ("Israel", "972"),
    "IN": ("India", "91"),
    "IS": ("Iceland", "354"),
    "IT": ("Italy", "39"),
    "JP": ("Japan", "81"),
    "KE": ("Kenya", "254"),
    "KR": ("South Korea", "82"),
    "LK": ("Sri Lanka", "94"),
    "LU": ("Luxembourg", "352"),
    "MT": ("Malta", "356"),
    "MX": ("Mexico", "52"),
    "MY": ("Malaysia", "60"),
    "NG": ("Nigeria", "234"),
    "NL": ("Netherlands", "31"),
    "NO": ("Norway", "47"),
    "NZ": ("New Zealand", "64"),
    "PE": ("Peru", "51"),
    "PG": ("Papua New Guinea", "675"),
    "PH": ("Philippines", "63"),
    "PK": ("Pakistan", "92"),
    "PL": ("Poland", "48"),
    "PT": ("Portugal", "351"),
    "RO": ("Romania", "40"),
    "RU": ("Russia", "7"),
    "SA": ("Saudi Arabia", "966"),
    "SE": ("Sweden", "46"),
    "SG": ("Singapore", "65"),
    "TH": ("Thailand", "66"),
    "TR": ("Turkey", "90"),
    "TW": ("Taiwan", "886"),
    "UA": ("Ukraine", "380"),
    "US": ("United States", "1"),
    "VN": ("Vietnam", "84"),
    "ZA": ("South Africa", "27"),
}

# Calling code -> country for reverse lookup; shared codes map to their largest member.
_CODE_TO_COUNTRY: Final[dict[str, str]] = {}
for _iso, (_name, _code) in sorted(COUNTRIES.items()):
    _CODE_TO_COUNTRY.setdefault(_code, _iso)
_CODE_TO_COUNTRY["1"] = "US"
_CODE_TO_COUNTRY["7"] = "RU"

# NANP area codes that belong to Canada, so +1 numbers resolve to CA or US.
_CA_AREA_CODES: Final = frozenset(
    (  # noqa: SIM905 - one line of codes reads better than 53 list items
        "204 226 236 249 250 263 289 306 343 354 365 367 368 382 403 416 418 428 431 437 438 "
        "450 468 474 506 514 519 548 579 581 584 587 604 613 639 647 672 683 705 709 742 753 "
        "778 780 782 807 819 825 867 873 879 902 905"
    ).split()
)

# ClickSend's documented free test numbers (facts section 0): accepted, never charged, no parts,
# no delivery receipt.
FREE_TEST_NUMBERS: Final = frozenset(
    {
        "+61411111111",
        "+61422222222",
        "+61433333333",
        "+61444444444",
        "+14055555555",
        "+14055555666",
        "+447777777777",
        "+8615555555555",
    }
)

CARRIERS: Final[dict[str, str]] = {
    "AU": "Telstra",
    "CA": "Rogers",
    "DE": "Telekom",
    "FR": "Orange",
    "GB": "Vodafone",
    "IE": "Three",
    "IN": "Airtel",
    "NZ": "Spark",
    "SG": "Singtel",
    "US": "AT&T",
    "ZA": "Vodacom",
}

# Per-part SMS price, per-message MMS price, per-part (per-credit) voice price, in the account
# currency.  "default" applies to every country without its own entry.
DEFAULT_SMS_PRICES: Final[dict[str, Decimal]] = {
    "default": Decimal("0.0990"),
    "AU": Decimal("0.0792"),
    "CA": Decimal("0.0330"),
    "GB": Decimal("0.0550"),
    "NZ": Decimal("0.1100"),
    "US": Decimal("0.0330"),
}
DEFAULT_MMS_PRICES: Final[dict[str, Decimal]] = {
    "default": Decimal("0.6600"),
    "AU": Decimal("0.4400"),
    "US": Decimal("0.2750"),
}
DEFAULT_VOICE_PRICES: Final[dict[str, Decimal]] = {
    "default": Decimal("0.1100"),
    "AU": Decimal("0.0700"),
    "US": Decimal("0.0500"),
}

# GET /v3/voice/lang (apiary tag "Voice"): code -> (label, voices).
VOICE_LANGUAGES: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "en-us": ("English, US", ("female", "male")),
    "en-au": ("English, Australia", ("female", "male")),
    "en-gb": ("English, UK", ("female", "male")),
    "en-in": ("English, India", ("female",)),
    "en-gb-wls": ("English, Wales", ("female", "male")),
    "cy-gb-wls": ("Celtic, Wales", ("female", "male")),
    "de-de": ("German, Germany", ("female", "male")),
    "es-es": ("Spanish, Spain", ("female", "male")),
    "es-us": ("Spanish, US", ("female", "male")),
    "fr-ca": ("French, Canada", ("female",)),
    "fr-fr": ("French, France", ("female", "male")),
    "is-is": ("Icelandic, Iceland", ("female", "male")),
    "it-it": ("Italian, Italy", ("female", "male")),
    "da-dk": ("Danish, Denmark", ("female", "male")),
    "nl-nl": ("Dutch, Netherlands", ("female", "male")),
    "nb-no": ("Norwegian, Norway", ("female",)),
    "pl-pl": ("Polish, Poland", ("female", "male")),
    "pt-pt": ("Portuguese, Portugal", ("male",)),
    "pt-br": ("Portuguese, Brazil", ("female", "male")),
    "ro-ro": ("Romanian, Romania", ("female",)),
    "ru-ru": ("Russian, Russia", ("female", "male")),
    "sv-se": ("Swedish, Sweden", ("female",)),
    "tr-tr": ("Turkish, Turkey", ("female",)),
}

_STRIP: Final = str.maketrans("", "", " -().")


def country_of(digits: str) -> str | None:
    """Return the ISO-2 country of an E.164 number given without its ``+``, or None."""
    if digits[0] == "1":
        return "CA" if digits[1:4] in _CA_AREA_CODES else "US"
    for n in (1, 2, 3):
        iso = _CODE_TO_COUNTRY.get(digits[:n])
        if iso is not None:
            return iso
    return None


def normalize(to: object, country: object = None) -> tuple[str, str] | None:
    """Return ``(e164, iso2)`` for a recipient, or None when ClickSend would reject it.

    Accepted: ``+`` followed by 7 to 15 digits, the first not 0, with a known calling code; or a
    local number (leading trunk ``0`` dropped) together with a known ISO-2 ``country``.
    Spaces, dashes, dots and parentheses are ignored.
    """
    if type(to) is not str or not to:
        return None
    if to[0] == "+" and to[1:].isdigit():
        digits = to[1:]  # the common, already clean E.164 case
    else:
        to = to.translate(_STRIP)
        if not to:
            return None
        if to[0] == "+":
            digits = to[1:]
        elif type(country) is str and country:
            entry = COUNTRIES.get(country.upper())
            if entry is None or not to.isdigit():
                return None
            local = to.lstrip("0")
            international = local.startswith(entry[1]) and to[0] != "0"
            digits = local if international else entry[1] + local
        else:
            return None
    if not (7 <= len(digits) <= 15) or not digits.isdigit() or not digits.isascii():
        return None
    if digits[0] == "0" or (digits[0] == "1" and len(digits) != 11):  # NANP is always 1+10
        return None
    iso = country_of(digits)
    if iso is None:
        return None
    return "+" + digits, iso


def undeliverable(e164: str) -> bool:
    """Return True for the emulator's always-undeliverable test numbers (ending in ``0000``)."""
    return e164.endswith("0000")


def price_table(
    overrides: Mapping[str, Decimal | str | float | int] | None, defaults: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """Return a country -> price table; ``overrides`` replaces ``defaults`` when given."""
    if overrides is None:
        return dict(defaults)
    table = {k.upper() if k != "default" else k: Decimal(str(v)) for k, v in overrides.items()}
    table.setdefault("default", defaults["default"])
    return table
