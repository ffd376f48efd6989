"""clicksend_async._validation: ids in paths, and wrong types given to the public validators."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clicksend_async import SmsMessage, segments
from clicksend_async._exceptions import ValidationError
from clicksend_async._sansio import encode_json
from clicksend_async._validation import (
    check_contact_update,
    check_row_fields,
    is_e164,
    is_plain_row,
    normalize_number,
    path_segment,
    validate_mms,
    validate_new_contact,
    validate_sms,
    validate_voice,
)


class TestPathSegment:
    @pytest.mark.parametrize(
        ("value", "kind"),
        [
            ("439", "int"),
            ("0", "int"),
            ("BF7AD270-0DE2-418B-B606-71D527D9C1AE", "uuid"),
            ("bf7ad270-0de2-418b-b606-71d527d9c1ae", "uuid"),
            ("6E8B4FDB99A77ED08DF97BCC", "token"),
            ("c-1_x", "token"),
        ],
    )
    def test_an_id_of_the_right_shape_passes_unchanged(self, value: str, kind: Any) -> None:
        assert path_segment(value, kind) == value

    def test_an_int_id_becomes_its_digits(self) -> None:
        assert path_segment(7) == "7"

    @pytest.mark.parametrize(
        "value", ["..", ".", "a/b", "%2e%2e", "?x", "#", "\n", "\\", "", "-", "_x", "a" * 129]
    )
    @pytest.mark.parametrize("kind", ["int", "uuid", "token"])
    def test_a_hostile_id_is_refused_naming_the_field(self, value: str, kind: Any) -> None:
        with pytest.raises(ValidationError) as info:
            path_segment(value, kind, field="list_id")
        assert info.value.field == "list_id"

    @pytest.mark.parametrize("value", [True, None, 1.0, b"1", -1, [1]])
    def test_a_non_id_type_is_refused(self, value: Any) -> None:
        with pytest.raises(ValidationError, match="expected an id"):
            path_segment(value)

    @pytest.mark.parametrize("value", ["1" * 21, "12a", "١٢", "+1", "1.0"])
    def test_a_numeric_id_is_ascii_digits_only(self, value: str) -> None:
        with pytest.raises(ValidationError, match="digits only"):
            path_segment(value, "int")

    def test_a_number_is_not_a_message_id(self) -> None:
        with pytest.raises(ValidationError, match="message id"):
            path_segment(5, "uuid", field="message_id")

    def test_a_truncated_message_id_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            path_segment("BF7AD270-0DE2-418B-B606", "uuid")

    def test_a_huge_id_is_shown_shortened(self) -> None:
        with pytest.raises(ValidationError) as info:
            path_segment("9" * 100_000)
        assert len(str(info.value)) < 200

    def test_an_unknown_kind_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="unknown id kind"):
            path_segment("1", "path")  # type: ignore[arg-type]


class TestWrongTypes:
    @pytest.mark.parametrize(
        "function",
        [
            segments.count_segments,
            segments.split_segments,
            segments.is_gsm,
            segments.gsm_units,
            segments.to_gsm,
        ],
    )
    @pytest.mark.parametrize("value", [["hi", "there"], None, b"hi", 5])
    def test_segment_functions_refuse_a_non_string(self, function: Any, value: Any) -> None:
        with pytest.raises(ValidationError, match="expected a string"):
            function(value)

    def test_count_segments_of_a_list_says_one_message_at_a_time(self) -> None:
        with pytest.raises(ValidationError, match="one message at a time"):
            segments.count_segments(["a", "b"])  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "validate",
        [
            validate_sms,
            validate_voice,
            lambda m, **kw: validate_mms(m, "https://example.com/a.jpg", **kw),
            validate_new_contact,
            check_contact_update,
        ],
    )
    @pytest.mark.parametrize("value", [{"to": "+61411111111", "body": "hi"}, "hi", None])
    def test_a_validator_given_no_model_says_what_it_expected(
        self, validate: Any, value: Any
    ) -> None:
        with pytest.raises(ValidationError, match="expected"):
            validate(value)

    @pytest.mark.parametrize("value", [None, 61411111111, ["+61411111111"]])
    def test_normalize_number_refuses_a_non_string(self, value: Any) -> None:
        with pytest.raises(ValidationError, match="as a string"):
            normalize_number(value)

    @pytest.mark.parametrize("value", [None, 61411111111, b"+61411111111"])
    def test_is_e164_is_false_for_a_non_string(self, value: Any) -> None:
        assert is_e164(value) is False


class TestScheduleBounds:
    @pytest.mark.parametrize("value", [float("nan"), float("inf"), -1, 1e300, 253_402_300_800])
    def test_a_schedule_that_is_no_date_is_refused(self, value: float) -> None:
        with pytest.raises(ValidationError, match="schedule"):
            SmsMessage(to="+61411111111", body="hi", schedule=value)  # type: ignore[arg-type]

    def test_a_schedule_in_range_is_whole_seconds(self) -> None:
        assert SmsMessage(to="+61411111111", body="hi", schedule=1.8e9 + 0.5).schedule == 1.8e9


class TestRequestBodies:
    def test_a_lone_surrogate_anywhere_in_a_body_is_refused_naming_it(self) -> None:
        payload = {"messages": [{"to": "+61411111111", "body": "ok", "custom_string": "\ud800"}]}
        with pytest.raises(ValidationError, match="surrogate") as info:
            encode_json(payload)
        assert info.value.field == "messages[0].custom_string"

    def test_a_surrogate_in_a_plain_value_names_the_key(self) -> None:
        with pytest.raises(ValidationError) as info:
            encode_json({"list_name": "a\udfffb"})
        assert info.value.field == "list_name"

    def test_text_of_any_script_encodes(self) -> None:
        assert encode_json({"body": "héllo 👋 مرحبا"}) == '{"body":"héllo 👋 مرحبا"}'.encode()


# Near misses of a plain row: spaces, formatting, other scripts' digits, surrogates, blanks.
_row_text = st.text(
    alphabet=st.sampled_from(
        ["+", "0", "1", "6", "4", " ", "\t", "-", "(", ")", ".", "a", "\u00e9", "\uff11", "\ud800"]
    ),
    max_size=17,
)
_ascii = st.characters(max_codepoint=127)


class TestIsPlainRow:
    """The glance that lets planning skip the full row checks: only ever True where they pass."""

    @given(
        body=st.none()
        | st.just(5)
        | _row_text
        | st.text(max_size=8)
        | st.text(_ascii, max_size=20),
        to=st.none()
        | st.just(61411111111)
        | _row_text
        | st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True),
        country=st.none() | st.just(61) | st.sampled_from(["", "AU", "au", "A", "AUS", " AU"]),
    )
    @settings(max_examples=600)
    def test_true_only_where_the_checks_pass_and_the_number_is_kept(
        self, body: Any, to: Any, country: Any
    ) -> None:
        if is_plain_row(body, to, country):
            assert check_row_fields(body, to, None, country, "message", 3) is body
            assert normalize_number(to) is to

    @pytest.mark.parametrize(
        ("body", "to", "country"),
        [
            ("Hi Ann", "+61411111111", None),
            ("Hi Ann", "+61411111111", ""),
            ("  x  ", "+14155550100", "au"),
        ],
    )
    def test_the_common_row_is_plain(self, body: str, to: str, country: str | None) -> None:
        assert is_plain_row(body, to, country)

    @pytest.mark.parametrize(
        ("body", "to", "country"),
        [
            ("Hi", "+61 411 111 111", None),  # formatted: normalize_number changes it
            ("Hi", "0411111111", "AU"),  # local
            ("   ", "+61411111111", None),
            ("", "+61411111111", None),
            ("caf\u00e9", "+61411111111", None),  # not ASCII: the full checks decide
            ("Hi", "+61411111111", "Australia"),
            ("Hi", None, None),
        ],
    )
    def test_anything_else_takes_the_full_checks(self, body: str, to: Any, country: Any) -> None:
        assert not is_plain_row(body, to, country)
