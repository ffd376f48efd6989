"""Maton gateway connections, on Maton's control plane (``https://ctrl.maton.ai``)."""

from __future__ import annotations

import builtins
from typing import Any

from .._converter import structure
from .._exceptions import DecodeError
from ..models.connections import Connection
from ._base import Resource, path_segment

__all__ = ["ConnectionsResource"]


class ConnectionsResource(Resource):
    """List, create, read and delete the Maton connections behind gateway mode.

    Gateway mode only (``ClickSendClient(maton_api_key=...)``); in direct mode every call
    raises :class:`ConfigurationError`. The control plane answers plain JSON
    (``{"connections": [...]}``, ``{"connection": {...}}``), not ClickSend's envelope.
    ClickSend has no docs section for these (they are Maton's); the gateway in front of
    https://developers.clicksend.com/docs/rest/v3/ passes the API through unchanged.
    """

    async def list(
        self, *, app: str = "clicksend", status: str | None = None, timeout: float | None = None
    ) -> builtins.list[Connection]:
        """Return your connections for ``app``, optionally only those with ``status``."""
        body = await self._session.request(
            "GET",
            "/connections",
            params={"app": app, "status": status},
            base="ctrl",
            timeout=timeout,
        )
        return structure(
            _member(body, "connections", "GET /connections"),
            builtins.list[Connection],
            where="GET /connections connections",
        )

    async def create(self, *, app: str = "clicksend", timeout: float | None = None) -> Connection:
        """Start a new connection; it stays PENDING until someone authorises its ``url``."""
        body = await self._session.request(
            "POST", "/connections", json={"app": app}, base="ctrl", timeout=timeout
        )
        return _connection(body, "POST /connections")

    async def get(self, connection_id: str, *, timeout: float | None = None) -> Connection:
        """Return one connection (``GET /connections/{connection_id}``)."""
        where = "GET /connections/{connection_id}"
        path = _path(connection_id)
        return _connection(
            await self._session.request("GET", path, base="ctrl", timeout=timeout), where
        )

    async def delete(self, connection_id: str, *, timeout: float | None = None) -> None:
        """Delete a connection (``DELETE /connections/{connection_id}``)."""
        path = _path(connection_id)
        await self._session.request("DELETE", path, base="ctrl", timeout=timeout)


def _member(body: Any, key: str, where: str) -> Any:
    if not isinstance(body, dict) or key not in body:
        raise DecodeError(f"expected an object with {key!r} from {where}")
    return body[key]


def _connection(body: Any, where: str) -> Connection:
    return structure(_member(body, "connection", where), Connection, where=f"{where} connection")


def _path(connection_id: str) -> str:
    return "/connections/" + path_segment(connection_id, "token", field="connection_id")
