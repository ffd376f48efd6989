"""Part A of the rest of the API: the spec's response examples decode into our models.

As in ``test_spec_examples.py``, examples come from ``tests/data/spec/clicksend-openapi.yaml``.
Own numbers and alpha tags answer without the envelope, so their examples are read whole; the
upload answer has no example in the current spec and is read from the 2021 spec's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from test_spec_examples import LIST, ONE, PAGE, _decode, _load, _resolve

from clicksend_async import (
    Account,
    AlphaTag,
    AvailableNumber,
    CompliantSenderTypes,
    CountryOption,
    DedicatedNumber,
    DefaultSender,
    InboundRule,
    NumberPurchase,
    OwnNumber,
    OwnNumberVerification,
    PackagePurchase,
    PaymentCard,
    ReceiptRule,
    RechargePackage,
    Referral,
    Statistics,
    Subaccount,
    Transaction,
    Upload,
    UserCountry,
)
from clicksend_async._converter import structure

APIARY_PATH = Path(__file__).resolve().parent / "data/spec/clicksend-openapi-apisguru-2021.yaml"


def body(method: str, path: str) -> Any:
    """Return the whole 200 example of ``method path`` (envelope or not)."""
    document = _load()
    content = document["paths"][path][method.lower()]["responses"]["200"]["content"]
    return _resolve(content["application/json"]["schema"], document)["example"]


def pick(example: Any, where: str) -> Any:
    """Follow a dotted key path (``data.packages``) into an example."""
    for key in where.split("."):
        example = example[key]
    return example


RULES_SMS = "/v3/automations/sms/receipts"
RULES_VOICE = "/v3/automations/voice/receipts"
RULES_IN = "/v3/automations/sms/inbound"

#: (method, path, where in the example, model, shape, a field every item must have)
OPERATIONS: list[tuple[str, str, str, type[Any], str, str]] = [
    ("GET", RULES_SMS, "data", ReceiptRule, PAGE, "action"),
    ("POST", RULES_SMS, "data", ReceiptRule, ONE, "action"),
    ("GET", RULES_SMS + "/{receipt_rule_id}", "data", ReceiptRule, ONE, "action"),
    ("PUT", RULES_SMS + "/{receipt_rule_id}", "data", ReceiptRule, ONE, "action"),
    ("GET", RULES_VOICE, "data", ReceiptRule, PAGE, "action"),
    ("POST", RULES_VOICE, "data", ReceiptRule, ONE, "action"),
    ("GET", RULES_VOICE + "/{receipt_rule_id}", "data", ReceiptRule, ONE, "action"),
    ("PUT", RULES_VOICE + "/{receipt_rule_id}", "data", ReceiptRule, ONE, "action"),
    ("GET", RULES_IN, "data", InboundRule, PAGE, "inbound_rule_id"),
    ("POST", RULES_IN, "data", InboundRule, ONE, "webhook_type"),
    ("GET", RULES_IN + "/{inbound_rule_id}", "data", InboundRule, ONE, "webhook_type"),
    ("PUT", RULES_IN + "/{inbound_rule_id}", "data", InboundRule, ONE, "webhook_type"),
    ("GET", "/v3/country-list", "data", CountryOption, LIST, "code"),
    ("GET", "/v3/user-countries", "data", UserCountry, LIST, "registration_status"),
    ("POST", "/v3/user-countries", "data", UserCountry, LIST, "registration_status"),
    ("POST", "/v3/user-countries/agree", "data", UserCountry, LIST, "registration_status"),
    ("GET", "/v3/subaccounts", "data", Subaccount, PAGE, "api_username"),
    ("POST", "/v3/subaccounts", "data", Subaccount, ONE, "api_username"),
    ("GET", "/v3/subaccounts/{subaccount_id}", "data", Subaccount, ONE, "api_username"),
    ("PUT", "/v3/subaccounts/{subaccount_id}", "data", Subaccount, ONE, "api_username"),
    ("GET", "/v3/statistics/sms", "data", Statistics, ONE, "stats"),
    ("GET", "/v3/statistics/voice", "data", Statistics, ONE, "stats"),
    ("GET", "/v3/recharge/credit-card", "data", PaymentCard, ONE, "display_number"),
    ("GET", "/v3/recharge/packages", "data.packages", RechargePackage, LIST, "sms_price"),
    ("PUT", "/v3/recharge/purchase/{package_id}", "data", PackagePurchase, ONE, "amount"),
    ("GET", "/v3/recharge/transactions", "data", Transaction, PAGE, "amount"),
    ("GET", "/v3/recharge/transactions/{transaction_id}", "data", Transaction, ONE, "amount"),
    ("GET", "/v3/referral/accounts/", "data", Referral, PAGE, "refered_user_id"),
    ("GET", "/v3/reseller/accounts", "data", Account, PAGE, "username"),
    ("POST", "/v3/reseller/accounts", "data", Account, ONE, "username"),
    ("GET", "/v3/reseller/accounts/{client_user_id}", "data", Account, ONE, "username"),
    ("PUT", "/v3/reseller/accounts/{client_user_id}", "data", Account, ONE, "username"),
    ("PUT", "/v3/reseller/transfer-credit", "data", Account, ONE, "username"),
    ("GET", "/v3/numbers", "data", DedicatedNumber, PAGE, "status"),
    ("GET", "/v3/numbers/search/{country}", "data", AvailableNumber, PAGE, "price_total"),
    ("POST", "/v3/numbers/buy/{dedicated_number}", "data", NumberPurchase, ONE, "price_setup"),
    ("GET", "/v3/own-numbers", "own_numbers", OwnNumber, LIST, "phone_number"),
    ("GET", "/v3/own-numbers/{own_number_id}", "", OwnNumber, ONE, "phone_number"),
    ("PATCH", "/v3/own-numbers/{own_number_id}", "", OwnNumber, ONE, "phone_number"),
    ("DELETE", "/v3/own-numbers/{own_number_id}", "", OwnNumber, ONE, "phone_number"),
    ("POST", "/v3/own-numbers/verifications", "", OwnNumberVerification, ONE, "status"),
    (
        "POST",
        "/v3/own-numbers/verifications/{verification_id}/verify",
        "",
        OwnNumberVerification,
        ONE,
        "remaining_attempts",
    ),
    ("GET", "/v3/alpha-tags", "alpha_tags", AlphaTag, LIST, "countries"),
    ("POST", "/v3/alpha-tags", "", AlphaTag, ONE, "countries"),
    ("GET", "/v3/alpha-tags/{alpha_tag_id}", "", AlphaTag, ONE, "countries"),
    ("GET", "/v3/senders/default-senders", "data.data", DefaultSender, LIST, "country_code"),
    ("POST", "/v3/senders/default-senders", "data", DefaultSender, ONE, "country_code"),
    (
        "GET",
        "/v3/senders/default-senders/{default_sender_id}",
        "data",
        DefaultSender,
        ONE,
        "default_sender_strategies",
    ),
    (
        "PATCH",
        "/v3/senders/default-senders/{default_sender_id}",
        "data",
        DefaultSender,
        ONE,
        "default_sender_strategies",
    ),
    (
        "GET",
        "/v3/senders/compliant-sender-types",
        "data.data",
        CompliantSenderTypes,
        LIST,
        "allowed_sender_types",
    ),
]


def _id(op: tuple[str, str, str, type[Any], str, str]) -> str:
    return f"{op[0]} {op[1]}"


class TestPartAExamplesDecode:
    @pytest.mark.parametrize("op", OPERATIONS, ids=_id)
    def test_example_decodes(self, op: tuple[str, str, str, type[Any], str, str]) -> None:
        method, path, where, model, shape, field = op
        example = body(method, path)
        items = _decode(pick(example, where) if where else example, model, shape)
        assert items
        for item in items:
            assert isinstance(item, model)
            assert getattr(item, field) not in (None, "", [], ())

    @pytest.mark.parametrize("op", [op for op in OPERATIONS if op[4] == ONE], ids=_id)
    def test_unknown_field_survives_in_extra(
        self, op: tuple[str, str, str, type[Any], str, str]
    ) -> None:
        method, path, where, model, _, _ = op
        example = body(method, path)
        data = pick(example, where) if where else example
        decoded = structure({**data, "brand_new_field": [1]}, model)
        assert decoded.extra["brand_new_field"] == [1]
        assert decoded == structure(data, model)

    def test_the_list_and_the_one_inbound_rule_name_their_id_differently(self) -> None:
        listed = pick(body("GET", RULES_IN), "data.data")[0]
        assert "sms_inbound_rule_id" in listed and "inbound_rule_id" not in listed
        assert structure(listed, InboundRule).inbound_rule_id == listed["sms_inbound_rule_id"]

    def test_the_subaccount_api_key_stays_out_of_the_repr(self) -> None:
        decoded = structure(body("GET", "/v3/subaccounts/{subaccount_id}")["data"], Subaccount)
        assert decoded.api_key and decoded.api_key not in repr(decoded)

    def test_the_regenerated_key_is_a_string(self) -> None:
        data = body("PUT", "/v3/subaccounts/{subaccount_id}/regen-api-key")["data"]
        assert isinstance(structure(data["api_key"], str), str)

    def test_timezones_are_strings(self) -> None:
        assert structure(body("GET", "/v3/timezones")["data"], list[str])

    def test_the_2021_upload_example_decodes(self) -> None:
        # The current spec documents the upload answer as application/json with no schema.
        content = _load()["paths"]["/v3/uploads"]["post"]["responses"]["200"]["content"]
        assert content["application/json"] == {}
        with APIARY_PATH.open(encoding="utf-8") as handle:
            apiary = yaml.safe_load(handle)
        op = apiary["paths"]["/uploads?convert={convert}"]["post"]
        example = op["responses"]["200"]["content"]["application/json"]["examples"]["response"]
        upload = structure(example["value"]["data"], Upload)
        assert upload.url.endswith("document.pdf") and upload.upload_id == 15
        assert upload.date_delete is not None and upload.date_added is not None
