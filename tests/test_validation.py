"""clicksend_async._validation: ids in paths, and wrong types given to the public validators."""

from __future__ import annotations

from typing import Any

import pytest

from clicksend_async._exceptions import ValidationError
from clicksend_async._validation import path_segment


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
