"""Part A's groups of the spec are covered: each operation has a method marked for it."""

from __future__ import annotations

import inspect
from typing import Any

from resource_support import spec

from clicksend_async.resources import (
    account_recovery,
    automations,
    international,
    numbers,
    recharge,
    referrals,
    reseller,
    senders,
    statistics,
    subaccounts,
    uploads,
)
from clicksend_async.resources._base import OPERATIONS_ATTR

MODULES = (
    account_recovery,
    automations,
    international,
    numbers,
    recharge,
    referrals,
    reseller,
    senders,
    statistics,
    subaccounts,
    uploads,
)
#: The spec's tags that are part A's, and the automation paths filed under "sms" and "voice".
TAGS = {
    "alpha-tags",
    "default-senders",
    "international-messaging",
    "numbers",
    "own-numbers",
    "referrals",
    "reseller",
    "statistics",
    "subaccounts",
    "transactions",
    "uploads",
    "verification",
}
AUTOMATIONS = ("/v3/automations/sms/", "/v3/automations/voice/")
#: Part A operations the SDK had before (``client.countries.list``).
EARLIER = {("GET", "/v3/countries")}


def _marks() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for module in MODULES:
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name, member in vars(cls).items():
                for mark in getattr(member, OPERATIONS_ATTR, ()):
                    found.setdefault(mark, []).append(f"{cls_name}.{name}")
    return found


def _part_a_operations() -> set[tuple[str, str]]:
    wanted = set()
    for path, item in spec()["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or op.get("deprecated"):
                continue
            tags: Any = set(op.get("tags", []))
            if tags & TAGS or path.startswith(AUTOMATIONS):
                wanted.add((method.upper(), path))
    return wanted - EARLIER


def test_every_part_a_operation_has_one_method() -> None:
    marks = _marks()
    missing = sorted(_part_a_operations() - set(marks))
    assert missing == []
    assert {op: names for op, names in marks.items() if len(names) > 1} == {}


#: Part A operations that only the 2021 spec has (the current one dropped them).
FROM_2021 = {
    ("PUT", "/v3/account-verify/send"),
    ("PUT", "/v3/account-verify/verify/{activation_token}"),
    ("PUT", "/v3/forgot-password/verify"),
}


def test_every_mark_names_an_operation_of_the_spec() -> None:
    document = spec()["paths"]
    for method, path in set(_marks()) - FROM_2021:
        assert method.lower() in document.get(path, {}), (method, path)


def test_the_2021_only_operations_are_marked_and_not_in_the_current_spec() -> None:
    document = spec()["paths"]
    assert set(_marks()) >= FROM_2021
    for method, path in FROM_2021:
        assert method.lower() not in document.get(path, {}), (method, path)


def test_part_a_has_the_expected_size() -> None:
    assert len(_part_a_operations()) == 63
