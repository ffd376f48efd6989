"""Authentication, routing, the Maton gateway and its control plane."""

from __future__ import annotations

import aiohttp
from emulator_helpers import Api, EmulatorFactory, basic, bearer

from clicksend_async.testing import ClickSendEmulator

UNAUTHORIZED = {
    "http_code": 401,
    "response_code": "UNAUTHORIZED",
    "response_msg": "Authorization failed.",
    "data": None,
}
NOT_FOUND = {
    "http_code": 404,
    "response_code": "NOT_FOUND",
    "response_msg": "Invalid endpoint. Please try again.",
    "data": None,
}


class TestDirectAuth:
    async def test_basic_auth_reads_the_account(self, api: Api, emu: ClickSendEmulator) -> None:
        reply = await api.get("/account")
        assert reply.status == 200
        assert reply.data["username"] == "emulator"
        assert reply.data["balance"] == "100.000000"
        assert reply.data["_subaccount"]["api_key"] == emu.api_key

    async def test_wrong_key_gets_the_exact_401_body(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        bad = Api(session, emu.url, {"Authorization": "Basic ZW11bGF0b3I6d3Jvbmc="})
        reply = await bad.get("/account")
        assert reply.status == 401
        assert reply.body == UNAUTHORIZED
        assert "WWW-Authenticate" not in reply.headers

    async def test_missing_credentials_get_401(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.url, {}).post("/sms/send", {"messages": []})
        assert (reply.status, reply.body) == (401, UNAUTHORIZED)

    async def test_bearer_is_refused_on_the_direct_api(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.url, bearer(emu)).get("/account")
        assert reply.status == 401

    async def test_lower_case_basic_scheme_is_accepted(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        header = basic(emu)["Authorization"].replace("Basic", "basic")
        reply = await Api(session, emu.url, {"Authorization": header}).get("/account")
        assert reply.status == 200

    async def test_countries_need_no_credentials(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.url, {}).get("/countries")
        assert reply.status == 200
        codes = {c["code"] for c in reply.data}
        assert {"AU", "US", "GB", "NZ", "DE", "FR", "IN", "CN", "SG", "ZA", "IE", "CA"} <= codes

    async def test_unknown_path_is_404_invalid_endpoint(self, api: Api) -> None:
        reply = await api.get("/no/such/thing")
        assert (reply.status, reply.body) == (404, NOT_FOUND)

    async def test_wrong_method_is_404_too(self, api: Api) -> None:
        reply = await api.call("DELETE", "/account")
        assert (reply.status, reply.body) == (404, NOT_FOUND)

    async def test_unknown_path_is_404_even_without_credentials(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.url, {}).get("/nope")
        assert reply.status == 404

    async def test_paths_outside_the_api_are_404(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        async with session.get(emu.base + "/") as response:
            assert response.status == 404
            assert await response.json() == NOT_FOUND

    async def test_invalid_json_is_400_bad_request(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        headers = {**basic(emu), "Content-Type": "application/json"}
        async with session.post(emu.url + "/sms/send", data=b"{nope", headers=headers) as r:
            body = await r.json()
        assert r.status == 400
        assert body["response_code"] == "BAD_REQUEST"
        assert "body" in body["data"]

    async def test_requests_are_recorded_with_authorization_redacted(
        self, api: Api, emu: ClickSendEmulator
    ) -> None:
        payload = {"messages": [{"to": "+61412345678", "body": "hi"}]}
        await api.post("/sms/send", payload, params={"x": "1"})
        recorded = emu.requests[-1]
        assert (recorded.method, recorded.path, recorded.query) == ("POST", "/sms/send", {"x": "1"})
        assert recorded.json == payload
        assert recorded.headers["Authorization"] == "REDACTED"
        assert recorded.api == "direct"

    async def test_recording_can_be_disabled(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(record_requests=False)
        await Api(session, emu.url, basic(emu)).get("/account")
        assert emu.requests == []

    async def test_custom_credentials(
        self, make_emulator: EmulatorFactory, session: aiohttp.ClientSession
    ) -> None:
        emu = await make_emulator(username="alice", api_key="secret")
        assert (await Api(session, emu.url, basic(emu)).get("/account")).data["username"] == "alice"


class TestMatonGateway:
    async def test_bearer_reaches_the_api(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.maton_url, bearer(emu)).get("/account")
        assert reply.status == 200
        assert emu.requests[-1].api == "maton"
        assert emu.requests[-1].path == "/account"

    async def test_basic_is_refused_on_the_gateway(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.maton_url, basic(emu)).get("/account")
        assert (reply.status, reply.body) == (401, UNAUTHORIZED)

    async def test_named_active_connection_is_accepted(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        assert emu.connection_id is not None
        headers = {**bearer(emu), "Maton-Connection": emu.connection_id}
        assert (await Api(session, emu.maton_url, headers).get("/account")).status == 200

    async def test_unknown_connection_is_400(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        headers = {**bearer(emu), "Maton-Connection": "nope"}
        reply = await Api(session, emu.maton_url, headers).get("/account")
        assert reply.status == 400
        assert reply.body["response_code"] == "BAD_REQUEST"
        assert reply.data == {"Maton-Connection": "nope"}

    async def test_no_active_connection_is_400(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        ctrl = Api(session, emu.ctrl_url, bearer(emu))
        await ctrl.delete(f"/connections/{emu.connection_id}", spec=False)
        reply = await Api(session, emu.maton_url, bearer(emu)).get("/account")
        assert reply.status == 400

    async def test_control_plane_crud(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        ctrl = Api(session, emu.ctrl_url, bearer(emu))
        listed = await ctrl.get("/connections", params={"app": "clicksend", "status": "ACTIVE"})
        assert [c["connection_id"] for c in listed.body["connections"]] == [emu.connection_id]

        created = (await ctrl.post("/connections", {"app": "clicksend"})).body["connection"]
        assert created["status"] == "ACTIVE"
        assert set(created) == {
            "connection_id",
            "status",
            "creation_time",
            "last_updated_time",
            "url",
            "app",
            "metadata",
        }
        fetched = await ctrl.get(f"/connections/{created['connection_id']}")
        assert fetched.body["connection"] == created

        headers = {**bearer(emu), "Maton-Connection": created["connection_id"]}
        assert (await Api(session, emu.maton_url, headers).get("/account")).status == 200

        assert (await ctrl.delete(f"/connections/{created['connection_id']}")).status == 200
        assert (await ctrl.get(f"/connections/{created['connection_id']}")).status == 404
        assert (await Api(session, emu.maton_url, headers).get("/account")).status == 400
        assert len((await ctrl.get("/connections")).body["connections"]) == 1

    async def test_control_plane_needs_the_maton_key(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.ctrl_url, basic(emu)).get("/connections")
        assert (reply.status, reply.body) == (401, UNAUTHORIZED)
        assert emu.requests[-1].path == "/ctrl/connections"

    async def test_only_clicksend_connections_can_be_created(
        self, emu: ClickSendEmulator, session: aiohttp.ClientSession
    ) -> None:
        reply = await Api(session, emu.ctrl_url, bearer(emu)).post("/connections", {"app": "x"})
        assert reply.status == 400
