"""ClickSendClient.request: the escape hatch for endpoints without a resource method."""

from __future__ import annotations

import pytest

from clicksend_async import ClickSendClient, NotFoundError
from clicksend_async.testing import ClickSendEmulator


class TestRequest:
    async def test_returns_the_whole_envelope(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        envelope = await client.request("POST", "/lists", json={"list_name": "Raw"})
        assert envelope["response_code"] == "SUCCESS"
        assert envelope["data"]["list_name"] == "Raw"
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "POST",
            "/lists",
            {"list_name": "Raw"},
        )

    async def test_params_are_encoded_and_none_dropped(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        await client.request(
            "GET", "sms/history", params={"q": "to:+61411111111", "page": 1, "date_to": None}
        )
        request = emulator.requests[-1]
        assert request.path == "/sms/history"
        assert request.query == {"q": "to:+61411111111", "page": "1"}

    async def test_errors_are_typed(self, client: ClickSendClient) -> None:
        with pytest.raises(NotFoundError) as info:
            await client.request("GET", "/no/such/endpoint")
        assert info.value.status_code == 404
