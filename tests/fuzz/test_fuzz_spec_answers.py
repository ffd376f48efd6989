"""Fuzz: every operation the SDK implements, answered with what the spec allows.

For each row of the coverage table (``scripts/coverage.py``: the spec's operations and the SDK
method marked ``@operation`` for each), hypothesis draws a 200 body that is valid against the
operation's response schema in ``tests/data/spec/clicksend-openapi.yaml``: optional keys
missing, nulls where ``nullable``, unknown keys (no schema forbids them), any string (empty,
numeric, unicode, a lone surrogate, a broken link), any integer, any finite number. Where the
spec has no schema (the 2021 spec's post and fax operations, a few ``application/json: {}``)
the body is plausible JSON shaped like the documented example: nulls, empty strings, numbers as
strings, keys missing or added. A local server answers it to the SDK's own method.

Each call returns what its annotation says, whose repr and properties can be read, with the
unknown keys kept in ``extra``; or it raises a ``ClickSendError`` that shows no credential.
The request it sent has the spec's method and path template (each id in its own place), and a
JSON body with every property the request schema requires and none of a wrong JSON type.

The spec's own contradictions that the SDK rightly does not follow are in ``SPEC_REQUEST_BUGS``.
It found ``HistoryExport.filename`` raising on a link urllib cannot split (``http://[``).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_coverage_table import load_coverage_script
from test_spec_examples import ONE, OPERATIONS, OPERATIONS_2021, PAGE, _load, _load_2021
from test_spec_examples_part_a import OPERATIONS as OPERATIONS_PART_A

from clicksend_async import (
    ClickSendClient,
    ClickSendError,
    DirectMailArea,
    EmailRecipient,
    FaxMessage,
    MmsMessage,
    PostRecipient,
    SmsMessage,
    SmsSender,
    VoiceMessage,
)
from clicksend_async._cursor import CursorPage
from clicksend_async._pagination import Page
from clicksend_async._retry import NO_RETRY

from .test_fuzz_server import KEY, USER, GarbageServer, _assert_no_secret, _no_sleep

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # No "explain" phase: it re-runs a failing case hundreds of times (seconds per failure).
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)

#: Request-schema errors that are the spec's, not the SDK's: (method, path) -> {where: why}.
_FAX_TO = (
    "the 2021 spec's Send_FaxBody requires a top-level 'to' "
    "(clicksend-openapi-apisguru-2021.yaml lines 15672-15675) that its own example "
    "(lines 15625-15639) does not have: each message carries its 'to'"
)
SPEC_REQUEST_BUGS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/v3/fax/send"): {"body.to": _FAX_TO},
    ("POST", "/v3/fax/price"): {"body.to": _FAX_TO},
    ("POST", "/v3/lists/{list_id}/import"): {
        "body.field_order": (
            "import_contacts_request types field_order as a string (clicksend-openapi.yaml "
            "lines 48161-48162) while the same operation's parameter table says [string], "
            "required (line 29451) and its code samples send an array (lines 29501, 29669)"
        )
    },
}

# --------------------------------------------------------------------------------------------
# The operations: the coverage table's rows, with the SDK method marked for each.

_coverage = load_coverage_script


@attrs.frozen
class Op:
    """One operation and the SDK method marked for it."""

    method: str
    path: str  # the /v3 template, as the spec it comes from writes it
    source: str  # "current" or "2021"
    sdk: str  # "cs.sms.send"


def _operations() -> list[Op]:
    cov = _coverage()
    marks = cov.sdk_methods()
    return [
        Op(o.method, o.path, o.source, name)
        for o in cov.spec_operations()
        for name in marks.get(cov.key(o.method, o.path), [])
    ]


OPS = _operations()

# --------------------------------------------------------------------------------------------
# Values a schema accepts.


def _deref(node: Any, root: Mapping[str, Any]) -> Any:
    for _ in range(50):
        if not (isinstance(node, dict) and "$ref" in node):
            break
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


SCALAR_TEXT = st.sampled_from(
    ["", " ", "0", "1", "-1", "1.00", "0.0792", "1e3", "null", "true", "NaN", "é", "\u200e+61",
     "日本語", "🙂", "1721099039", "2024-07-16T03:03:59Z", "+61411111111", "http://[",
     "https://[::1/x.csv?filename=a.csv", "https://x.test/e.csv?filename=a%20b.csv&x=%ff",
     "\ud800", "a\udfffb", "\x00", "%", "?filename=%ff%fe"]
)  # fmt: skip
text = st.one_of(st.text(max_size=12), SCALAR_TEXT)
#: Any JSON: what a schema that says nothing allows, and what an unknown key may hold.
plausible: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
#: Keys no model knows, added to objects: they must end up in ``extra``.
UNKNOWN_KEYS = st.sampled_from(["zz_added_later", "ünknown", "x-new", "_meta2", "data2"])
#: The unknown key put into each object an operation's model is decoded from.
MARK = "zz_fuzz_marker"
INTS = st.one_of(
    st.integers(-5, 10**6),
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, 2**63, 10**20, 1721099039, 253402300800]),
    st.integers(-(2**53), 2**53).map(float),  # 3.0: an integer to JSON Schema
)
NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    INTS,
    st.sampled_from([0.0792, 1e-7, 1e300, -0.0, 12345678.9]),
)
FORMATS: dict[str, st.SearchStrategy[str]] = {
    "email": st.sampled_from(["ann@example.com", "a.b+c@example.co.uk", "ü@example.com"]),
    "uuid": st.uuids().map(str),
    "date-time": st.sampled_from(["2024-07-16T03:03:59Z", "2024-07-16T03:03:59+10:00"]),
    "uri": st.sampled_from(["https://example.com/a", "http://x.test/?q=1#f"]),
}
#: Links as a server might write them.
LINKS = st.sampled_from(
    ["http://[", "https://x.test/export.csv?filename=a.csv", "https://[::1/x?filename=b.csv",
     "//x.test/a", "not a link",
     "https://x.test/?response-content-disposition=attachment;%20filename=c.csv"]
)  # fmt: skip
#: Strings as ClickSend writes them for what a property's name says it holds (still strings).
HINTS: list[tuple[tuple[str, ...], st.SearchStrategy[str]]] = [
    (("url", "link"), LINKS),
    (
        ("date", "time", "schedule", "_at", "expire"),
        st.one_of(
            st.integers(0, 2**32).map(str),
            st.sampled_from(["", "2024-07-16 03:03:59", "2024-07-16T03:03:59+10:00"]),
        ),
    ),
    (
        ("price", "cost", "balance", "amount", "total", "credit", "rate"),
        st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    ),
    (("count", "_id", "parts", "pages", "quantity"), st.integers(0, 10**9).map(str)),
]


def _string(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    if "pattern" in schema:
        base = st.from_regex(schema["pattern"], fullmatch=True)
    elif schema.get("format") in FORMATS:
        base = FORMATS[schema["format"]]
    else:
        base = text
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if low or high is not None:
        base = base.filter(lambda s: len(s) >= low and (high is None or len(s) <= high))
    return base


def _merge_all_of(parts: list[Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """Return one object schema for ``allOf: parts`` (properties and required merged).

    Two schemas of the spec are allOf a paginator object and an array of items, which no value
    is (``calculate_email_price_data``, clicksend-openapi.yaml line 49911, and
    ``view_email_delivery_receipt_rules_data``, line 52615): unsatisfiable as written. Such an
    allOf is read as the paginator whose ``data`` is that array, the shape of every other page
    (the emulator's stand-in too: tests/testing/emulator_helpers.py ``_page_plus_array``).
    """
    schemas = [_deref(p, root) for p in parts]
    arrays = [s for s in schemas if s.get("type") == "array" or "items" in s]
    objects = [s for s in schemas if s not in arrays and s.get("type", "object") == "object"]
    if arrays and not objects:
        return {"allOf": arrays} if len(arrays) > 1 else arrays[0]
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for s in objects:
        if "allOf" in s:
            s = _merge_all_of(s["allOf"], root)
        for name, prop in s.get("properties", {}).items():
            old = merged["properties"].get(name)
            merged["properties"][name] = prop if old is None else {"allOf": [old, prop]}
        merged["required"] += [r for r in s.get("required", []) if r not in merged["required"]]
    for s in arrays:
        merged["properties"]["data"] = s
    if all(s.get("nullable") for s in schemas):
        merged["nullable"] = True
    return merged


def schema_values(
    schema: Any, root: Mapping[str, Any], depth: int = 0, *, envelope: bool = False
) -> st.SearchStrategy[Any]:
    """Return a strategy for values valid against an OpenAPI 3.0 ``schema`` (read loosely)."""
    schema = _deref(schema, root)
    if not isinstance(schema, dict) or depth > 12:
        return plausible
    base: st.SearchStrategy[Any]
    kind = schema.get("type")
    if "enum" in schema:
        base = st.sampled_from([v for v in schema["enum"] if v is not None] or [None])
    elif "allOf" in schema:
        merged = _merge_all_of(schema["allOf"], root)
        if schema.get("nullable"):
            merged["nullable"] = True
        return schema_values(merged, root, depth + 1, envelope=envelope)
    elif "oneOf" in schema or "anyOf" in schema:
        branches = schema.get("oneOf") or schema.get("anyOf")
        base = st.one_of([schema_values(s, root, depth + 1) for s in branches])
    elif kind == "object" or (kind is None and "properties" in schema):
        base = _object(schema, root, depth, envelope=envelope)
    elif kind == "array" or (kind is None and "items" in schema):
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        items = schema_values(schema.get("items", {}), root, depth + 1)
        base = st.lists(items, min_size=low, max_size=high)
        if low == 0 and high > 0:  # mostly some items: they are what gets decoded
            some = st.lists(items, min_size=1, max_size=high)
            base = st.one_of(some, some, base)
    elif kind == "string":
        base = _string(schema)
    elif kind == "integer":
        base = INTS
        if "maximum" in schema or "minimum" in schema:
            base = st.integers(schema.get("minimum"), schema.get("maximum"))
    elif kind == "number":
        base = NUMBERS
    elif kind == "boolean":
        base = st.booleans()
    else:
        return plausible  # a schema that says nothing: any JSON
    return st.one_of(base, st.none()) if schema.get("nullable") else base


def _property(
    name: str, schema: Any, root: Mapping[str, Any], depth: int
) -> st.SearchStrategy[Any]:
    values = schema_values(schema, root, depth + 1)
    resolved = _deref(schema, root)
    if resolved.get("type") == "string" and "enum" not in resolved:
        for words, hinted in HINTS:
            if any(w in name.lower() for w in words):
                return st.one_of(hinted, values)
    return values


def _with_unknown_keys(
    known: st.SearchStrategy[dict[str, Any]], declared: Any
) -> st.SearchStrategy[dict[str, Any]]:
    extra = st.dictionaries(UNKNOWN_KEYS.filter(lambda k: k not in declared), plausible, max_size=2)
    return st.builds(lambda known, more: {**more, **known}, known, extra)


def _object(
    schema: Mapping[str, Any], root: Mapping[str, Any], depth: int, *, envelope: bool
) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Any] = schema.get("properties") or {}
    if not props:
        return st.dictionaries(st.text(max_size=8), plausible, max_size=3)  # a loose object
    required = set(schema.get("required") or ())
    values = {name: _property(name, p, root, depth) for name, p in props.items()}
    if envelope:
        # Mostly a success, so that data gets decoded (any integer or string is valid here).
        values["http_code"] = st.one_of(st.just(200), st.just(200), values.get("http_code", INTS))
        values["response_code"] = st.one_of(
            st.just("SUCCESS"), st.just("SUCCESS"), values.get("response_code", text)
        )
    fixed = {n: s for n, s in values.items() if n in required}
    optional = {n: s for n, s in values.items() if n not in required}
    known = st.fixed_dictionaries(fixed, optional=optional)
    if "data" in optional:
        # A page's items (or the envelope's data) are what is decoded: mostly there.
        with_data = st.fixed_dictionaries(
            {**fixed, "data": optional["data"]},
            optional={n: s for n, s in optional.items() if n != "data"},
        )
        known = st.one_of(with_data, with_data, known)
    return _with_unknown_keys(known, props)


def example_values(example: Any, *, envelope: bool = False) -> st.SearchStrategy[Any]:
    """Return plausible JSON shaped like a documented example (for answers with no schema)."""
    if isinstance(example, dict):
        values = {k: example_values(v) for k, v in example.items()}
        for k, v in example.items():
            if "url" in k.lower() and isinstance(v, str):
                values[k] = st.one_of(LINKS, values[k])
        fixed: dict[str, Any] = {}
        if envelope:
            fixed = {"http_code": st.just(200), "response_code": st.just("SUCCESS")}
            if "data" in values:
                fixed["data"] = values.pop("data")
            values.pop("http_code", None)
            values.pop("response_code", None)
        return _with_unknown_keys(st.fixed_dictionaries(fixed, optional=values), example)
    if isinstance(example, list):
        return st.lists(example_values(example[0]) if example else plausible, max_size=3)
    nulls = st.sampled_from([None, ""])
    if isinstance(example, bool):
        return st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "0"]), nulls)
    if isinstance(example, int):
        return st.one_of(st.just(example), INTS, INTS.map(str), nulls)
    if isinstance(example, float):
        return st.one_of(st.just(example), NUMBERS, NUMBERS.map(str), nulls)
    if isinstance(example, str):
        return st.one_of(st.just(example), text, nulls)
    return plausible


# --------------------------------------------------------------------------------------------
# What the specs say of each operation.


def _op_2021(op: Op) -> dict[str, Any] | None:
    """Return the 2021 spec's operation for a /v3 template (its paths carry query strings)."""
    bare = op.path.removeprefix("/v3").rstrip("/")
    for raw, item in _load_2021()["paths"].items():
        if raw.split("?")[0].rstrip("/") == bare and op.method.lower() in item:
            found: dict[str, Any] = item[op.method.lower()]
            return found
    return None


def _spec_op(op: Op) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (the operation, the document it is in)."""
    if op.source == "current":
        document = _load()
        return document["paths"][op.path][op.method.lower()], document
    found = _op_2021(op)
    assert found is not None, op
    return found, _load_2021()


def _example_2021(op: Op) -> Any:
    found = _op_2021(op) or {}
    media = found.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
    media = media or {}
    value = media.get("examples", {}).get("response", {}).get("value")
    return media.get("example") if value is None else value


def answers(op: Op) -> st.SearchStrategy[tuple[int, Any]]:
    """Return a strategy of (HTTP status, JSON body) that the spec allows for ``op``."""
    spec_op, document = _spec_op(op)
    responses = spec_op.get("responses", {})
    content = (responses.get("200") or {}).get("content", {}).get("application/json")
    schema = None if content is None else content.get("schema")
    if schema:
        resolved = _deref(schema, document)
        envelope = "response_code" in resolved.get("properties", {})
        return st.tuples(st.just(200), schema_values(schema, document, envelope=envelope))
    # No schema: the 2021 example of the same operation (post, fax, uploads), else any JSON.
    example = _example_2021(op)
    if example is not None:
        body = example_values(example, envelope=isinstance(example, dict) and "data" in example)
    else:  # nothing documented: any JSON, or a link (what the other exports answer)
        data = st.one_of(plausible, LINKS, st.fixed_dictionaries({"url": LINKS}))
        body = st.fixed_dictionaries(
            {"http_code": st.just(200), "response_code": st.just("SUCCESS"), "data": data}
        )
    if "200" not in responses and "204" in responses:
        return st.one_of(st.just((204, None)), st.tuples(st.just(200), body))
    return st.tuples(st.just(200), body)


def request_schema(op: Op) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Return the operation's JSON request schema (or None) and its document."""
    spec_op, document = _spec_op(op)
    body = _deref(spec_op.get("requestBody"), document) or {}
    media = body.get("content", {}).get("application/json")
    return (None if media is None else media.get("schema")), document


JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def request_errors(
    schema: Any, value: Any, root: Mapping[str, Any], where: str = "body"
) -> list[str]:
    """Return the required properties missing from ``value`` and its wrong JSON types."""
    schema = _deref(schema, root)
    if not isinstance(schema, dict):
        return []
    if value is None:
        return [] if schema.get("nullable") or not schema.get("type") else [f"{where}: null"]
    errors = []
    for part in schema.get("allOf", ()):
        errors += request_errors(part, value, root, where)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        tried = [request_errors(b, value, root, where) for b in branches]
        if all(tried):
            errors += tried[0]
    kind = schema.get("type")
    if kind in JSON_TYPES and not JSON_TYPES[kind](value):
        return [*errors, f"{where}: {kind} expected, sent {json.dumps(value)[:60]}"]
    if isinstance(value, dict):
        errors += [
            f"{where}.{name}: required, missing"
            for name in schema.get("required") or ()
            if name not in value
        ]
        for name, prop in (schema.get("properties") or {}).items():
            if name in value:
                errors += request_errors(prop, value[name], root, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += request_errors(schema["items"], item, root, f"{where}[{i}]")
    return errors


def path_regex(template: str) -> re.Pattern[str]:
    """Return a regex for a path template (a trailing slash optional, as ClickSend takes it)."""
    literal = re.escape(template.rstrip("/"))
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/?]+", literal) + "/?$")


# --------------------------------------------------------------------------------------------
# How each SDK method is called: a value for each required parameter by its name, or the whole
# call below (optional parameters given too, so that their JSON types are checked).

UUID = "BF7AD270-0DE2-418B-B606-71D527D9C1AE"
URL = "https://example.com/file.pdf"
RECIPIENT = PostRecipient(
    address_name="Ann Lee",
    address_line_1="1 Main St",
    address_city="Perth",
    address_postal_code="6000",
    address_country="AU",
    address_state="WA",
    return_address_id=5,
)
#: An email campaign's fields, as sent, priced and updated.
EMAIL_CAMPAIGN: dict[str, Any] = {
    "name": "Sale",
    "subject": "Hi",
    "from_email_address_id": 41,
    "from_name": "Ann",
    "template_id": 42,
    "body": "<p>Hi</p>",
    "schedule": 1900000000,
}
#: Values by parameter name, for every method.
BY_NAME: dict[str, Any] = {
    "message_id": UUID,
    "original_message_id": UUID,
    "activation_token": "TOKEN123",
    "dedicated_number": "+61411111111",
    "country": "AU",
    "country_code": "AU",
    "number_type": "tollfree",
    "long_url_id": "LU123",
    "source_id": "SRC123",
    "own_number_id": "ON123",
    "alpha_tag_id": "AT123",
    "default_sender_id": "DS123",
    "verification_id": "V123",
    "transaction_id": "TX123",
    "year": 2024,
    "month": 7,
    "url": "https://example.com/hook",
    "q": "ann",
    "email_address": "ann@example.com",
    "email": "ann@example.com",
    "username": "ann",
    "list_name": "Customers",
    "template_name": "Welcome",
    "strip_string": "--",
    "body": "Hello there",
    "name": "Spring sale",
    "subject": "Hi",
    "from_": "+61411111111",
    "from_name": "Ann",
    "media_file": "https://example.com/cat.gif",
    "file_url": URL,
    "file_urls": [URL, URL],
    "field_order": ["phone_number", "first_name"],
    "from_email_address_id": 41,
    "template_id_master": 42,
    "rule_name": "Forward",
    "action": "EMAIL_FIXED",
    "action_address": "ann@example.com",
    "type": "sms",
    "client_user_id": 81,
    "balance": 10,
    "currency": "AUD",
    "country_ids": [1, 2],
    "country_codes": ["AU", "NZ"],
    "alpha_tag": "ACME",
    "reason": "Brand",
    "phone_number": "+61411111111",
    "code": "123456",
    "label": "Office",
    "sender_id": "ACME",
    "sender_type": "alpha_tag",
    "number": "4111111111111111",
    "expiry_month": 12,
    "expiry_year": 2030,
    "cvc": "123",
    "password": "s3cret-Pass",
    "user_email": "ann@example.com",
    "user_phone": "+61411111111",
    "user_first_name": "Ann",
    "user_last_name": "Lee",
    "account_name": "ACME",
    "api_username": "ann2",
    "first_name": "Ann",
    "last_name": "Lee",
    "address_name": "Head office",
    "address_line_1": "1 Main St",
    "address_city": "Perth",
    "address_postal_code": "6000",
    "address_country": "AU",
    "size": "A5",
    "areas": [DirectMailArea(location_id=1, quantity=100)],
    "recipients": [RECIPIENT],
    "to": [EmailRecipient(email="bob@example.com", name="Bob")],
    "convert": "fax",
    "file": b"%PDF-1.4 fuzz",
    "full_name": "Ann Lee",
    "company_name": "ACME",
    "website_url": "https://example.com",
    "sample_message": "Your code is 1234",
    "primary_use_case": "2FA",
    "company_number": "12345678901",
    "area_code": "02",
}
SMS = SmsMessage(
    to="+61411111111",
    body="Hello",
    from_="ACME",
    schedule=1900000000,
    custom_string="c1",
    list_id="21",
    country="AU",
    source="fuzz",
    from_email="ann@example.com",
    exclude_no_sender_id_recipients=True,
)
#: Whole calls for the methods the table above cannot fill (args, kwargs).
CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "cs.sms.send": (
        ([SMS],),
        {"shorten_urls": True, "senders": [SmsSender(recipient_country_code="AU", sender_id="X")]},
    ),
    "cs.sms.price": (([SMS],), {"shorten_urls": False, "show_summary": True}),
    "cs.mms.send": (
        (
            "https://example.com/cat.gif",
            [
                MmsMessage(
                    to="+61411111111", body="Hi", subject="S", from_="ACME", schedule=1900000000
                )
            ],
        ),
        {},
    ),
    "cs.mms.price": (
        (
            "https://example.com/cat.gif",
            [MmsMessage(to="+61411111111", body="Hi", subject="S", country="AU")],
        ),
        {},
    ),
    "cs.voice.send": (
        (
            [
                VoiceMessage(
                    to="+61411111111",
                    body="Hi",
                    voice="male",
                    lang="en-au",
                    machine_detection=1,
                    require_input=1,
                    custom_string="v1",
                    schedule=1900000000,
                    country="AU",
                    source="fuzz",
                    from_="+61411111112",
                )
            ],
        ),
        {},
    ),
    "cs.voice.price": (([VoiceMessage(to="+61411111111", body="Hi", custom_string="v1")],), {}),
    "cs.fax.send": ((URL, [FaxMessage(to="+61261111111", from_="+61261111112")]), {}),
    "cs.fax.price": ((URL, [FaxMessage(to="+61261111111")]), {}),
    "cs.sms.mark_receipts_read": ((), {"date_before": 1700000000}),
    "cs.sms.mark_inbound_read": ((), {"date_before": 1700000000}),
    "cs.fax.mark_receipts_read": ((), {"date_before": 1700000000}),
    "cs.sms.cancel_all": (("c1",), {}),
    "cs.sms.templates.update": ((11,), {"template_name": "Welcome", "body": "Hello"}),
    "cs.sms_campaigns.send": (
        (21,),
        {
            "name": "Sale",
            "body": "Hi",
            "from_": "ACME",
            "schedule": 1900000000,
            "senders": [{"recipient_country_code": "AU", "sender_id": "ACME"}],
            "url_to_shorten": "https://example.com",
            "source": "fuzz",
        },
    ),
    "cs.sms_campaigns.price": ((21,), {"name": "Sale", "body": "Hi", "from_": "ACME"}),
    "cs.sms_campaigns.update": (
        (61,),
        {"list_id": 21, "name": "Sale", "body": "Hi", "from_": "ACME"},
    ),
    "cs.mms_campaigns.send": (
        (21,),
        {
            "name": "Sale",
            "body": "Hi",
            "subject": "S",
            "media_file": "https://example.com/c.gif",
            "from_": "ACME",
            "url_to_shorten": "https://example.com",
        },
    ),
    "cs.mms_campaigns.price": (
        (21,),
        {"name": "Sale", "body": "Hi", "subject": "S", "media_file": "https://example.com/c.gif"},
    ),
    "cs.mms_campaigns.update": (
        (62,),
        {"list_id": 21, "name": "Sale", "body": "Hi", "from_": "ACME"},
    ),
    "cs.email_to_sms.allow_address": (
        ("ann@example.com",),
        {"from_": "+61411111111", "subaccount_id": 91},
    ),
    "cs.email_to_sms.update_stripped_string": ((51, "--"), {}),
    "cs.email.send": (
        ([EmailRecipient(email="bob@example.com", name="Bob")],),
        {
            "from_email_address_id": 41,
            "subject": "Hi",
            "body": "<p>Hi</p>",
            "from_name": "Ann",
            "cc": ["cc@example.com"],
            "bcc": ["bcc@example.com"],
            "attachments": [{"content": "aGk=", "type": "text/plain", "filename": "a.txt"}],
        },
    ),
    "cs.email.price": (
        (["bob@example.com"],),
        {"from_email_address_id": 41, "subject": "Hi", "body": "<p>Hi</p>", "from_name": "Ann"},
    ),
    "cs.email_campaigns.send": ((21,), {**EMAIL_CAMPAIGN, "custom_string": "e1", "draft": True}),
    "cs.email_campaigns.price": ((21,), EMAIL_CAMPAIGN),
    "cs.email_campaigns.update": ((63,), {"list_id": 21, **EMAIL_CAMPAIGN}),
    "cs.email.templates.update": ((43,), {"body": "<p>Hi</p>", "template_name": "T"}),
    "cs.delivery_issues.create": (
        (UUID,),
        {
            "type": "SMS",
            "description": "never arrived",
            "email_address": "ann@example.com",
            "client_comments": "late",
        },
    ),
    "cs.numbers.buy": (
        ("+61411111111",),
        {
            "type": "sms",
            "registration_data": {
                "business_name": "ACME",
                "business_address": "1 Main St",
                "suburb": "Perth",
                "postcode": "6000",
                "state": "WA",
                "contact_name": "Ann",
                "contact_number": "+61411111111",
                "country": "AU",
            },
        },
    ),
    "cs.own_numbers.request_verification": (
        ("+61411111111",),
        {"country": "AU", "label": "Office"},
    ),
    "cs.alpha_tags.create": (
        ("ACME",),
        {
            "reason": "Brand",
            "countries": ["AU"],
            "businesses": [
                {
                    "country": "AU",
                    "business_name": "ACME",
                    "business_relationship": "PRIMARY",
                    "abn": "12345678901",
                    "business_info": {"website": "https://x.test", "phone_number": "+61411111111"},
                    "business_address": {
                        "addr_line1": "1 Main St",
                        "city": "Perth",
                        "state": "WA",
                        "postal": "6000",
                    },
                    "representative": {
                        "first_name": "Ann",
                        "last_name": "Lee",
                        "email": "ann@example.com",
                    },
                }
            ],
        },
    ),
    "cs.default_senders.create": (
        (),
        {
            "country_code": "AU",
            "sender_id": "ACME",
            "sender_type": "alpha_tag",
            "note": "n",
            "sender_country_code": "AU",
        },
    ),
    "cs.default_senders.update": (("DS123",), {"sender_id": "ACME", "sender_type": "alpha_tag"}),
    "cs.recharge.update_card": (
        (),
        {
            "number": "4111111111111111",
            "expiry_month": 12,
            "expiry_year": 2030,
            "cvc": 123,
            "name": "Ann Lee",
            "bank_name": "Bank",
        },
    ),
    "cs.subaccounts.create": (
        (),
        {
            "api_username": "ann2",
            "password": "s3cret-Pass",
            "email": "ann@example.com",
            "phone_number": "+61411111111",
            "first_name": "Ann",
            "last_name": "Lee",
            "notes": "n",
            "access_billing": True,
            "access_users": False,
            "sms_deidentify_message": True,
        },
    ),
    "cs.subaccounts.update": (
        (91,),
        {"email": "ann@example.com", "notes": "n", "access_sms": True},
    ),
    "cs.reseller.update": ((81,), {"user_email": "ann@example.com", "country": "AU"}),
    "cs.contacts.create": (
        (21,),
        {
            "phone_number": "+61411111111",
            "first_name": "Ann",
            "email": "ann@example.com",
            "custom_1": "x",
            "address_country": "AU",
            "fax_number": "+61261111111",
            "organization_name": "ACME",
            "address_line_1": "1 Main St",
        },
    ),
    "cs.contacts.update": ((21, 31), {"first_name": "Ann", "address_state": "WA"}),
    "cs.contacts.copy": ((21, 31), {"to_list_id": 22}),
    "cs.contacts.transfer": ((21, 31), {"to_list_id": 22}),
    "cs.lists.remove_opted_out_contacts": ((21,), {"opt_out_list_id": 23}),
    "cs.lists.remove_duplicates": ((21,), {"fields": ["phone_number", "email"]}),
    "cs.post.return_addresses.create": (
        (),
        {
            "address_name": "Head office",
            "address_line_1": "1 Main St",
            "address_city": "Perth",
            "address_postal_code": "6000",
            "address_country": "AU",
            "address_line_2": "Level 2",
            "address_state": "WA",
        },
    ),
    "cs.post.return_addresses.update": ((71,), {"address_country": "AU", "address_state": "WA"}),
    "cs.automations.sms_inbound.create": (
        (),
        {
            "rule_name": "Fwd",
            "action": "EMAIL_FIXED",
            "action_address": "ann@example.com",
            "message_search_term": "STOP",
            "body": "x",
        },
    ),
    "cs.automations.sms_inbound.update": ((72,), {"rule_name": "Fwd", "enabled": False}),
    "cs.automations.sms_receipts.update": ((73,), {"rule_name": "R", "enabled": True}),
    "cs.automations.voice_receipts.update": ((74,), {"rule_name": "R", "match_type": 1}),
    "cs.email.receipt_rules.update": ((75,), {"rule_name": "R", "enabled": False}),
    "cs.post.letters.detect_address": ((), {"content": b"%PDF-1.4 fuzz"}),
    "cs.post.letters.send": ((URL, [RECIPIENT]), {"colour": True, "duplex": True}),
    "cs.post.letters.price": ((URL, [RECIPIENT]), {"priority_post": True}),
    "cs.post.direct_mail.locations": (("AU",), {"q": "Perth"}),
}


def _id_value(param: inspect.Parameter) -> Any:
    """Return a numeric id for an ``int | str`` id parameter, else a token."""
    return 77 if "int" in str(param.annotation) else "ID77"


def method_of(client: ClickSendClient, op: Op) -> Any:
    """Return the bound SDK method marked for ``op`` (``cs.sms.send`` is ``client.sms.send``)."""
    target: Any = client
    for part in op.sdk.split(".")[1:]:
        target = getattr(target, part)
    return target


def arguments(op: Op, method: Any) -> tuple[list[Any], dict[str, Any]]:
    """Return the positional and keyword arguments ``op``'s SDK method is called with."""
    if op.sdk in CALLS:
        args, kwargs = CALLS[op.sdk]
        return list(args), dict(kwargs)
    positional, keywords = [], {}
    for param in inspect.signature(method).parameters.values():
        if param.default is not param.empty or param.kind in (
            param.VAR_KEYWORD,
            param.VAR_POSITIONAL,
        ):
            continue  # optional, or **fields
        value = BY_NAME.get(param.name)
        if value is None:
            assert param.name.endswith("_id"), f"{op.sdk}: no value for {param.name}"
            value = _id_value(param)
        if param.kind is param.KEYWORD_ONLY:
            keywords[param.name] = value
        else:
            positional.append(value)
    return positional, keywords


def call_of(client: ClickSendClient, op: Op) -> Any:
    """Call the SDK method marked for ``op`` (a coroutine, or a paginator)."""
    method = method_of(client, op)
    args, kwargs = arguments(op, method)
    return method(*args, **kwargs)


def path_values(client: ClickSendClient, op: Op) -> dict[str, str]:
    """Return the value passed for each ``{name}`` of the template (those the method takes)."""
    method = method_of(client, op)
    args, kwargs = arguments(op, method)
    bound = inspect.signature(method).bind(*args, **kwargs)
    bound.apply_defaults()
    names = re.findall(r"\{(\w+)\}", op.path)
    return {n: str(bound.arguments[n]) for n in names if n in bound.arguments}


# --------------------------------------------------------------------------------------------
# Where each operation's model sits in its answer (the example tests' tables), to check that
# unknown keys land in ``extra``.

#: (method, path) -> (dotted place in the whole body, shape)
PLACES: dict[tuple[str, str], tuple[str, str]] = {
    **{(m, p): ("data", shape) for m, p, _, shape, _ in OPERATIONS},
    **{(m, "/v3" + p): ("data", shape) for m, p, _, shape, _ in OPERATIONS_2021},
    **{(m, p): (where, shape) for m, p, where, _, shape, _ in OPERATIONS_PART_A},
}


def mark_unknown(op: Op, body: Any, value: Any) -> list[int] | None:
    """Put ``MARK: value`` into each object the method's model is decoded from.

    Return the indexes of the items marked (``[0]`` for a single object), or None.
    """
    where, shape = PLACES.get((op.method, op.path), (None, None))
    if where is None:
        return None
    node = body
    for part in filter(None, where.split(".")):
        node = node.get(part) if isinstance(node, dict) else None
    if shape == PAGE and isinstance(node, dict):
        node = node.get("data")
    if shape == ONE:
        node = [node]
    if not isinstance(node, list):
        return None
    marked = []
    for i, item in enumerate(node):
        if isinstance(item, dict):
            item[MARK] = value
            marked.append(i)
    return marked or None


# --------------------------------------------------------------------------------------------
# The server: the fuzz server's, keeping each request whole.


@attrs.frozen
class Seen:
    """One request the server received."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class SpecServer(GarbageServer):
    """Answer every request with the same answer, and keep each request."""

    def __init__(self, answer: bytes) -> None:
        super().__init__([answer] * 5)  # enough for a paginator's walk, then HTTP 500
        self.seen: list[Seen] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *rest = head.decode("latin-1").split("\r\n")
            headers = {}
            for header in rest:
                if ":" in header:
                    key, value = header.split(":", 1)
                    headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
            method, target, _ = line.split(" ", 2)
            self.seen.append(Seen(method, target, headers, body))
            writer.write(self.script.pop(0) if self.script else b"HTTP/1.1 500 X\r\n\r\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


def _http(status: int, body: Any) -> bytes:
    if status == 204:
        return b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
    raw = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(raw)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + raw


# --------------------------------------------------------------------------------------------
# The checks.


def _return_type(method: Any) -> Any:
    func = inspect.unwrap(method.__func__)
    namespace = {**vars(builtins), **vars(sys.modules[func.__module__])}
    return eval(func.__annotations__["return"], namespace)  # the module's own annotation


def _items_of(result: Any) -> list[Any]:
    if isinstance(result, Page | CursorPage | list | tuple):
        return list(result)
    return [result]


def _fits(value: Any, kind: Any) -> bool:
    if kind is None or kind is type(None):
        return value is None
    return isinstance(value, typing.get_origin(kind) or kind)


def check_result(result: Any, expected: Any, where: str) -> None:
    """Assert ``result`` is what the method's return annotation promises."""
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        assert any(_fits(result, a) for a in typing.get_args(expected)), f"{where}: {result!r}"
    elif origin is not None and origin.__name__ in ("AsyncPaginator", "CursorPaginator"):
        (item,) = typing.get_args(expected)
        assert isinstance(result, Page | CursorPage), f"{where}: {result!r}"
        assert all(isinstance(v, item) for v in result.items), f"{where}: {result!r}"
    elif origin is list:
        (item,) = typing.get_args(expected)
        assert isinstance(result, list), f"{where}: {result!r}"
        assert all(_fits(v, item) for v in result), f"{where}: {result!r}"
    else:
        assert _fits(result, expected), f"{where}: {result!r}"


def touch(value: Any, depth: int = 0) -> None:
    """Read what a caller may read of a returned value: its repr and every public property."""
    repr(value)
    if depth > 6:
        return
    if isinstance(value, Page | CursorPage | list | tuple):
        for item in _items_of(value):
            touch(item, depth + 1)
    elif attrs.has(type(value)):
        for name, member in inspect.getmembers(type(value)):
            if isinstance(member, property) and not name.startswith("_"):
                getattr(value, name)
        for field in attrs.fields(type(value)):
            touch(getattr(value, field.name), depth + 1)


async def _exercise(
    op: Op, status: int, body: Any, gateway: bool
) -> tuple[Any, list[Seen], dict[str, str]]:
    """Call ``op``'s method against a server answering ``body``; return the outcome."""
    async with SpecServer(_http(status, body)) as server:
        # Gateway mode's bearer token is the fuzz server's API key: _assert_no_secret seeks it.
        auth: dict[str, Any] = (
            {"maton_api_key": KEY} if gateway else {"username": USER, "api_key": KEY}
        )
        async with ClickSendClient(
            **auth, base_url=server.url, rate_limit=None, timeout=5.0, sleep=_no_sleep,
            retry=NO_RETRY,
        ) as client:  # fmt: skip
            expected = _return_type(method_of(client, op))
            values = path_values(client, op)
            outcome: Any
            paged = False
            try:
                call = call_of(client, op)
                paged = hasattr(call, "pages")
                result = await call if inspect.isawaitable(call) else call
                check_result(result, expected, op.sdk)
                touch(result)
                outcome = result
            except ClickSendError as exc:
                _assert_no_secret(exc)
                outcome = exc
            if paged and not isinstance(outcome, BaseException):
                # Walk the pages too: the server answers the same page each time, which the
                # paginator must stop at (the last page) or refuse with a ClickSendError.
                try:
                    async with contextlib.aclosing(call_of(client, op).pages()) as pages:
                        async for page in pages:
                            touch(page)
                except ClickSendError as exc:
                    _assert_no_secret(exc)
        return outcome, server.seen, values


def check_request(op: Op, seen: list[Seen], values: Mapping[str, str]) -> None:
    """Assert the first request is ``op`` as the spec says (method, path, JSON body)."""
    first = seen[0]
    path = first.target.split("?", 1)[0]
    assert first.method == op.method and path_regex(op.path).match(path), (
        f"{op.sdk} sent {first.method} {path}; the spec's operation is {op.method} {op.path}"
    )
    # Each id in its own place (a swapped pair would match the template).
    segments = unquote(path).rstrip("/").split("/")
    placed = dict(zip(op.path.rstrip("/").split("/"), segments, strict=True))
    for name, value in values.items():
        assert placed["{" + name + "}"] == value, f"{op.sdk}: {{{name}}} holds {placed!r}"
    schema, document = request_schema(op)
    if schema is None:
        return
    if not first.body:
        assert not _deref(schema, document).get("required"), f"{op.sdk} sent no body"
        return
    assert first.headers.get("content-type", "").startswith("application/json"), first
    ignored = SPEC_REQUEST_BUGS.get((op.method, op.path), {})
    errors = [
        e
        for e in request_errors(schema, json.loads(first.body), document)
        if e.split(":", 1)[0] not in ignored
    ]
    assert not errors, f"{op.sdk} {op.method} {op.path}: {errors}"


# --------------------------------------------------------------------------------------------
# The tests.


def _id(op: Op) -> str:
    return f"{op.method} {op.path} {op.sdk}"


def test_every_operation_of_the_coverage_table_is_fuzzed() -> None:
    assert {(o.method, o.path) for o in OPS} == {
        (o.method, o.path) for o in _coverage().spec_operations()
    }


@pytest.mark.parametrize("op", OPS, ids=_id)
def test_answers_the_spec_allows_decode_or_fail_typed(op: Op) -> None:
    @FUZZ
    @given(answer=answers(op), gateway=st.booleans(), marker=plausible)
    def run(answer: tuple[int, Any], gateway: bool, marker: Any) -> None:
        status, body = answer
        marked = mark_unknown(op, body, marker)
        outcome, seen, values = asyncio.run(_exercise(op, status, body, gateway))
        assert seen, f"{op.sdk} sent nothing for {op.method} {op.path}: {outcome!r}"
        check_request(op, seen, values)
        if marked is None or isinstance(outcome, BaseException):
            return
        items = _items_of(outcome)
        for i in marked:
            if i < len(items) and attrs.has(type(items[i])) and hasattr(items[i], "extra"):
                assert items[i].extra.get(MARK) == marker, f"{op.sdk}: item {i} lost {MARK}"

    run()
