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
    CampaignPrice,
    Contact,
    ContactImport,
    ContactList,
    Country,
    DeliveryIssue,
    DetectedAddress,
    DirectMailCampaign,
    DirectMailLocation,
    DirectMailResult,
    Email,
    EmailAddress,
    EmailCampaign,
    EmailCampaignPrice,
    EmailCampaignRecipient,
    EmailCampaignResult,
    EmailPrice,
    EmailReceiptRule,
    EmailSmsAddress,
    EmailTemplate,
    Fax,
    FaxReceipt,
    FaxResult,
    HistoryExport,
    InboundSms,
    Letter,
    LetterResult,
    LinkStatistics,
    LinkTracking,
    MasterTemplate,
    MessageResult,
    MmsCampaign,
    Postcard,
    PostcardResult,
    ReturnAddress,
    SendResult,
    SmsCampaign,
    SmsReceipt,
    SmsTemplate,
    StrippedString,
    TemplateCategory,
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
    # Part B: campaigns, email, URL shortening, delivery issues, test pushes, return addresses.
    ("POST", "/v3/sms-campaigns/send", SmsCampaign, ONE, "sms_campaign_id"),
    ("POST", "/v3/sms-campaigns/price", CampaignPrice, ONE, "total_price"),
    ("GET", "/v3/sms-campaigns", SmsCampaign, PAGE, "senders"),
    ("GET", "/v3/sms-campaigns/{sms_campaign_id}", SmsCampaign, ONE, "list_name"),
    ("PUT", "/v3/sms-campaigns/{sms_campaign_id}", SmsCampaign, ONE, "list_name"),
    ("PUT", "/v3/sms-campaigns/{sms_campaign_id}/cancel", SmsCampaign, ONE, "senders"),
    ("POST", "/v3/mms-campaigns/send", MmsCampaign, ONE, "media_file_url"),
    ("POST", "/v3/mms-campaigns/price", CampaignPrice, ONE, "preview"),
    ("GET", "/v3/mms-campaigns/{mms_campaign_id}", MmsCampaign, ONE, "subject"),
    ("PUT", "/v3/mms-campaigns/{mms_campaign_id}", MmsCampaign, ONE, "subject"),
    ("PUT", "/v3/mms-campaigns/{mms_campaign_id}/cancel", MmsCampaign, ONE, "subject"),
    ("GET", "/v3/sms/email-sms", EmailSmsAddress, PAGE, "from_"),
    ("POST", "/v3/sms/email-sms", EmailSmsAddress, ONE, "from_"),
    ("GET", "/v3/sms/email-sms-stripped-strings", StrippedString, PAGE, "strip_string"),
    ("POST", "/v3/sms/email-sms-stripped-strings", StrippedString, ONE, "strip_string"),
    ("GET", "/v3/sms/email-sms-stripped-strings/{rule_id}", StrippedString, ONE, "strip_string"),
    ("PUT", "/v3/sms/email-sms-stripped-strings/{rule_id}", StrippedString, ONE, "strip_string"),
    ("POST", "/v3/email/send", Email, ONE, "attachments"),
    ("GET", "/v3/email/history/export", HistoryExport, ONE, "filename"),
    ("POST", "/v3/email-campaigns/send", EmailCampaignResult, ONE, "campaign"),
    ("POST", "/v3/email-campaigns/price", EmailCampaignPrice, ONE, "preview"),
    ("GET", "/v3/email-campaigns", EmailCampaign, PAGE, "subject"),
    ("GET", "/v3/email-campaigns/{email_campaign_id}", EmailCampaign, ONE, "subject"),
    ("PUT", "/v3/email-campaigns/{email_campaign_id}", EmailCampaign, ONE, "subject"),
    ("PUT", "/v3/email-campaigns/{email_campaign_id}/cancel", EmailCampaign, ONE, "subject"),
    (
        "GET",
        "/v3/email-campaigns/{email_campaign_id}/history",
        EmailCampaignRecipient,
        PAGE,
        "to_address",
    ),
    ("GET", "/v3/email/master-templates", MasterTemplate, LIST, "thumbnail"),
    ("GET", "/v3/email/master-templates/{template_id}", MasterTemplate, ONE, "body"),
    ("GET", "/v3/email/master-templates-categories", TemplateCategory, LIST, "category_name"),
    (
        "GET",
        "/v3/email/master-templates-categories/{category_id}",
        TemplateCategory,
        ONE,
        "category_name",
    ),
    (
        "GET",
        "/v3/email/master-templates-categories/{category_id}/master-templates",
        MasterTemplate,
        LIST,
        "category_id",
    ),
    ("GET", "/v3/email/templates", EmailTemplate, PAGE, "template_name"),
    ("POST", "/v3/email/templates", EmailTemplate, ONE, "template_id_master"),
    ("GET", "/v3/email/templates/{template_id}", EmailTemplate, ONE, "body"),
    ("PUT", "/v3/email/templates/{template_id}", EmailTemplate, ONE, "body"),
    ("POST", "/v3/automations/email/receipts", EmailReceiptRule, ONE, "action_address"),
    (
        "GET",
        "/v3/automations/email/receipts/{receipt_rule_id}",
        EmailReceiptRule,
        ONE,
        "action_address",
    ),
    (
        "PUT",
        "/v3/automations/email/receipts/{receipt_rule_id}",
        EmailReceiptRule,
        ONE,
        "action_address",
    ),
    ("GET", "/v3/delivery-issues", DeliveryIssue, PAGE, "message_id"),
    ("POST", "/v3/delivery-issues", DeliveryIssue, ONE, "message_id"),
    ("GET", "/v3/short-url/statistics/{source}/{source_id}", LinkStatistics, LIST, "links"),
    ("POST", "/v3/sms/receipts", SmsReceipt, ONE, "status_code"),
    ("POST", "/v3/sms/inbound", InboundSms, ONE, "message_id"),
    ("GET", "/v3/post/return-addresses", ReturnAddress, PAGE, "address_name"),
    ("POST", "/v3/post/return-addresses", ReturnAddress, ONE, "address_name"),
    (
        "GET",
        "/v3/post/return-addresses/{return_address_id}",
        ReturnAddress,
        ONE,
        "address_name",
    ),
    (
        "PUT",
        "/v3/post/return-addresses/{return_address_id}",
        ReturnAddress,
        ONE,
        "address_name",
    ),
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


SPEC_2021_PATH = SPEC_PATH.with_name("clicksend-openapi-apisguru-2021.yaml")


@functools.cache
def _load_2021() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_2021_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)
    return document


def example_2021(method: str, path: str) -> Any:
    """Return the ``data`` of the 2021 spec's 200 example of ``method path`` (query stripped)."""
    for raw, item in _load_2021()["paths"].items():
        if raw.split("?")[0].rstrip("/") == path:
            content = item[method.lower()]["responses"]["200"]["content"]["application/json"]
            return content["examples"]["response"]["value"]["data"]
    raise KeyError(path)


#: The post and fax operations only the 2021 spec has: (method, path, model, shape, field).
OPERATIONS_2021: list[tuple[str, str, type[Any], str, str]] = [
    ("POST", "/post/letters/send", LetterResult, ONE, "recipients"),
    ("POST", "/post/letters/price", LetterResult, ONE, "recipients"),
    ("GET", "/post/letters/history", Letter, PAGE, "post_price"),
    ("GET", "/post/letters/history/export", HistoryExport, ONE, "filename"),
    ("POST", "/post/letters/detect-address", DetectedAddress, ONE, "address_postal_code"),
    ("POST", "/post/postcards/send", PostcardResult, ONE, "recipients"),
    ("POST", "/post/postcards/price", PostcardResult, ONE, "recipients"),
    ("GET", "/post/postcards/history", Postcard, PAGE, "return_address"),
    ("GET", "/post/postcards/export", HistoryExport, ONE, "filename"),
    ("GET", "/post/direct-mail/campaigns", DirectMailCampaign, PAGE, "name"),
    ("POST", "/post/direct-mail/campaigns/price", DirectMailResult, ONE, "campaign"),
    ("POST", "/post/direct-mail/campaigns/send", DirectMailResult, ONE, "currency"),
    ("GET", "/post/direct-mail/locations/search/{country}", DirectMailLocation, PAGE, "place_name"),
    ("POST", "/fax/send", FaxResult, ONE, "messages"),
    ("POST", "/fax/price", FaxResult, ONE, "messages"),
    ("GET", "/fax/history", Fax, PAGE, "message_pages"),
    ("GET", "/fax/history/export", HistoryExport, ONE, "filename"),
    ("GET", "/fax/receipts", FaxReceipt, PAGE, "status_code"),
    ("POST", "/fax/receipts", FaxReceipt, ONE, "status_code"),
    ("GET", "/fax/receipts/{message_id}", Fax, ONE, "message_price"),
]

#: Current-spec examples that carry no item to decode (an empty or item-less page), with why.
EMPTY_EXAMPLES: dict[tuple[str, str], str] = {
    ("POST", "/v3/email/price"): "a page without items; the 2021 example is a price object",
    ("GET", "/v3/email/history"): "a page without items",
    ("GET", "/v3/automations/email/receipts"): "a page without items",
}


class TestPartBExamples:
    @pytest.mark.parametrize("op", OPERATIONS_2021, ids=_id)
    def test_2021_example_decodes(self, op: tuple[str, str, type[Any], str, str]) -> None:
        method, path, model, shape, field = op
        items = _decode(example_2021(method, path), model, shape)
        assert items
        for item in items:
            assert isinstance(item, model)
            assert getattr(item, field) not in (None, "", [], ())

    @pytest.mark.parametrize(("method", "path"), list(EMPTY_EXAMPLES), ids=" ".join)
    def test_item_less_examples_still_decode_as_empty_pages(self, method: str, path: str) -> None:
        data = example(method, path)
        assert "data" not in data, EMPTY_EXAMPLES[(method, path)]
        assert decode_page(data, Email).items == []

    def test_the_2021_email_price_example_decodes(self) -> None:
        price = structure(example_2021("POST", "/email/price"), EmailPrice)
        assert price.price > 0 and [r.email for r in price.cc] == ["user1@test.com"]

    def test_the_mms_campaign_list_example_is_a_bare_page_and_still_decodes(self) -> None:
        # The spec's example of GET /mms-campaigns has no envelope: the page is the example.
        document = _load()
        content = document["paths"]["/v3/mms-campaigns"]["get"]["responses"]["200"]["content"]
        page = _resolve(content["application/json"]["schema"], document)["example"]
        assert "http_code" not in page
        items = decode_page(page, MmsCampaign).items
        assert [c.mms_campaign_id for c in items] == [96, 96]

    def test_the_tracking_example_is_a_bare_page_and_still_decodes(self) -> None:
        document = _load()
        op = document["paths"]["/v3/short-url/tracking/{long_url_id}"]["get"]
        content = op["responses"]["200"]["content"]["application/json"]
        page = _resolve(content["schema"], document)["example"]
        tracking = structure(page, LinkTracking)
        assert tracking.total == 500 and tracking.opens[0].contact is not None

    def test_the_email_campaign_send_example_keeps_its_count_typo_readable(self) -> None:
        result = structure(example("POST", "/v3/email-campaigns/send"), EmailCampaignResult)
        assert result.total_count == 1  # spelled "totlal_count" in the example
