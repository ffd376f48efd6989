"""The emulator's HTTP plumbing shared by every route module: replies, request context, router.

Route modules (``routes/<resource>.py``) build replies with :func:`ok`, :func:`not_found` and
:func:`invalid`, read the request through :class:`Ctx`, and register handlers on a
:class:`Router`. Nothing here knows about any one resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

if TYPE_CHECKING:
    from ._app import Service
    from ._sending import SendOutcome

__all__ = [
    "NOT_FOUND_ENDPOINT",
    "SERVER_ERROR",
    "TOO_MANY",
    "UNAUTHORIZED",
    "Ctx",
    "Handler",
    "Reply",
    "Router",
    "envelope",
    "invalid",
    "not_found",
    "ok",
]

Reply = tuple[int, Any]


def envelope(http_code: int, response_code: str, msg: str, data: Any = None) -> dict[str, Any]:
    """Return ClickSend's JSON envelope."""
    return {
        "http_code": http_code,
        "response_code": response_code,
        "response_msg": msg,
        "data": data,
    }


def ok(msg: str, data: Any = None) -> Reply:
    """Return a 200 ``SUCCESS`` reply."""
    return 200, envelope(200, "SUCCESS", msg, data)


def not_found(msg: str) -> Reply:
    """Return a 404 ``NOT_FOUND`` reply."""
    return 404, envelope(404, "NOT_FOUND", msg)


def invalid(data: Mapping[str, str], msg: str = "Invalid input.") -> Reply:
    """Return a 400 ``BAD_REQUEST`` reply naming the bad fields."""
    return 400, envelope(400, "BAD_REQUEST", msg, dict(data))


UNAUTHORIZED: Final = envelope(401, "UNAUTHORIZED", "Authorization failed.")
NOT_FOUND_ENDPOINT: Final = envelope(404, "NOT_FOUND", "Invalid endpoint. Please try again.")
TOO_MANY: Final = envelope(429, "HTTP_TOO_MANY_REQUESTS", "Too many attempts.")
SERVER_ERROR: Final = envelope(500, "INTERNAL_SERVER_ERROR", "Internal server error.")


class Ctx:
    """Carry one request through a handler."""

    __slots__ = ("body", "now", "params", "query", "request")

    def __init__(
        self,
        request: web.Request,
        params: dict[str, str],
        query: dict[str, str],
        body: Any,
        now: float,
    ) -> None:
        self.request = request
        self.params = params
        self.query = query
        self.body = body
        self.now = now

    def field(self, name: str) -> Any:
        """Return a body field, or None when the body is not an object or lacks it."""
        return self.body.get(name) if type(self.body) is dict else None

    def int_param(self, name: str) -> int | None:
        """Return a path parameter as an int, or None when it is not one."""
        value = self.params[name]
        return int(value) if value.isdigit() else None


Handler = Callable[["Service", Ctx], "Reply | SendOutcome"]


class _Route:
    __slots__ = ("handler", "method", "pattern", "public", "regex")

    def __init__(self, method: str, pattern: str, handler: Handler, public: bool) -> None:
        self.method = method
        self.pattern = pattern
        self.handler = handler
        self.public = public
        self.regex = (
            re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
            if "{" in pattern
            else None
        )


class Router:
    """Match (method, path) to a handler: static paths by dict, templated ones by regex."""

    def __init__(self) -> None:
        self.static: dict[tuple[str, str], _Route] = {}
        self.dynamic: list[_Route] = []

    def add(self, method: str, pattern: str, handler: Handler, *, public: bool = False) -> None:
        route = _Route(method, pattern, handler, public)
        if route.regex is None:
            self.static[(method, pattern)] = route
        else:
            self.dynamic.append(route)

    def match(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        route = self.static.get((method, path))
        if route is not None:
            return route, {}
        for route in self.dynamic:
            if route.method == method and route.regex is not None:
                m = route.regex.match(path)
                if m is not None:
                    return route, m.groupdict()
        return None
