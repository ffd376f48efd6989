"""Fault kinds, their configuration parser and the per-request draw (pure, no I/O)."""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from typing import TypeAlias

__all__ = ["Fault", "FaultPlan", "FaultSpec", "parse_faults"]


class Fault(enum.StrEnum):
    """Name a fault the emulator can inject into an API request.

    ``429`` and ``500`` answer before the request is processed (nothing happens). The
    ``commit-*`` kinds process the request fully (messages accepted, charged, logged) and then
    fail the answer: a 500, a dropped connection, no answer for ``hang_seconds``, or a 200 that
    cannot be trusted (garbled, an error envelope, no messages listed, absurd nesting,
    non-finite numbers, numbers past any sane size or text that is not UTF-8).
    """

    TOO_MANY_REQUESTS = "429"
    SERVER_ERROR = "500"
    COMMIT_500 = "commit-500"
    COMMIT_DROP = "commit-drop"
    COMMIT_HANG = "commit-hang"
    #: A 200 whose body is not JSON (cut off mid-answer).
    COMMIT_GARBLED = "commit-garbled"
    #: A 200 whose envelope says error (``http_code`` 500, ``INTERNAL_SERVER_ERROR``).
    COMMIT_ERROR_ENVELOPE = "commit-error-envelope"
    #: A 200 ``SUCCESS`` that lists none of the request's messages.
    COMMIT_UNLISTED = "commit-unlisted"
    #: A 200 whose JSON nests thousands of levels deep (a decoder's RecursionError).
    COMMIT_NESTED = "commit-nested"
    #: A 200 whose messages say ``"message_parts": "inf"`` and ``"message_price": "NaN"``.
    COMMIT_NONFINITE = "commit-nonfinite"
    #: A 200 whose messages say ``"message_parts": 10**30`` and ``"message_price": "1e999999999"``
    #: (numbers no store column or sum can hold).
    COMMIT_ABSURD = "commit-absurd"
    #: A 200 whose message ids end in a lone surrogate (the JSON escape ``\\udfff``) and whose
    #: first message's status is ``"SUCCESS\\ud800"``: text no UTF-8 store or file can hold.
    COMMIT_SURROGATE = "commit-surrogate"

    @property
    def commits(self) -> bool:
        """Return True when the request is processed before the fault hits."""
        return self.value.startswith("commit-")


FaultSpec: TypeAlias = str | Mapping[str, "float | Mapping[str, float]"]
"""``"429=0.1,/sms/send:commit-500=0.5"`` or ``{"429": 0.1, "/sms/send": {"commit-500": 0.5}}``."""

_KINDS = ", ".join(f.value for f in Fault)


def _kind(name: str) -> Fault:
    try:
        return Fault(name.strip())
    except ValueError:
        raise ValueError(f"unknown fault kind {name!r}; expected one of {_KINDS}") from None


def _probability(value: object, kind: str) -> float:
    try:
        p = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"fault {kind!r}: probability {value!r} is not a number") from None
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"fault {kind!r}: probability {p} is outside [0, 1]")
    return p


class _Scripted:
    __slots__ = ("kind", "left", "path")

    def __init__(self, kind: Fault, path: str | None, left: int) -> None:
        self.kind = kind
        self.path = path
        self.left = left


class FaultPlan:
    """Hold probabilistic and scripted faults and draw the one that hits a request."""

    __slots__ = ("_global", "_per_path", "_scripted")

    def __init__(
        self,
        global_: Mapping[Fault, float] | None = None,
        per_path: Mapping[str, Mapping[Fault, float]] | None = None,
    ) -> None:
        self._global: dict[Fault, float] = {k: v for k, v in (global_ or {}).items() if v > 0}
        self._per_path: dict[str, dict[Fault, float]] = {
            path: {k: v for k, v in kinds.items() if v > 0}
            for path, kinds in (per_path or {}).items()
        }
        self._scripted: list[_Scripted] = []
        for path, table in [(None, self._global), *self._per_path.items()]:
            total = sum(table.values())
            if total > 1.0 + 1e-9:
                where = "globally" if path is None else f"for {path}"
                raise ValueError(f"fault probabilities add up to {total:g} > 1 {where}")

    @property
    def empty(self) -> bool:
        """Return True when no fault can ever hit."""
        return not (self._global or self._per_path or self._scripted)

    def inject(self, kind: Fault | str, *, path: str | None = None, times: int = 1) -> None:
        """Script ``kind`` for the next ``times`` requests matching ``path`` (None: any)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._scripted.append(_Scripted(_kind(str(kind)), path, times))

    def draw(self, path: str, pattern: str, rng: random.Random, *, eligible: bool) -> Fault | None:
        """Return the fault for one request, consuming a scripted one first.

        A per-path table replaces the global one for its path. ``eligible`` is True for
        authenticated API requests; other requests (countries, the control plane) only get
        faults that name their path or route pattern.
        """
        for entry in self._scripted:
            target = entry.path
            if (target is None and eligible) or target in (path, pattern):
                entry.left -= 1
                if entry.left <= 0:
                    self._scripted.remove(entry)
                return entry.kind
        if not (self._global or self._per_path):
            return None
        table = self._per_path.get(path) or self._per_path.get(pattern)
        if table is None:
            if not eligible or not self._global:
                return None
            table = self._global
        r = rng.random()
        for kind, p in table.items():
            if r < p:
                return kind
            r -= p
        return None


def parse_faults(spec: FaultSpec | None) -> FaultPlan:
    """Parse a fault specification (CLI string or mapping) into a :class:`FaultPlan`.

    String form: comma-separated ``kind=probability`` items, each optionally prefixed by a path
    and a colon (``/sms/send:commit-500=0.5``). Mapping form: ``{kind: probability}`` for
    every API request, plus ``{path: {kind: probability}}`` for one path or route pattern,
    which replaces the global table for that path. Each table must add up to at most 1.
    """
    global_: dict[Fault, float] = {}
    per_path: dict[str, dict[Fault, float]] = {}
    if spec is None:
        return FaultPlan()
    if isinstance(spec, str):
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            path: str | None = None
            if item.startswith("/"):
                path, sep, item = item.rpartition(":")
                if not sep:
                    raise ValueError(f"fault item {item!r}: expected path:kind=probability")
            name, sep, text = item.partition("=")
            if not sep:
                raise ValueError(f"fault item {item!r}: expected kind=probability")
            kind = _kind(name)
            target = global_ if path is None else per_path.setdefault(path, {})
            target[kind] = _probability(text, name)
        return FaultPlan(global_, per_path)
    for key, value in spec.items():
        if isinstance(value, Mapping):
            per_path[key] = {_kind(k): _probability(v, k) for k, v in value.items()}
        else:
            global_[_kind(key)] = _probability(value, key)
    return FaultPlan(global_, per_path)
