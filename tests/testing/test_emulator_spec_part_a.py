"""Part A of the rest of the API: every emulated operation answers what the official spec says.

Automations, uploads, international messaging, subaccounts, account recovery, statistics,
recharge and transactions, referrals, reseller, numbers, own numbers, alpha tags and default
senders, each called for real through ``emulator_helpers.Api``, which validates each request
body and each 200 body against the spec (with ``PART_A_TOLERANCES`` for the spec's own bugs).
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

import aiohttp
import yaml  # type: ignore[import-untyped]
from emulator_helpers import (
    PART_A_TOLERANCES,
    SPEC_GAPS,
    SPEC_TOLERANCES,
    Api,
    EmulatorFactory,
    FakeClock,
    basic,
    bearer,
    load_spec,
    sms,
)

from clicksend_async.testing import ClickSendEmulator
from clicksend_async.testing._state import SUBACCOUNT_ID

EXPECTED = {
    ("GET", "/v3/automations/sms/receipts"),
    ("POST", "/v3/automations/sms/receipts"),
    ("GET", "/v3/automations/sms/receipts/{receipt_rule_id}"),
    ("PUT", "/v3/automations/sms/receipts/{receipt_rule_id}"),
    ("DELETE", "/v3/automations/sms/receipts/{receipt_rule_id}"),
    ("GET", "/v3/automations/voice/receipts"),
    ("POST", "/v3/automations/voice/receipts"),
    ("GET", "/v3/automations/voice/receipts/{receipt_rule_id}"),
    ("PUT", "/v3/automations/voice/receipts/{receipt_rule_id}"),
    ("DELETE", "/v3/automations/voice/receipts/{receipt_rule_id}"),
    ("GET", "/v3/automations/sms/inbound"),
    ("POST", "/v3/automations/sms/inbound"),
    ("GET", "/v3/automations/sms/inbound/{inbound_rule_id}"),
    ("PUT", "/v3/automations/sms/inbound/{inbound_rule_id}"),
    ("DELETE", "/v3/automations/sms/inbound/{inbound_rule_id}"),
    ("POST", "/v3/uploads"),
    ("GET", "/v3/country-list"),
    ("GET", "/v3/user-countries"),
    ("POST", "/v3/user-countries"),
    ("POST", "/v3/user-countries/agree"),
    ("GET", "/v3/timezones"),
    ("GET", "/v3/subaccounts"),
    ("POST", "/v3/subaccounts"),
    ("GET", "/v3/subaccounts/{subaccount_id}"),
    ("PUT", "/v3/subaccounts/{subaccount_id}"),
    ("DELETE", "/v3/subaccounts/{subaccount_id}"),
    ("PUT", "/v3/subaccounts/{subaccount_id}/regen-api-key"),
    ("PUT", "/v3/forgot-username"),
    ("PUT", "/v3/forgot-password"),
    ("GET", "/v3/statistics/sms"),
    ("GET", "/v3/statistics/voice"),
    ("GET", "/v3/recharge/credit-card"),
    ("PUT", "/v3/recharge/credit-card"),
    ("GET", "/v3/recharge/packages"),
    ("PUT", "/v3/recharge/purchase/{package_id}"),
    ("GET", "/v3/recharge/transactions"),
    ("GET", "/v3/recharge/transactions/{transaction_id}"),
    ("GET", "/v3/referral/accounts/"),
    ("GET", "/v3/reseller/accounts"),
    ("POST", "/v3/reseller/accounts"),
    ("GET", "/v3/reseller/accounts/{client_user_id}"),
    ("PUT", "/v3/reseller/accounts/{client_user_id}"),
    ("PUT", "/v3/reseller/transfer-credit"),
    ("GET", "/v3/numbers"),
    ("GET", "/v3/numbers/search/{country}"),
    ("POST", "/v3/numbers/buy/{dedicated_number}"),
    ("POST", "/v3/numbers/registrations/number-types/{number_type}/country/{country_code}"),
    ("GET", "/v3/own-numbers"),
    ("POST", "/v3/own-numbers/verifications"),
    ("POST", "/v3/own-numbers/verifications/{verification_id}/verify"),
    ("GET", "/v3/own-numbers/{own_number_id}"),
    ("PATCH", "/v3/own-numbers/{own_number_id}"),
    ("DELETE", "/v3/own-numbers/{own_number_id}"),
    ("GET", "/v3/alpha-tags"),
    ("POST", "/v3/alpha-tags"),
    ("GET", "/v3/alpha-tags/{alpha_tag_id}"),
    ("DELETE", "/v3/alpha-tags/{alpha_tag_id}"),
    ("GET", "/v3/senders/default-senders"),
    ("POST", "/v3/senders/default-senders"),
    ("GET", "/v3/senders/default-senders/{default_sender_id}"),
    ("PATCH", "/v3/senders/default-senders/{default_sender_id}"),
    ("GET", "/v3/senders/compliant-sender-types"),
    # DELETE /v3/senders/default-senders/{id} answers 204 without a body: nothing to check.
}

#: Calls the exercise makes to create traffic for the statistics (checked by the main file).
SUPPORT = {("POST", "/v3/sms/send"), ("POST", "/v3/voice/send")}

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


async def exercise(api: Api, emu: ClickSendEmulator, clock: FakeClock) -> None:
    """Call every part-A operation at least once, with empty and non-empty results."""
    for channel in ("sms/receipts", "voice/receipts"):
        base = f"/automations/{channel}"
        assert (await api.get(base)).status == 200
        rule = {
            "rule_name": "R",
            "match_type": 0,
            "action": "URL",
            "action_address": "https://example.com/dlr",
            "enabled": 1,
        }
        created = (await api.post(base, rule)).data
        one = f"{base}/{created['receipt_rule_id']}"
        await api.get(base)
        await api.get(one)
        await api.put(one, {"enabled": 0})
        await api.delete(one)
    base = "/automations/sms/inbound"
    assert (await api.get(base)).status == 200
    inbound = {
        "dedicated_number": "*",
        "rule_name": "IFTTT Test",
        "message_search_type": 0,
        "message_search_term": None,
        "action": "POLL",
        "action_address": "",
        "body": None,
        "enabled": 1,
    }
    created = (await api.post(base, inbound)).data
    # Disabled: an enabled URL rule would push the inbound SMS below to that address.
    url_rule = {**inbound, "action": "URL", "action_address": "https://e.example/in", "enabled": 0}
    await api.post(base, url_rule)
    one = f"{base}/{created['inbound_rule_id']}"
    await api.get(base)
    await api.get(one)
    await api.put(
        one, {"rule_name": "Renamed", "message_search_type": 2, "message_search_term": "x"}
    )
    await api.delete(one)

    # uploads
    content = base64.b64encode(PNG).decode()
    upload = await api.post("/uploads", {"content": content}, params={"convert": "mms"})
    assert upload.status == 200

    # international messaging
    await api.get("/user-countries")  # nothing selected yet
    countries = (await api.get("/country-list")).data
    nz = next(c["id"] for c in countries if c["code"] == "NZ")
    await api.post("/user-countries", {"country_list_ids": [nz]})
    await api.post("/user-countries/agree", {"country_list_ids": [nz]})
    await api.get("/user-countries")
    await api.get("/timezones")

    # subaccounts and account recovery
    await api.get("/subaccounts")
    sub = (
        await api.post(
            "/subaccounts",
            {
                "api_username": "ops",
                "password": "pw-123456",
                "email": "ops@example.com",
                "phone_number": "+61411111111",
                "first_name": "Op",
                "last_name": "S",
                "access_users": 0,
                "notes": "night shift",
            },
        )
    ).data
    sub_path = f"/subaccounts/{sub['subaccount_id']}"
    await api.get(sub_path)
    await api.put(sub_path, {"access_sms": 0, "email": "ops2@example.com"})
    await api.put(f"{sub_path}/regen-api-key")
    await api.delete(sub_path)
    await api.put("/forgot-username", {"email": "ops@example.com"})
    await api.put("/forgot-password", {"username": "ops"})

    # statistics, before and after traffic
    await api.get("/statistics/sms")
    await api.get("/statistics/voice")
    await api.post("/sms/send", {"messages": [sms(), sms(to="+61412340000")]})
    voice = {"to": "+61412345678", "body": "Hi", "voice": "female", "lang": "en-au"}
    await api.post("/voice/send", {"messages": [voice]})
    emu.simulate_inbound("+61412345678", "Hello")
    await api.get("/statistics/sms")
    await api.get("/statistics/voice")

    # recharge
    card = {
        "number": "4242424242424242",
        "expiry_month": 12,
        "expiry_year": 2030,
        "cvc": 123,
        "name": "Ann Lee",
    }
    await api.put("/recharge/credit-card", card)
    await api.get("/recharge/credit-card")
    await api.get("/recharge/packages")
    await api.get("/recharge/transactions")  # none yet
    await api.put("/recharge/purchase/1")
    invoice = (await api.get("/recharge/transactions")).data["data"][0]["invoice_number"]
    await api.get(f"/recharge/transactions/{invoice}")

    # referrals and reseller
    await api.get("/referral/accounts/")
    emu.add_referral(24)
    await api.get("/referral/accounts/")
    await api.get("/reseller/accounts")
    client = (
        await api.post(
            "/reseller/accounts",
            {
                "username": "client1",
                "password": "pw-123456",
                "user_email": "c1@example.com",
                "user_phone": "+61411111112",
                "user_first_name": "Cee",
                "user_last_name": "One",
                "account_name": "Client One",
                "country": "AU",
            },
        )
    ).data
    client_path = f"/reseller/accounts/{client['user_id']}"
    await api.get(client_path)
    await api.put(client_path, {"account_name": "Client 1"})
    await api.put(
        "/reseller/transfer-credit",
        {"client_user_id": client["user_id"], "balance": 5, "currency": "AUD"},
    )
    await api.get("/reseller/accounts")

    # dedicated numbers
    await api.get("/numbers")
    found = (await api.get("/numbers/search/AU", params={"search": "61", "search_type": "0"})).data
    number = found["data"][0]["dedicated_number"]
    await api.post(f"/numbers/buy/{number}", {"dedicated_number": number, "type": "sms"})
    await api.get("/numbers")
    await api.get("/numbers", params={"q": "country:AU,type:sms"})
    await api.post(
        "/numbers/registrations/number-types/10DLC/country/CA",
        {
            "full_name": "John Doe",
            "company_name": "ClickSend",
            "email": "john.doe@example.com",
            "website_url": "https://example.com",
            "sample_message": "Get 20% off",
            "primary_use_case": "Marketing",
            "company_number": "+1-800-555-0199",
            "area_code": "416",
        },
    )

    # own numbers
    await api.get("/own-numbers")
    started = (
        await api.post(
            "/own-numbers/verifications",
            {"label": "Mobile", "phone_number": "+61412345678", "country": "AU"},
        )
    ).body
    code = emu.own_number_code(started["id"])
    verify = f"/own-numbers/verifications/{started['id']}/verify"
    await api.post(verify, {"country": "AU", "phone_number": "+61412345678", "code": code})
    own_path = f"/own-numbers/{started['own_number_id']}"
    await api.get(own_path)
    await api.patch(own_path, {"label": "Work mobile"})
    await api.get("/own-numbers", params={"page_size": "1"})
    await api.delete(own_path)

    # alpha tags
    await api.get("/alpha-tags")
    tag = (await api.post("/alpha-tags", {"alpha_tag": "MyCompany", "reason": "Company Name"})).body
    await api.get("/alpha-tags", params={"sort_direction": "desc", "page_size": "5"})
    await api.get(f"/alpha-tags/{tag['id']}")
    await api.delete(f"/alpha-tags/{tag['id']}")

    # default senders
    await api.get("/senders/default-senders")
    strategy = {"sender_id": "MyCompany", "sender_type": "alpha_tag", "note": "default"}
    sender = (
        await api.post(
            "/senders/default-senders",
            {"country_code": "AU", "product_type": "SMS", "default_sender_strategies": [strategy]},
        )
    ).data
    sender_path = f"/senders/default-senders/{sender['id']}"
    await api.get(sender_path)
    await api.patch(
        sender_path,
        {"default_sender_strategies": [{"sender_id": "+61411111111", "sender_type": "own_number"}]},
    )
    await api.get("/senders/default-senders")
    await api.get(
        "/senders/compliant-sender-types",
        params={"filter[product_type]": "SMS", "filter[country_code][0]": "US"},
    )
    assert (await api.delete(sender_path)).status == 204
    _ = clock


async def test_every_part_a_operation_answers_per_spec(
    emu: ClickSendEmulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    api = Api(session, emu.url, basic(emu))
    await exercise(api, emu, clock)
    assert api.checked == EXPECTED | SUPPORT


async def test_gateway_answers_per_spec_too(
    emu: ClickSendEmulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    api = Api(session, emu.maton_url, bearer(emu))
    await exercise(api, emu, clock)
    assert api.checked == EXPECTED | SUPPORT


async def test_every_part_a_tolerance_is_needed_and_nothing_else_is(
    emu: ClickSendEmulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    spec = load_spec()
    assert spec is not None
    api = Api(session, emu.url, basic(emu))
    await exercise(api, emu, clock)
    used: set[tuple[str, str]] = set()
    for method, template, body in api.answers:
        used |= spec.tolerances_used(method, template, body)
    # The shared ones (empty pages' from/to) are proven by test_emulator_spec.py.
    assert used - set(SPEC_TOLERANCES) == set(PART_A_TOLERANCES)


APIARY_PATH = (
    Path(__file__).resolve().parents[1] / "data" / "spec" / "clicksend-openapi-apisguru-2021.yaml"
)


def test_the_upload_stand_in_accepts_the_2021_docs_example() -> None:
    spec = load_spec()
    assert spec is not None
    op = _apiary()["paths"]["/uploads?convert={convert}"]["post"]
    example = op["responses"]["200"]["content"]["application/json"]["examples"]["response"]
    schema = SPEC_GAPS[("POST", "/v3/uploads")]
    assert spec.errors(schema, example["value"]) == []
    assert spec.errors(schema, {**example["value"], "data": {"url": "x"}})


async def test_unselecting_a_country_disables_it_and_agreeing_enables_it(
    make_emulator: EmulatorFactory, session: aiohttp.ClientSession
) -> None:
    emu = await make_emulator(enabled_countries=["AU"])
    api = Api(session, emu.url, basic(emu))
    countries = {c["code"]: c["id"] for c in (await api.get("/country-list")).data}
    selected = (await api.get("/user-countries")).data
    assert [(c["code"], c["agreed_at"] > 0) for c in selected] == [("AU", True)]
    nz = {"messages": [sms(to="+64211234567")]}
    assert (await api.post("/sms/send", nz)).data["messages"][0]["status"] == "COUNTRY_NOT_ENABLED"

    await api.post("/user-countries", {"country_list_ids": [countries["NZ"]]})
    assert (
        await api.post("/user-countries/agree", {"country_list_ids": [countries["AU"]]})
    ).status == 400
    await api.post("/user-countries/agree", {"country_list_ids": [countries["NZ"]]})
    assert (await api.post("/sms/send", nz)).data["messages"][0]["status"] == "SUCCESS"
    au = {"messages": [sms()]}
    assert (await api.post("/sms/send", au)).data["messages"][0]["status"] == "COUNTRY_NOT_ENABLED"


@functools.cache
def _apiary() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with APIARY_PATH.open(encoding="utf-8") as f:
        document: dict[str, Any] = yaml.load(f, Loader=loader)
    return document


def _example_2021(path: str) -> object:
    content = _apiary()["paths"][path]["put"]["responses"]["200"]["content"]
    return content["application/json"]["examples"]["response"]["value"]


async def test_the_2021_only_operations_answer_like_the_2021_examples(
    emu: ClickSendEmulator, session: aiohttp.ClientSession
) -> None:
    api = Api(session, emu.url, basic(emu))
    sent = await api.put(
        "/account-verify/send", {"country": "US", "type": "sms", "user_phone": "352-394-4199"}
    )
    example = _example_2021("/account-verify/send")
    assert isinstance(example, dict)
    # The example echoes the activation token; the emulator keeps it to the phone.
    assert set(sent.data) == set(example["data"]) - {"activation_token"}
    assert sent.data["user_phone"] == example["data"]["user_phone"] == "+13523944199"

    verified = await api.put(f"/account-verify/verify/{emu.account_verification_token()}")
    example = _example_2021("/account-verify/verify/{activation_token}")
    assert isinstance(example, dict)
    assert verified.body["response_msg"] == example["response_msg"]
    # Keys the 2021 example has and the emulator's account view (the current spec's) lacks.
    assert set(example["data"]) - set(verified.data) == {"setting_beta", "unsubscribe_mail"}

    await api.put("/forgot-password", {"username": emu.username})
    token = emu.password_reset_token(emu.username)
    body = {"subaccount_id": 1, "activation_token": token, "password": "new secret"}
    reset = await api.put("/forgot-password/verify", body)
    assert reset.status == 400  # not the main subaccount's id
    reset = await api.put("/forgot-password/verify", {**body, "subaccount_id": SUBACCOUNT_ID})
    example = _example_2021("/forgot-password/verify")
    assert isinstance(example, dict)
    assert (reset.status, reset.body["response_msg"], reset.data) == (
        200,
        example["response_msg"],
        example["data"],
    )
