"""Fuzz: bad input is refused before anything is sent, with a typed error naming the field.

Random messages (any type in any field) go to the send and price calls against the emulator.
Whatever happens, only a ``ClickSendError`` escapes; and when it is a ``ValidationError``, the
emulator recorded no request at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clicksend_async import ClickSendClient, ClickSendError, ValidationError
from clicksend_async.testing import ClickSendEmulator

from .strategies import anything, hostile_text

FUZZ = settings(
    derandomize=True,
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

field_value = st.one_of(hostile_text, anything, st.sampled_from(["+61411111111", "hi", "AU"]))
message = st.dictionaries(
    st.sampled_from(
        [
            "to",
            "body",
            "from",
            "from_",
            "schedule",
            "country",
            "list_id",
            "custom_string",
            "subject",
            "voice",
            "lang",
            "source",
        ]
    ),
    field_value,
    max_size=6,
)
messages = st.one_of(st.lists(message, max_size=3), anything)

Call = Callable[[ClickSendClient, Any, Any], Awaitable[Any]]
CALLS: list[Call] = [
    lambda c, m, x: c.sms.send(m),
    lambda c, m, x: c.sms.price(m),
    lambda c, m, x: c.voice.send(m),
    lambda c, m, x: c.voice.price(m),
    lambda c, m, x: c.mms.send(x, m),
    lambda c, m, x: c.mms.price(x, m),
    lambda c, m, x: c.contacts.create(x, **_contact_fields(m)),
    lambda c, m, x: c.lists.create(list_name=x),
    lambda c, m, x: c.sms.templates.create(template_name=x, body=m),
    lambda c, m, x: c.email_addresses.create(x),
    lambda c, m, x: c.account.usage(x, m),
]


def _contact_fields(payload: Any) -> dict[str, Any]:
    """Return the first message of ``payload`` as contact fields (any value in them)."""
    first = payload[0] if isinstance(payload, list) and payload else {}
    if not isinstance(first, dict):
        return {}
    names = {"to": "phone_number", "body": "first_name", "country": "address_country"}
    return {names[k]: v for k, v in first.items() if k in names}


@FUZZ
@given(
    cases=st.lists(
        st.tuples(st.integers(0, len(CALLS) - 1), messages, field_value), min_size=20, max_size=20
    )
)
def test_nothing_is_sent_before_a_validation_error(cases: list[tuple[int, Any, Any]]) -> None:
    asyncio.run(_run(cases))


async def _run(cases: list[tuple[int, Any, Any]]) -> None:
    async with ClickSendEmulator(receipt_delay=0) as emu:
        async with emu.client(rate_limit=None) as client:
            for index, payload, extra in cases:
                before = len(emu.requests)
                refused: ValidationError | None = None
                try:
                    await CALLS[index](client, payload, extra)
                except ValidationError as exc:
                    refused = exc
                except ClickSendError:
                    pass
                if refused is not None:
                    assert len(emu.requests) == before, f"sent before refusing: {refused}"
