"""Part A of the rest of the API: every emulated operation answers what the official spec says.

Automations, uploads, international messaging, subaccounts, account recovery, statistics,
recharge and transactions, referrals, reseller, numbers, own numbers, alpha tags and default
senders, each called for real through ``emulator_helpers.Api``, which validates each request
body and each 200 body against the spec (with ``PART_A_TOLERANCES`` for the spec's own bugs).
"""

from __future__ import annotations

import base64

import aiohttp
from emulator_helpers import (
    PART_A_TOLERANCES,
    SPEC_TOLERANCES,
    Api,
    FakeClock,
    basic,
    bearer,
    load_spec,
)

from clicksend_async.testing import ClickSendEmulator

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
}


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
    await api.post(base, {**inbound, "action": "URL", "action_address": "https://e.com/in"})
    one = f"{base}/{created['inbound_rule_id']}"
    await api.get(base)
    await api.get(one)
    await api.put(
        one, {"rule_name": "Renamed", "message_search_type": 2, "message_search_term": "x"}
    )
    await api.delete(one)
    _ = (base64, emu, clock)


async def test_every_part_a_operation_answers_per_spec(
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
