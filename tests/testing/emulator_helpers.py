"""Helpers for the emulator's tests: an HTTP client that checks every call against the spec."""

from __future__ import annotations

import base64
import copy
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import yaml  # type: ignore[import-untyped]
from multidict import CIMultiDictProxy
from openapi_schema_validator import OAS30Validator

from clicksend_async.testing import ClickSendEmulator

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "spec" / "clicksend-openapi.yaml"

# The official spec's known bugs (clicksend-api-facts.md), and only those: each entry widens one
# property of one component schema so the emulator can return what the live API returns.
NULLABLE = {"nullable": True}
SPEC_TOLERANCES: dict[tuple[str, str], dict[str, Any]] = {
    # §2.1: a message that is not queued comes back in a minimal shape with schedule "".
    ("sms_send_sms", "schedule"): {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    # §2.2: _summary.countries is an object keyed by ISO code live, an array in the schema.
    ("calculate_sms_price_data__summary", "countries"): {"type": "object"},
    # §4: an empty page has from/to null (Laravel), and next/prev_page_url are null at the ends.
    ("pagination", "from"): NULLABLE,
    ("pagination", "to"): NULLABLE,
    ("view_lists_data", "from"): NULLABLE,
    ("view_lists_data", "to"): NULLABLE,
    ("view_lists_data", "next_page_url"): NULLABLE,
    ("view_lists_data", "prev_page_url"): NULLABLE,
    # §6 and §10.2: receipts carry status_code as a string ("201"), the schema says integer.
    ("sms_receipt", "status_code"): {"type": "string"},
    # §2.1 (send example) and §10.5 (examples contradict schemas): unset ids and names are null.
    ("view_sms_history_data_allOf_data_inner", "from_email"): NULLABLE,
    ("view_sms_history_data_allOf_data_inner", "contact_id"): NULLABLE,
    ("mms", "contact_id"): NULLABLE,
    ("view_mms_history_data_allOf_data_inner", "contact_id"): NULLABLE,
    ("view_mms_history_data_allOf_data_inner", "error_text"): NULLABLE,
    ("view_mms_history_data_allOf_data_inner", "first_name"): NULLABLE,
    ("view_mms_history_data_allOf_data_inner", "last_name"): NULLABLE,
    # §0: data may be null; this schema's own description says the field "will return null".
    ("cancel-sms", "data"): NULLABLE,
}

# The same, for part A of the rest of the API (automations, uploads, countries, subaccounts,
# billing, numbers, senders: test_emulator_spec_part_a.py proves each one is needed there).
PART_A_TOLERANCES: dict[tuple[str, str], dict[str, Any]] = {}

#: Every tolerance the spec helper applies.
ALL_TOLERANCES: dict[tuple[str, str], dict[str, Any]] = {**SPEC_TOLERANCES, **PART_A_TOLERANCES}


# Operations whose 200 the official spec documents without a schema (``application/json: {}``),
# with the schema of the example in ClickSend's 2021 docs (facts [apiary]) standing in. A test
# asserts each one is still a gap and that its stand-in accepts that example.
SPEC_GAPS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/v3/search/contacts-lists"): {
        "type": "object",
        "required": ["http_code", "response_code", "response_msg", "data"],
        "properties": {
            "http_code": {"type": "integer"},
            "response_code": {"type": "string"},
            "response_msg": {"type": "string"},
            "data": {
                "allOf": [
                    {"$ref": "#/components/schemas/pagination"},
                    {
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "data": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["id", "type", "name", "contact", "contacts_count"],
                                    "properties": {
                                        "id": {"type": "integer"},
                                        "type": {"type": "string", "enum": ["contact", "list"]},
                                        "name": {"type": "string"},
                                        "contact": {"type": "string"},
                                        "contacts_count": {"type": "integer", "nullable": True},
                                    },
                                },
                            }
                        },
                    },
                ]
            },
        },
    },
}


# Part A's gaps: the upload answer has the shape of the 2021 spec's example; deleting an alpha
# tag answers 200 with no body (the spec documents no content at all).
SPEC_GAPS[("POST", "/v3/uploads")] = {
    "type": "object",
    "required": ["http_code", "response_code", "response_msg", "data"],
    "properties": {
        "http_code": {"type": "integer"},
        "response_code": {"type": "string"},
        "response_msg": {"type": "string"},
        "data": {
            "type": "object",
            "additionalProperties": False,
            "required": ["_url", "upload_id", "file_name", "date_added", "date_delete", "user_id"],
            "properties": {
                "_url": {"type": "string"},
                "upload_id": {"type": "integer"},
                "file_name": {"type": "string"},
                "date_added": {"type": "integer"},
                "date_delete": {"type": "integer"},
                "user_id": {"type": "integer"},
            },
        },
    },
}
SPEC_GAPS[("DELETE", "/v3/alpha-tags/{alpha_tag_id}")] = {"type": "object", "nullable": True}


class Spec:
    """Validate request and response bodies against the official OpenAPI 3 spec."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.raw_components = document["components"]
        components = copy.deepcopy(document["components"])
        schemas = components["schemas"]
        for (name, prop), patch in ALL_TOLERANCES.items():
            target = schemas[name]["properties"][prop]
            if "nullable" in patch:
                target["nullable"] = True
            else:
                for key in ("type", "items", "$ref", "oneOf", "anyOf", "format"):
                    target.pop(key, None)
                target.update(patch)
        self.components = components
        self.operations: dict[tuple[str, str], dict[str, Any]] = {}
        self._templates: list[tuple[re.Pattern[str], str]] = []
        for path, item in document["paths"].items():
            for method, op in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    self.operations[(method.upper(), path)] = op
            regex = re.sub(r"\{\w+\}", "[^/]+", path.rstrip("/"))
            self._templates.append((re.compile(f"^{regex}/?$"), path))
        # Literal segments win over parameters ("/v3/sms/cancel-all" before "/v3/sms/{id}/...").
        self._templates.sort(key=lambda t: t[1].count("{"))

    def template(self, method: str, path: str) -> str | None:
        """Return the spec path template of an emulator path (``/sms/send`` style), if any."""
        for regex, template in self._templates:
            if regex.match("/v3" + path) and (method, template) in self.operations:
                return template
        return None

    def _validator(self, schema: dict[str, Any], *, raw: bool = False) -> OAS30Validator:
        components = self.raw_components if raw else self.components
        return OAS30Validator({"components": components, **schema})

    def tolerances_used(self, method: str, template: str, body: Any) -> set[tuple[str, str]]:
        """Return the tolerances a 200 body needs: its errors against the unpatched spec."""
        schema = self.response_schema(method, template)
        assert schema is not None
        schemas = self.raw_components["schemas"]
        by_id = {
            id(schemas[name]["properties"][prop]): (name, prop) for name, prop in ALL_TOLERANCES
        }
        used = set()
        for error in self._validator(schema, raw=True).iter_errors(body):
            key = by_id.get(id(error.schema))
            assert key is not None, f"{method} {template}: untolerated {error.message}"
            used.add(key)
        return used

    def _schema(self, content: dict[str, Any] | None) -> dict[str, Any] | None:
        if not content:
            return None
        media = content.get("application/json")
        return None if media is None else media.get("schema")

    def response_schema(self, method: str, template: str) -> dict[str, Any] | None:
        """Return the 200 schema of an operation, or its stand-in from ``SPEC_GAPS``."""
        op = self.operations[(method, template)]
        schema = self._schema(op.get("responses", {}).get("200", {}).get("content"))
        return schema if schema is not None else SPEC_GAPS.get((method, template))

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """Return readable validation errors of ``instance`` against ``schema``."""
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self._validator(schema).iter_errors(instance)
        ]

    def check_request(self, method: str, template: str, body: Any) -> None:
        """Fail when a request body breaks the operation's request schema."""
        op = self.operations[(method, template)]
        schema = self._schema(op.get("requestBody", {}).get("content"))
        if schema is not None and body is not None:
            errors = self.errors(schema, body)
            assert not errors, f"request {method} {template} breaks the spec: {errors}"

    def check_response(self, method: str, template: str, body: Any) -> None:
        """Fail when a 200 response body breaks the operation's 200 schema."""
        schema = self.response_schema(method, template)
        assert schema is not None, f"no 200 schema for {method} {template}"
        errors = self.errors(schema, body)
        assert not errors, f"response of {method} {template} breaks the spec: {errors}"


@functools.cache
def load_spec() -> Spec | None:
    """Return the spec helper, or None when the spec copy is missing."""
    if not SPEC_PATH.exists():
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as f:
        return Spec(yaml.load(f, Loader=loader))


class Reply:
    """Hold one HTTP answer."""

    def __init__(self, status: int, body: Any, headers: CIMultiDictProxy[str]) -> None:
        self.status = status
        self.body = body
        self.headers = headers

    @property
    def data(self) -> Any:
        """Return the envelope's ``data``."""
        return self.body["data"]


class Api:
    """Call the emulator over HTTP and check every request and 200 answer against the spec."""

    def __init__(self, session: aiohttp.ClientSession, base: str, headers: dict[str, str]) -> None:
        self.session = session
        self.base = base
        self.headers = headers
        self.checked: set[tuple[str, str]] = set()
        self.answers: list[tuple[str, str, Any]] = []

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        spec: bool = True,
    ) -> Reply:
        """Send a request; with ``spec`` validate it and a 200 answer against the spec."""
        checker = load_spec() if spec else None
        template = checker.template(method, path) if checker else None
        if checker and template:
            checker.check_request(method, template, json)
        async with self.session.request(
            method,
            self.base + path,
            json=json,
            params=params,
            headers={**self.headers, **(headers or {})},
        ) as response:
            body = await response.json()
            reply = Reply(response.status, body, response.headers)
        if checker and template and reply.status == 200:
            checker.check_response(method, template, body)
            self.checked.add((method, template))
            self.answers.append((method, template, body))
        return reply

    async def get(self, path: str, **kw: Any) -> Reply:
        """GET ``path``."""
        return await self.call("GET", path, **kw)

    async def post(self, path: str, json: Any = None, **kw: Any) -> Reply:
        """POST ``json`` to ``path``."""
        return await self.call("POST", path, json, **kw)

    async def put(self, path: str, json: Any = None, **kw: Any) -> Reply:
        """PUT ``json`` to ``path``."""
        return await self.call("PUT", path, json, **kw)

    async def patch(self, path: str, json: Any = None, **kw: Any) -> Reply:
        """PATCH ``json`` to ``path``."""
        return await self.call("PATCH", path, json, **kw)

    async def delete(self, path: str, **kw: Any) -> Reply:
        """DELETE ``path``."""
        return await self.call("DELETE", path, **kw)


class FakeClock:
    """A settable clock for the emulator (``clock=``)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def basic(emu: ClickSendEmulator) -> dict[str, str]:
    """Return the direct-API Authorization header."""
    token = base64.b64encode(f"{emu.username}:{emu.api_key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(emu: ClickSendEmulator) -> dict[str, str]:
    """Return the Maton Authorization header."""
    return {"Authorization": f"Bearer {emu.maton_api_key}"}


EmulatorFactory = Callable[..., Any]


def sms(to: str = "+61412345678", body: str = "Hello there", **extra: Any) -> dict[str, Any]:
    """Return one SMS message object."""
    return {"to": to, "body": body, **extra}
