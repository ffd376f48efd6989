"""clicksend_async._phone: numbers compared as E.164, with and without phonenumbers."""

from __future__ import annotations

from typing import Any

import pytest

from clicksend_async import _phone
from clicksend_async._exceptions import ConfigurationError, ValidationError
from clicksend_async._phone import (
    check_local_numbers_comparable,
    e164_key,
    has_phonenumbers,
    is_local_number,
)


@pytest.fixture
def without_phonenumbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as if the phonenumbers extra were not installed."""
    monkeypatch.setattr(_phone, "_pn", None)


class TestE164KeyWithPhonenumbers:
    @pytest.mark.parametrize(
        ("number", "country", "expected"),
        [
            # Australia: mobile with trunk 0, spaces, international with (0), digits only.
            ("0412 345 678", "AU", "+61412345678"),
            ("0412345678", "au", "+61412345678"),
            ("+61 412 345 678", None, "+61412345678"),
            ("+61 (0)412 345 678", None, "+61412345678"),
            ("+61 0412 345 678", None, "+61412345678"),
            ("61412345678", "AU", "+61412345678"),
            ("(02) 9876 5432", "AU", "+61298765432"),
            ("+61412345678", "GB", "+61412345678"),  # E.164 wins over the country
            # United Kingdom: London landline and a mobile, with and without (0).
            ("020 7946 0000", "GB", "+442079460000"),
            ("+44 (0)20 7946 0000", None, "+442079460000"),
            ("+44 20 7946 0000", None, "+442079460000"),
            ("07911 123456", "GB", "+447911123456"),
            # United States: brackets, dashes, dots, a leading 1.
            ("(212) 555-0100", "US", "+12125550100"),
            ("212.555.0100", "US", "+12125550100"),
            ("1-212-555-0100", "US", "+12125550100"),
            ("+1 212 555 0100", None, "+12125550100"),
            # New Zealand: mobile with trunk 0.
            ("021 123 4567", "NZ", "+64211234567"),
            ("+64 21 123 4567", None, "+64211234567"),
            # Formatting people and spreadsheets add.
            ("tel:+61412345678", None, "+61412345678"),
            ("'0412 345 678", "AU", "+61412345678"),
            ("\u200e0412\u00a0345\u2011678", "AU", "+61412345678"),
            ("\uff10\uff14\uff11\uff12345678", "AU", "+61412345678"),
        ],
    )
    def test_every_writing_of_a_number_gives_one_key(
        self, number: str, country: str | None, expected: str
    ) -> None:
        assert e164_key(number, country) == expected

    def test_an_opt_out_written_in_e164_matches_a_local_row(self) -> None:
        assert e164_key("+61412345678") == e164_key("0412 345 678", "AU")
        assert e164_key("0412345679", "AU") == e164_key("+61 412 345 679")

    @pytest.mark.parametrize(
        ("number", "country", "reason"),
        [
            ("07700 900123", "GB", "not a valid number"),  # Ofcom's range for drama
            ("(555) 555-0100", "US", "not a valid number"),  # 555 is no area code
            ("123", "AU", "too short"),
            ("041234", "AU", "not a valid number"),
            ("+6141234567890", None, "wrong number of digits"),
            ("+999123456", None, "country calling code is unknown"),
            ("04123456789012", "AU", "too long"),
            ("0412345678", "ZZ", "country calling code is unknown"),
        ],
    )
    def test_a_number_phonenumbers_knows_to_be_invalid_is_refused_with_its_reason(
        self, number: str, country: str | None, reason: str
    ) -> None:
        with pytest.raises(ValidationError, match=reason) as info:
            e164_key(number, country, field="exclude[2]", row=4)
        assert (info.value.field, info.value.row) == ("exclude[2]", 4)

    def test_validate_false_keeps_a_well_formed_number_outside_the_plan(self) -> None:
        assert e164_key("07700 900123", "GB", validate=False) == "+447700900123"

    def test_a_local_number_without_a_country_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="give its country"):
            e164_key("0412 345 678")

    @pytest.mark.parametrize("country", ["AUS", "A", "1A", 61, ["AU"]])
    def test_a_country_that_is_not_iso2_is_refused(self, country: Any) -> None:
        with pytest.raises(ValidationError, match="ISO 3166-1") as info:
            e164_key("0412 345 678", country)
        assert info.value.field == "to.country"

    @pytest.mark.parametrize("number", [None, 61412345678, "", "   ", b"+61412345678", ["+61"]])
    def test_a_non_number_is_a_validation_error_not_a_type_error(self, number: Any) -> None:
        with pytest.raises(ValidationError, match="not a phone number"):
            e164_key(number, "AU")

    @pytest.mark.parametrize(
        "number", ["hello", "0412abc", "1800FLOWERS", "++61412345678", "6.1e10", "12", "+614123"]
    )
    def test_text_that_is_no_number_is_refused(self, number: str) -> None:
        with pytest.raises(ValidationError):
            e164_key(number, "AU")

    def test_phonenumbers_is_reported_present(self) -> None:
        assert has_phonenumbers()
        check_local_numbers_comparable(purpose="exclude=", example="0412 345 678")


class TestE164KeyWithoutPhonenumbers:
    def test_an_e164_number_is_its_own_key(self, without_phonenumbers: None) -> None:
        assert not has_phonenumbers()
        assert e164_key("+61 412 345 678") == "+61412345678"
        assert e164_key("+44 (0)20 7946 0000", "GB") == "+442079460000"

    def test_a_local_number_is_a_configuration_error_naming_the_extra(
        self, without_phonenumbers: None
    ) -> None:
        with pytest.raises(ConfigurationError, match=r"clicksend-async\[phonenumbers\]"):
            e164_key("0412 345 678", "AU")

    def test_input_errors_stay_validation_errors(self, without_phonenumbers: None) -> None:
        with pytest.raises(ValidationError, match="give its country"):
            e164_key("0412 345 678")
        with pytest.raises(ValidationError, match="not a phone number"):
            e164_key(None)

    def test_a_campaign_comparing_local_numbers_refuses_to_start(
        self, without_phonenumbers: None
    ) -> None:
        with pytest.raises(ConfigurationError, match="opt-out could be missed") as info:
            check_local_numbers_comparable(purpose="exclude=", example="0412 345 678")
        assert "exclude=" in str(info.value)
        assert "'0412 345 678'" in str(info.value)


class TestIsLocalNumber:
    @pytest.mark.parametrize(
        ("number", "local"),
        [
            ("+61412345678", False),
            ("+61 412 345 678", False),
            ("+44 (0)20 7946 0000", False),
            ("0412 345 678", True),
            ("61412345678", True),
            (None, False),
            (5, False),
        ],
    )
    def test_local_means_not_e164(self, number: Any, local: bool) -> None:
        assert is_local_number(number) is local
