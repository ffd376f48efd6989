"""Recipient CSV files as spreadsheets and people write them, and numbers as people type them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clicksend_async import SmsMessage, ValidationError, read_recipients_csv
from clicksend_async._validation import normalize_number, validate_sms
from clicksend_async.bulk import SMS, BulkJob

NOW = 1_800_000_000.0


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
