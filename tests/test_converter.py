"""The converter: wire names, lenient numbers and timestamps, unknown fields kept."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from clicksend_async import DecodeError, SendResult, SmsMessage, ValidationError
from clicksend_async._converter import parse_datetime, structure, unstructure
from clicksend_async.models import Account


class TestTimestamps:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (1721099039, datetime(2024, 7, 16, 3, 3, 59, tzinfo=UTC)),
            ("1721099039", datetime(2024, 7, 16, 3, 3, 59, tzinfo=UTC)),
            ("1721099039,", datetime(2024, 7, 16, 3, 3, 59, tzinfo=UTC)),
            ("2026-02-10T10:04:12Z", datetime(2026, 2, 10, 10, 4, 12, tzinfo=UTC)),
            ("", None),
            (None, None),
            (0, None),
        ],
    )
    def test_lenient_parse(self, raw: object, expected: datetime | None) -> None:
        assert parse_datetime(raw) == expected

    def test_garbage_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timestamp"):
            parse_datetime("yesterday")


class TestSendResult:
    def test_decodes_spec_shapes_and_keeps_unknown_fields(self) -> None:
        data = {
            "total_price": 0,
            "total_count": "2",
            "queued_count": 1,
            "messages": [
                {
                    "status": "SUCCESS",
                    "from": "+61431111112",
                    "message_price": "0.0792",
                    "message_parts": "1.00",
                    "schedule": "",
                    "date": 1721099039,
                    "brand_new_field": {"x": 1},
                },
                {"status": "INVALID_RECIPIENT", "to": "123", "schedule": ""},
            ],
            "currency": {"currency_name_short": "AUD"},
        }
        result = structure(data, SendResult)
        assert result.total_price == Decimal(0)
        assert result.total_count == 2
        first = result.messages[0]
        assert first.from_ == "+61431111112"
        assert first.message_price == Decimal("0.0792")
        assert first.message_parts == 1
        assert first.schedule is None
        assert first.extra == {"brand_new_field": {"x": 1}}
        assert "brand_new_field" not in repr(first)
        assert result.currency is not None and result.currency.code == "AUD"
        assert [m.status for m in result.rejected] == ["INVALID_RECIPIENT"]

    def test_bad_field_is_one_decode_error_naming_it(self) -> None:
        with pytest.raises(DecodeError) as info:
            structure({"total_price": "lots"}, SendResult, where="data")
        assert "total_price" in str(info.value)


class TestRequests:
    def test_from_is_renamed_none_dropped_extra_merged(self) -> None:
        message = SmsMessage(
            to="+61411111111",
            body="hi",
            from_="Shop",
            schedule=datetime(2030, 1, 1, tzinfo=UTC),
            extra={"future_field": 1},
        )
        assert unstructure(message) == {
            "to": "+61411111111",
            "body": "hi",
            "from": "Shop",
            "schedule": 1893456000,
            "future_field": 1,
        }

    def test_naive_schedule_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="timezone-aware"):
            SmsMessage(to="+61411111111", body="hi", schedule=datetime(2030, 1, 1))

    def test_list_id_is_sent_as_string(self) -> None:
        assert unstructure(SmsMessage(body="x", list_id=42))["list_id"] == "42"  # type: ignore[arg-type]


class TestAccount:
    def test_subaccount_api_key_is_kept_but_hidden(self) -> None:
        account = structure(
            {
                "user_id": 1,
                "balance": "2.005718",
                "_currency": {"currency_name_short": "USD"},
                "_subaccount": {"subaccount_id": 5, "api_key": "SECRET-KEY-123"},
            },
            Account,
        )
        assert account.balance == Decimal("2.005718")
        assert account.subaccount is not None
        assert account.subaccount.api_key == "SECRET-KEY-123"
        assert "SECRET-KEY-123" not in repr(account)
        assert "SECRET-KEY-123" not in repr(account.subaccount)


class TestLeniencyFoundInTheSpecAudit:
    def test_python_name_of_a_renamed_field_is_accepted_in_dicts(self) -> None:
        from clicksend_async.models.messages import SmsMessage

        message = structure({"to": "+61411111111", "body": "hi", "from_": "Acme"}, SmsMessage)
        assert message.from_ == "Acme" and not message.extra
        assert unstructure(message) == {"to": "+61411111111", "body": "hi", "from": "Acme"}
        both = structure({"body": "hi", "from": "Wire", "from_": "Python"}, SmsMessage)
        assert both.from_ == "Wire"  # the wire name wins

    def test_null_where_a_default_exists_is_the_default(self) -> None:
        from decimal import Decimal

        from clicksend_async.models.messages import SendResult

        result = structure({"total_price": None, "messages": None, "total_count": 2}, SendResult)
        assert (
            result.total_price == Decimal(0) and result.messages == [] and result.total_count == 2
        )

    def test_null_text_is_empty_not_the_word_none(self) -> None:
        from clicksend_async.models.messages import MessageResult

        assert structure({"status": None}, MessageResult).status in ("", None)
        assert structure({"status": None}, MessageResult).status != "None"


@pytest.mark.parametrize(
    ("status", "accepted"),
    [
        ("SUCCESS", True),
        ("QUEUED", True),
        ("Queued", True),
        ("Sent", True),
        ("Completed", True),
        ("Scheduled", True),
        ("WaitApproval", True),
        ("Failed", False),
        ("Cancelled", False),
        ("CancelledAfterReview", False),
        ("INVALID_RECIPIENT", False),
        ("", False),
    ],
)
def test_accepted_reads_send_results_and_history_records(status: str, accepted: bool) -> None:
    from clicksend_async.models.messages import MessageResult

    assert structure({"status": status}, MessageResult).accepted is accepted
