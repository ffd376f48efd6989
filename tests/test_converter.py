"""The converter: wire names, lenient numbers and timestamps, unknown fields kept."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs
import pytest

from clicksend_async import DecodeError, SendResult, SmsMessage, ValidationError
from clicksend_async._converter import _stores_only, parse_datetime, structure, unstructure
from clicksend_async.models import Account
from clicksend_async.models._common import Currency, extra_field
from clicksend_async.models.account import AccountUsage, Subaccount


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


@attrs.frozen(kw_only=True)
class _Node:
    """A model that holds a list of itself."""

    name: str | None = None
    children: list[_Node] = attrs.field(factory=list)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class _Required:
    """A model with a field that has no default."""

    id: int
    note: str | None = None
    extra: Mapping[str, Any] = extra_field()


def _positive(_: object, __: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError("must not be negative")


@attrs.frozen(kw_only=True)
class _Validated:
    """A model whose __init__ does more than store its arguments."""

    count: int | None = attrs.field(default=None, validator=_positive)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class _Base:
    """A model another one extends (its slots live on this class)."""

    a: int | None = None


@attrs.frozen(kw_only=True)
class _Child(_Base):
    b: str | None = None
    extra: Mapping[str, Any] = extra_field()


EMULATOR_ACCOUNT: dict[str, Any] = {
    "user_id": 123456,
    "username": "emulator",
    "balance": "1000000000.000000",
    "date_sign_up": 1700000000,
    "reply_to": "originalemail",
    "delivery_to": None,
    "active": "1",
    "low_credit_amount": None,
    "_currency": {"currency_name_short": "AUD", "min_recharge_amount": "20.00"},
    "_subaccount": {"subaccount_id": 5, "api_key": "KEY", "sign_up_type": None},
    "_referrer_chosen": None,
}


class TestCompiledDecoders:
    def test_unknown_fields_are_kept_in_order_at_every_level(self) -> None:
        account = structure(EMULATOR_ACCOUNT, Account)
        assert list(account.extra) == ["reply_to", "delivery_to", "_referrer_chosen"]
        assert account.extra["delivery_to"] is None
        assert account.subaccount is not None
        assert account.subaccount.extra == {"sign_up_type": None}
        assert account.currency is not None and account.currency.extra == {}
        assert account.active == 1 and account.low_credit_amount is None
        assert account.date_sign_up == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)

    def test_the_same_as_the_detailed_pass_field_by_field(self) -> None:
        fast = structure(EMULATOR_ACCOUNT, Account)
        via_init = Account(
            user_id=123456,
            username="emulator",
            balance=Decimal("1000000000.000000"),
            date_sign_up=datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
            active=1,
            currency=structure(EMULATOR_ACCOUNT["_currency"], Currency),
            subaccount=structure(EMULATOR_ACCOUNT["_subaccount"], Subaccount),
        )
        assert fast == via_init
        assert hash(fast.currency) == hash(via_init.currency)
        assert repr(fast) == repr(via_init)

    def test_a_model_built_without_its_init_is_still_frozen(self) -> None:
        account = structure({"user_id": 1}, Account)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            account.user_id = 2  # type: ignore[misc]
        assert account.extra == {} and account.extra is not structure({}, Account).extra

    def test_a_bad_nested_field_still_names_its_path(self) -> None:
        data = {**EMULATOR_ACCOUNT, "_subaccount": {"subaccount_id": "five"}}
        with pytest.raises(DecodeError, match=r"subaccount_id") as info:
            structure(data, Account, where="GET /account data")
        assert "GET /account data" in str(info.value)

    def test_where_is_built_only_when_decoding_fails(self) -> None:
        asked: list[str] = []

        def where() -> str:
            asked.append("where")
            return "somewhere"

        structure({"user_id": 1}, Account, where=where)
        assert asked == []
        with pytest.raises(DecodeError, match="somewhere"):
            structure({"user_id": "x"}, Account, where=where)

    def test_an_alias_is_read_when_the_wire_name_is_missing(self) -> None:
        usage = structure({"currency": {"currency_name_short": "NZD"}}, AccountUsage)
        assert usage.currency is not None and usage.currency.code == "NZD"
        both = structure(
            {"_currency": {"currency_name_short": "AUD"}, "currency": {"x": 1}}, AccountUsage
        )
        assert both.currency is not None and both.currency.code == "AUD"
        assert not both.extra

    def test_a_missing_required_field_is_named(self) -> None:
        assert structure({"id": "7", "other": 1}, _Required).extra == {"other": 1}
        with pytest.raises(DecodeError, match="id"):
            structure({"note": "x"}, _Required)

    def test_a_model_that_holds_itself_decodes(self) -> None:
        tree = structure(
            {"name": "a", "children": [{"name": "b", "children": [{"name": "c", "x": 1}]}]},
            _Node,
        )
        assert tree.children[0].children[0].name == "c"
        assert tree.children[0].children[0].extra == {"x": 1}
        assert structure({"name": "a", "children": None}, _Node).children == []

    def test_a_model_whose_init_validates_is_built_through_it(self) -> None:
        assert not _stores_only(_Validated)
        assert _stores_only(Account)
        assert structure({"count": 3}, _Validated).count == 3
        with pytest.raises(DecodeError, match="could not decode _Validated"):
            structure({"count": -1}, _Validated)

    @pytest.mark.parametrize("value", [[], "text", 3, None])
    def test_a_value_that_is_not_an_object_is_refused(self, value: Any) -> None:
        with pytest.raises(DecodeError, match="expected an object"):
            structure(value, Currency)

    def test_a_mapping_that_is_not_a_dict_decodes(self) -> None:
        currency = structure(MappingProxyType({"currency_name_short": "AUD", "z": 1}), Currency)
        assert currency.code == "AUD" and currency.extra == {"z": 1}

    def test_fields_stored_in_a_base_class_slot_are_set(self) -> None:
        child = structure({"a": "1", "b": 2, "c": 3}, _Child)
        assert (child.a, child.b, child.extra) == (1, "2", {"c": 3})
        assert child == _Child(a=1, b="2")

    def test_extra_left_from_mostly_known_keys_is_a_compact_dict(self) -> None:
        data = {f"k{i}": i for i in range(3)} | {"subaccount_id": 1, "email": "a@b.c"}
        data |= dict.fromkeys(("first_name", "last_name", "notes", "is_main"))
        sub = structure(data, Subaccount)
        assert sub.extra == {"k0": 0, "k1": 1, "k2": 2}
        assert type(sub.extra) is dict
        assert sys.getsizeof(sub.extra) <= sys.getsizeof(dict(sub.extra))
