"""Every resource method that puts an id in a path refuses a hostile id before any request.

The walk is generic: it introspects the resources hanging off ``ClickSendClient`` (nested ones
such as ``client.sms.templates`` too), so a resource added later is covered without an edit.
An id parameter is one named ``*_id`` or ``*_token``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from clicksend_async import ClickSendClient, ClickSendError, ValidationError
from clicksend_async._pagination import AsyncPaginator
from clicksend_async.resources._base import Resource
from clicksend_async.testing import ClickSendEmulator

HOSTILE_IDS: list[Any] = [
    "..",
    ".",
    "a/b",
    "1/..",
    "%2e%2e",
    "%2F",
    "?x",
    "1?x=1",
    "#",
    "1#",
    "\n",
    "1\n",
    "\\",
    "..\\..",
    "",
    " ",
    "1 ",
    "1" * 10_000,
    "١٢٣",  # Arabic-Indic digits: digits to str.isdigit, not to ClickSend
    -1,
    True,
    None,
    1.5,
    b"1",
]

#: (resource, method, parameter) ids that travel in the request body, not the URL path: no
#: traversal through them; the server checks them, after the body's own validation.
NOT_PATH_IDS: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("account_recovery", "reset_password", "activation_token"),
        ("account_recovery", "reset_password", "subaccount_id"),
        ("account_recovery", "verify_account", "activation_token"),
        ("default_senders", "create", "sender_id"),
        ("default_senders", "update", "sender_id"),
        ("delivery_issues", "create", "message_id"),
        ("email", "price", "from_email_address_id"),
        ("email", "send", "from_email_address_id"),
        ("email_campaigns", "price", "from_email_address_id"),
        ("email_campaigns", "price", "list_id"),
        ("email_campaigns", "price", "template_id"),
        ("email_campaigns", "send", "from_email_address_id"),
        ("email_campaigns", "send", "list_id"),
        ("email_campaigns", "send", "template_id"),
        ("email_campaigns", "update", "from_email_address_id"),
        ("email_campaigns", "update", "list_id"),
        ("email_campaigns", "update", "template_id"),
        ("email_to_sms", "allow_address", "subaccount_id"),
        ("mms", "send", "list_id"),
        ("mms_campaigns", "price", "list_id"),
        ("mms_campaigns", "send", "list_id"),
        ("mms_campaigns", "update", "list_id"),
        ("reseller", "transfer_credit", "client_user_id"),
        ("sms", "send", "list_id"),
        ("sms_campaigns", "price", "list_id"),
        ("sms_campaigns", "send", "list_id"),
        ("sms_campaigns", "update", "list_id"),
        ("voice", "send", "list_id"),
    }
)
#: Values for required parameters the generic fillers below cannot guess, by name.
FILLERS: dict[str, Any] = {"field_order": ["phone_number"], "list_name": "Customers"}

UUID = "BF7AD270-0DE2-418B-B606-71D527D9C1AE"


def _resources(client: ClickSendClient) -> Iterator[tuple[str, Resource]]:
    seen: set[type[Resource]] = set()

    def walk(obj: object, prefix: str) -> Iterator[tuple[str, Resource]]:
        for name in dir(type(obj)):
            if name.startswith("_"):
                continue
            attr = inspect.getattr_static(type(obj), name)
            if not isinstance(attr, functools.cached_property | property):
                continue
            value = getattr(obj, name)
            if isinstance(value, Resource) and type(value) not in seen:
                seen.add(type(value))
                yield prefix + name, value
                yield from walk(value, f"{prefix}{name}.")

    yield from walk(client, "")


def _id_methods(client: ClickSendClient) -> list[tuple[str, str, list[str]]]:
    """Return (resource path, method name, id parameter names) for every id-taking method."""
    found = []
    for where, resource in _resources(client):
        for name, method in inspect.getmembers(resource, inspect.ismethod):
            if name.startswith("_"):
                continue
            ids = [
                p.name
                for p in inspect.signature(method).parameters.values()
                if p.name.endswith(("_id", "_token")) and (where, name, p.name) not in NOT_PATH_IDS
            ]
            if ids:
                found.append((where, name, ids))
    return found


def _valid_id(param: inspect.Parameter, number: int) -> Any:
    """Return an id of the shape the parameter takes (numeric, message id or token).

    Numeric ids differ from one parameter to the next (two lists that must differ).
    """
    annotation = str(param.annotation)
    if "int" in annotation:
        return number
    if "message" in param.name:
        return UUID
    return "TOKEN123"


def _filler(param: inspect.Parameter) -> Any:
    """Return a plausible value for a required parameter that is not an id."""
    if param.name in FILLERS:
        return FILLERS[param.name]
    annotation = str(param.annotation)
    if "Sequence" in annotation or "list" in annotation:
        return ["phone_number"]
    if "int" in annotation:
        return 1
    if "url" in param.name:
        return "https://example.com/contacts.csv"
    return "name"


def _call(method: Callable[..., Any], hostile: str | None, value: Any) -> Any:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(method).parameters.values():
        if param.kind is param.VAR_KEYWORD and hostile is None:
            kwargs["phone_number"] = "+61411111111"  # contacts: something to create or update
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        is_id = param.name.endswith(("_id", "_token"))
        if param.name == hostile:
            arg = value
        elif is_id:
            arg = _valid_id(param, len(args) + len(kwargs) + 1)
        elif param.default is param.empty:
            arg = _filler(param)
        else:
            continue
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = arg
        else:
            args.append(arg)
    return method(*args, **kwargs)


async def _run(method: Callable[..., Any], hostile: str | None, value: Any) -> None:
    result = _call(method, hostile, value)
    if isinstance(result, AsyncPaginator):
        async for _ in result:
            break
    elif inspect.isawaitable(result):
        await result


@pytest.fixture
async def gateway(emulator: ClickSendEmulator) -> AsyncIterator[ClickSendClient]:
    """Yield a gateway-mode client: it can call every resource, connections included."""
    async with emulator.maton_client(rate_limit=None, retry=_no_retry()) as cs:
        yield cs


def _no_retry() -> Any:
    from clicksend_async._retry import NO_RETRY

    return NO_RETRY


class TestEveryIdInAPath:
    def test_the_walk_finds_the_id_taking_methods(self) -> None:
        names = {f"{where}.{name}" for where, name, _ in _id_methods(_offline())}
        # A floor, not the list: resources added later only add to it.
        assert {
            "lists.delete",
            "contacts.delete",
            "contacts.copy",
            "sms.cancel",
            "sms.templates.get",
            "voice.cancel",
            "email_addresses.verify",
            "connections.get",
        } <= names

    async def test_a_hostile_id_is_refused_before_any_request(
        self, gateway: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        checked = 0
        for where, name, ids in _id_methods(gateway):
            method = getattr(_resource(gateway, where), name)
            for param in ids:
                for value in HOSTILE_IDS:
                    before = len(emulator.requests)
                    with pytest.raises(ValidationError) as info:
                        await _run(method, param, value)
                    # Refused over another field: check ids before other input (or give that
                    # parameter a FILLERS entry).
                    label = f"{where}.{name}({param}={value!r:.40}): {info.value}"
                    assert info.value.field == param, label
                    assert len(emulator.requests) == before, label
                    checked += 1
        assert checked >= 28 * len(HOSTILE_IDS)

    async def test_well_formed_ids_do_reach_the_server(
        self, gateway: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        # The other half of the walk: its fillers are ids the SDK accepts, so each refusal
        # above is the hostile id's, not a filler's.
        reached = 0
        for where, name, ids in _id_methods(gateway):
            method = getattr(_resource(gateway, where), name)
            before = len(emulator.requests)
            refused: ValidationError | None = None
            try:
                await _run(method, None, None)
            except ValidationError as exc:
                refused = exc
            except ClickSendError:
                pass  # 404 for an id the emulator does not hold: it did go out
            if refused is not None:
                # Refused over another input (a template update with nothing to change): the
                # ids themselves passed.
                assert refused.field not in ids, f"{where}.{name}: {refused}"
                continue
            assert len(emulator.requests) > before, f"{where}.{name}"
            reached += 1
        assert reached >= 20


def _offline() -> ClickSendClient:
    return ClickSendClient(maton_api_key="k")


def _resource(client: ClickSendClient, where: str) -> Any:
    obj: Any = client
    for part in where.split("."):
        obj = getattr(obj, part)
    return obj
