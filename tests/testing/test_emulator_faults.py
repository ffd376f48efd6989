"""Fault injection, rate limiting and latency."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path

import aiohttp
import pytest
from emulator_helpers import Api, EmulatorFactory, FakeClock, basic, sms

from clicksend_async.testing import ClickSendEmulator, Fault, parse_faults

TOO_MANY = {
    "http_code": 429,
    "response_code": "HTTP_TOO_MANY_REQUESTS",
    "response_msg": "Too many attempts.",
    "data": None,
}
SEND = {"messages": [sms()]}


def log_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


class TestParseFaults:
    def test_string_form(self) -> None:
        plan = parse_faults("429=0.1, 500=0.05,commit-500=0.02,/sms/send:commit-drop=0.5")
        rng = random.Random(1)
        # A per-path table replaces the global one for that path.
        kinds = {plan.draw("/sms/send", "/sms/send", rng, eligible=True) for _ in range(400)}
        assert kinds == {Fault.COMMIT_DROP, None}
        other = {plan.draw("/account", "/account", rng, eligible=True) for _ in range(400)}
        assert other == {Fault.TOO_MANY_REQUESTS, Fault.SERVER_ERROR, Fault.COMMIT_500, None}

    def test_mapping_form(self) -> None:
        plan = parse_faults({"500": 1.0, "/countries": {"429": 1.0}})
        rng = random.Random(0)
        assert plan.draw("/account", "/account", rng, eligible=True) is Fault.SERVER_ERROR
        assert plan.draw("/countries", "/countries", rng, eligible=False) is Fault.TOO_MANY_REQUESTS
        assert plan.draw("/ctrl/connections", "/connections", rng, eligible=False) is None

    @pytest.mark.parametrize(
        "spec",
        ["boom=0.1", "429=2", "429=x", "429", "429=0.6,500=0.6", "/sms/send", {"500": -1}],
    )
    def test_rejects_bad_specs(self, spec: object) -> None:
        with pytest.raises(ValueError):
            parse_faults(spec)  # type: ignore[arg-type]

    def test_commit_kinds(self) -> None:
        assert [f.commits for f in Fault] == [False, False, *[True] * 10]


class TestScriptedFaults:
    async def test_429_before_processing(self, api: Api, emu: ClickSendEmulator) -> None:
        emu.inject("429")
        reply = await api.post("/sms/send", SEND)
        assert (reply.status, reply.body, reply.headers["Retry-After"]) == (429, TOO_MANY, "1")
        assert emu.sent == []
        assert (await api.post("/sms/send", SEND)).status == 200

    async def test_500_before_processing(self, api: Api, emu: ClickSendEmulator) -> None:
        emu.inject(Fault.SERVER_ERROR, times=2)
        for _ in range(2):
            reply = await api.post("/sms/send", SEND)
            assert reply.status == 500
            assert reply.body["response_code"] == "INTERNAL_SERVER_ERROR"
        assert emu.sent == []

    async def test_path_targeted_fault_skips_other_paths(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        emu.inject("500", path="/sms/send")
        assert (await api.get("/account")).status == 200
        assert (await api.post("/sms/send", SEND)).status == 500

    async def test_route_pattern_target(self, api: Api, emu: ClickSendEmulator) -> None:
        emu.inject("500", path="/lists/{list_id}")
        list_id = (await api.post("/lists", {"list_name": "x"})).data["list_id"]
        assert (await api.get(f"/lists/{list_id}")).status == 500

    async def test_untargeted_faults_skip_countries_and_control_plane(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        emu.inject("500")
        assert (await Api(session, emu.url, {}).get("/countries")).status == 200
        ctrl = Api(session, emu.ctrl_url, {"Authorization": f"Bearer {emu.maton_api_key}"})
        assert (await ctrl.get("/connections")).status == 200
        emu.inject("500", path="/countries")
        assert (await Api(session, emu.url, {}).get("/countries")).status == 500

    async def test_commit_500_processes_then_fails(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, tmp_path: Path
    ) -> None:
        log = tmp_path / "log.jsonl"
        emu = await make_emulator(log=str(log))
        emu.inject("commit-500")
        reply = await Api(session, emu.url, basic(emu)).post("/sms/send", SEND)
        assert reply.status == 500
        [sent] = emu.sent
        assert [line["message_id"] for line in log_lines(log)] == [sent.message_id]
        assert emu.balance < 100

    async def test_commit_absurd_and_surrogate_answer_after_processing(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        two = {"messages": [sms(), sms(to="+61412345679")]}
        emu.inject("commit-absurd")
        absurd = (await api.post("/sms/send", two)).data["messages"]
        assert [(m["message_parts"], m["message_price"]) for m in absurd] == [
            (10**30, "1e999999999")
        ] * 2
        emu.inject("commit-surrogate")
        other = {"messages": [sms(body="Hi again"), sms(to="+61412345679", body="Hi again")]}
        odd = (await api.post("/sms/send", other)).data["messages"]
        assert [m["status"] for m in odd] == ["SUCCESS\ud800", "SUCCESS"]
        assert all(m["message_id"].endswith("\udfff") for m in odd)
        assert len(emu.sent) == 4  # both processed every message first

    async def test_commit_drop_closes_the_connection(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, tmp_path: Path
    ) -> None:
        log = tmp_path / "log.jsonl"
        emu = await make_emulator(log=str(log))
        emu.inject("commit-drop")
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await session.post(emu.url + "/sms/send", json=SEND, headers=basic(emu))
        [sent] = emu.sent
        assert [line["to"] for line in log_lines(log)] == [sent.to]

    async def test_commit_hang_times_out_the_client(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, tmp_path: Path
    ) -> None:
        log = tmp_path / "log.jsonl"
        emu = await make_emulator(log=str(log), hang_seconds=30)
        emu.inject("commit-hang")
        timeout = aiohttp.ClientTimeout(total=0.2)
        with pytest.raises(asyncio.TimeoutError):
            await session.post(
                emu.url + "/sms/send", json=SEND, headers=basic(emu), timeout=timeout
            )
        assert len(emu.sent) == 1
        assert len(log_lines(log)) == 1

    async def test_commit_hang_answers_after_hang_seconds(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(hang_seconds=0.05)
        emu.inject("commit-hang")
        started = time.monotonic()
        reply = await Api(session, emu.url, basic(emu)).post("/sms/send", SEND)
        assert reply.status == 200
        assert time.monotonic() - started >= 0.05

    async def test_hanging_request_does_not_block_close(
        self, session: aiohttp.ClientSession
    ) -> None:
        emu = ClickSendEmulator(hang_seconds=60)
        await emu.start()
        emu.inject("commit-hang")
        request = asyncio.ensure_future(
            session.post(emu.url + "/sms/send", json=SEND, headers=basic(emu))
        )
        while not emu.sent:
            await asyncio.sleep(0.005)
        started = time.monotonic()
        await emu.close()
        assert time.monotonic() - started < 2
        response = await request
        response.release()

    async def test_faults_do_not_touch_unauthenticated_requests(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        emu.inject("500")
        reply = await Api(session, emu.url, {}).get("/account")
        assert reply.status == 401
        assert (await Api(session, emu.url, basic(emu)).get("/account")).status == 500


class TestRandomFaults:
    async def statuses(self, emu: ClickSendEmulator, session: aiohttp.ClientSession) -> list[int]:
        api = Api(session, emu.url, basic(emu))
        return [(await api.get("/account")).status for _ in range(30)]

    async def test_seeded_faults_are_reproducible(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        spec = "500=0.3,429=0.2"
        a = await self.statuses(await make_emulator(faults=spec, seed=7), session)
        b = await self.statuses(await make_emulator(faults=spec, seed=7), session)
        c = await self.statuses(await make_emulator(faults=spec, seed=8), session)
        assert a == b
        assert {200, 429, 500} <= set(a)
        assert a != c

    async def test_seed_makes_message_ids_reproducible(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        ids = []
        for _ in range(2):
            emu = await make_emulator(seed="demo")
            await Api(session, emu.url, basic(emu)).post("/sms/send", SEND)
            ids.append(emu.sent[0].message_id)
        assert ids[0] == ids[1]

    async def test_per_path_probabilities(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(faults={"/sms/send": {"commit-500": 1.0}})
        api = Api(session, emu.url, basic(emu))
        assert (await api.get("/account")).status == 200
        assert (await api.post("/sms/send", SEND)).status == 500
        assert len(emu.sent) == 1


class TestRateLimit:
    async def test_headers_budget_and_429(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, clock: FakeClock
    ) -> None:
        emu = await make_emulator(rate_limit=3, rate_window=2.0, clock=clock)
        api = Api(session, emu.url, basic(emu))
        remaining = []
        for _ in range(3):
            reply = await api.get("/account")
            assert reply.status == 200
            assert reply.headers["x-ratelimit-limit"] == "3"
            assert reply.headers["ratelimit-reset"] == "2"
            remaining.append(reply.headers["x-ratelimit-remaining"])
        assert remaining == ["2", "1", "0"]

        clock.advance(0.5)
        limited = await api.get("/account")
        assert (limited.status, limited.body) == (429, TOO_MANY)
        assert limited.headers["Retry-After"] == "2"  # 1.5 s rounded up
        assert limited.headers["ratelimit-reset"] == "2"
        assert limited.headers["retry-after-ms"] == "1500"
        assert limited.headers["x-ratelimit-remaining"] == "0"

        clock.advance(1.5)
        reply = await api.get("/account")
        assert (reply.status, reply.headers["x-ratelimit-remaining"]) == (200, "2")

    async def test_unauthenticated_requests_see_headers_without_spending(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, clock: FakeClock
    ) -> None:
        emu = await make_emulator(rate_limit=2, clock=clock)
        reply = await Api(session, emu.url, {}).get("/account")
        assert (reply.status, reply.headers["x-ratelimit-remaining"]) == (401, "2")
        reply = await Api(session, emu.url, basic(emu)).get("/account")
        assert reply.headers["x-ratelimit-remaining"] == "1"

    async def test_sub_second_window(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession, clock: FakeClock
    ) -> None:
        emu = await make_emulator(rate_limit=1, rate_window=0.25, clock=clock)
        api = Api(session, emu.url, basic(emu))
        await api.get("/account")
        limited = await api.get("/account")
        assert limited.status == 429
        assert (limited.headers["Retry-After"], limited.headers["retry-after-ms"]) == ("1", "250")

    def test_rejects_bad_settings(self) -> None:
        with pytest.raises(ValueError, match="rate_limit"):
            ClickSendEmulator(rate_limit=0)
        with pytest.raises(ValueError, match="rate_window"):
            ClickSendEmulator(rate_limit=1, rate_window=0)


class TestLatency:
    async def test_global_latency(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(latency_ms=30)
        started = time.monotonic()
        await Api(session, emu.url, basic(emu)).get("/account")
        assert time.monotonic() - started >= 0.03

    async def test_per_path_latency(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(latency_ms={"/sms/send": 40})
        api = Api(session, emu.url, basic(emu))
        started = time.monotonic()
        await api.get("/account")
        fast = time.monotonic() - started
        started = time.monotonic()
        await api.post("/sms/send", SEND)
        assert time.monotonic() - started >= 0.04 > fast
