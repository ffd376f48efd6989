"""The one cattrs Converter, and every hook that teaches it ClickSend's wire habits.

- A field named ``from_`` travels as ``from``; a field with ``metadata={"wire": "_currency"}``
  travels under that name.
- ``metadata={"aliases": ("currency",)}`` accepts older key names for the same field.
- Models with an ``extra`` field keep every key they do not know there (the server adds fields
  without notice), and request models send their ``extra`` along.
- Money is Decimal, parsed from JSON numbers and strings alike (``"0.0792"``, ``0.07``, ``0``).
- Timestamps are aware UTC datetimes, parsed from ``int``, numeric ``str``, ISO-8601 ``str`` and
  ``""`` (which means "none", as in ``schedule: ""`` of unscheduled messages).
- Integers accept numeric strings (``"1"``, ``"1.00"``); booleans accept 0/1 and "true"/"false".
- ``tuple[str, ...]`` accepts a bare string as a one-item tuple (``/voice/lang`` sends
  ``"gender": "female"`` for one voice and ``["female", "male"]`` for two).
- Requests omit fields that are None or at their default, except fields marked
  ``metadata={"send_default": True}`` (a voice message's ``voice`` and ``lang``: ClickSend's own
  default language need not be ours).

Decoding failures become one DecodeError that says which field of which model failed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._exceptions import DecodeError

__all__ = ["converter", "parse_datetime", "parse_decimal", "structure", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter()


def parse_decimal(value: Any) -> Decimal | None:
    """Parse money from a JSON number or string; ``""`` and None give None."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected an amount, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected an amount, got {_short(value)}") from None
    if not amount.is_finite():  # "NaN", "Infinity", "inf": Decimal takes them, money cannot
        raise ValueError(f"expected an amount, got {_short(value)}")
    return amount


def _short(value: Any) -> str:
    """Return ``repr(value)`` cut to a readable length (a server may send megabytes)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:60]}... ({len(text)} characters)"


def _timestamp(number: float) -> datetime | None:
    if not math.isfinite(number):
        raise ValueError(f"expected a timestamp, got {number!r}")
    if number == 0:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"timestamp {number!r} is out of range") from None


def parse_datetime(value: Any) -> datetime | None:
    """Parse a timestamp (Unix int/str, ISO-8601 str, datetime); ``""``, 0 and None give None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise ValueError(f"expected a timestamp, got {value!r}")
    if isinstance(value, int | float):
        return _timestamp(value)
    if isinstance(value, str):
        text = value.strip().rstrip(",")  # the spec's own example has "1721099039,"
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return _timestamp(number)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected a timestamp, got {_short(value)}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"expected a timestamp, got {_short(value)}")


def _parse_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)  # "1.00" as history sends message_parts
            except ValueError:
                number = math.nan
            if number.is_integer():  # never for "inf" or "nan"
                return int(number)
    raise ValueError(f"expected an integer, got {_short(value)}")


def _parse_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, float) and math.isfinite(value):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "y", "t"):
            return True
        if lowered in ("0", "false", "no", "n", "f"):
            return False
    raise ValueError(f"expected a boolean, got {_short(value)}")


def _required(parse: Callable[[Any], T | None], what: str) -> Callable[[Any, Any], T]:
    def hook(value: Any, _: Any) -> T:
        result = parse(value)
        if result is None:
            raise ValueError(f"expected {what}, got {value!r}")
        return result

    return hook


def _optional(parse: Callable[[Any], T | None]) -> Callable[[Any, Any], T | None]:
    return lambda value, _: parse(value)


def _str_hook(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""  # a null where text belongs: empty, not the word "None"
    if isinstance(value, dict | list):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return str(value)


def _str_tuple_hook(value: Any, _: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(_str_hook(item, None) for item in value)
    raise ValueError(f"expected a string or a list of strings, got {type(value).__name__}")


# The optional scalars are one call each, their common wire type first (a model decodes
# dozens of them per object; a generic wrapper around the parser doubles the calls).
def _optional_int(value: Any, _: Any) -> int | None:
    return value if type(value) is int else _parse_int(value)


def _optional_bool(value: Any, _: Any) -> bool | None:
    if type(value) is int:  # ClickSend's 0 / 1
        return value != 0
    return _parse_bool(value)


def _optional_str(value: Any, _: Any) -> str | None:
    if type(value) is str or value is None:
        return value
    return _str_hook(value, None)


converter.register_structure_hook(Decimal, _required(parse_decimal, "an amount"))
converter.register_structure_hook(Decimal | None, _optional(parse_decimal))
converter.register_structure_hook(datetime, _required(parse_datetime, "a timestamp"))
converter.register_structure_hook(datetime | None, _optional(parse_datetime))
converter.register_structure_hook(int, _required(_parse_int, "an integer"))
converter.register_structure_hook(int | None, _optional_int)
converter.register_structure_hook(bool, _required(_parse_bool, "a boolean"))
converter.register_structure_hook(bool | None, _optional_bool)
converter.register_structure_hook(str, _str_hook)
converter.register_structure_hook(str | None, _optional_str)
converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _str_tuple_hook)
converter.register_unstructure_hook(Decimal, str)
converter.register_unstructure_hook(datetime, lambda value: int(value.timestamp()))


def _wire_name(field: attrs.Attribute[Any]) -> str:
    wire = field.metadata.get("wire")
    if isinstance(wire, str):
        return wire
    if field.name.endswith("_") and not field.name.endswith("__"):
        return field.name[:-1]
    return field.name


def _has_extra(cls: type) -> bool:
    return attrs.has(cls) and any(f.name == "extra" for f in attrs.fields(cls))


def _structure_factory(cls: Any) -> Callable[[Mapping[str, Any], Any], Any]:
    fields = attrs.fields(cls)
    overrides: dict[str, Any] = {
        f.name: override(rename=_wire_name(f)) for f in fields if _wire_name(f) != f.name
    }
    keeps_extra = _has_extra(cls)
    if keeps_extra:
        overrides["extra"] = override(omit=True)
    base = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=False, **overrides)
    known = frozenset(_wire_name(f) for f in fields if f.name != "extra")
    aliases = [(_wire_name(f), alias) for f in fields for alias in f.metadata.get("aliases", ())]
    # The Python name is accepted for a renamed field too: a dict written {"from_": ...} after
    # the model's ``from_`` must not lose its sender into ``extra`` (sent as "from_", ignored).
    aliases += [(_wire_name(f), f.name) for f in fields if _wire_name(f) != f.name]
    known |= {alias for _, alias in aliases}
    # A null where the model has a default means "not given": the default, not a decode error
    # (a send ClickSend accepted must not fail to decode over "total_price": null).
    defaulted = frozenset(
        _wire_name(f) for f in fields if f.name != "extra" and f.default is not attrs.NOTHING
    )

    def structure_model(data: Mapping[str, Any], _: Any) -> Any:
        if not isinstance(data, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        for wire, alias in aliases:
            if wire not in data and alias in data:
                data = {**data, wire: data[alias]}
        if None in data.values():
            data = {k: v for k, v in data.items() if v is not None or k not in defaulted}
        obj = base(data, cls)
        if keeps_extra:
            extra = {k: v for k, v in data.items() if k not in known}
            if extra:
                # The instance is brand new and not shared yet; ``extra`` is outside eq and repr.
                object.__setattr__(obj, "extra", extra)
        return obj

    return structure_model


def _unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    fields = attrs.fields(cls)
    overrides: dict[str, Any] = {
        f.name: override(
            rename=_wire_name(f) if _wire_name(f) != f.name else None,
            omit_if_default=False if f.metadata.get("send_default") else None,
        )
        for f in fields
        if _wire_name(f) != f.name or f.metadata.get("send_default")
    }
    keeps_extra = _has_extra(cls)
    if keeps_extra:
        overrides["extra"] = override(omit=True)
    base = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)

    def unstructure_model(obj: Any) -> dict[str, Any]:
        data = base(obj)
        for key in [k for k, v in data.items() if v is None]:
            del data[key]
        if keeps_extra and obj.extra:
            for key, value in obj.extra.items():
                data.setdefault(key, value)
        return data

    return unstructure_model


converter.register_structure_hook_factory(attrs.has, _structure_factory)
converter.register_unstructure_hook_factory(attrs.has, _unstructure_factory)


def structure(data: Any, cls: type[T], *, where: str = "response") -> T:
    """Decode ``data`` into ``cls``, raising one DecodeError that names the failing fields."""
    name = getattr(cls, "__name__", str(cls))
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        details = "; ".join(cattrs.transform_error(exc, path=where))
        raise DecodeError(f"could not decode {name}: {details}") from exc
    except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError) as exc:
        raise DecodeError(f"could not decode {name} at {where}: {exc}") from exc


def unstructure(obj: Any) -> Any:
    """Encode a model (or a list/dict of them) into JSON-ready data."""
    return converter.unstructure(obj)
