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


# Part B's tolerances (campaigns, email, post...), kept apart so that each list's own test can
# prove every entry is needed by the operations it exercises.
SPEC_TOLERANCES_B: dict[tuple[str, str], dict[str, Any]] = {
    # §4: an empty page has from/to null; this page schema is its own copy of the paginator.
    ("view_email_templates_data", "from"): NULLABLE,
    ("view_email_templates_data", "to"): NULLABLE,
    # §10.5: the list's issue_id is a string in the schema, an integer in its own example and in
    # the create answer's schema; the emulator answers the integer.
    ("delivery_issue", "issue_id"): {"type": "integer"},
}

ENVELOPE_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["http_code", "response_code", "response_msg", "data"],
    "properties": {
        "http_code": {"type": "integer"},
        "response_code": {"type": "string"},
        "response_msg": {"type": "string"},
        "data": {
            "allOf": [
                {"$ref": "#/components/schemas/pagination"},
                {"type": "object", "required": ["data"], "properties": {"data": {"type": "array"}}},
            ]
        },
    },
}


def _page_of(item: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(ENVELOPE_PAGE)
    schema["properties"]["data"]["allOf"][1]["properties"]["data"]["items"] = item
    return schema


def _enveloped(data: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(ENVELOPE_PAGE)
    schema["properties"]["data"] = data
    return schema


# Operations whose 200 schema in the official spec has the wrong shape (not just a wrong type):
# each entry rebuilds, from the spec's own schema, the shape the emulator answers (that of
# ClickSend's other pages, or of the 2021 docs' example). A test proves each spec schema still
# rejects that answer. ``deref`` follows one ``$ref`` of the document.
Override = Callable[[Callable[[Any], Any], dict[str, Any]], dict[str, Any]]


def _bare_page(deref: Callable[[Any], Any], schema: dict[str, Any]) -> dict[str, Any]:
    # The schema is a bare paginator, without the envelope every other answer has.
    return _enveloped(schema)


def _page_plus_array(deref: Callable[[Any], Any], schema: dict[str, Any]) -> dict[str, Any]:
    # data is allOf [paginator, array of items]: nothing is both an object and an array.
    data = deref(deref(schema)["properties"]["data"])
    return _page_of(deref(data["allOf"][1])["items"])


def _email_price(deref: Callable[[Any], Any], schema: dict[str, Any]) -> dict[str, Any]:
    # The spec says a page of emails (its example an empty page); the 2021 docs' example is a
    # price object, which is what the emulator answers.
    return _enveloped(
        {
            "type": "object",
            "required": ["to_array", "subject", "body", "price", "_currency"],
            "properties": {
                "to_array": {"type": "array"},
                "cc_array": {"type": "array", "nullable": True},
                "bcc_array": {"type": "array", "nullable": True},
                "subject": {"type": "string"},
                "body": {"type": "string"},
                "price": {"type": "number"},
                "_currency": {"type": "object"},
            },
        }
    )


SPEC_OVERRIDES: dict[tuple[str, str], Override] = {
    ("GET", "/v3/mms-campaigns"): _bare_page,
    ("GET", "/v3/automations/email/receipts"): _page_plus_array,
    ("GET", "/v3/email/history"): _page_plus_array,
    ("POST", "/v3/email/price"): _email_price,
    # The spec shows the tracking page at the top level; the emulator wraps it in the envelope.
    ("GET", "/v3/short-url/tracking/{long_url_id}"): _bare_page,
}

# Operations whose 200 the official spec documents without a schema (``application/json: {}``),
# with the schema of the example in ClickSend's 2021 docs (facts [apiary]) standing in. A test
# asserts each one is still a gap and that its stand-in accepts that example.
SPEC_GAPS: dict[tuple[str, str], dict[str, Any]] = {
    # No schema for the campaign history export; the other exports answer a download link.
    ("GET", "/v3/email-campaigns/{email_campaign_id}/history/export"): _enveloped(
        {
            "type": "object",
            "required": ["url"],
            "properties": {"url": {"type": "string"}},
        }
    ),
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
        for (name, prop), patch in (ALL_TOLERANCES | SPEC_TOLERANCES_B).items():
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

    def deref(self, node: Any) -> Any:
        """Return ``node``, or what its ``$ref`` points at (one level)."""
        if isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].removeprefix("#/components/schemas/")
            return self.raw_components["schemas"][name]
        return node

    def spec_schema(self, method: str, template: str) -> dict[str, Any] | None:
        """Return the spec's own 200 schema of an operation (no override, no stand-in)."""
        op = self.operations[(method, template)]
        return self._schema(op.get("responses", {}).get("200", {}).get("content"))

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
            id(schemas[name]["properties"][prop]): (name, prop)
            for name, prop in ALL_TOLERANCES | SPEC_TOLERANCES_B
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
        """Return the 200 schema of an operation, or its stand-in (overrides, gaps)."""
        op = self.operations[(method, template)]
        schema = self._schema(op.get("responses", {}).get("200", {}).get("content"))
        override = SPEC_OVERRIDES.get((method, template))
        if override is not None and schema is not None:
            return override(self.deref, schema)
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


SPEC_2021_PATH = SPEC_PATH.with_name("clicksend-openapi-apisguru-2021.yaml")

# The 2021 spec's request-schema bugs: required properties to drop, per operation. Its fax
# schema requires a top-level "to" that the messages carry (the example has none).
SPEC_2021_REQUIRED_BUGS: dict[tuple[str, str], set[str]] = {
    ("POST", "/fax/send"): {"to"},
    ("POST", "/fax/price"): {"to"},
}


def shape_errors(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Return how ``actual`` differs in shape from an example: missing keys, other JSON types.

    A null on either side matches anything (the examples use null for "not set"); a list is
    compared item by item with the example's first item.
    """
    if expected is None or actual is None:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '.'}: expected an object, got {type(actual).__name__}"]
        errors = []
        for key, value in expected.items():
            if key not in actual:
                errors.append(f"{where}/{key}: missing")
            else:
                errors += shape_errors(value, actual[key], f"{where}/{key}")
        return errors
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where or '.'}: expected an array, got {type(actual).__name__}"]
        if not expected:
            return []
        return [
            e
            for i, item in enumerate(actual)
            for e in shape_errors(expected[0], item, f"{where}/{i}")
        ]
    kinds = {bool: "boolean", int: "number", float: "number", str: "string"}
    want, got = kinds.get(type(expected)), kinds.get(type(actual))
    return [] if want == got else [f"{where}: expected a {want}, got {got} {actual!r}"]


class Spec2021:
    """Check the 2021-only (post and fax) operations against the 2021 spec.

    That spec documents request schemas but no response schemas, only examples: an answer is
    checked against the shape of its operation's 200 example (:func:`shape_errors`).
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.components = document["components"]
        self.operations: dict[tuple[str, str], dict[str, Any]] = {}
        self._templates: list[tuple[re.Pattern[str], str]] = []
        for raw, item in document["paths"].items():
            # The 2021 document bakes query strings into some paths ("/fax/history?q={q}").
            path = raw.split("?")[0].rstrip("/")
            if not path.startswith(("/post/", "/fax/")):
                continue
            for method, op in item.items():
                if method in ("get", "post", "put", "delete"):
                    self.operations[(method.upper(), path)] = op
            regex = re.sub(r"\{\w+\}", "[^/]+", path)
            self._templates.append((re.compile(f"^{regex}/?$"), path))
        self._templates.sort(key=lambda t: t[1].count("{"))

    def template(self, method: str, path: str) -> str | None:
        """Return the 2021 path template of an emulator path, if any."""
        for regex, template in self._templates:
            if regex.match(path) and (method, template) in self.operations:
                return template
        return None

    def request_schema(self, method: str, template: str) -> dict[str, Any] | None:
        """Return the request body schema of an operation (its bugs patched), if any."""
        body = self.operations[(method, template)].get("requestBody")
        if body is None:
            return None
        if "$ref" in body:
            body = self.components["requestBodies"][body["$ref"].rsplit("/", 1)[-1]]
        schema = copy.deepcopy(body.get("content", {}).get("application/json", {}).get("schema"))
        if schema is not None:
            dropped = SPEC_2021_REQUIRED_BUGS.get((method, template), set())
            schema.pop("example", None)
            if "required" in schema:
                schema["required"] = [r for r in schema["required"] if r not in dropped]
        return schema

    def check_request(self, method: str, template: str, body: Any) -> None:
        """Fail when a request body breaks the operation's 2021 request schema."""
        schema = self.request_schema(method, template)
        if schema is not None and body is not None:
            validator = OAS30Validator({"components": self.components, **schema})
            errors = [e.message for e in validator.iter_errors(body)]
            assert not errors, f"request {method} {template} breaks the 2021 spec: {errors}"

    def example(self, method: str, template: str) -> Any:
        """Return the 200 example (the whole envelope) of an operation."""
        content = self.operations[(method, template)]["responses"]["200"]["content"]
        return content["application/json"]["examples"]["response"]["value"]

    def check_response(self, method: str, template: str, body: Any) -> None:
        """Fail when a 200 body does not have the shape of the operation's 2021 example."""
        errors = shape_errors(self.example(method, template), body)
        assert not errors, f"response of {method} {template} breaks the 2021 example: {errors}"


@functools.cache
def load_spec_2021() -> Spec2021:
    """Return the 2021 spec helper."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_2021_PATH.open(encoding="utf-8") as f:
        return Spec2021(yaml.load(f, Loader=loader))


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
        self.checked_2021: set[tuple[str, str]] = set()
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
        older = load_spec_2021() if spec and template is None else None
        older_template = older.template(method, path) if older else None
        if older and older_template:
            older.check_request(method, older_template, json)
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
        if older and older_template and reply.status == 200:
            older.check_response(method, older_template, body)
            self.checked_2021.add((method, older_template))
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
