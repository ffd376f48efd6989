"""Sender IDs (``from``) are checked before a request: ClickSend refuses bad ones per message."""

from __future__ import annotations

import pytest

from clicksend_async import ClickSendClient, SmsMessage, ValidationError
from clicksend_async._validation import check_sender, validate_mms, validate_sms
from clicksend_async.models.messages import MmsMessage
from clicksend_async.testing import ClickSendEmulator


@pytest.mark.parametrize(
    "sender",
    [
        None,
        "",
        "ACME",
        "MyShop123",
        "A.B-C",
        "Bob's",
        "+61411111111",
        "+61 411 111 111",
        "61411111111",
        "0411 111 111",
        "12345",
        "abc",
    ],
)
def test_accepted(sender: str | None) -> None:
    check_sender(sender, "message")


@pytest.mark.parametrize(
    ("sender", "problem"),
    [
        ("My Shop", "has spaces"),
        ("AB", "is 2 characters"),
        ("ABCDEFGHIJKL", "is 12 characters"),
        ("Café", "cannot carry"),
        ("Shop\u00a0X", "has spaces"),
        ("++", "neither a phone number nor"),
    ],
)
def test_refused_naming_the_field(sender: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_sms(SmsMessage(to="+61411111111", body="hi", from_=sender), field="messages[2]")
    assert caught.value.field == "messages[2].from"
    assert problem in caught.value.reason


def test_mms_sender_is_checked_too() -> None:
    message = MmsMessage(to="+61411111111", body="hi", subject="s", from_="My Shop")
    with pytest.raises(ValidationError, match="has spaces"):
        validate_mms(message, "https://example.com/a.jpg")


async def test_nothing_is_sent_with_a_bad_sender() -> None:
    async with ClickSendEmulator() as emu:
        async with ClickSendClient(
            username=emu.username, api_key=emu.api_key, base_url=emu.url
        ) as cs:
            with pytest.raises(ValidationError):
                await cs.sms.send([SmsMessage(to="+61411111111", body="hi", from_="Too Long Name")])
            with pytest.raises(ValidationError) as caught:
                await cs.sms.send_bulk(
                    [{"to": "+61411111111"}, {"to": "+61411111112"}],
                    body="hi",
                    from_="Too Long Name",
                )
        assert caught.value.field == "from" and caught.value.row is None
        assert caught.value.reason.startswith(
            "'Too Long Name' has spaces: an alphanumeric sender ID is 3 "
            "to 11 letters, digits or simple punctuation, without spaces"
        )
        assert not [r for r in emu.requests if r.path.endswith("/send")]
