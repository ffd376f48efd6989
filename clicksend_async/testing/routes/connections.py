"""Maton connections (the control plane, ``/ctrl``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import Ctx, Reply, Router, invalid, not_found

if TYPE_CHECKING:
    from .._app import Service


def _connections(s: Service, c: Ctx) -> Reply:
    app, status = c.query.get("app"), c.query.get("status")
    items = [
        dict(x)
        for x in s.world.connections.values()
        if (app is None or x["app"] == app) and (status is None or x["status"] == status)
    ]
    return 200, {"connections": items}


def _connection_create(s: Service, c: Ctx) -> Reply:
    app = c.field("app")
    if app != "clicksend":
        return invalid({"app": "Only the clicksend app is emulated."})
    return 200, {"connection": dict(s.world.new_connection())}


def _connection_get(s: Service, c: Ctx) -> Reply:
    connection = s.world.connections.get(c.params["connection_id"])
    if connection is None:
        return not_found("Connection not found.")
    return 200, {"connection": dict(connection)}


def _connection_delete(s: Service, c: Ctx) -> Reply:
    connection = s.world.connections.pop(c.params["connection_id"], None)
    if connection is None:
        return not_found("Connection not found.")
    connection["status"] = "DELETED"
    return 200, {"connection": dict(connection)}


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/connections", _connections)
    r.add("POST", "/connections", _connection_create)
    r.add("GET", "/connections/{connection_id}", _connection_get)
    r.add("DELETE", "/connections/{connection_id}", _connection_delete)
