"""The official spec's response examples decode into our models, and unknown fields survive.

Each operation's 200 example comes from ``tests/data/spec/clicksend-openapi.yaml`` (the v2 spec,
[v2spec] in ``clicksend-api-facts.md``). The examples often contradict their own schemas (facts
§10.5); our lenient converter is meant to read them anyway. The ones that are wrong in shape, not
just in types, are listed in ``KNOWN_BAD`` with the reason.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from clicksend_async import (
    Account,
    AccountUsage,
    Contact,
    ContactImport,
    ContactList,
    Country,
    EmailAddress,
    HistoryExport,
    InboundSms,
    MessageResult,
    SendResult,
    SmsReceipt,
    SmsTemplate,
    VoiceLanguage,
    VoiceReceipt,
)
from clicksend_async._converter import structure
from clicksend_async._pagination import decode_page
from clicksend_async.resources._base import count_in

SPEC_PATH = Path(__file__).resolve().parent / "data/spec/clicksend-openapi.yaml"


@functools.cache
def _load() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)
    return document


def _resolve(node: Any, root: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for key in node["$ref"].removeprefix("#/").split("/"):
                target = target[key]
            return _resolve(target, root)
        return {key: _resolve(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(value, root) for value in node]
    return node


def example(method: str, path: str) -> Any:
    """Return the ``data`` of the 200 example of ``method path``."""
    if not SPEC_PATH.exists():
        pytest.skip(f"official spec not found at {SPEC_PATH}")
    document = _load()
    content = document["paths"][path][method.lower()]["responses"]["200"]["content"]
    return _resolve(content["application/json"]["schema"], document)["example"]["data"]


PAGE = "page"
ONE = "one"
LIST = "list"

#: (method, path, model, how data is shaped, the field every decoded item must have)
OPERATIONS: list[tuple[str, str, type[Any], str, str]] = [
    ("GET", "/v3/account", Account, ONE, "user_id"),
    ("GET", "/v3/account/usage/{year}/{month}/subaccount", AccountUsage, ONE, "sms"),
    ("POST", "/v3/sms/send", SendResult, ONE, "messages"),
    ("POST", "/v3/sms/price", SendResult, ONE, "messages"),
    ("GET", "/v3/sms/history", MessageResult, PAGE, "message_id"),
    ("GET", "/v3/sms/history/export", HistoryExport, ONE, "filename"),
    ("GET", "/v3/sms/inbound", InboundSms, PAGE, "message_id"),
    ("GET", "/v3/sms/inbound/{original_message_id}", InboundSms, ONE, "message_id"),
    ("GET", "/v3/sms/receipts", SmsReceipt, PAGE, "status_code"),
    ("GET", "/v3/sms/receipts/{message_id}", SmsReceipt, ONE, "status_code"),
    ("POST", "/v3/sms/templates", SmsTemplate, ONE, "template_id"),
    ("GET", "/v3/sms/templates/{template_id}", SmsTemplate, ONE, "template_id"),
    ("PUT", "/v3/sms/templates/{template_id}", SmsTemplate, ONE, "template_id"),
    ("POST", "/v3/mms/send", SendResult, ONE, "messages"),
    ("POST", "/v3/mms/price", SendResult, ONE, "messages"),
    ("GET", "/v3/mms/history", MessageResult, PAGE, "message_id"),
    ("GET", "/v3/mms/history/export", HistoryExport, ONE, "filename"),
    ("POST", "/v3/voice/send", SendResult, ONE, "messages"),
    ("POST", "/v3/voice/price", SendResult, ONE, "messages"),
    ("GET", "/v3/voice/lang", VoiceLanguage, LIST, "genders"),
    ("GET", "/v3/voice/receipts", VoiceReceipt, PAGE, "status_code"),
    ("GET", "/v3/voice/history", MessageResult, PAGE, "message_id"),
    ("GET", "/v3/voice/history/export", HistoryExport, ONE, "filename"),
    ("GET", "/v3/lists", ContactList, PAGE, "list_name"),
    ("POST", "/v3/lists", ContactList, ONE, "list_name"),
    ("GET", "/v3/lists/{list_id}", ContactList, ONE, "list_name"),
    ("PUT", "/v3/lists/{list_id}", ContactList, ONE, "list_name"),
    ("POST", "/v3/lists/{list_id}/import", ContactImport, ONE, "id"),
    ("GET", "/v3/lists/{list_id}/contacts", Contact, PAGE, "phone_number"),
    ("POST", "/v3/lists/{list_id}/contacts", Contact, ONE, "phone_number"),
    ("GET", "/v3/lists/{list_id}/contacts/{contact_id}", Contact, ONE, "phone_number"),
    ("PUT", "/v3/lists/{list_id}/contacts/{contact_id}", Contact, ONE, "phone_number"),
    (
        "PUT",
        "/v3/lists/{from_list_id}/contacts/{contact_id}/copy/{to_list_id}",
        Contact,
        ONE,
        "phone_number",
    ),
    (
        "PUT",
        "/v3/lists/{from_list_id}/contacts/{contact_id}/transfer/{to_list_id}",
        Contact,
        ONE,
        "phone_number",
    ),
    ("GET", "/v3/email/addresses", EmailAddress, PAGE, "email_address"),
    ("POST", "/v3/email/addresses", EmailAddress, ONE, "email_address"),
    ("GET", "/v3/email/addresses/{email_address_id}", EmailAddress, ONE, "email_address"),
    (
        "PUT",
        "/v3/email/address-verify/{email_address_id}/verify/{activation_token}",
        EmailAddress,
        ONE,
        "email_address",
    ),
    ("GET", "/v3/countries", Country, LIST, "value"),
]

#: Examples that are wrong in shape, with the reason; each test proves the example is still wrong.
KNOWN_BAD: dict[tuple[str, str], str] = {
    ("GET", "/v3/sms/templates"): (
        "data is a list wrapping the paginator (with a 'totlal' typo) where the schema has the "
        "paginator object itself; facts §10.5 (v2spec examples contradict their schemas)"
    ),
}


def _decode(data: Any, model: type[Any], shape: str) -> list[Any]:
    if shape == PAGE:
        return decode_page(data, model, where="example").items
    if shape == LIST:
        decoded: list[Any] = structure(data, list[model], where="example")
        return decoded
    return [structure(data, model, where="example")]


def _id(op: tuple[str, str, type[Any], str, str]) -> str:
    return f"{op[0]} {op[1]}"


class TestExamplesDecode:
    @pytest.mark.parametrize("op", OPERATIONS, ids=_id)
    def test_example_decodes(self, op: tuple[str, str, type[Any], str, str]) -> None:
        method, path, model, shape, field = op
        items = _decode(example(method, path), model, shape)
        assert items
        for item in items:
            assert isinstance(item, model)
            assert getattr(item, field) not in (None, "", [], ())

    def test_send_example_keeps_its_currency_and_parses_the_broken_date(self) -> None:
        result = structure(example("POST", "/v3/sms/send"), SendResult)
        assert result.currency is not None and result.currency.code == "AUD"
        (message,) = result.messages
        assert message.date is not None and int(message.date.timestamp()) == 1721099039

    @pytest.mark.parametrize(
        ("method", "path", "key", "count"),
        [
            ("PUT", "/v3/sms/cancel-all", "count", 2),
            ("PUT", "/v3/voice/cancel-all", "count", 2),
            ("PUT", "/v3/lists/{list_id}/remove-duplicates/", "deleted", 6),
            (
                "PUT",
                "/v3/lists/{list_id}/remove-opted-out-contacts/{opt_out_list_id}",
                "deleted",
                6,
            ),
            ("PUT", "/v3/sms/inbound-read/{message_id}", None, 1),
        ],
    )
    def test_count_examples(self, method: str, path: str, key: str | None, count: int) -> None:
        assert count_in(example(method, path), key, where="example") == count

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("PUT", "/v3/sms/receipts-read"),
            ("PUT", "/v3/sms/inbound-read"),
            ("PUT", "/v3/sms/{message_id}/cancel"),
            ("DELETE", "/v3/email/addresses/{email_address_id}"),
        ],
    )
    def test_empty_data_examples_carry_no_count(self, method: str, path: str) -> None:
        # null, [] and the string "{}" all occur (facts §0 "Envelope").
        assert count_in(example(method, path), None, where="example") is None


class TestKnownBadExamples:
    @pytest.mark.parametrize(("method", "path"), list(KNOWN_BAD), ids=" ".join)
    def test_example_is_still_malformed(self, method: str, path: str) -> None:
        data = example(method, path)
        assert isinstance(data, list), KNOWN_BAD[(method, path)]
        assert "totlal" in data[0], KNOWN_BAD[(method, path)]


class TestUnknownFields:
    @pytest.mark.parametrize(
        "op", [op for op in OPERATIONS if op[3] == ONE and op[2] is not SendResult], ids=_id
    )
    def test_unknown_field_survives_in_extra(
        self, op: tuple[str, str, type[Any], str, str]
    ) -> None:
        method, path, model, _, _ = op
        data = {**example(method, path), "brand_new_field": {"added": "without notice"}}
        decoded = structure(data, model)
        assert decoded.extra["brand_new_field"] == {"added": "without notice"}
        assert "brand_new_field" not in repr(decoded)
        assert decoded == structure(example(method, path), model)

    def test_unknown_field_of_a_paged_item_survives(self) -> None:
        data = example("GET", "/v3/sms/receipts")
        data = {**data, "data": [{**data["data"][0], "carrier_ref": "X1"}]}
        (receipt,) = decode_page(data, SmsReceipt).items
        assert receipt.extra == {"carrier_ref": "X1"}
