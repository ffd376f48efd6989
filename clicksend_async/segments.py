"""Count and split SMS segments the way a handset receives them (3GPP TS 23.038 / 23.040).

Rules, in short:

* A message is sent in the **GSM-7** default alphabet when every character is in the GSM 03.38
  basic table (1 septet each) or its extension table (form feed, ``^ { } \\ [ ~ ] |`` and ``€``,
  2 septets each: ESC + character).  The ESC septet (0x1B) is not a user character, so a literal
  ``"\\x1b"`` in the input counts as non-GSM.  Capital ``Ç`` (0x09) is GSM; small ``ç`` is not.
* A single character outside both tables makes the whole message **UCS-2**; it is then measured
  in UTF-16 code units, so a character outside the BMP (most emoji) costs 2 units.
* One part holds 160 septets or 70 UCS-2 units.  Longer messages are concatenated and each part
  loses room to the user data header: 153 septets or 67 units per part.
* An escape pair is never split across parts (a part may then hold 152 septets), and neither is
  a UTF-16 surrogate pair (a part may then hold 66 units).  Multipart counts are therefore found
  by packing the parts greedily, exactly as :func:`split_segments` does, not by ceil division.
* The empty message is one GSM-7 segment with 160 septets free.
* Line breaks follow 3GPP: LF and CR are one septet each, so ``"\\r\\n"`` costs 2.  ClickSend's
  help pages say a line break counts as 2 characters (most likely because LF is converted to
  CRLF somewhere on the way); when the exact price matters, ClickSend's ``/sms/price`` endpoint is
  authoritative and these counts are an estimate made without a network call.

:func:`to_gsm` is an opt-in transliteration of common offenders that would otherwise force a
message into UCS-2.  Curly quotes, primes and guillemets become ``'`` / ``"``; hyphens, dashes
and the minus sign become ``-``; the bullet ``•`` becomes ``-`` (it reads as a list marker);
``…`` becomes ``...``; tab and the Unicode spaces (no-break, narrow no-break, thin, em ...)
become a space; U+2028 / U+2029 become LF; soft hyphen, zero-width space, word joiner and BOM
are removed, and ZWNJ / ZWJ too when that makes the text GSM-7.  The text is put in Unicode NFC
first, so a base letter plus a combining accent becomes the precomposed (GSM) letter.
Small ``ç`` becomes ``Ç``: 3GPP draws septet 0x09 as a capital, but the
Unicode mapping notes the intent was the small letter and many handsets show ``ç``, so this keeps
the cedilla rather than sending the whole message as UCS-2.  Characters that are already GSM are
never changed and characters without a mapping are kept, so the result may still need UCS-2;
check :func:`is_gsm`.

The module is pure (stdlib + attrs) and built for throughput: classification runs in C
(``bytes.translate`` for ASCII text, one precompiled regular expression otherwise); only a
multipart message whose escape or surrogate pairs might straddle a part boundary takes a short
loop, once per part rather than once per character.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any, Final

import attrs

from ._exceptions import ValidationError

__all__ = [
    "GSM7",
    "GSM_BASIC_CHARSET",
    "GSM_CHARSET",
    "GSM_EXTENSION_CHARSET",
    "GSM_MULTI_LIMIT",
    "GSM_SINGLE_LIMIT",
    "UCS2",
    "UCS2_MULTI_LIMIT",
    "UCS2_SINGLE_LIMIT",
    "SegmentInfo",
    "count_segments",
    "gsm_units",
    "is_gsm",
    "split_segments",
    "to_gsm",
]

GSM7: Final = "GSM-7"
UCS2: Final = "UCS-2"

GSM_SINGLE_LIMIT: Final = 160
GSM_MULTI_LIMIT: Final = 153
UCS2_SINGLE_LIMIT: Final = 70
UCS2_MULTI_LIMIT: Final = 67

# 3GPP TS 23.038 section 6.2.1: the character at index i is septet i.  Index 0x1B is the escape
# to the extension table, a placeholder here and not part of the character set.
_BASIC_TABLE: Final = (
    # 0x00 @ £ $ ¥ è é ù ì ò Ç LF Ø ø CR Å å
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    # 0x10 Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ ESC Æ æ ß É
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\x1b\u00c6\u00e6\u00df\u00c9"
    # 0x20 space ! " # ¤ % & ' ( ) * + , - . /
    " !\"#\u00a4%&'()*+,-./"
    "0123456789:;<=>?"
    # 0x40 ¡ A-O
    "\u00a1ABCDEFGHIJKLMNO"
    # 0x50 P-Z Ä Ö Ñ Ü §
    "PQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
    # 0x60 ¿ a-o
    "\u00bfabcdefghijklmno"
    # 0x70 p-z ä ö ñ ü à
    "pqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)
_ESC: Final = "\x1b"

# 3GPP TS 23.038 section 6.2.1.1: septet after ESC -> character (2 septets on the wire).
_EXTENSION_TABLE: Final[dict[int, str]] = {
    0x0A: "\x0c",  # form feed (page break)
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

GSM_BASIC_CHARSET: Final = frozenset(_BASIC_TABLE) - {_ESC}
GSM_EXTENSION_CHARSET: Final = frozenset(_EXTENSION_TABLE.values())
GSM_CHARSET: Final = GSM_BASIC_CHARSET | GSM_EXTENSION_CHARSET


def _char_class(chars: frozenset[str]) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in sorted(chars))


# Every character that is not 1 septet: extension characters and non-GSM characters.
_NOT_BASIC_RE: Final = re.compile(f"[^{_char_class(GSM_BASIC_CHARSET)}]")
# Any character outside both tables; runs of characters inside them.
_NOT_GSM_RE: Final = re.compile(f"[^{_char_class(GSM_CHARSET)}]")
_GSM_RUNS_RE: Final = re.compile(f"[{_char_class(GSM_CHARSET)}]+")

# ASCII fast path: bytes.translate(None, delete) strips the allowed bytes in C.
_ASCII_BASIC: Final = bytes(sorted(ord(c) for c in GSM_BASIC_CHARSET if ord(c) < 0x80))
_ASCII_EXT: Final = bytes(sorted(ord(c) for c in GSM_EXTENSION_CHARSET if ord(c) < 0x80))
_ASCII_GSM: Final = _ASCII_BASIC + _ASCII_EXT


@attrs.frozen(kw_only=True, slots=True)
class SegmentInfo:
    """How a message is encoded and how many parts it is sent in."""

    encoding: str
    """:data:`GSM7` or :data:`UCS2`."""
    segments: int
    """Number of parts; the empty message is 1 GSM-7 segment."""
    units: int
    """Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2."""
    characters: int
    """Number of code points (``len(text)``)."""
    non_gsm: tuple[str, ...]
    """Characters that forced UCS-2, in order of first appearance, no repeats; ``()`` for GSM-7."""
    remaining_in_segment: int
    """Units still free in the last part."""
    unit_limit: int
    """Units per part for this message: 160 / 153 for GSM-7, 70 / 67 for UCS-2."""


def _utf16_units(text: str) -> int:
    # Lone surrogates are not valid text, but count them as one unit each rather than fail.
    return len(text.encode("utf-16-le", "surrogatepass")) >> 1


def _classify(text: str) -> tuple[bool, int, str, tuple[str, ...]]:
    """Return (is GSM-7, units, extension characters present, non-GSM characters)."""
    n = len(text)
    if text.isascii():
        residue = text.encode("ascii").translate(None, _ASCII_BASIC)
        if not residue:
            return True, n, "", ()
        bad = residue.translate(None, _ASCII_EXT)
        if not bad:
            return True, n + len(residue), "".join(set(residue.decode("ascii"))), ()
        return False, n, "", tuple(dict.fromkeys(bad.decode("ascii")))
    first = _NOT_BASIC_RE.search(text)
    if first is None:
        return True, n, "", ()
    start = first.start()
    not_gsm = _NOT_GSM_RE.search(text, start)
    if not_gsm is None:
        ext: list[str] = _NOT_BASIC_RE.findall(text, start)
        return True, n + len(ext), "".join(set(ext)), ()
    leftover = _GSM_RUNS_RE.sub("", text[not_gsm.start() :])
    return False, _utf16_units(text), "", _distinct(leftover)


def _distinct(chars: str) -> tuple[str, ...]:
    """Return the distinct characters in order of first appearance."""
    if len(chars) < 32:
        return tuple(dict.fromkeys(chars))
    # De-duplicating code points as ints is ~20 % cheaper than as 1-character strings, which
    # CPython allocates one by one for anything beyond Latin-1 (CJK, Arabic, emoji ...).
    points = memoryview(chars.encode("utf-32-le", "surrogatepass")).cast("I")
    return tuple(map(chr, dict.fromkeys(points)))


def _gsm_septets(text: str, ext: str) -> str:
    """Return the text with an ESC placeholder before each extension character."""
    for c in ext:
        text = text.replace(c, _ESC + c)
    return text


def _pack(units: int, limit: int, ends_pair: Callable[[int], bool]) -> tuple[list[int], int]:
    """Pack greedily into parts of ``limit`` units; return part ends (in units), units in last."""
    ends: list[int] = []
    start = 0
    while units - start > limit:
        end = start + limit
        if ends_pair(end - 1):
            end -= 1
        ends.append(end)
        start = end
    ends.append(units)
    return ends, units - start


def _gsm_parts(text: str, ext: str) -> tuple[list[str], int]:
    """Split a multipart GSM-7 text containing extension characters; return parts, last units."""
    septets = _gsm_septets(text, ext)
    ends, last = _pack(len(septets), GSM_MULTI_LIMIT, lambda i: septets[i] == _ESC)
    parts: list[str] = []
    start = 0
    for end in ends:
        parts.append(septets[start:end].replace(_ESC, ""))
        start = end
    return parts, last


def _gsm_count(text: str, ext: str) -> tuple[int, int]:
    """Count the parts of a multipart GSM-7 text containing extension characters."""
    septets = _gsm_septets(text, ext)
    ends, last = _pack(len(septets), GSM_MULTI_LIMIT, lambda i: septets[i] == _ESC)
    return len(ends), last


def _ucs2_parts(text: str) -> tuple[list[str], int]:
    """Split a multipart UCS-2 text containing surrogate pairs; return parts, last units."""
    try:
        data = text.encode("utf-16-le")
    except UnicodeEncodeError:
        return _ucs2_parts_lone_surrogates(text)
    ends, last = _pack(len(data) >> 1, UCS2_MULTI_LIMIT, lambda i: 0xD8 <= data[2 * i + 1] <= 0xDB)
    parts: list[str] = []
    start = 0
    for end in ends:
        parts.append(data[2 * start : 2 * end].decode("utf-16-le"))
        start = end
    return parts, last


def _ucs2_count(text: str) -> tuple[int, int]:
    """Count the parts of a multipart UCS-2 text containing surrogate pairs."""
    try:
        data = text.encode("utf-16-le")
    except UnicodeEncodeError:
        parts, last = _ucs2_parts_lone_surrogates(text)
        return len(parts), last
    ends, last = _pack(len(data) >> 1, UCS2_MULTI_LIMIT, lambda i: 0xD8 <= data[2 * i + 1] <= 0xDB)
    return len(ends), last


def _ucs2_parts_lone_surrogates(text: str) -> tuple[list[str], int]:
    """Split text holding lone surrogates (invalid, yet possible in a str) per code point."""
    parts: list[str] = []
    start = used = 0
    for i, c in enumerate(text):
        cost = 2 if c > "\uffff" else 1
        if used + cost > UCS2_MULTI_LIMIT:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return parts, used


#: SegmentInfo is immutable and a campaign's messages share a few shapes (one GSM-7 part of 80 to
#: 100 characters ...): equal results share one instance instead of building a new one each time.
_INFO_CACHE: dict[tuple[Any, ...], SegmentInfo] = {}
_INFO_CACHE_SIZE = 4096


#: What :func:`count_segments` says of a text of n basic GSM-7 characters (n <= 160): one part.
_SHORT_GSM: Final = tuple(
    SegmentInfo(
        encoding=GSM7,
        segments=1,
        units=n,
        characters=n,
        non_gsm=(),
        remaining_in_segment=GSM_SINGLE_LIMIT - n,
        unit_limit=GSM_SINGLE_LIMIT,
    )
    for n in range(GSM_SINGLE_LIMIT + 1)
)


def _require_text(text: object, field: str = "text") -> None:
    """Refuse a value that is not a string (a list, bytes, None) with a ValidationError."""
    if not isinstance(text, str):
        hint = " (one message at a time)" if isinstance(text, list | tuple) else ""
        raise ValidationError(f"expected a string, got {type(text).__name__}{hint}", field=field)


def count_segments(text: str) -> SegmentInfo:
    """Count the parts, units and encoding of an SMS body."""
    if type(text) is not str:  # the exact-type test first: this runs once per message
        _require_text(text)
    elif (
        len(text) <= GSM_SINGLE_LIMIT
        and text.isascii()
        and not text.encode("ascii").translate(None, _ASCII_BASIC)
    ):
        return _SHORT_GSM[len(text)]  # one part of basic GSM-7 (most campaigns): by length
    gsm, units, ext, non_gsm = _classify(text)
    if gsm:
        if units <= GSM_SINGLE_LIMIT:
            segments, remaining, limit = 1, GSM_SINGLE_LIMIT - units, GSM_SINGLE_LIMIT
        else:
            limit = GSM_MULTI_LIMIT
            if ext:
                segments, last = _gsm_count(text, ext)
                remaining = limit - last
            else:
                segments = (units + limit - 1) // limit
                remaining = segments * limit - units
        encoding = GSM7
    else:
        if units <= UCS2_SINGLE_LIMIT:
            segments, remaining, limit = 1, UCS2_SINGLE_LIMIT - units, UCS2_SINGLE_LIMIT
        else:
            limit = UCS2_MULTI_LIMIT
            if units != len(text):
                segments, last = _ucs2_count(text)
                remaining = limit - last
            else:
                segments = (units + limit - 1) // limit
                remaining = segments * limit - units
        encoding = UCS2
    key = (encoding, segments, units, len(text), non_gsm, remaining, limit)
    info = _INFO_CACHE.get(key)
    if info is None:
        if len(_INFO_CACHE) >= _INFO_CACHE_SIZE:
            _INFO_CACHE.clear()
        info = _INFO_CACHE[key] = SegmentInfo(
            encoding=encoding,
            segments=segments,
            units=units,
            characters=len(text),
            non_gsm=non_gsm,
            remaining_in_segment=remaining,
            unit_limit=limit,
        )
    return info


def split_segments(text: str) -> list[str]:
    """Split an SMS body into the parts a handset receives."""
    _require_text(text)
    gsm, units, ext, _ = _classify(text)
    if gsm:
        if units <= GSM_SINGLE_LIMIT:
            return [text]
        if ext:
            return _gsm_parts(text, ext)[0]
        step = GSM_MULTI_LIMIT
    else:
        if units <= UCS2_SINGLE_LIMIT:
            return [text]
        if units != len(text):
            return _ucs2_parts(text)[0]
        step = UCS2_MULTI_LIMIT
    return [text[i : i + step] for i in range(0, len(text), step)]


def is_gsm(text: str) -> bool:
    """Return whether the text can be sent in the GSM-7 alphabet."""
    _require_text(text)
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_GSM)
    return _NOT_GSM_RE.search(text) is None


def gsm_units(text: str) -> int | None:
    """Return the number of GSM-7 septets, or None if the text needs UCS-2."""
    _require_text(text)
    gsm, units, _, _ = _classify(text)
    return units if gsm else None


_APOSTROPHE: Final = "'"
_QUOTE: Final = '"'
_TO_GSM_MAP: Final[dict[str, str]] = {
    # single quotes, apostrophes, primes
    "\u2018": _APOSTROPHE,  # ‘ left single quotation mark
    "\u2019": _APOSTROPHE,  # ’ right single quotation mark
    "\u201a": _APOSTROPHE,  # ‚ single low-9 quotation mark
    "\u201b": _APOSTROPHE,  # ‛ single high-reversed-9 quotation mark
    "\u2039": _APOSTROPHE,  # ‹ single left-pointing angle quotation mark
    "\u203a": _APOSTROPHE,  # › single right-pointing angle quotation mark
    "\u2032": _APOSTROPHE,  # ′ prime
    "\u02bc": _APOSTROPHE,  # ʼ modifier letter apostrophe
    "\u00b4": _APOSTROPHE,  # ´ acute accent
    "`": _APOSTROPHE,  # grave accent / backtick (ASCII, but not GSM)
    # double quotes, double primes, guillemets
    "\u201c": _QUOTE,  # “ left double quotation mark
    "\u201d": _QUOTE,  # ” right double quotation mark
    "\u201e": _QUOTE,  # „ double low-9 quotation mark
    "\u201f": _QUOTE,  # ‟ double high-reversed-9 quotation mark
    "\u2033": _QUOTE,  # ″ double prime
    "\u00ab": _QUOTE,  # « left-pointing double angle quotation mark
    "\u00bb": _QUOTE,  # » right-pointing double angle quotation mark
    # dashes and minus
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # ‑ non-breaking hyphen
    "\u2012": "-",  # ‒ figure dash
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2015": "-",  # ― horizontal bar
    "\u2212": "-",  # − minus sign
    # bullet: "-" reads as a list marker in plain text and is 1 septet like "*"
    "\u2022": "-",  # • bullet
    "\u2026": "...",  # … horizontal ellipsis
    # spaces
    "\t": " ",
    "\u00a0": " ",  # no-break space
    "\u1680": " ",  # ogham space mark
    "\u2000": " ",  # en quad
    "\u2001": " ",  # em quad
    "\u2002": " ",  # en space
    "\u2003": " ",  # em space
    "\u2004": " ",  # three-per-em space
    "\u2005": " ",  # four-per-em space
    "\u2006": " ",  # six-per-em space
    "\u2007": " ",  # figure space
    "\u2008": " ",  # punctuation space
    "\u2009": " ",  # thin space
    "\u200a": " ",  # hair space
    "\u202f": " ",  # narrow no-break space
    "\u205f": " ",  # medium mathematical space
    "\u3000": " ",  # ideographic space
    # line and paragraph separators
    "\u2028": "\n",
    "\u2029": "\n",
    # invisible characters: removed
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
    "\u2060": "",  # word joiner
    "\ufeff": "",  # zero-width no-break space / byte order mark
    # 0x09 is drawn as "Ç" by 3GPP but the Unicode mapping notes its intent is "ç", and many
    # handsets show "ç"; mapping keeps the cedilla instead of forcing the whole message to UCS-2.
    "\u00e7": "\u00c7",  # ç -> Ç
}
_TO_GSM_TABLE: Final = str.maketrans(_TO_GSM_MAP)


def to_gsm(text: str) -> str:
    """Replace common non-GSM characters with GSM-7 look-alikes, leaving the rest unchanged.

    The text is first put in Unicode NFC, which changes no meaning: a letter typed as a base
    plus a combining accent (common in text copied from macOS or iOS) becomes the one GSM
    character it stands for. Zero-width joiners are removed only when that makes the whole
    text GSM-7; otherwise they stay, so emoji sequences and Persian or Indic text keep their
    shape in a message that is UCS-2 anyway.
    """
    _require_text(text)
    result = unicodedata.normalize("NFC", text).translate(_TO_GSM_TABLE)
    if "\u200c" in result or "\u200d" in result:
        joined = result.replace("\u200c", "").replace("\u200d", "")
        if is_gsm(joined):
            return joined
    return result
