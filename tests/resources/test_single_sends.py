"""Single sends: one message, many, or keyword arguments; a custom_string on every message."""

from __future__ import annotations

import functools
import inspect

import pytest

from clicksend_async import (
    ClickSendClient,
    MmsMessage,
    RetryPolicy,
    SendOutcomeUnknownError,
    SmsMessage,
    ValidationError,
    VoiceMessage,
)
from clicksend_async.resources._base import Resource
from clicksend_async.testing import ClickSendEmulator

MEDIA = "https://example.com/cat.jpg"


class TestSmsSend:
    async def test_one_message_model(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        result = await client.sms.send(SmsMessage(to="+61411111111", body="one"))
        assert result.total_count == 1
        assert emulator.sent[0].body == "one"

    async def test_one_message_dict(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send({"to": "+61411111111", "body": "dict", "from": "Shop"})
        assert emulator.sent[0].from_ == "Shop"

    async def test_keyword_arguments_make_one_message(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        result = await client.sms.send(to="+61411111111", body="kw", from_="Shop")
        assert [m.status for m in result.messages] == ["SUCCESS"]
        assert (emulator.sent[0].body, emulator.sent[0].from_) == ("kw", "Shop")

    async def test_many_messages_still_work(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send(
            [SmsMessage(to="+61411111111", body="a"), SmsMessage(to="+61422222222", body="b")]
        )
        assert len(emulator.sent) == 2

    async def test_every_message_gets_a_unique_custom_string(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send([SmsMessage(to="+61411111111", body=str(i)) for i in range(20)])
        await client.sms.send(to="+61411111111", body="kw")
        customs = [m.custom_string for m in emulator.sent]
        assert all(c.startswith("cs-") for c in customs)
        assert len(set(customs)) == 21

    async def test_a_callers_custom_string_is_kept(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.sms.send(to="+61411111111", body="x", custom_string="order-17")
        assert emulator.sent[0].custom_string == "order-17"

    async def test_unknown_outcome_carries_the_generated_custom_string(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        emulator.inject("commit-500", path="/sms/send")
        with pytest.raises(SendOutcomeUnknownError) as info:
            await client.sms.send(to="+61411111111", body="lost?")
        assert info.value.custom_strings == [emulator.sent[0].custom_string]

    async def test_messages_and_keywords_together_are_refused(
        self, client: ClickSendClient
    ) -> None:
        with pytest.raises(ValidationError, match="not both") as info:
            await client.sms.send(SmsMessage(to="+61411111111", body="a"), body="b")
        assert info.value.field == "messages"

    async def test_nothing_to_send_is_refused(self, client: ClickSendClient) -> None:
        with pytest.raises(ValidationError, match="keyword arguments"):
            await client.sms.send()

    async def test_keywords_without_a_body_name_the_message(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.sms.send(to="+61411111111")
        assert info.value.field is not None and info.value.field.startswith("messages[0]")
        assert emulator.requests == []

    async def test_bad_number_in_keywords_is_refused_before_sending(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.sms.send(to="not a number", body="x")
        assert info.value.field == "messages[0].to"
        assert emulator.requests == []

    async def test_price_takes_one_message(self, client: ClickSendClient) -> None:
        result = await client.sms.price(SmsMessage(to="+61411111111", body="p"))
        assert result.total_count == 1


class TestMmsAndVoiceSend:
    async def test_mms_keyword_arguments(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.mms.send(MEDIA, to="+61411111111", body="pic", subject="Hello")
        sent = emulator.sent[0]
        assert (sent.kind, sent.body) == ("mms", "pic")
        assert sent.custom_string.startswith("cs-")

    async def test_mms_one_model(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.mms.send(MEDIA, MmsMessage(to="+61411111111", body="m", subject="S"))
        assert len(emulator.sent) == 1

    async def test_voice_keyword_arguments(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.voice.send(to="+61411111111", body="call", voice="male", lang="en-au")
        sent = emulator.sent[0]
        assert (sent.kind, sent.body) == ("voice", "call")
        assert sent.custom_string.startswith("cs-")

    async def test_voice_one_model(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.voice.send(VoiceMessage(to="+61411111111", body="v"))
        assert len(emulator.sent) == 1


class TestTimeoutOnEveryCall:
    async def test_a_read_call_takes_timeout(self) -> None:
        once = RetryPolicy(max_attempts=1)
        async with ClickSendEmulator(hang_seconds=5) as emu, emu.client(retry=once) as cs:
            emu.inject("commit-hang", path="/lists")
            with pytest.raises(Exception, match="timeout"):
                await cs.lists.list(timeout=0.2)

    async def test_every_public_resource_method_accepts_timeout(self) -> None:
        cs = ClickSendClient(username="u", api_key="k")
        # The campaign builders take the engine's own options; everything else takes timeout=.
        exempt = {"bulk", "send_bulk", "stream_bulk", "templates", "work", "status"}
        # Every resource the client reaches, nested ones included (cs.email.templates ...).
        seen: set[type] = set()
        resources = []
        pending = [cs]
        while pending:
            owner = pending.pop()
            for attr in dir(type(owner)):
                static = inspect.getattr_static(type(owner), attr)
                if attr.startswith("_") or not isinstance(static, functools.cached_property):
                    continue
                value = getattr(owner, attr)
                if isinstance(value, Resource) and type(value) not in seen:
                    seen.add(type(value))
                    resources.append((attr, value))
                    pending.append(value)
        assert len(resources) > 40
        missing = []
        for name, resource in resources:
            for attr, member in inspect.getmembers(type(resource), inspect.isfunction):
                if attr.startswith("_") or attr in exempt:
                    continue
                if "timeout" not in inspect.signature(member).parameters:
                    missing.append(f"{name}.{attr}")
        assert missing == []
        await cs.aclose()
