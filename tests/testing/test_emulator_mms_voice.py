"""MMS and voice: send, price, validation statuses, history, receipts, cancellation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from emulator_helpers import Api, FakeClock

from clicksend_async.testing import ClickSendEmulator

MEDIA = "https://example.com/cat.gif"


def mms(**extra: Any) -> dict[str, Any]:
    return {"to": "+61412345678", "body": "Look", "subject": "Cat", **extra}


def voice(**extra: Any) -> dict[str, Any]:
    return {"to": "+61412345678", "body": "Your code is 1 2 3", "voice": "female", **extra}


class TestMms:
    async def test_send_is_priced_per_message(self, api: Api, emu: ClickSendEmulator) -> None:
        reply = await api.post(
            "/mms/send", {"media_file": MEDIA, "messages": [mms(), mms(to="+12025550143")]}
        )
        messages = reply.data["messages"]
        assert [m["status"] for m in messages] == ["SUCCESS", "SUCCESS"]
        assert [m["message_price"] for m in messages] == ["0.4400", "0.2750"]
        assert messages[0]["_media_file_url"] == MEDIA
        assert messages[0]["message_parts"] == 1
        assert [(s.kind, s.subject, s.media_file) for s in emu.sent] == [("mms", "Cat", MEDIA)] * 2
        assert emu.balance == Decimal("100.00") - Decimal("0.7150")

    async def test_subject_is_required_and_short(self, api: Api) -> None:
        reply = await api.post(
            "/mms/send",
            {"media_file": MEDIA, "messages": [mms(subject=""), mms(subject="x" * 21)]},
        )
        assert [m["status"] for m in reply.data["messages"]] == ["SUBJECT_REQUIRED"] * 2

    async def test_media_file_must_be_an_http_url(self, api: Api) -> None:
        reply = await api.post("/mms/send", {"media_file": "ftp://x/cat.gif", "messages": [mms()]})
        assert reply.data["messages"][0]["status"] == "INVALID_MEDIA_FILE"

    async def test_missing_media_file_is_400(self, api: Api) -> None:
        reply = await api.post("/mms/send", {"messages": [mms()]})
        assert (reply.status, list(reply.data)) == (400, ["media_file"])

    async def test_price_history_and_receipts(self, api: Api, emu: ClickSendEmulator) -> None:
        priced = await api.post("/mms/price", {"media_file": MEDIA, "messages": [mms()]})
        assert priced.data["total_price"] == 0.44
        assert emu.sent == []
        await api.post("/mms/send", {"media_file": MEDIA, "messages": [mms(custom_string="m")]})
        [record] = (await api.get("/mms/history")).data["data"]
        assert (record["subject"], record["custom_string"], record["status"]) == (
            "Cat",
            "m",
            "Sent",
        )
        [receipt] = (await api.get("/mms/receipts", spec=False)).data["data"]
        assert (receipt["message_type"], receipt["status_code"]) == ("mms", "201")


class TestVoice:
    async def test_send_prices_per_part(self, api: Api, emu: ClickSendEmulator) -> None:
        reply = await api.post(
            "/voice/send",
            {"messages": [voice(), voice(to="+61412345679", body="a" * 301, lang="en-gb")]},
        )
        messages = reply.data["messages"]
        assert [m["status"] for m in messages] == ["SUCCESS", "SUCCESS"]
        assert [m["message_parts"] for m in messages] == [1, 2]
        assert [m["message_price"] for m in messages] == ["0.0700", "0.1400"]
        assert messages[1]["lang"] == "en-gb"
        assert [(s.voice, s.lang) for s in emu.sent] == [("female", "en-us"), ("female", "en-gb")]

    async def test_voice_parts_cap_at_four(self, api: Api) -> None:
        reply = await api.post("/voice/price", {"messages": [voice(body="a" * 5000)]})
        assert reply.data["messages"][0]["message_parts"] == 4

    async def test_invalid_voice_and_lang(self, api: Api) -> None:
        reply = await api.post(
            "/voice/send",
            {
                "messages": [
                    voice(voice="robot"),
                    voice(lang="xx-yy"),
                    voice(voice="male", lang="en-in"),  # en-in has no male voice
                ]
            },
        )
        statuses = [m["status"] for m in reply.data["messages"]]
        assert statuses == ["INVALID_VOICE", "INVALID_LANG", "INVALID_VOICE"]

    async def test_languages(self, api: Api) -> None:
        languages = {x["code"]: x["gender"] for x in (await api.get("/voice/lang")).data}
        assert languages["en-au"] == ["female", "male"]
        assert languages["pt-pt"] == "male"

    async def test_history_receipts_and_cancellation(
        self, api: Api, emu: ClickSendEmulator, clock: FakeClock
    ) -> None:
        later = int(clock.now) + 600
        sent = await api.post(
            "/voice/send",
            {
                "messages": [
                    voice(),
                    voice(to="+61412345001", schedule=later, custom_string="a"),
                    voice(to="+61412345002", schedule=later, custom_string="b"),
                ]
            },
        )
        first, second, _ = sent.data["messages"]
        assert second["schedule"] == later
        assert (await api.put(f"/voice/{second['message_id']}/cancel", {})).data == []
        assert (await api.put(f"/voice/{first['message_id']}/cancel", {})).status == 400
        assert (await api.put("/voice/cancel-all", {})).data == {"count": 1}
        statuses = [m["status"] for m in (await api.get("/voice/history")).data["data"]]
        assert statuses == ["Sent", "Cancelled", "Cancelled"]
        [receipt] = (await api.get("/voice/receipts")).data["data"]
        assert (receipt["message_id"], receipt["message_type"]) == (first["message_id"], "voice")
