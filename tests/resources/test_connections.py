"""client.connections: Maton's control plane (plain JSON, no ClickSend envelope)."""

from __future__ import annotations

from datetime import datetime

import pytest
from resource_support import Stub

from clicksend_async import (
    ClickSendClient,
    ConfigurationError,
    Connection,
    ConnectionStatus,
    DecodeError,
    NotFoundError,
)
from clicksend_async.testing import ClickSendEmulator


class TestConnections:
    async def test_list_filters_on_the_wire(
        self, maton_client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        connections = await maton_client.connections.list(status=ConnectionStatus.ACTIVE)
        request = emulator.requests[-1]
        assert (request.method, request.path, request.api) == ("GET", "/ctrl/connections", "ctrl")
        assert request.query == {"app": "clicksend", "status": "ACTIVE"}
        (connection,) = connections
        assert isinstance(connection, Connection)
        assert connection.connection_id == emulator.connection_id
        assert connection.active
        assert connection.app == "clicksend"
        assert isinstance(connection.creation_time, datetime)
        assert connection.metadata == {}

    async def test_create_get_delete(
        self, maton_client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        created = await maton_client.connections.create()
        request = emulator.requests[-1]
        assert (request.method, request.path, request.json) == (
            "POST",
            "/ctrl/connections",
            {"app": "clicksend"},
        )
        assert created.connection_id
        assert created.url is not None
        assert created.url not in repr(created)  # it carries a session token

        fetched = await maton_client.connections.get(created.connection_id)
        assert emulator.requests[-1].path == f"/ctrl/connections/{created.connection_id}"
        assert fetched == created

        assert await maton_client.connections.delete(created.connection_id) is None
        assert emulator.requests[-1].method == "DELETE"
        with pytest.raises(NotFoundError):
            await maton_client.connections.get(created.connection_id)
        assert len(await maton_client.connections.list()) == 1

    async def test_direct_mode_is_a_clear_configuration_error(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ConfigurationError, match="gateway mode"):
            await client.connections.list()
        assert emulator.requests == []

    async def test_an_unexpected_body_is_a_decode_error(self, stub: Stub) -> None:
        stub.reply = {"items": []}
        async with ClickSendClient(
            maton_api_key="k", base_url=stub.url, ctrl_url=stub.url, rate_limit=None
        ) as cs:
            with pytest.raises(DecodeError, match="'connections'"):
                await cs.connections.list()
            with pytest.raises(DecodeError, match="'connection'"):
                await cs.connections.get("c-1")
