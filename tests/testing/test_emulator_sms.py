"""SMS send/price semantics, history, cancellation, receipts and inbound polling."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from emulator_helpers import Api, EmulatorFactory, FakeClock, basic, sms

from clicksend_async import NotFoundError
from clicksend_async.testing import ClickSendEmulator

AU_RATE = Decimal("0.0792")


async def send(api: Api, *messages: dict[str, object]) -> list[dict[str, object]]:
    reply = await api.post("/sms/send", {"messages": list(messages)})
    assert reply.status == 200, reply.body
    result: list[dict[str, object]] = reply.data["messages"]
    return result


class TestSend:
    async def test_accepts_and_records_a_message(self, api: Api, emu: ClickSendEmulator) -> None:
        reply = await api.post(
            "/sms/send",
            {"messages": [sms(custom_string="ref-1", **{"from": "Shop"})]},
        )
        data = reply.data
        assert reply.body["response_msg"] == "Messages queued for delivery."
        assert (data["total_count"], data["queued_count"], data["blocked_count"]) == (1, 1, 0)
        assert data["total_price"] == pytest.approx(0.0792)
        assert data["_currency"]["currency_name_short"] == "AUD"
        message = data["messages"][0]
        assert message["status"] == "SUCCESS"
        assert message["message_price"] == "0.0792"
        assert message["message_parts"] == 1
        assert message["from"] == "Shop"
        assert message["is_shared_system_number"] is False
        assert message["message_id"] == message["message_id"].upper()
        [sent] = emu.sent
        assert (sent.message_id, sent.to, sent.from_, sent.custom_string) == (
            message["message_id"],
            "+61412345678",
            "Shop",
            "ref-1",
        )
        assert (sent.kind, sent.parts, sent.price, sent.country, sent.encoding) == (
            "sms",
            1,
            AU_RATE,
            "AU",
            "GSM-7",
        )
        assert emu.balance == Decimal("100.00") - AU_RATE

    async def test_without_from_uses_a_shared_number(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        [message] = await send(api, sms())
        assert message["is_shared_system_number"] is True
        assert str(message["from"]).startswith("+61")
        assert emu.sent[0].from_ is None

    async def test_message_ids_are_unique(self, api: Api) -> None:
        messages = await send(api, *(sms(to=f"+6141234{i:04d}") for i in range(50)))
        assert len({m["message_id"] for m in messages}) == 50

    async def test_invalid_recipient_has_the_minimal_shape(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        [message] = await send(api, sms(to="0412345678", custom_string="x"))
        assert set(message) == {
            "to",
            "body",
            "from",
            "schedule",
            "message_id",
            "custom_string",
            "is_shared_system_number",
            "status",
        }
        assert (message["status"], message["schedule"], message["custom_string"]) == (
            "INVALID_RECIPIENT",
            "",
            "x",
        )
        assert emu.sent == []
        assert emu.balance == Decimal("100.00")

    @pytest.mark.parametrize(
        "to",
        ["+6141", "+0412345678", "+61412345678901234", "61412345678", "+99912345678", "", "+61abc"],
    )
    async def test_rejects_bad_numbers(self, api: Api, to: str) -> None:
        [message] = await send(api, sms(to=to))
        assert message["status"] == "INVALID_RECIPIENT"

    async def test_local_number_with_country_is_converted(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        messages = await send(
            api,
            sms(to="0412 345 678", country="AU"),
            sms(to="(202) 555-0143", country="US"),
            sms(to="07700 900123", country="GB"),
        )
        assert [m["to"] for m in messages] == ["+61412345678", "+12025550143", "+447700900123"]
        assert [m["country"] for m in messages] == ["AU", "US", "GB"]

    async def test_canadian_area_code_resolves_to_canada(self, api: Api) -> None:
        [message] = await send(api, sms(to="+14165550123"))
        assert message["country"] == "CA"

    async def test_empty_body_is_empty_message(self, api: Api) -> None:
        [message] = await send(api, sms(body=""))
        assert message["status"] == "EMPTY_MESSAGE"

    async def test_long_alpha_sender_is_invalid_sender_id(self, api: Api) -> None:
        [message] = await send(api, sms(**{"from": "My Long Sender"}))
        assert message["status"] == "INVALID_SENDER_ID"

    async def test_insufficient_credit_mid_request(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(balance="0.20")
        api = Api(session, emu.url, basic(emu))
        messages = await send(api, *(sms(to=f"+6141234567{i}") for i in range(3)))
        assert [m["status"] for m in messages] == ["SUCCESS", "SUCCESS", "INSUFFICIENT_CREDIT"]
        assert emu.balance == Decimal("0.20") - 2 * AU_RATE == Decimal("0.0416")
        assert len(emu.sent) == 2

    async def test_throttled_within_window_then_accepted(
        self, api: Api, emu: ClickSendEmulator, clock: FakeClock
    ) -> None:
        first = await send(api, sms(), sms())
        assert [m["status"] for m in first] == ["SUCCESS", "THROTTLED"]
        clock.advance(4.9)
        assert (await send(api, sms()))[0]["status"] == "THROTTLED"
        assert (await send(api, sms(body="different")))[0]["status"] == "SUCCESS"
        clock.advance(0.2)
        assert (await send(api, sms()))[0]["status"] == "SUCCESS"
        assert len(emu.sent) == 3
        assert emu.balance == Decimal("100.00") - 3 * AU_RATE

    async def test_country_not_enabled_is_blocked(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(enabled_countries=["AU"])
        reply = await Api(session, emu.url, basic(emu)).post(
            "/sms/send", {"messages": [sms(), sms(to="+12025550143")]}
        )
        statuses = [m["status"] for m in reply.data["messages"]]
        assert statuses == ["SUCCESS", "COUNTRY_NOT_ENABLED"]
        assert (reply.data["blocked_count"], reply.data["queued_count"]) == (1, 1)
        assert [s.to for s in emu.sent] == ["+61412345678"]

    async def test_more_than_1000_messages_is_400(self, api: Api, emu: ClickSendEmulator) -> None:
        reply = await api.post("/sms/send", {"messages": [sms()] * 1001})
        assert reply.status == 400
        assert reply.body["response_code"] == "BAD_REQUEST"
        assert "messages" in reply.data
        assert emu.sent == []

    async def test_missing_messages_is_400(self, api: Api) -> None:
        reply = await api.post("/sms/send", {"shorten_urls": True})
        assert (reply.status, list(reply.data)) == (400, ["messages"])

    @pytest.mark.parametrize(
        ("body", "parts", "encoding"),
        [
            ("a" * 160, 1, "GSM-7"),
            ("a" * 161, 2, "GSM-7"),
            ("a" * 307, 3, "GSM-7"),
            ("€" * 80, 1, "GSM-7"),
            ("é" * 70, 1, "GSM-7"),
            ("ж" * 70, 1, "UCS-2"),
            ("ж" * 71, 2, "UCS-2"),
        ],
    )
    async def test_parts_and_price_follow_segments(
        self, api: Api, emu: ClickSendEmulator, body: str, parts: int, encoding: str
    ) -> None:
        [message] = await send(api, sms(body=body))
        assert message["message_parts"] == parts
        assert message["message_price"] == f"{AU_RATE * parts:.4f}"
        assert (emu.sent[0].parts, emu.sent[0].encoding) == (parts, encoding)
        assert emu.sent[0].price == AU_RATE * parts

    async def test_custom_prices(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(prices={"default": "0.05", "NZ": "0.1"})
        api = Api(session, emu.url, basic(emu))
        messages = await send(api, sms(), sms(to="+64211234567", body="a" * 200))
        assert [m["message_price"] for m in messages] == ["0.0500", "0.2000"]

    async def test_free_test_numbers_cost_nothing(self, api: Api, emu: ClickSendEmulator) -> None:
        [message] = await send(api, sms(to="+61411111111"))
        assert (message["status"], message["message_parts"], message["message_price"]) == (
            "SUCCESS",
            0,
            "0.0000",
        )
        assert emu.balance == Decimal("100.00")
        assert (await api.get("/sms/receipts")).data["total"] == 0

    async def test_send_to_a_list(self, api: Api, emu: ClickSendEmulator) -> None:
        list_id = (await api.post("/lists", {"list_name": "vip"})).data["list_id"]
        for phone in ("+61412345001", "+61412345002"):
            await api.post(f"/lists/{list_id}/contacts", {"phone_number": phone, "first_name": "A"})
        messages = await send(api, {"list_id": str(list_id), "body": "hi all"})
        assert [m["to"] for m in messages] == ["+61412345001", "+61412345002"]
        assert {m["list_id"] for m in messages} == {str(list_id)}
        assert all(s.list_id == list_id for s in emu.sent)

    async def test_unknown_list_is_a_per_message_status(self, api: Api) -> None:
        [message] = await send(api, {"list_id": "999", "body": "hi"})
        assert message["status"] == "NOT_ENOUGH_PERMISSION_TO_LIST_ID"

    async def test_log_file_gets_one_line_per_accepted_message(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, tmp_path: Path
    ) -> None:
        log = tmp_path / "sent.jsonl"
        emu = await make_emulator(log=str(log))
        await send(Api(session, emu.url, basic(emu)), sms(), sms(to="bad"), sms(to="+61412345679"))
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        assert [line["to"] for line in lines] == ["+61412345678", "+61412345679"]
        assert lines[0]["price"] == "0.0792"
        assert lines[0]["message_id"] == emu.sent[0].message_id


class TestPrice:
    async def test_price_sends_and_charges_nothing(self, api: Api, emu: ClickSendEmulator) -> None:
        reply = await api.post("/sms/price", {"messages": [sms(), sms(), sms(body="b" * 200)]})
        data = reply.data
        assert reply.body["response_msg"] == "Here is some pricing."
        assert [m["status"] for m in data["messages"]] == ["SUCCESS"] * 3  # no throttle
        assert [m["message_parts"] for m in data["messages"]] == [1, 1, 2]
        assert data["total_price"] == pytest.approx(float(4 * AU_RATE))
        assert data["messages"][0]["schedule"] == ""
        assert emu.sent == []
        assert emu.balance == Decimal("100.00")
        assert (await api.get("/sms/history")).data["total"] == 0

    async def test_price_reports_credit_and_recipient_problems(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(balance="0.1")
        api = Api(session, emu.url, basic(emu))
        reply = await api.post("/sms/price", {"messages": [sms(), sms(), sms(to="x")]})
        statuses = [m["status"] for m in reply.data["messages"]]
        assert statuses == ["SUCCESS", "INSUFFICIENT_CREDIT", "INVALID_RECIPIENT"]

    async def test_show_summary_adds_countries(self, api: Api) -> None:
        reply = await api.post(
            "/sms/price",
            {"messages": [sms(show_summary=True), sms(to="+12025550143")]},
        )
        countries = reply.data["_summary"]["countries"]
        assert countries["AU"]["recipient_count"] == 1
        assert countries["US"]["name"] == "United States"


class TestHistory:
    async def test_history_shows_sent_messages_and_filters(
        self, api: Api, emu: ClickSendEmulator, clock: FakeClock
    ) -> None:
        t0 = int(clock.now)
        await send(api, sms(to="+61412345001", custom_string="a", **{"from": "Alpha"}))
        clock.advance(100)
        await send(api, sms(to="+61412345002", custom_string="b"))
        clock.advance(100)
        await send(api, sms(to="+61412340000", custom_string="a"))  # undeliverable (0000)

        async def ids(**params: str) -> list[str]:
            reply = await api.get("/sms/history", params=params)
            return [m["to"] for m in reply.data["data"]]

        assert await ids() == ["+61412345001", "+61412345002", "+61412340000"]
        assert await ids(q="to:+61412345002") == ["+61412345002"]
        assert await ids(q="custom_string:a") == ["+61412345001", "+61412340000"]
        assert await ids(q="from:alpha") == ["+61412345001"]
        assert await ids(q="status:Failed") == ["+61412340000"]
        assert await ids(q="status:sent,custom_string:a") == ["+61412345001"]
        assert await ids(q="to:+61412345002,custom_string:a", operator="OR") == [
            "+61412345001",
            "+61412345002",
            "+61412340000",
        ]
        message_id = emu.sent[1].message_id
        assert await ids(q=f"message_id:{message_id}") == ["+61412345002"]
        assert await ids(date_from=str(t0 + 50)) == ["+61412345002", "+61412340000"]
        assert await ids(date_from=str(t0 + 50), date_to=str(t0 + 150)) == ["+61412345002"]
        assert await ids(order_by="date:desc") == [
            "+61412340000",
            "+61412345002",
            "+61412345001",
        ]
        assert await ids(order_by="to:asc") == ["+61412340000", "+61412345001", "+61412345002"]

    async def test_a_lag_shorter_than_a_second_hides_what_was_just_accepted(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, clock: FakeClock
    ) -> None:
        # A date is whole seconds; the lag is not: a message accepted half-way through a second
        # is hidden for its lag, from a listing and from a lookup by number alike.
        emu = await make_emulator(clock=clock, history_lag=0.3)
        api = Api(session, emu.url, basic(emu))
        clock.now = 1_800_000_000.5
        await send(api, sms(to="+61412345001"))

        async def seen() -> tuple[int, int]:
            listing = (await api.get("/sms/history")).data["total"]
            found = (await api.get("/sms/history", params={"q": "to:+61412345001"})).data
            return listing, found["total"]

        clock.advance(0.2)
        assert await seen() == (0, 0)
        clock.advance(0.15)
        assert await seen() == (1, 1)

    async def test_unencoded_plus_in_q_still_matches(
        self, api: Api, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        await send(api, sms())
        url = emu.url + "/sms/history?q=to:+61412345678"
        async with session.get(url, headers=basic(emu)) as response:
            assert (await response.json())["data"]["total"] == 1

    async def test_history_record_fields(self, api: Api, emu: ClickSendEmulator) -> None:
        await send(api, sms(custom_string="c"))
        [record] = (await api.get("/sms/history")).data["data"]
        assert record["status"] == "Sent"
        assert (record["status_code"], record["message_price"], record["custom_string"]) == (
            "201",
            "0.0792",
            "c",
        )

    async def test_queued_until_the_receipt_delay_passes(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, clock: FakeClock
    ) -> None:
        emu = await make_emulator(clock=clock, receipt_delay=30)
        api = Api(session, emu.url, basic(emu))
        await send(api, sms())
        assert (await api.get("/sms/history")).data["data"][0]["status"] == "Queued"
        assert (await api.get("/sms/receipts")).data["total"] == 0
        clock.advance(30)
        assert (await api.get("/sms/history")).data["data"][0]["status"] == "Sent"
        assert (await api.get("/sms/receipts")).data["total"] == 1


class TestSchedule:
    async def test_cancel_a_scheduled_message(
        self, api: Api, emu: ClickSendEmulator, clock: FakeClock
    ) -> None:
        [message] = await send(api, sms(schedule=int(clock.now) + 3600))
        assert message["schedule"] == int(clock.now) + 3600
        assert emu.balance == Decimal("100.00") - AU_RATE
        history = (await api.get("/sms/history")).data["data"]
        assert history[0]["status"] == "Scheduled"

        reply = await api.put(f"/sms/{message['message_id']}/cancel")
        assert reply.status == 200
        assert reply.data is None
        assert (await api.get("/sms/history")).data["data"][0]["status"] == "Cancelled"
        assert emu.balance == Decimal("100.00")
        assert (await api.put(f"/sms/{message['message_id']}/cancel")).status == 400

    async def test_cannot_cancel_a_due_or_unscheduled_message(
        self, api: Api, clock: FakeClock
    ) -> None:
        scheduled, immediate = await send(
            api, sms(schedule=int(clock.now) + 60), sms(to="+61412345679")
        )
        assert (await api.put(f"/sms/{immediate['message_id']}/cancel")).status == 400
        clock.advance(61)
        assert (await api.put(f"/sms/{scheduled['message_id']}/cancel")).status == 400
        assert (await api.put("/sms/NOT-A-MESSAGE/cancel")).status == 404

    async def test_cancel_all_with_and_without_custom_string(
        self, api: Api, clock: FakeClock
    ) -> None:
        later = int(clock.now) + 600
        await send(
            api,
            sms(to="+61412345001", schedule=later, custom_string="x"),
            sms(to="+61412345002", schedule=later, custom_string="y"),
            sms(to="+61412345003", schedule=later, custom_string="x"),
            sms(to="+61412345004"),
        )
        reply = await api.put("/sms/cancel-all", {"custom_string": "x"})
        assert reply.data == {"count": 2}
        assert (await api.put("/sms/cancel-all")).data == {"count": 1}
        assert (await api.put("/sms/cancel-all", {})).data == {"count": 0}
        statuses = [m["status"] for m in (await api.get("/sms/history")).data["data"]]
        assert statuses == ["Cancelled", "Cancelled", "Cancelled", "Sent"]

    async def test_recent_past_is_now_far_past_is_invalid(self, api: Api, clock: FakeClock) -> None:
        recent, old, garbage = await _send_unchecked(api, clock)
        assert recent["status"] == "SUCCESS"
        assert recent["schedule"] == int(clock.now)
        assert old["status"] == "INVALID_SCHEDULE"
        assert garbage["status"] == "INVALID_SCHEDULE"


async def _send_unchecked(api: Api, clock: FakeClock) -> list[dict[str, object]]:
    # "soon" is not an integer: the request deliberately breaks the schema.
    messages = [
        sms(to="+61412345001", schedule=int(clock.now) - 60),
        sms(to="+61412345002", schedule=int(clock.now) - 3600),
        sms(to="+61412345003", schedule="soon"),
    ]
    reply = await api.post("/sms/send", {"messages": messages}, spec=False)
    result: list[dict[str, object]] = reply.data["messages"]
    return result


class TestReceipts:
    async def test_poll_receipts_and_mark_them_read(
        self, api: Api, emu: ClickSendEmulator, clock: FakeClock
    ) -> None:
        ok, failed = await send(api, sms(custom_string="k"), sms(to="+61412340000"))
        receipts = (await api.get("/sms/receipts")).data["data"]
        by_id = {r["message_id"]: r for r in receipts}
        assert by_id[ok["message_id"]]["status_code"] == "201"
        assert by_id[ok["message_id"]]["custom_string"] == "k"
        assert by_id[ok["message_id"]]["message_type"] == "sms"
        assert by_id[failed["message_id"]]["status_code"] == "301"
        assert by_id[failed["message_id"]]["error_code"] == 8

        one = await api.get(f"/sms/receipts/{ok['message_id']}")
        assert one.data["message_id"] == ok["message_id"]

        clock.advance(10)
        assert (await api.put("/sms/receipts-read", {"date_before": int(clock.now)})).status == 200
        assert (await api.get("/sms/receipts")).data["total"] == 0
        # Read receipts can still be fetched one by one.
        assert (await api.get(f"/sms/receipts/{ok['message_id']}")).status == 200

    async def test_missing_receipt_is_404(self, api: Api) -> None:
        reply = await api.get("/sms/receipts/ABC")
        assert reply.status == 404
        assert reply.body["response_msg"] == "Receipt record not found."


class TestInbound:
    async def test_simulated_reply_is_polled_and_marked_read(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        [message] = await send(api, sms(custom_string="order-7", **{"from": "+61400000999"}))
        inbound = emu.simulate_inbound(
            "+61412345678", "STOP please", original_message_id=str(message["message_id"])
        )
        assert inbound["to"] == "+61400000999"
        assert inbound["custom_string"] == "order-7"
        assert inbound["original_body"] == "Hello there"
        assert inbound["_keyword"] == "stop"
        emu.simulate_inbound("+61412345679", "hello")

        page = (await api.get("/sms/inbound")).data
        assert [m["body"] for m in page["data"]] == ["STOP please", "hello"]
        reply = await api.put(f"/sms/inbound-read/{inbound['message_id']}")
        assert reply.data == 1
        assert [m["body"] for m in (await api.get("/sms/inbound")).data["data"]] == ["hello"]
        assert (await api.put("/sms/inbound-read", {})).status == 200
        assert (await api.get("/sms/inbound")).data["total"] == 0
        assert (await api.put("/sms/inbound-read/NOPE")).status == 404

    async def test_reply_to_unknown_message_raises(self, emu: ClickSendEmulator) -> None:
        with pytest.raises(KeyError):
            emu.simulate_inbound("+61412345678", "hi", original_message_id="NOPE")

    async def test_auto_reply(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(auto_reply="Thanks!")
        api = Api(session, emu.url, basic(emu))
        [message] = await send(api, sms())
        [reply] = (await api.get("/sms/inbound")).data["data"]
        assert (reply["body"], reply["from"], reply["original_message_id"]) == (
            "Thanks!",
            "+61412345678",
            message["message_id"],
        )


async def test_inbound_by_original_message_id() -> None:
    async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
        sent = await cs.sms.send([{"to": "+61411000123", "body": "Reply YES"}])
        original = sent.messages[0].message_id
        assert original is not None
        emu.simulate_inbound("+61411000123", "YES", original_message_id=original)
        reply = await cs.sms.inbound_message(original)
        assert reply.body == "YES"
        assert reply.original_message_id == original
        with pytest.raises(NotFoundError):
            await cs.sms.inbound_message("00000000-0000-0000-0000-000000000000")
