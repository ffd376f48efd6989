"""Helpers for the resource tests: the official spec's request schemas, and a stub server.

The stub stands in for endpoints the emulator does not serve; everything else runs against
``clicksend_async.testing.ClickSendEmulator``.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml
from aiohttp import web
from openapi_schema_validator import OAS30Validator

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "tests" / "data" / "spec" / "clicksend-openapi.yaml"


@functools.cache
def _spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)
    return document


def spec() -> dict[str, Any]:
    """Return the official OpenAPI document, or skip the test when it is not checked out."""
    if not SPEC_PATH.exists():
        pytest.skip(f"official spec not found at {SPEC_PATH}")
    return _spec()


def resolve(node: Any, document: Mapping[str, Any] | None = None) -> Any:
    """Return ``node`` with every ``$ref`` inlined (the request schemas are not recursive)."""
    root = spec() if document is None else document
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for key in node["$ref"].removeprefix("#/").split("/"):
                target = target[key]
            return resolve(target, root)
        return {key: resolve(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, root) for value in node]
    return node


def operation(method: str, path: str) -> dict[str, Any]:
    """Return the spec's operation for ``method`` and a ``/v3`` path template."""
    op: dict[str, Any] = spec()["paths"][path][method.lower()]
    return op


def request_schema(method: str, path: str) -> dict[str, Any]:
    """Return the resolved JSON request schema of an operation."""
    body = operation(method, path)["requestBody"]["content"]["application/json"]["schema"]
    schema: dict[str, Any] = resolve(body)
    return schema


def assert_valid_request(
    method: str, path: str, body: Any, *, patch: Mapping[str, Any] | None = None
) -> None:
    """Validate a request body against the official request schema of ``method path``.

    ``patch`` replaces top-level properties of the schema, for the spec's documented bugs.
    """
    schema = copy.deepcopy(request_schema(method, path))
    for name, replacement in (patch or {}).items():
        schema["properties"][name] = replacement
    OAS30Validator(schema).validate(body)


def assert_valid_query(
    method: str, path: str, query: Mapping[str, str], *, undeclared: Iterable[str] = ()
) -> None:
    """Validate a query string against the query parameters ``method path`` declares.

    Every parameter must be declared, except those named in ``undeclared`` (the spec's
    description tables list some that its parameter list forgot); every value must fit its
    parameter's schema, integers parsed from the query string first.
    """
    declared = {
        p["name"]: resolve(p.get("schema", {}))
        for p in (resolve(x) for x in operation(method, path).get("parameters", []))
        if p.get("in") == "query"
    }
    allowed = set(undeclared)
    for name, value in query.items():
        if name in allowed:
            assert name not in declared, f"{name!r} is declared now: drop it from undeclared"
            continue
        assert name in declared, f"{name!r} is not a query parameter of {method} {path}"
        schema = declared[name]
        instance: Any = value
        if schema.get("type") == "integer":
            assert value.lstrip("-").isdigit(), f"{name}={value!r} is not an integer"
            instance = int(value)
        OAS30Validator(schema).validate(instance)


@attrs.frozen
class StubRequest:
    """One request the stub server received."""

    method: str
    path: str
    query: dict[str, str]
    json: Any


class Stub:
    """A tiny server answering every request with one canned JSON body."""

    def __init__(self) -> None:
        self.requests: list[StubRequest] = []
        self.reply: Any = {"http_code": 200, "response_code": "SUCCESS", "data": None}
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.requests.append(
            StubRequest(
                request.method,
                request.path.removeprefix("/v3"),
                dict(request.query),
                json.loads(raw) if raw else None,
            )
        )
        return web.json_response(self.reply)

    async def start(self) -> None:
        """Start serving on a free local port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/v3"

    async def close(self) -> None:
        """Stop serving."""
        if self.runner is not None:
            await self.runner.cleanup()


def response_example(method: str, path: str) -> Any:
    """Return the example envelope of an operation's 200 response."""
    content = operation(method, path)["responses"]["200"]["content"]["application/json"]
    return resolve(content["schema"])["example"]


SPEC_2021_PATH = SPEC_PATH.with_name("clicksend-openapi-apisguru-2021.yaml")

# The 2021 spec's request-schema bugs: required properties to drop. Its fax schema requires a
# top-level "to" that each message carries instead (its own example has none).
REQUIRED_BUGS_2021: dict[tuple[str, str], set[str]] = {
    ("POST", "/fax/send"): {"to"},
    ("POST", "/fax/price"): {"to"},
}


@functools.cache
def spec_2021() -> dict[str, Any]:
    """Return the 2021 spec (post and fax live only there)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_2021_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)
    return document


def assert_valid_request_2021(method: str, path: str, body: Any) -> None:
    """Validate a request body against the 2021 spec's request schema of ``method path``.

    ``path`` is the 2021 template without its baked-in query string (``/fax/send``).
    """
    document = spec_2021()
    item = next(v for k, v in document["paths"].items() if k.split("?")[0].rstrip("/") == path)
    request = item[method.lower()]["requestBody"]
    if "$ref" in request:
        request = document["components"]["requestBodies"][request["$ref"].rsplit("/", 1)[-1]]
    schema = copy.deepcopy(request["content"]["application/json"]["schema"])
    schema.pop("example", None)
    dropped = REQUIRED_BUGS_2021.get((method.upper(), path), set())
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r not in dropped]
    OAS30Validator({"components": document["components"], **schema}).validate(body)


class Hook:
    """A local webhook receiver that keeps what it is posted (form or JSON)."""

    def __init__(self) -> None:
        self.posts: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Keep one post (its query string, if any, under ``_query``)."""
        if request.content_type == "application/json":
            post = dict(await request.json())
        else:
            post = dict(await request.post())
        if request.query_string:
            post["_query"] = request.query_string
        await self.posts.put(post)
        return web.Response(text="OK")
