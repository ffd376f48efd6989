"""Every emulated operation, called for real, answers what the official OpenAPI spec describes.

The spec helper (``emulator_helpers.Spec``) validates each request body against the
operation's request schema and each 200 body against its 200 schema, with the short, explicit
list of tolerated spec bugs in ``emulator_helpers.SPEC_TOLERANCES``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import aiohttp
import pytest
import yaml  # type: ignore[import-untyped]
from emulator_helpers import (
    SPEC_GAPS,
    SPEC_TOLERANCES,
    Api,
    FakeClock,
    basic,
    bearer,
    load_spec,
    sms,
)

from clicksend_async.testing import ClickSendEmulator

# The spec is test data in the repository (tests/data/spec): a missing spec is a broken checkout,
# so these tests fail rather than skip.
assert load_spec() is not None, "tests/data/spec/clicksend-openapi.yaml not found"

EXPECTED = {
    ("GET", "/v3/account"),
    ("GET", "/v3/account/usage/{year}/{month}/subaccount"),
    ("GET", "/v3/countries"),
    ("POST", "/v3/sms/send"),
    ("POST", "/v3/sms/price"),
    ("GET", "/v3/sms/history"),
    ("GET", "/v3/sms/history/export"),
    ("GET", "/v3/sms/inbound"),
    ("PUT", "/v3/sms/inbound-read"),
    ("PUT", "/v3/sms/inbound-read/{message_id}"),
    ("GET", "/v3/sms/receipts"),
    ("GET", "/v3/sms/receipts/{message_id}"),
    ("PUT", "/v3/sms/receipts-read"),
    ("PUT", "/v3/sms/{message_id}/cancel"),
    ("PUT", "/v3/sms/cancel-all"),
    ("GET", "/v3/sms/templates"),
    ("POST", "/v3/sms/templates"),
    ("GET", "/v3/sms/templates/{template_id}"),
    ("PUT", "/v3/sms/templates/{template_id}"),
    ("DELETE", "/v3/sms/templates/{template_id}"),
    ("POST", "/v3/mms/send"),
    ("POST", "/v3/mms/price"),
    ("GET", "/v3/mms/history"),
    ("GET", "/v3/mms/history/export"),
    ("POST", "/v3/voice/send"),
    ("POST", "/v3/voice/price"),
    ("GET", "/v3/voice/lang"),
    ("GET", "/v3/voice/history"),
    ("GET", "/v3/voice/history/export"),
    ("GET", "/v3/voice/receipts"),
    ("PUT", "/v3/voice/{message_id}/cancel"),
    ("PUT", "/v3/voice/cancel-all"),
    ("GET", "/v3/lists"),
    ("POST", "/v3/lists"),
    ("GET", "/v3/lists/{list_id}"),
    ("PUT", "/v3/lists/{list_id}"),
    ("DELETE", "/v3/lists/{list_id}"),
    ("PUT", "/v3/lists/{list_id}/remove-duplicates/"),
    ("POST", "/v3/lists/{list_id}/import"),
    ("PUT", "/v3/lists/{list_id}/remove-opted-out-contacts/{opt_out_list_id}"),
    ("GET", "/v3/search/contacts-lists"),
    ("GET", "/v3/lists/{list_id}/contacts"),
    ("POST", "/v3/lists/{list_id}/contacts"),
    ("GET", "/v3/lists/{list_id}/contacts/{contact_id}"),
    ("PUT", "/v3/lists/{list_id}/contacts/{contact_id}"),
    ("DELETE", "/v3/lists/{list_id}/contacts/{contact_id}"),
    ("PUT", "/v3/lists/{from_list_id}/contacts/{contact_id}/copy/{to_list_id}"),
    ("PUT", "/v3/lists/{from_list_id}/contacts/{contact_id}/transfer/{to_list_id}"),
    ("GET", "/v3/email/addresses"),
    ("POST", "/v3/email/addresses"),
    ("GET", "/v3/email/addresses/{email_address_id}"),
    ("DELETE", "/v3/email/addresses/{email_address_id}"),
    ("PUT", "/v3/email/address-verify/{email_address_id}/send"),
    ("PUT", "/v3/email/address-verify/{email_address_id}/verify/{activation_token}"),
}

MEDIA = "https://example.com/cat.gif"


async def exercise(api: Api, emu: ClickSendEmulator, clock: FakeClock) -> None:
    """Call every emulated operation at least once, with empty and non-empty results."""
    later = int(clock.now) + 3600
    # Empty pages first: from/to null, last_page 0.
    for path in ("/sms/history", "/sms/receipts", "/sms/inbound", "/mms/history", "/lists"):
        assert (await api.get(path)).status == 200
    for path in ("/voice/history", "/voice/receipts", "/sms/templates", "/email/addresses"):
        assert (await api.get(path)).status == 200

    assert (await api.get("/account")).status == 200
    assert (await api.get("/countries")).status == 200
    month = dt.datetime.fromtimestamp(clock.now, dt.UTC)
    usage_path = f"/account/usage/{month.year}/{month.month}/subaccount"
    assert (await api.get(usage_path)).status == 200  # no usage yet: empty channels
    assert (await api.get("/search/contacts-lists", params={"q": "nobody"})).status == 200
    for kind in ("sms", "mms", "voice"):
        assert (await api.get(f"/{kind}/history/export")).status == 200  # header-only file

    list_id = (await api.post("/lists", {"list_name": "Spec"})).data["list_id"]
    other_id = (await api.post("/lists", {"list_name": "Other"})).data["list_id"]
    contact = (
        await api.post(
            f"/lists/{list_id}/contacts",
            {"phone_number": "+61412345001", "first_name": "Ann", "last_name": "Lee"},
        )
    ).data
    contact_path = f"/lists/{list_id}/contacts/{contact['contact_id']}"
    await api.get(f"/lists/{list_id}")
    await api.put(f"/lists/{list_id}", {"list_name": "Spec list"})
    await api.get(f"/lists/{list_id}/contacts")
    await api.get(contact_path)
    await api.put(contact_path, {"custom_1": "gold"})
    await api.post(f"/lists/{list_id}/contacts", {"phone_number": "+61412345001"})
    await api.put(f"/lists/{list_id}/remove-duplicates/", {"fields": {"first_name": "x"}})
    await api.post(
        f"/lists/{list_id}/import", {"file_url": "https://example.com/c.csv", "field_order": "a"}
    )
    await api.get("/lists")
    await api.get("/search/contacts-lists", params={"q": "spec"})  # a list and a contact
    await api.get("/search/contacts-lists", params={"q": "ann", "page": "1", "limit": "15"})
    await api.post(f"/lists/{list_id}/contacts", {"phone_number": "+61412345009"})
    await api.post(f"/lists/{other_id}/contacts", {"phone_number": "+61412345009"})
    await api.put(f"/lists/{list_id}/remove-opted-out-contacts/{other_id}")

    sent = await api.post(
        "/sms/send",
        {
            "messages": [
                sms(custom_string="a", from_email="me@example.com"),
                sms(to="+61412340000", body="ж" * 80),  # undeliverable, UCS-2
                sms(to="+61412345002", schedule=later),
                sms(to="+61412345003", schedule=later, custom_string="b"),
                sms(to="not a number"),  # minimal rejected shape
                {"list_id": str(list_id), "body": "to the list"},
            ]
        },
    )
    messages = sent.data["messages"]
    await api.post("/sms/price", {"messages": [sms(show_summary=True), sms(to="bad")]})
    await api.get("/sms/history")
    await api.put(f"/sms/{messages[2]['message_id']}/cancel")
    await api.put("/sms/cancel-all", {"custom_string": "b"})
    await api.get("/sms/history")
    await api.get(
        "/sms/history/export",
        params={"filename": "sms.csv", "q": "status:Sent", "order_by": "date:desc", "limit": "15"},
    )
    await api.get("/sms/receipts")
    await api.get(f"/sms/receipts/{messages[0]['message_id']}")
    await api.put("/sms/receipts-read", {"date_before": int(clock.now) + 1})
    inbound = emu.simulate_inbound(
        "+61412345678", "Thanks", original_message_id=messages[0]["message_id"]
    )
    emu.simulate_inbound("+61412345679", "Hello")
    await api.get("/sms/inbound")
    await api.put(f"/sms/inbound-read/{inbound['message_id']}")
    await api.put("/sms/inbound-read", {"date_before": int(clock.now) + 1})

    template = (await api.post("/sms/templates", {"template_name": "T", "body": "B"})).data
    await api.get("/sms/templates")
    await api.get("/sms/templates", params={"q": "template_name:t", "order_by": "body:desc"})
    await api.get(f"/sms/templates/{template['template_id']}")
    await api.put(f"/sms/templates/{template['template_id']}", {"template_name": "T2"})
    await api.delete(f"/sms/templates/{template['template_id']}")

    mms = {"to": "+61412345678", "body": "Look", "subject": "Cat"}
    await api.post("/mms/price", {"media_file": MEDIA, "messages": [mms, {**mms, "subject": ""}]})
    await api.post("/mms/send", {"media_file": MEDIA, "messages": [mms]})
    await api.post(
        "/mms/send",
        {"media_file": MEDIA, "messages": [{"list_id": str(list_id), "body": "x", "subject": "s"}]},
    )
    await api.get("/mms/history")
    await api.get("/mms/history/export", params={"filename": "mms.csv", "date_from": "1"})

    voice = {"to": "+61412345678", "body": "Hello", "voice": "female", "lang": "en-au"}
    await api.get("/voice/lang")
    await api.post("/voice/price", {"messages": [voice, {**voice, "voice": "robot"}]})
    voiced = await api.post(
        "/voice/send",
        {"messages": [voice, {**voice, "to": "+61412345679", "schedule": later}]},
    )
    await api.put(f"/voice/{voiced.data['messages'][1]['message_id']}/cancel", {})
    await api.put("/voice/cancel-all", {})
    await api.get("/voice/history")
    await api.get("/voice/history", params={"q": "to:+61412345678", "operator": "OR"})
    await api.get("/voice/history/export", params={"filename": "voice.csv", "limit": "50000"})
    await api.get("/voice/receipts")
    await api.get(usage_path)  # SMS, MMS and voice usage, cancelled calls left out

    email = (await api.post("/email/addresses", {"email_address": "a@example.com"})).data
    email_id = email["email_address_id"]
    await api.get("/email/addresses")
    await api.get(f"/email/addresses/{email_id}")
    await api.put(f"/email/address-verify/{email_id}/send", {})
    token = emu.activation_token(email_id)
    await api.put(f"/email/address-verify/{email_id}/verify/{token}", {})
    await api.delete(f"/email/addresses/{email_id}")

    copied = await api.put(f"{contact_path}/copy/{other_id}", {})
    assert copied.status == 200
    moved = await api.put(f"{contact_path}/transfer/{other_id}", {})
    assert moved.status == 200
    await api.delete(f"/lists/{other_id}/contacts/{contact['contact_id']}")
    await api.delete(f"/lists/{list_id}")


async def test_every_operation_answers_per_spec(
    emu: ClickSendEmulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    api = Api(session, emu.url, basic(emu))
    await exercise(api, emu, clock)
    assert api.checked == EXPECTED


async def test_gateway_answers_per_spec_too(
    emu: ClickSendEmulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    api = Api(session, emu.maton_url, bearer(emu))
    await exercise(api, emu, clock)
    assert api.checked == EXPECTED


async def test_every_tolerance_is_needed_and_nothing_else_is(
    emu: ClickSendEmulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    spec = load_spec()
    assert spec is not None
    api = Api(session, emu.url, basic(emu))
    await exercise(api, emu, clock)
    used: set[tuple[str, str]] = set()
    for method, template, body in api.answers:
        used |= spec.tolerances_used(method, template, body)
    assert used == set(SPEC_TOLERANCES)


def test_the_checker_catches_a_wrong_type() -> None:
    spec = load_spec()
    assert spec is not None
    bad = {"http_code": 200, "data": {"list_id": "12", "list_name": "x"}}
    with pytest.raises(AssertionError, match="list_id"):
        spec.check_response("GET", "/v3/lists/{list_id}", bad)
    with pytest.raises(AssertionError, match="messages"):
        spec.check_request("POST", "/v3/sms/send", {"messages": "nope"})


APIARY_PATH = (
    Path(__file__).resolve().parents[1] / "data" / "spec" / "clicksend-openapi-apisguru-2021.yaml"
)


@pytest.mark.parametrize(("method", "template"), list(SPEC_GAPS), ids=" ".join)
def test_every_spec_gap_is_still_a_gap(method: str, template: str) -> None:
    spec = load_spec()
    assert spec is not None
    content = spec.operations[(method, template)]["responses"]["200"]["content"]
    assert not content["application/json"], "the spec has a schema now: drop the stand-in"


def test_the_search_stand_in_accepts_the_2021_docs_example() -> None:
    spec = load_spec()
    assert spec is not None
    with APIARY_PATH.open(encoding="utf-8") as f:
        apiary = yaml.safe_load(f)
    op = apiary["paths"]["/search/contacts-lists?q={q}"]["get"]
    example = op["responses"]["200"]["content"]["application/json"]["examples"]["response"]
    schema = SPEC_GAPS[("GET", "/v3/search/contacts-lists")]
    assert spec.errors(schema, example["value"]) == []
    assert spec.errors(schema, {**example["value"], "data": {"data": [{"id": "1"}]}})
