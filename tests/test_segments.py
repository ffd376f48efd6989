"""GSM-7 / UCS-2 segment counting (3GPP TS 23.038 / 23.040)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clicksend_async.segments import (
    GSM7,
    GSM_BASIC_CHARSET,
    GSM_CHARSET,
    GSM_EXTENSION_CHARSET,
    GSM_MULTI_LIMIT,
    GSM_SINGLE_LIMIT,
    UCS2,
    UCS2_MULTI_LIMIT,
    UCS2_SINGLE_LIMIT,
    SegmentInfo,
    count_segments,
    gsm_units,
    is_gsm,
    split_segments,
    to_gsm,
)

# The default alphabet of 3GPP TS 23.038 section 6.2.1, written out as code points so that it is
# independent of the module under test.  Row r holds septets 0xr0 .. 0xrF; None is ESC (0x1B).
_STANDARD_BASIC: tuple[int | None, ...] = (
    *(
        0x40,
        0xA3,
        0x24,
        0xA5,
        0xE8,
        0xE9,
        0xF9,
        0xEC,
        0xF2,
        0xC7,
        0x0A,
        0xD8,
        0xF8,
        0x0D,
        0xC5,
        0xE5,
    ),
    *(0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, None),
    *(0xC6, 0xE6, 0xDF, 0xC9),
    *(0x20, 0x21, 0x22, 0x23, 0xA4, *range(0x25, 0x40)),
    *(0xA1, *range(0x41, 0x5B), 0xC4, 0xD6, 0xD1, 0xDC, 0xA7),
    *(0xBF, *range(0x61, 0x7B), 0xE4, 0xF6, 0xF1, 0xFC, 0xE0),
)
# Section 6.2.1.1: the characters reached through ESC.
_STANDARD_EXTENSION = frozenset(
    chr(cp) for cp in (0x0C, 0x5E, 0x7B, 0x7D, 0x5C, 0x5B, 0x7E, 0x5D, 0x7C, 0x20AC)
)
_STANDARD_BASIC_SET = frozenset(chr(cp) for cp in _STANDARD_BASIC if cp is not None)

EURO = "\u20ac"
EMOJI = "\U0001f600"  # 😀, outside the BMP: a surrogate pair in UTF-16
C_CEDILLA_SMALL = "\u00e7"  # ç: not GSM
C_CEDILLA_CAPITAL = "\u00c7"  # Ç: GSM 0x09
ZHE = "\u0436"  # Cyrillic ж: UCS-2, one unit


def reference_parts(text: str) -> tuple[str, list[str]]:
    """Split one character at a time: slow, obviously right, independent of the module."""
    gsm = all(c in _STANDARD_BASIC_SET or c in _STANDARD_EXTENSION for c in text)

    def cost(c: str) -> int:
        if gsm:
            return 2 if c in _STANDARD_EXTENSION else 1
        return 2 if ord(c) > 0xFFFF else 1

    single, multi = (160, 153) if gsm else (70, 67)
    if sum(cost(c) for c in text) <= single:
        return (GSM7 if gsm else UCS2), [text]
    parts: list[str] = []
    current, used = "", 0
    for c in text:
        if used + cost(c) > multi:
            parts.append(current)
            current, used = "", 0
        current += c
        used += cost(c)
    parts.append(current)
    return (GSM7 if gsm else UCS2), parts


def part_units(part: str, encoding: str) -> int:
    """Measure one part in its message's encoding."""
    if encoding == GSM7:
        units = gsm_units(part)
        assert units is not None
        return units
    return len(part.encode("utf-16-le", "surrogatepass")) // 2


class TestAlphabet:
    def test_basic_table_matches_3gpp_23_038(self) -> None:
        assert len(_STANDARD_BASIC) == 128
        assert _STANDARD_BASIC[0x1B] is None
        assert GSM_BASIC_CHARSET == _STANDARD_BASIC_SET
        assert len(GSM_BASIC_CHARSET) == 127

    def test_extension_table_matches_3gpp_23_038(self) -> None:
        assert GSM_EXTENSION_CHARSET == _STANDARD_EXTENSION

    def test_gsm_charset_is_basic_plus_extension(self) -> None:
        assert GSM_CHARSET == GSM_BASIC_CHARSET | GSM_EXTENSION_CHARSET
        assert not GSM_BASIC_CHARSET & GSM_EXTENSION_CHARSET

    def test_capital_c_cedilla_is_gsm_but_small_is_not(self) -> None:
        assert is_gsm(C_CEDILLA_CAPITAL)
        assert not is_gsm(C_CEDILLA_SMALL)

    def test_escape_character_itself_is_not_gsm(self) -> None:
        assert not is_gsm("\x1b")
        assert count_segments("abc\x1b").non_gsm == ("\x1b",)
        assert count_segments("\u00e9\x1b").encoding == UCS2

    @pytest.mark.parametrize("char", ["`", "\t", "\x00", "\x07", "\x0b", "\x7f", "\x1b"], ids=repr)
    def test_ascii_characters_outside_the_alphabet_are_not_gsm(self, char: str) -> None:
        assert not is_gsm(char)
        assert gsm_units(char) is None

    @pytest.mark.parametrize(
        "char",
        ["\u03b4", "\u2126", "\u00c0", "\u00e1", "\u00eb", "\u00ea", "\u00d5"],
        ids=["small delta", "ohm sign", "A grave", "a acute", "e diaeresis", "e circ", "O tilde"],
    )
    def test_look_alikes_outside_the_alphabet_are_not_gsm(self, char: str) -> None:
        assert not is_gsm(char)

    def test_every_basic_character_costs_one_septet(self) -> None:
        for char in GSM_BASIC_CHARSET:
            assert gsm_units(char) == 1, repr(char)

    def test_every_extension_character_costs_two_septets(self) -> None:
        for char in GSM_EXTENSION_CHARSET:
            assert gsm_units(char) == 2, repr(char)


class TestIsGsm:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("", True),
            ("Hello, world!", True),
            ("Price: 5\u20ac [net] {x} ~ | ^ \\", True),
            ("caf\u00e9 \u00c5lesund Stra\u00dfe \u00a3 \u00a5 \u00a7 \u00bf \u00a1", True),
            ("\u0394\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e", True),
            ("line\nbreak\r\nform\x0cfeed", True),
            ("Fran\u00e7ois", False),
            ("hello " + EMOJI, False),
            ("\u4f60\u597d", False),
            ("tab\there", False),
        ],
    )
    def test_is_gsm(self, text: str, expected: bool) -> None:
        assert is_gsm(text) is expected


class TestGsmUnits:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("", 0),
            ("abc", 3),
            (EURO, 2),
            ("a" + EURO + "b", 4),
            ("\r\n", 2),
            ("{}[]", 8),
            ("\u00e9" * 10, 10),
            ("\u00e9" + EURO, 3),
            (C_CEDILLA_SMALL, None),
            ("ok " + EMOJI, None),
        ],
    )
    def test_gsm_units(self, text: str, expected: int | None) -> None:
        assert gsm_units(text) == expected


class TestCountSegmentsGsm:
    @pytest.mark.parametrize(
        ("length", "segments", "remaining", "limit"),
        [
            pytest.param(0, 1, 160, 160, id="empty"),
            pytest.param(1, 1, 159, 160, id="1"),
            pytest.param(160, 1, 0, 160, id="160"),
            pytest.param(161, 2, 145, 153, id="161"),
            pytest.param(306, 2, 0, 153, id="306"),
            pytest.param(307, 3, 152, 153, id="307"),
            pytest.param(459, 3, 0, 153, id="459"),
            pytest.param(460, 4, 152, 153, id="460"),
        ],
    )
    @pytest.mark.parametrize("char", ["a", "\u00e9"], ids=["ascii", "latin"])
    def test_gsm_boundaries(
        self, char: str, length: int, segments: int, remaining: int, limit: int
    ) -> None:
        info = count_segments(char * length)
        assert info == SegmentInfo(
            encoding=GSM7,
            segments=segments,
            units=length,
            characters=length,
            non_gsm=(),
            remaining_in_segment=remaining,
            unit_limit=limit,
        )
        assert len(split_segments(char * length)) == segments

    def test_160_gsm_chars_fit_one_part(self) -> None:
        assert count_segments("x" * 160).segments == 1

    def test_161_gsm_chars_need_two_parts(self) -> None:
        assert count_segments("x" * 161).segments == 2
        assert [len(p) for p in split_segments("x" * 161)] == [153, 8]

    def test_empty_message_is_one_gsm_segment_with_160_free(self) -> None:
        info = count_segments("")
        assert (info.encoding, info.segments, info.units) == (GSM7, 1, 0)
        assert (info.remaining_in_segment, info.unit_limit) == (160, 160)
        assert split_segments("") == [""]

    def test_lf_and_cr_count_one_septet_each(self) -> None:
        assert count_segments("a\nb").units == 3
        assert count_segments("a\r\nb").units == 4

    def test_gsm_greek_capitals_stay_gsm(self) -> None:
        info = count_segments("\u0394\u03a9 " * 60)
        assert (info.encoding, info.units, info.segments) == (GSM7, 180, 2)


class TestCountSegmentsUcs2:
    @pytest.mark.parametrize(
        ("length", "segments", "remaining", "limit"),
        [
            pytest.param(1, 1, 69, 70, id="1"),
            pytest.param(70, 1, 0, 70, id="70"),
            pytest.param(71, 2, 63, 67, id="71"),
            pytest.param(134, 2, 0, 67, id="134"),
            pytest.param(135, 3, 66, 67, id="135"),
            pytest.param(201, 3, 0, 67, id="201"),
            pytest.param(202, 4, 66, 67, id="202"),
        ],
    )
    @pytest.mark.parametrize("char", [C_CEDILLA_SMALL, ZHE, "\u4f60"], ids=["latin", "cyr", "cjk"])
    def test_ucs2_boundaries(
        self, char: str, length: int, segments: int, remaining: int, limit: int
    ) -> None:
        info = count_segments(char * length)
        assert info == SegmentInfo(
            encoding=UCS2,
            segments=segments,
            units=length,
            characters=length,
            non_gsm=(char,),
            remaining_in_segment=remaining,
            unit_limit=limit,
        )
        assert len(split_segments(char * length)) == segments

    def test_one_non_gsm_char_makes_the_whole_message_ucs2(self) -> None:
        info = count_segments("a" * 100 + C_CEDILLA_SMALL)
        assert (info.encoding, info.units, info.segments) == (UCS2, 101, 2)

    def test_70_ucs2_chars_fit_one_part(self) -> None:
        assert count_segments(ZHE * 70).segments == 1

    def test_71_ucs2_chars_need_two_parts(self) -> None:
        assert count_segments(ZHE * 71).segments == 2
        assert [len(p) for p in split_segments(ZHE * 71)] == [67, 4]

    def test_extension_chars_cost_one_unit_in_ucs2(self) -> None:
        info = count_segments(EURO + "{" + C_CEDILLA_SMALL)
        assert (info.encoding, info.units, info.non_gsm) == (UCS2, 3, (C_CEDILLA_SMALL,))

    def test_mixed_scripts(self) -> None:
        cyrillic = "\u041f\u0440\u0438\u0432\u0435\u0442"
        arabic = "\u0645\u0631\u062d\u0628\u0627"
        text = f"Hello {cyrillic} \u4f60\u597d {arabic} {EMOJI}"
        info = count_segments(text)
        assert info.encoding == UCS2
        assert info.characters == len(text)
        assert info.units == len(text) + 1
        assert info.segments == 1
        assert info.non_gsm[:2] == ("\u041f", "\u0440")
        assert info.non_gsm[-1] == EMOJI


class TestExtensionCharacters:
    def test_euro_costs_two_septets(self) -> None:
        info = count_segments("5" + EURO)
        assert (info.encoding, info.units, info.characters) == (GSM7, 3, 2)
        assert info.remaining_in_segment == 157

    def test_80_extension_chars_fill_one_part(self) -> None:
        info = count_segments("{" * 80)
        assert (info.units, info.segments, info.remaining_in_segment) == (160, 1, 0)

    def test_81_extension_chars_need_two_parts(self) -> None:
        info = count_segments("{" * 81)
        assert (info.units, info.segments) == (162, 2)
        assert [len(p) for p in split_segments("{" * 81)] == [76, 5]
        # 76 pairs = 152 septets: the 77th pair would straddle the 153 boundary.
        assert info.remaining_in_segment == 153 - 10

    def test_only_extension_chars_of_every_kind(self) -> None:
        text = "".join(sorted(GSM_EXTENSION_CHARSET)) * 20  # 200 chars, 400 septets
        info = count_segments(text)
        assert (info.encoding, info.units, info.characters) == (GSM7, 400, 200)
        parts = split_segments(text)
        assert [len(p) for p in parts] == [76, 76, 48]
        assert info.segments == 3
        assert info.remaining_in_segment == 153 - 96

    def test_euro_straddling_the_153_boundary_moves_to_the_next_part(self) -> None:
        text = "a" * 152 + EURO + "b" * 10
        parts = split_segments(text)
        assert parts == ["a" * 152, EURO + "b" * 10]
        info = count_segments(text)
        assert (info.units, info.segments, info.remaining_in_segment) == (164, 2, 141)

    def test_euro_ending_exactly_at_153_stays_in_the_part(self) -> None:
        text = "a" * 151 + EURO + "b" * 10
        assert split_segments(text) == ["a" * 151 + EURO, "b" * 10]
        assert count_segments(text).remaining_in_segment == 143

    def test_straddle_adds_a_part_that_ceil_division_would_miss(self) -> None:
        # 306 septets would be exactly 2 parts, but the pair at 152/153 is pushed over.
        text = "a" * 152 + EURO + "b" * 152
        assert count_segments(text).units == 306
        assert count_segments(text).segments == 3
        assert [len(p) for p in split_segments(text)] == [152, 152, 1]

    def test_straddle_in_a_later_part(self) -> None:
        text = "a" * 305 + "[" + "b" * 10
        assert [len(p) for p in split_segments(text)] == [153, 152, 11]
        assert count_segments(text).segments == 3

    def test_160_septets_with_extension_chars_stay_single(self) -> None:
        text = "a" * 158 + EURO
        info = count_segments(text)
        assert (info.units, info.segments, info.unit_limit) == (160, 1, 160)


class TestSurrogatePairs:
    def test_emoji_costs_two_units(self) -> None:
        info = count_segments(EMOJI)
        assert (info.encoding, info.units, info.characters) == (UCS2, 2, 1)
        assert info.remaining_in_segment == 68

    def test_35_emoji_fill_one_part(self) -> None:
        info = count_segments(EMOJI * 35)
        assert (info.units, info.segments, info.remaining_in_segment) == (70, 1, 0)

    def test_36_emoji_need_two_parts(self) -> None:
        info = count_segments(EMOJI * 36)
        assert (info.units, info.segments) == (72, 2)
        assert [len(p) for p in split_segments(EMOJI * 36)] == [33, 3]
        assert info.remaining_in_segment == 61

    def test_emoji_straddling_the_67_boundary_moves_to_the_next_part(self) -> None:
        text = "a" * 66 + EMOJI + "b" * 5
        assert split_segments(text) == ["a" * 66, EMOJI + "b" * 5]
        info = count_segments(text)
        assert (info.units, info.segments, info.remaining_in_segment) == (73, 2, 60)

    def test_emoji_ending_exactly_at_67_stays_in_the_part(self) -> None:
        text = "a" * 65 + EMOJI + "b" * 5
        assert split_segments(text) == ["a" * 65 + EMOJI, "b" * 5]

    def test_straddle_adds_a_part_that_ceil_division_would_miss(self) -> None:
        text = "a" * 66 + EMOJI + "b" * 66  # 134 units
        info = count_segments(text)
        assert (info.units, info.segments) == (134, 3)
        assert split_segments(text) == ["a" * 66, EMOJI + "b" * 65, "b"]

    def test_lone_surrogates_are_counted_without_error(self) -> None:
        text = "\ud83d" + "x" * 80 + EMOJI
        info = count_segments(text)
        assert (info.encoding, info.units, info.segments) == (UCS2, 83, 2)
        assert "".join(split_segments(text)) == text
        assert len(split_segments(text)) == info.segments


class TestNonGsm:
    def test_gsm_message_has_no_non_gsm_chars(self) -> None:
        assert count_segments("Hello " + EURO).non_gsm == ()

    def test_order_of_first_appearance_without_repeats(self) -> None:
        text = f"{C_CEDILLA_SMALL}a {EMOJI} {ZHE} {C_CEDILLA_SMALL} {EMOJI} \u00e9 {ZHE}"
        assert count_segments(text).non_gsm == (C_CEDILLA_SMALL, EMOJI, ZHE)

    def test_order_and_de_dup_in_a_long_non_gsm_text(self) -> None:
        cjk = "".join(chr(0x4E00 + i) for i in range(40))
        text = f"{cjk} {EMOJI} {cjk[::-1]} \ud800 {ZHE}{EMOJI}\ud800 " * 3
        expected = (*cjk, EMOJI, "\ud800", ZHE)
        assert count_segments(text).non_gsm == expected

    def test_gsm_and_extension_chars_are_not_listed(self) -> None:
        text = f"\u00e9{EURO}[{ZHE}\u00c7"
        assert count_segments(text).non_gsm == (ZHE,)

    def test_ascii_offenders_are_listed(self) -> None:
        assert count_segments("a`b\tc`").non_gsm == ("`", "\t")


class TestRemainingInSegment:
    @pytest.mark.parametrize(
        ("text", "remaining"),
        [
            pytest.param("", 160, id="empty"),
            pytest.param("a" * 100, 60, id="gsm-single"),
            pytest.param("a" * 200, 106, id="gsm-multi"),
            pytest.param("a" * 158 + "{", 0, id="gsm-ext-full"),
            pytest.param(ZHE * 10, 60, id="ucs2-single"),
            pytest.param(ZHE * 100, 34, id="ucs2-multi"),
            pytest.param(EMOJI * 40, 53, id="ucs2-emoji-multi"),
        ],
    )
    def test_remaining_in_segment(self, text: str, remaining: int) -> None:
        assert count_segments(text).remaining_in_segment == remaining


class TestLongTexts:
    @pytest.mark.parametrize(
        ("text", "encoding", "segments"),
        [
            pytest.param("a" * 1000, GSM7, 7, id="gsm-1000"),
            pytest.param("a" * 10_000, GSM7, 66, id="gsm-10000"),
            pytest.param(("a" * 9 + EURO) * 100, GSM7, 8, id="gsm-ext-1000"),
            pytest.param(ZHE * 1000, UCS2, 15, id="ucs2-1000"),
            pytest.param(EMOJI * 1000, UCS2, 31, id="emoji-1000"),
        ],
    )
    def test_long_texts_agree_with_reference(self, text: str, encoding: str, segments: int) -> None:
        info = count_segments(text)
        ref_encoding, ref_parts = reference_parts(text)
        assert (info.encoding, info.segments) == (encoding, segments)
        assert (ref_encoding, len(ref_parts)) == (encoding, segments)
        assert split_segments(text) == ref_parts


class TestSegmentInfo:
    def test_is_frozen(self) -> None:
        info = count_segments("hi")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            info.segments = 2  # type: ignore[misc]

    def test_is_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            SegmentInfo(GSM7, 1, 0, 0, (), 160, 160)  # type: ignore[call-arg]

    def test_constants(self) -> None:
        assert (GSM7, UCS2) == ("GSM-7", "UCS-2")
        assert (GSM_SINGLE_LIMIT, GSM_MULTI_LIMIT) == (160, 153)
        assert (UCS2_SINGLE_LIMIT, UCS2_MULTI_LIMIT) == (70, 67)


_MAPPED = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u2039": "'",
    "\u203a": "'",
    "\u02bc": "'",
    "\u00b4": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2022": "-",
    "\u2026": "...",
    "\t": " ",
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u3000": " ",
    "\u2028": "\n",
    "\u2029": "\n",
    "\u00ad": "",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    C_CEDILLA_SMALL: C_CEDILLA_CAPITAL,
}


class TestToGsm:
    @pytest.mark.parametrize(("char", "expected"), list(_MAPPED.items()), ids=ascii)
    def test_maps_common_offender(self, char: str, expected: str) -> None:
        assert to_gsm(char) == expected
        assert to_gsm(f"a{char}b") == f"a{expected}b"

    def test_curly_quotes_and_dashes_in_a_sentence(self) -> None:
        text = "\u201cIt\u2019s 5\u20138pm \u2014 don\u2019t be late\u2026\u201d"
        assert to_gsm(text) == "\"It's 5-8pm - don't be late...\""
        assert is_gsm(to_gsm(text))

    def test_never_changes_gsm_characters(self) -> None:
        text = "".join(sorted(GSM_CHARSET))
        assert to_gsm(text) == text

    def test_leaves_unmapped_characters(self) -> None:
        text = f"{ZHE}\u4f60{EMOJI}\u00e1"
        assert to_gsm(text) == text

    def test_small_c_cedilla_becomes_capital(self) -> None:
        assert to_gsm("Fran\u00e7ois, \u00e7a va") == "Fran\u00c7ois, \u00c7a va"
        assert is_gsm(to_gsm("Fran\u00e7ois"))

    def test_decomposed_accents_are_composed(self) -> None:
        text = "Cafe\u0301 ouvert, A\u030angstro\u0308m"  # as macOS and iOS often write them
        assert count_segments(text).encoding == UCS2
        assert to_gsm(text) == "Caf\u00e9 ouvert, \u00c5ngstr\u00f6m"
        assert is_gsm(to_gsm(text))
        assert to_gsm("\u212b \u2126") == "\u00c5 \u03a9"  # Angstrom and Ohm signs

    def test_joiners_stay_when_the_text_stays_ucs2(self) -> None:
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 ok"
        assert to_gsm(family) == family  # removing them would not save anything
        assert to_gsm("a\u200db\u200cc") == "abc"  # ...but they go when the text becomes GSM

    def test_turns_a_ucs2_message_into_gsm(self) -> None:
        text = "Don\u2019t miss it \u2013 50% off\u00a0today\u200b!"
        assert count_segments(text).encoding == UCS2
        assert count_segments(to_gsm(text)).encoding == GSM7

    @given(st.text(alphabet=st.sampled_from(sorted(_MAPPED))))
    def test_text_of_mapped_offenders_becomes_gsm(self, text: str) -> None:
        assert is_gsm(to_gsm(text))

    @given(st.text(alphabet=st.sampled_from(sorted(GSM_CHARSET))))
    def test_gsm_text_is_unchanged(self, text: str) -> None:
        assert to_gsm(text) == text


# Characters that exercise every rule: basic, extension, non-GSM BMP, non-BMP.
_interesting = st.sampled_from(
    ["a", " ", "\n", "\u00e9", "\u0394", EURO, "{", "\\", "\x0c", C_CEDILLA_SMALL, ZHE, EMOJI]
)
_gsm_heavy = st.sampled_from(["a", "b", " ", "\u00e9", EURO, "[", "]", "~"])
_texts = st.one_of(
    st.text(),
    st.text(alphabet=_interesting, max_size=700),
    st.text(alphabet=_gsm_heavy, min_size=140, max_size=700),
    st.text(alphabet=st.sampled_from(["a", ZHE, EMOJI]), min_size=60, max_size=300),
)


class TestProperties:
    @given(_texts)
    @settings(max_examples=300)
    def test_parts_join_back_to_the_text(self, text: str) -> None:
        assert "".join(split_segments(text)) == text

    @given(_texts)
    @settings(max_examples=300)
    def test_every_part_fits_its_limit(self, text: str) -> None:
        info = count_segments(text)
        parts = split_segments(text)
        for part in parts:
            assert part_units(part, info.encoding) <= info.unit_limit
        assert info.unit_limit == (
            (GSM_SINGLE_LIMIT if info.encoding == GSM7 else UCS2_SINGLE_LIMIT)
            if len(parts) == 1
            else (GSM_MULTI_LIMIT if info.encoding == GSM7 else UCS2_MULTI_LIMIT)
        )

    @given(_texts)
    @settings(max_examples=300)
    def test_count_agrees_with_split(self, text: str) -> None:
        info = count_segments(text)
        parts = split_segments(text)
        assert len(parts) == info.segments
        assert sum(part_units(p, info.encoding) for p in parts) == info.units
        assert info.remaining_in_segment == info.unit_limit - part_units(parts[-1], info.encoding)
        assert info.characters == len(text)

    @given(_texts)
    @settings(max_examples=300)
    def test_agrees_with_the_one_char_at_a_time_reference(self, text: str) -> None:
        encoding, parts = reference_parts(text)
        assert count_segments(text).encoding == encoding
        assert split_segments(text) == parts

    @given(_texts)
    def test_is_gsm_and_gsm_units_agree_with_count(self, text: str) -> None:
        info = count_segments(text)
        assert is_gsm(text) is (info.encoding == GSM7)
        assert gsm_units(text) == (info.units if info.encoding == GSM7 else None)
        assert (info.non_gsm == ()) is (info.encoding == GSM7)
        assert len(set(info.non_gsm)) == len(info.non_gsm)
        assert all(c not in GSM_CHARSET for c in info.non_gsm)


class _Text(str):
    """A str subclass: count_segments takes its full path for it, never the one-part shortcut."""


class TestOnePartShortcut:
    """Short basic GSM-7 text is counted by its length; it must say what the full count says."""

    @given(st.text(alphabet=st.characters(max_codepoint=127), max_size=170))
    @settings(max_examples=400)
    def test_agrees_with_the_full_count(self, text: str) -> None:
        assert count_segments(text) == count_segments(_Text(text))

    @pytest.mark.parametrize("n", [0, 1, 70, 159, 160])
    def test_every_length_up_to_one_part(self, n: int) -> None:
        text = "a" * n
        assert count_segments(text) == count_segments(_Text(text))
        assert count_segments(text).remaining_in_segment == GSM_SINGLE_LIMIT - n
