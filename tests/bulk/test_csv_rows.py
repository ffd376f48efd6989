"""Recipient CSV files as spreadsheets and people write them, and numbers as people type them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clicksend_async import SmsMessage, ValidationError, read_recipients_csv
from clicksend_async._validation import normalize_number, validate_sms
from clicksend_async.bulk import SMS, BulkJob
from clicksend_async.bulk._rows import BodyTemplate

NOW = 1_800_000_000.0


class _Text(str):
    """A str subclass (what some CSV readers hand over): filled as ``fill`` fills it."""


def write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


class TestBlankLines:
    def test_blank_and_empty_cell_lines_are_skipped_and_counted(self, tmp_path: Path) -> None:
        path = write(
            tmp_path, "phone,name\r\n+61411111111,Ann\r\n\r\n , \r\n,\r\n+61411111112,Bob\r\n\r\n"
        )
        recipients = read_recipients_csv(path)
        rows = list(recipients)
        assert [r["to"] for r in rows] == ["+61411111111", "+61411111112"]
        assert recipients.blank_lines == 4
        assert len(list(recipients)) == 2 and recipients.blank_lines == 4  # re-readable

    def test_a_row_with_any_cell_is_a_row(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone,name\n,Ann\n")
        rows = list(read_recipients_csv(path))
        assert rows == [{"phone": "", "name": "Ann", "to": ""}]

    def test_row_numbers_count_rows_not_blank_lines(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone,name\n\n+61411111111,Ann\n\n+61411111112,Bob,extra\n")
        with pytest.raises(ValidationError) as caught:
            list(read_recipients_csv(path))
        assert caught.value.row == 2  # the second row, on line 5 of the file
        assert "line 5" in caught.value.reason

    def test_byte_order_mark_and_padded_header(self, tmp_path: Path) -> None:
        path = tmp_path / "bom.csv"
        path.write_bytes("\ufeffPhone , First Name\n+61411111111,Ann\n".encode())
        recipients = read_recipients_csv(path)
        assert recipients.columns == ["Phone", "First Name"]
        assert [r["to"] for r in recipients] == ["+61411111111"]


class TestNumberMessages:
    def reason(self, to: Any, **fields: Any) -> str:
        with pytest.raises(ValidationError) as caught:
            validate_sms(SmsMessage(to=to, body="hi", **fields))
        return caught.value.reason

    def test_scientific_notation_from_a_spreadsheet(self) -> None:
        reason = self.reason("6.14111E+11")
        assert "'6.14111E+11' is not a phone number" in reason
        assert "format the column as text" in reason

    def test_international_digits_without_plus_get_a_hint(self) -> None:
        reason = self.reason("61411111111")
        assert "local number" in reason and "+61411111111" in reason

    def test_a_national_number_gets_no_plus_hint(self) -> None:
        reason = self.reason("0411111111")
        assert "local number" in reason and "with a +" not in reason

    def test_trunk_prefix_in_brackets_is_dropped(self) -> None:
        assert normalize_number("+44 (0)20 7946 0000") == "+442079460000"
        assert normalize_number("+61(0)411 111 111") == "+61411111111"
        assert normalize_number("(02) 9999 0000") == "0299990000"  # national: the 0 stays
        assert validate_sms(SmsMessage(to="+44 (0)7700 900123", body="hi")).segments == 1

    def test_local_number_with_country_is_fine(self) -> None:
        assert validate_sms(SmsMessage(to="0411 111 111", body="hi", country="AU")).segments == 1


class TestBulkRecipients:
    def build(self, item: Any, **options: Any) -> Any:
        job = BulkJob(None, SMS, [], **options)  # type: ignore[arg-type]
        try:
            return job._build(item, 3, NOW, job._row_shape(NOW))
        finally:
            job.journal.close()

    def test_errors_quote_the_number_as_written(self) -> None:
        with pytest.raises(ValidationError) as caught:
            self.build({"to": "6.14111E+11", "body": "hi"})
        assert "'6.14111E+11'" in caught.value.reason and caught.value.row == 3

    def test_payloads_carry_the_normalised_number(self) -> None:
        payload, _ = self.build({"to": " +61 (0)411-111-111 ", "body": "hi"})
        assert payload["to"] == "+61411111111"  # the (0) trunk prefix is not a digit
        payload, _ = self.build({"to": "+61 411 111 111", "body": "hi"})
        assert payload["to"] == "+61411111111"

    def test_message_objects_are_normalised_too(self) -> None:
        payload, _ = self.build(SmsMessage(to="+61 411 111 111", body="hi"))
        assert payload["to"] == "+61411111111"


class TestFileFormats:
    """CSV files as spreadsheets in other locales and export menus write them."""

    def test_semicolons_are_found_in_the_header(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone;first_name;note\r\n+61411111111;Ann;a, b\r\n")
        recipients = read_recipients_csv(path)
        assert recipients.delimiter == ";"
        assert list(recipients) == [
            {"phone": "+61411111111", "first_name": "Ann", "note": "a, b", "to": "+61411111111"}
        ]

    @pytest.mark.parametrize("sep", ["\t", "|", ","])
    def test_tabs_bars_and_commas(self, tmp_path: Path, sep: str) -> None:
        path = write(tmp_path, f"to{sep}name\n+61411111111{sep}Ann\n")
        recipients = read_recipients_csv(path)
        assert recipients.delimiter == sep
        assert [(r["to"], r["name"]) for r in recipients] == [("+61411111111", "Ann")]

    def test_separators_inside_quotes_do_not_count(self, tmp_path: Path) -> None:
        path = write(tmp_path, 'phone,"notes; more; and more"\n+61411111111,"x; y"\n')
        recipients = read_recipients_csv(path)
        assert recipients.delimiter == ","
        assert recipients.columns == ["phone", "notes; more; and more"]

    def test_a_one_column_file_is_comma_separated(self, tmp_path: Path) -> None:
        recipients = read_recipients_csv(write(tmp_path, "phone\n+61411111111\n"))
        assert recipients.delimiter == ","
        assert [r["to"] for r in recipients] == ["+61411111111"]

    def test_excel_sep_directive_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, "sep=;\r\nphone;name\r\n+61411111111;Ann\r\n+61411111112;Bob;x\r\n")
        recipients = read_recipients_csv(path)
        assert recipients.delimiter == ";" and recipients.columns == ["phone", "name"]
        with pytest.raises(ValidationError) as caught:
            list(recipients)
        assert caught.value.row == 2
        assert "line 4 has 3 fields" in caught.value.reason  # lines of the file, directive included

    def test_a_given_delimiter_wins(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone,a;b;c\n+61411111111,1;2;3\n")
        found = read_recipients_csv(path, phone_column="phone,a")
        assert found.delimiter == ";" and found.columns == ["phone,a", "b", "c"]
        recipients = read_recipients_csv(path, delimiter=",")
        assert recipients.columns == ["phone", "a;b;c"]
        assert [r["to"] for r in recipients] == ["+61411111111"]

    @pytest.mark.parametrize("bad", ["", ";;", '"', "\n"])
    def test_a_bad_delimiter_is_refused(self, tmp_path: Path, bad: str) -> None:
        path = write(tmp_path, "phone\n+61411111111\n")
        with pytest.raises(ValidationError) as caught:
            read_recipients_csv(path, delimiter=bad)
        assert caught.value.field == "delimiter"

    def test_excel_unicode_text_is_utf16_with_tabs(self, tmp_path: Path) -> None:
        path = tmp_path / "unicode.txt"
        path.write_bytes("phone\tname\r\n+61411111111\tZoë 😀\r\n".encode("utf-16"))
        recipients = read_recipients_csv(path)
        assert recipients.encoding == "utf-16" and recipients.delimiter == "\t"
        assert [(r["to"], r["name"]) for r in recipients] == [("+61411111111", "Zoë 😀")]

    @pytest.mark.parametrize(
        ("start", "what"),
        [
            (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003 workbook (.xls)"),
            (b"%PDF-1.7\n", "PDF document"),
            (b"phone,name\n\x00\x01\x02", "not a text file"),
        ],
    )
    def test_files_that_are_not_csv_are_named(
        self, tmp_path: Path, start: bytes, what: str
    ) -> None:
        path = tmp_path / "customers.csv"
        path.write_bytes(start + b"\x00" * 16)
        with pytest.raises(ValidationError) as caught:
            read_recipients_csv(path)
        assert caught.value.field == "file"
        assert what in caught.value.reason and "customers.csv" in caught.value.reason

    def test_another_encoding_is_refused_with_the_line_and_a_way_out(self, tmp_path: Path) -> None:
        lines = ["phone,first_name"] + [f"+614111{i:05d},Ann" for i in range(3000)]
        lines.append("+61411111111,Zoë")
        path = tmp_path / "latin.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
        with pytest.raises(ValidationError) as caught:
            list(read_recipients_csv(path))
        reason = caught.value.reason
        assert "not UTF-8 text at line 3002 (byte 0xeb)" in reason
        assert 'encoding="cp1252"' in reason and "--encoding" in reason
        rows = list(read_recipients_csv(path, encoding="cp1252"))
        assert rows[-1]["first_name"] == "Zoë"

    def test_a_bad_header_encoding_is_refused_at_once(self, tmp_path: Path) -> None:
        path = tmp_path / "latin.csv"
        path.write_bytes("phone,prénom\n+61411111111,Ann\n".encode("cp1252"))
        with pytest.raises(ValidationError, match=r"at line 1 \(byte 0xe9\)"):
            read_recipients_csv(path)

    def test_an_unknown_encoding(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError) as caught:
            read_recipients_csv(write(tmp_path, "phone\n1\n"), encoding="klingon")
        assert caught.value.field == "encoding"


class TestPhoneColumns:
    @pytest.mark.parametrize(
        "header",
        ["Mobile Number", "mobile-number", "Phone Number", "Cell Phone", "MOBILE.PHONE", "Cell"],
    )
    def test_headers_as_people_write_them(self, tmp_path: Path, header: str) -> None:
        path = write(tmp_path, f"First Name,{header}\nAnn,+61411111111\n")
        recipients = read_recipients_csv(path)
        assert recipients.phone_column == header
        assert [r["to"] for r in recipients] == ["+61411111111"]

    def test_an_exact_name_beats_a_loose_one(self, tmp_path: Path) -> None:
        # "mobile" is matched exactly, as before; "Phone Number" only loosely.
        path = write(tmp_path, "Phone Number,mobile\n+61411111111,+61411111112\n")
        assert read_recipients_csv(path).phone_column == "mobile"

    def test_a_semicolon_file_read_as_commas_gets_a_hint(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone;name\n+61411111111;Ann\n")
        with pytest.raises(ValidationError, match="pass its delimiter"):
            read_recipients_csv(path, delimiter=",")


class TestNumbersFromOtherSoftware:
    """Numbers as spreadsheets, data frames, web pages and other scripts hand them over."""

    @pytest.mark.parametrize(
        ("written", "sent"),
        [
            ("'0411111111", "0411111111"),  # a spreadsheet's text mark
            ("'+61 411 111 111", "+61411111111"),
            ("\uff10\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11", "0411111111"),
            (
                "\uff0b\uff16\uff11\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11",
                "+61411111111",
            ),
            ("\u0660\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661", "0411111111"),
            ("+61\u2011411\u2013111\u2009111", "+61411111111"),  # word-processor dashes
            ("\u200e+61 411 111 111\u200f", "+61411111111"),  # direction marks
            ("tel:+61411111111", "+61411111111"),
            ("TEL: +61 411 111 111", "+61411111111"),
            ("+61.411.111.111", "+61411111111"),
        ],
    )
    def test_accepted_and_sent_normalised(self, written: str, sent: str) -> None:
        validate_sms(SmsMessage(to=written, body="hi", country="AU"))
        assert normalize_number(written) == sent

    @pytest.mark.parametrize("written", ["61411111111.0", "+61411111111.0", "0411111111.00"])
    def test_a_decimal_from_a_data_frame_is_refused_not_redialled(self, written: str) -> None:
        # Reading the dot as formatting would text 614111111110, somebody else.
        with pytest.raises(ValidationError) as caught:
            validate_sms(SmsMessage(to=written, body="hi", country="AU"))
        assert "stored it as a decimal number" in caught.value.reason
        assert normalize_number(written) == written

    async def test_the_bulk_engine_sends_them_normalised(self) -> None:
        job = BulkJob(
            None,  # type: ignore[arg-type]  # planning makes no request with preflight off
            SMS,
            [{"to": "'+61 411 111 111"}, {"to": "61411111111.0"}],
            body="hi",
            preflight=False,
            check_balance=False,
            dry_run=True,
            clock=lambda: NOW,
        )
        plan = await job.plan()
        assert plan.messages == 1 and plan.invalid == 1
        assert "decimal number" in plan.invalid_rows[0].reason


class TestCountryColumn:
    def test_a_country_column_is_found_by_name_and_used_for_local_numbers(
        self, tmp_path: Path
    ) -> None:
        path = write(tmp_path, "Mobile,Country Iso\n0411 111 111,AU\n07700 900123,gb\n")
        recipients = read_recipients_csv(path)
        assert recipients.country_column == "Country Iso"
        rows = list(recipients)
        assert [(r["to"], r["country"]) for r in rows] == [
            ("0411 111 111", "AU"),
            ("07700 900123", "gb"),
        ]
        for row in rows:
            validate_sms(SmsMessage(to=row["to"], body="hi", country=row["country"]))

    def test_a_dialling_code_column_is_not_a_country(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone,country_code\n0411111111,61\n")
        recipients = read_recipients_csv(path)
        assert recipients.country_column is None
        assert "country" not in next(iter(recipients))

    def test_a_country_that_is_not_iso2_is_refused_even_beside_e164(self) -> None:
        with pytest.raises(ValidationError) as caught:
            validate_sms(SmsMessage(to="+61411111111", body="hi", country="Australia"))
        assert caught.value.field == "message.country"
        assert "ISO 3166-1 alpha-2" in caught.value.reason

    def test_the_local_number_error_says_how_to_give_the_country(self) -> None:
        with pytest.raises(ValidationError) as caught:
            validate_sms(SmsMessage(to="0411111111", body="hi"))
        assert "a country column" in caught.value.reason


class TestSpreadsheetPadding:
    def test_blank_header_cells_name_no_column(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone,,name,,\n+61411111111,x,Ann,,\n")
        recipients = read_recipients_csv(path)
        assert recipients.columns == ["phone", "name"]
        assert list(recipients) == [{"phone": "+61411111111", "name": "Ann", "to": "+61411111111"}]

    def test_empty_cells_past_the_header_are_padding(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone,name\n+61411111111,Ann,,\n+61411111112,Bob, \n")
        assert [r["name"] for r in read_recipients_csv(path)] == ["Ann", "Bob"]

    def test_data_past_the_header_is_still_refused(self, tmp_path: Path) -> None:
        path = write(tmp_path, "phone,name\n+61411111111,Smith, John\n")
        with pytest.raises(ValidationError) as caught:
            list(read_recipients_csv(path))
        assert caught.value.row == 1 and "unquoted comma" in caught.value.reason


class TestTemplateFiller:
    """``BodyTemplate.filler`` (made once per campaign) returns what ``fill`` does, always."""

    @given(
        source=st.lists(
            st.one_of(
                st.sampled_from(["{a}", "{b}", "{first name}", "{x-y}", "{{", "}}"]),
                st.text(alphabet="Hi, ü€{}\n ", max_size=6).map(
                    lambda t: t.replace("{", "{{").replace("}", "}}")
                ),
            ),
            max_size=6,
        ).map("".join),
        row=st.dictionaries(
            st.sampled_from(["a", "b", "first name", "x-y", "to"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.text(alphabet=" \t\u3000ab€", max_size=4),
                st.sampled_from([_Text("sub"), _Text("  "), 1.5, True]),
            ),
        ),
        allow_empty=st.booleans(),
    )
    @settings(max_examples=400, deadline=None)
    def test_the_filler_matches_fill(
        self, source: str, row: dict[str, Any], allow_empty: bool
    ) -> None:
        template = BodyTemplate.compile(source)
        filler = template.filler(allow_empty=allow_empty)
        assert filler(row) == template.fill(row, allow_empty=allow_empty)
        assert template.filler(allow_empty=allow_empty) is filler  # made once

    def test_blank_values_are_missing_unless_allowed(self) -> None:
        template = BodyTemplate.compile("Hi {name}")
        assert template.filler()({"name": " \u3000"}) is None
        assert template.filler(allow_empty=True)({"name": " "}) == "Hi  "
        assert template.filler()({"name": 7}) == "Hi 7"
        assert template.filler()({}) is None
