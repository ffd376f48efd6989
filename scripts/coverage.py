"""Generate the API coverage table: every ClickSend operation, its SDK method, its emulator route.

The operations are those of ClickSend's current OpenAPI spec that are not marked deprecated,
plus the post and fax operations that only the 2021 spec has (``/post/...`` and ``/fax/...``;
the current spec dropped them). SDK methods are found by walking every resource of
``ClickSendClient`` for ``@operation`` marks; emulator routes by asking the emulator's router.

Usage::

    python scripts/coverage.py           # rewrite docs/coverage.md and README's line, print
    python scripts/coverage.py --check   # exit 1 when either is stale
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clicksend_async import ClickSendClient  # noqa: E402
from clicksend_async.resources._base import OPERATIONS_ATTR, Resource  # noqa: E402
from clicksend_async.testing.routes import served_operations  # noqa: E402

CURRENT_SPEC = ROOT / "tests" / "data" / "spec" / "clicksend-openapi.yaml"
SPEC_2021 = ROOT / "tests" / "data" / "spec" / "clicksend-openapi-apisguru-2021.yaml"
DOC = ROOT / "docs" / "coverage.md"
START = "<!-- coverage:start -->"
END = "<!-- coverage:end -->"
README = ROOT / "README.md"
README_START = "<!-- coverage:summary:start -->"
README_END = "<!-- coverage:summary:end -->"
METHODS = ("get", "post", "put", "patch", "delete")
#: The 2021-only groups the table includes (the current spec dropped post letters and fax).
GROUPS_2021 = ("/post/", "/fax/")


class Operation(NamedTuple):
    """One spec operation: method, ``/v3`` path template, tag, and which spec it comes from."""

    method: str
    path: str
    tag: str
    source: str


def key(method: str, path: str) -> tuple[str, str]:
    """Return a comparable key: upper-case method, path without a trailing slash or names."""
    bare = re.sub(r"\{\w+\}", "{}", path.split("?")[0]).rstrip("/")
    return method.upper(), bare


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)
    return document


def spec_operations() -> list[Operation]:
    """Return the operations the table covers, current spec first, then the 2021 post/fax ones."""
    ops: list[Operation] = []
    seen: set[tuple[str, str]] = set()
    for path, item in _load(CURRENT_SPEC)["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None or op.get("deprecated"):
                continue
            ops.append(Operation(method.upper(), path, (op.get("tags") or ["-"])[0], "current"))
            seen.add(key(method, path))
    for raw, item in _load(SPEC_2021)["paths"].items():
        # The 2021 document bakes query strings into some paths ("/fax/history?date_from=...").
        path = "/v3" + raw.split("?")[0].rstrip("/")
        if not path.startswith(tuple("/v3" + g for g in GROUPS_2021)):
            continue
        for method in METHODS:
            op = item.get(method)
            if op is None or op.get("deprecated") or key(method, path) in seen:
                continue
            ops.append(Operation(method.upper(), path, (op.get("tags") or ["-"])[0], "2021"))
            seen.add(key(method, path))
    return ops


def _resources(obj: object, prefix: str, seen: set[int]) -> Iterator[tuple[str, Resource]]:
    for name in sorted(dir(type(obj))):
        if name.startswith("_") or not isinstance(
            getattr(type(obj), name, None), functools.cached_property
        ):
            continue
        value = getattr(obj, name)
        if isinstance(value, Resource) and id(value) not in seen:
            seen.add(id(value))
            yield f"{prefix}.{name}", value
            yield from _resources(value, f"{prefix}.{name}", seen)


def sdk_methods() -> dict[tuple[str, str], list[str]]:
    """Return, per operation key, the SDK methods marked with it (``cs.sms.send`` style)."""
    client = ClickSendClient(username="coverage", api_key="coverage")
    found: dict[tuple[str, str], list[str]] = {}
    for prefix, resource in _resources(client, "cs", set()):
        for name in sorted(dir(type(resource))):
            func = getattr(type(resource), name)
            for method, path in getattr(func, OPERATIONS_ATTR, ()):
                found.setdefault(key(method, path), []).append(f"{prefix}.{name}")
    return found


def emulator_routes() -> dict[tuple[str, str], str]:
    """Return, per operation key, the emulator route serving it (``GET /sms/history``)."""
    return {key(m, "/v3" + p): f"{m} {p}" for m, p in served_operations()}


def counts() -> tuple[int, int]:
    """Return (operations with an SDK method and an emulator route, operations in the table)."""
    ops = spec_operations()
    sdk, emu = sdk_methods(), emulator_routes()
    both = sum(1 for o in ops if key(o.method, o.path) in sdk and key(o.method, o.path) in emu)
    return both, len(ops)


def readme_line() -> str:
    """Return the README's one-line summary, linking to the table."""
    both, total = counts()
    return (
        f"API coverage: **{both} of {total}** ClickSend operations have a typed method and an "
        "emulator route ([the table](docs/coverage.md)).\n"
    )


def table() -> str:
    """Return the Markdown coverage table with its summary line."""
    ops = spec_operations()
    sdk = sdk_methods()
    emu = emulator_routes()
    both = sum(1 for o in ops if key(o.method, o.path) in sdk and key(o.method, o.path) in emu)
    with_sdk = sum(1 for o in ops if key(o.method, o.path) in sdk)
    with_emu = sum(1 for o in ops if key(o.method, o.path) in emu)
    total = len(ops)
    lines = [
        f"**{both} of {total} operations** have an SDK method and an emulator route "
        f"({100 * both // total}%); {with_sdk} have an SDK method, {with_emu} an emulator route.",
        "",
        "| operation | group | spec | SDK method | emulator route |",
        "|---|---|---|---|---|",
    ]
    for o in ops:
        k = key(o.method, o.path)
        methods = ", ".join(f"`{m}`" for m in sdk.get(k, [])) or "missing"
        route = f"`{emu[k]}`" if k in emu else "missing"
        lines.append(f"| `{o.method} {o.path}` | {o.tag} | {o.source} | {methods} | {route} |")
    known = {key(o.method, o.path) for o in ops}
    outside = sorted((k, v) for k, v in sdk.items() if k not in known)
    if outside:
        lines += ["", "SDK methods for operations outside the table (older spec versions):", ""]
        lines += [f"- `{k[0]} {k[1]}`: " + ", ".join(f"`{m}`" for m in v) for k, v in outside]
    return "\n".join(lines) + "\n"


def render(document: str, body: str, start_mark: str = START, end_mark: str = END) -> str:
    """Return ``document`` with the text between the markers replaced by ``body``."""
    start, end = document.find(start_mark), document.find(end_mark)
    if start < 0 or end < start:
        raise SystemExit(f"the {start_mark} / {end_mark} markers are missing")
    return document[: start + len(start_mark)] + "\n" + body + document[end:]


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) the table and the README's summary line; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    body = table()
    targets = [
        (DOC, render(DOC.read_text(encoding="utf-8"), body)),
        (
            README,
            render(README.read_text(encoding="utf-8"), readme_line(), README_START, README_END),
        ),
    ]
    stale = [p for p, wanted in targets if wanted != p.read_text(encoding="utf-8")]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run python scripts/coverage.py")
        if not stale:
            print("docs/coverage.md and README.md are up to date")
        return 1 if stale else 0
    for path, wanted in targets:
        if path in stale:
            path.write_text(wanted, encoding="utf-8")
    print(body, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
