"""Part B's emulator routes answer bad input with a 400 or 404 naming the field, never a 500."""

from __future__ import annotations

import re

import aiohttp
import pytest
from emulator_helpers import basic

from clicksend_async.testing import ClickSendEmulator
from clicksend_async.testing._http import Router
from clicksend_async.testing.routes import MODULES, post_addresses

PART_B = {
    "campaigns",
    "email_sms",
    "email",
    "email_campaigns",
    "email_receipts",
    "delivery_issues",
    "short_urls",
    "sms_tests",
    "post_addresses",
    "post",
    "fax",
}
BAD_BODIES: list[object] = [
    None,
    [],
    "text",
    0,
    {},
    {"list_id": True, "name": 5, "body": [], "schedule": "soon", "from": 7},
    {"to": "x", "from": "y", "subject": {}, "body": None, "attachments": "z"},
    {"file_url": 5, "file_urls": "abc", "recipients": [1, None, {"address_country": 9}]},
    {"messages": [None, 3, {"to": 12}], "colour": "yes", "areas": [{"location_id": "x"}]},
    {"strip_string": 5, "email_address": ["a"], "match_type": "0", "enabled": 2, "action": 1},
    {"template_id_master": "abc", "template_name": 1, "url": 3, "webhook_type": 1},
    {"content": "!!!not base64", "address": 5, "date_before": "x", "type": None},
]


def _routes() -> list[tuple[str, str]]:
    router = Router()
    for module in MODULES:
        if module.__name__.rsplit(".", 1)[-1] in PART_B:
            module.register(router)
    routes = list(router.static)
    routes += [(r.method, r.pattern) for r in router.dynamic]
    return sorted(routes)


ROUTES = _routes()


def test_every_part_b_module_is_registered() -> None:
    names = {m.__name__.rsplit(".", 1)[-1] for m in MODULES}
    assert names >= PART_B
    assert post_addresses in MODULES


@pytest.mark.parametrize(("method", "pattern"), ROUTES, ids=" ".join)
@pytest.mark.parametrize("segment", ["1", "abc"])
async def test_bad_input_never_fails_the_server(
    emu: ClickSendEmulator,
    session: aiohttp.ClientSession,
    method: str,
    pattern: str,
    segment: str,
) -> None:
    path = re.sub(r"\{\w+\}", segment, pattern)
    bodies = BAD_BODIES if method in ("POST", "PUT") else [None]
    for body in bodies:
        async with session.request(
            method, emu.url + path, json=body, params={"page": "x", "q": ":"}, headers=basic(emu)
        ) as response:
            answer = await response.json()
        assert response.status in (200, 400, 404), (method, path, body, answer)
        if response.status == 400:
            assert answer["data"], (method, path, body, answer)
