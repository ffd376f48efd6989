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

import inspect
import linecache
import math
import weakref
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from types import MemberDescriptorType, NoneType, UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

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


def _optional_decimal(value: Any, _: Any) -> Decimal | None:
    if type(value) is str and value:  # ClickSend's "0.0792"
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            pass  # parse_decimal says why
        else:
            if amount.is_finite():
                return amount
    return parse_decimal(value)


def _optional_datetime(value: Any, _: Any) -> datetime | None:
    if type(value) is int:  # ClickSend's Unix seconds
        return _timestamp(value)
    return parse_datetime(value)


converter.register_structure_hook(Decimal, _required(parse_decimal, "an amount"))
converter.register_structure_hook(Decimal | None, _optional_decimal)
converter.register_structure_hook(datetime, _required(parse_datetime, "a timestamp"))
converter.register_structure_hook(datetime | None, _optional_datetime)
converter.register_structure_hook(int, _required(_parse_int, "an integer"))
converter.register_structure_hook(int | None, _optional_int)
converter.register_structure_hook(bool, _required(_parse_bool, "a boolean"))
converter.register_structure_hook(bool | None, _optional_bool)
converter.register_structure_hook(str, _str_hook)
converter.register_structure_hook(str | None, _optional_str)
converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _str_tuple_hook)
converter.register_unstructure_hook(Decimal, str)
converter.register_unstructure_hook(datetime, lambda value: int(value.timestamp()))


def _optional_model_of(type_: Any) -> Any:
    """Return ``M`` when ``type_`` is ``M | None`` for an attrs model ``M``, else None."""
    if get_origin(type_) not in (Union, UnionType):
        return None
    args = get_args(type_)
    if len(args) != 2 or NoneType not in args:
        return None
    inner = args[0] if args[1] is NoneType else args[1]
    return inner if attrs.has(inner) else None


def _optional_model(value: Any, type_: Any) -> Any:
    # What cattrs does for any optional type; our own so the compiled decoders recognise it
    # and call the model's hook directly (a null never reaches them: it is the default).
    if value is None:
        return None
    inner = _optional_model_of(type_)
    return converter.get_structure_hook(inner)(value, inner)


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

    def detailed(data: Mapping[str, Any], _: Any) -> Any:
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

    fast: Callable[[Any], Any] | None = None

    def compiled() -> Callable[[Any], Any]:
        # Compiled at the first decode, when every model's hook exists: a model that holds
        # itself (or a cycle of models) finds its own hook instead of recursing.
        nonlocal fast
        if fast is None:
            _COMPILING.add(cls)
            try:
                fast = _compile_fast(cls, detailed, aliases, defaulted, known, keeps_extra)
            finally:
                _COMPILING.discard(cls)
        return fast

    def structure_model(data: Mapping[str, Any], _: Any) -> Any:
        return (fast or compiled())(data)

    _COMPILED[structure_model] = (cls, compiled)
    return structure_model


#: Each model hook's class and the function that returns its compiled decoder: a model
#: inside another is decoded by a direct call of that decoder.
_COMPILED: weakref.WeakKeyDictionary[
    Callable[..., Any], tuple[type, Callable[[], Callable[[Any], Any]]]
] = weakref.WeakKeyDictionary()
#: Models whose decoder is being compiled (a model met again inside itself keeps its hook).
_COMPILING: set[type] = set()
#: The compiled decoders (one argument: the value).
_DECODERS: weakref.WeakSet[Callable[[Any], Any]] = weakref.WeakSet()


_MISSING = object()
#: Hooks whose common case the compiled decoders do inline: the value already has its type.
_INLINE_WHEN_TYPE: dict[Callable[..., Any], str] = {}


def _call_code(i: int, hook: Callable[..., Any], var: str) -> str:
    """Return the call of field ``i``'s hook on ``var`` (a compiled decoder takes the value)."""
    return f"h{i}({var})" if hook in _DECODERS else f"h{i}({var}, t{i})"


def _value_code(i: int, hook: Callable[..., Any], var: str) -> str:
    """Return the expression that decodes ``var`` (never None) with field ``i``'s hook."""
    inline = _INLINE_WHEN_TYPE.get(hook)
    call = _call_code(i, hook, var)
    return f"{var} if type({var}) is {inline} else {call}" if inline else call


def _field_hook(field: attrs.Attribute[Any]) -> tuple[Callable[..., Any], Any]:
    """Return the hook and type a present, non-null value of ``field`` is decoded with.

    For ``Model | None`` that is the model's own hook (cattrs' optional hook would dispatch
    again at every call; a null never reaches it here).
    """
    hook, type_ = converter.get_structure_hook(field.type), field.type
    if hook is _optional_model:
        type_ = _optional_model_of(field.type)
        hook = converter.get_structure_hook(type_)
    model = _COMPILED.get(hook)
    if model is not None and model[0] not in _COMPILING:
        return model[1](), type_  # the nested model's decoder itself, called with the value
    return hook, type_


def _stores_only(cls: Any) -> bool:
    """Return True when attrs' ``__init__`` of ``cls`` does nothing but store its arguments.

    That is: frozen and slotted (each value stored with ``object.__setattr__``), no validator,
    converter, hash cache or ``__attrs_pre_init__``/``__attrs_post_init__``, and no factory but
    ``extra``'s ``dict``. Checked against the source attrs generated, line by line: any other
    line (or another attrs version's wording) and the model is built through its ``__init__``.
    """
    init = cls.__dict__.get("__init__")
    if init is None or hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return False
    expected = ["_setattr = _cached_setattr_get(self)"]
    for f in attrs.fields(cls):
        if not f.init or f.validator is not None or f.converter is not None:
            return False
        if isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            if f.name != "extra" or f.default.factory is not dict or f.default.takes_self:
                return False
            expected += [
                f"if {f.alias} is not NOTHING:",
                f"_setattr('{f.name}', {f.alias})",
                "else:",
                f"_setattr('{f.name}', __attr_factory_{f.name}())",
            ]
        else:
            expected.append(f"_setattr('{f.name}', {f.alias})")
    try:
        source = inspect.getsource(init)
    except (OSError, TypeError):
        return False
    lines = [line.strip() for line in source.splitlines()]
    return bool(lines) and lines[0].startswith("def __init__(") and lines[1:] == expected


def _store_code(cls: Any, name: str, namespace: dict[str, Any]) -> str:
    """Return the start of a call that stores field ``name`` of a new ``cls`` instance.

    A slot's own descriptor is called directly (what ``object.__setattr__`` ends up calling,
    minus looking the name up on the class at every store); anything else goes through
    ``object.__setattr__``.
    """
    for klass in cls.__mro__:
        if name in klass.__dict__:
            slot = klass.__dict__[name]
            if type(slot) is MemberDescriptorType:
                namespace[f"store_{name}"] = slot.__set__
                return f"store_{name}(obj"
            break
    return f"setattr_(obj, {name!r}"


def _compile_fast(
    cls: Any,
    detailed: Callable[[Mapping[str, Any], Any], Any],
    aliases: list[tuple[str, str]],
    defaulted: frozenset[str],
    known: frozenset[str],
    keeps_extra: bool,
) -> Callable[[Any], Any]:
    """Return one straight-line decoder for ``cls`` that falls back to ``detailed`` on error.

    It takes each field once (its wire name, then its aliases in order), treats a null as the
    default where there is one and keeps unknown keys in ``extra``: what ``detailed`` does, with
    one copy of the mapping instead of up to three and no per-field error bookkeeping. Any
    failure decodes again through ``detailed`` (cattrs with detailed validation), so an error
    names every failing field exactly as before; success, the common case, never pays for it.
    The generated source is registered with linecache (tracebacks show it).
    """
    fields = [f for f in attrs.fields(cls) if f.name != "extra" and f.init]
    if getattr(cls, "__parameters__", ()) or any(
        f.type is None or isinstance(f.type, str) for f in fields
    ):
        # A generic model or an unresolved annotation: cattrs' own path handles those.
        def generic(data: Any) -> Any:
            return detailed(data, cls)

        _DECODERS.add(generic)
        return generic
    alias_of: dict[str, list[str]] = {}
    for wire, alias in aliases:
        if alias not in alias_of.setdefault(wire, []):
            alias_of[wire].append(alias)
    namespace: dict[str, Any] = {
        "cls": cls,
        "detailed": detailed,
        "MISSING": _MISSING,
        "Mapping": Mapping,
        "setattr_": object.__setattr__,
        "int": int,
        "str": str,
    }
    # Most fields have a plain default and one wire name: read all of them in one C loop
    # (a missing key and a null both mean the default), then decode those that are set.
    plain = [
        (i, f)
        for i, f in enumerate(fields)
        if _wire_name(f) not in alias_of
        and f.default is not attrs.NOTHING
        and not isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
    ]
    if keeps_extra:
        # Fields are popped from a copy: what is left is ``extra``, in the order it came (a
        # copy is one C call; picking the unknown keys out one by one is a loop in bytecode).
        body: list[str] = ["e = dict(o)", "get = e.pop"]
    else:
        body = ["get = o.get"]
    if plain:
        namespace["PLAIN"] = tuple(_wire_name(f) for _, f in plain)
        namespace["NONES"] = (None,) * len(plain)
        targets = "".join(f"a{i}, " for i, _ in plain)
        body.append(f"({targets}) = map(get, PLAIN, NONES)")
    args: list[str] = []
    factory_fields = False
    plain_ids = {i for i, _ in plain}
    for i, f in enumerate(fields):
        hook, hook_type = _field_hook(f)
        namespace[f"h{i}"], namespace[f"t{i}"], namespace[f"d{i}"] = hook, hook_type, f.default
        if i in plain_ids:
            value = _value_code(i, hook, f"a{i}")
            inline = _INLINE_WHEN_TYPE.get(hook)
            if f.default is None and inline:
                # The common case (the value has the field's type already) is one test.
                body += [
                    f"if type(a{i}) is not {inline} and a{i} is not None:",
                    f"  a{i} = {_call_code(i, hook, f'a{i}')}",
                ]
            elif f.default is None:
                body += [f"if a{i} is not None:", f"  a{i} = {value}"]
            else:
                body += [f"if a{i} is None:", f"  a{i} = d{i}", "else:", f"  a{i} = {value}"]
            args.append(f"{f.alias}=a{i}")
            continue
        wire = _wire_name(f)
        body.append(f"v = get({wire!r}, MISSING)")
        for a in alias_of.get(wire, ()):
            # Every alias is taken out of ``extra``; the first one present is the value.
            body += [f"w = get({a!r}, MISSING)", "if v is MISSING: v = w"]
        value = _value_code(i, hook, "v")
        if f.default is attrs.NOTHING:
            # Required: a missing key fails, and the detailed pass says so. A null goes to the
            # hook of the declared type, which decides.
            hook = converter.get_structure_hook(f.type)
            namespace[f"h{i}"], namespace[f"t{i}"] = hook, f.type
            body += ["if v is MISSING: raise KeyError", f"a{i} = {_value_code(i, hook, 'v')}"]
            args.append(f"{f.alias}=a{i}")
        elif isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            # The factory's value is made by attrs: the field is passed only when set.
            if not factory_fields:
                body.insert(1, "kw = {}")
                factory_fields = True
            body += ["if v is not MISSING and v is not None:", f"  kw[{f.alias!r}] = {value}"]
        else:
            body += [
                "if v is MISSING or v is None:",
                f"  a{i} = d{i}",
                "else:",
                f"  a{i} = {value}",
            ]
            args.append(f"{f.alias}=a{i}")
    if factory_fields:
        args.append("**kw")
    direct = not factory_fields and _stores_only(cls)
    if direct:
        # What attrs' __init__ would do, without matching a keyword per field.
        namespace["new"] = object.__new__
        names = {f.alias: f.name for f in fields}
        body.append("obj = new(cls)")
        for arg in args:
            alias, var = arg.split("=")
            body.append(f"{_store_code(cls, names[alias], namespace)}, {var})")
    else:
        body.append(f"obj = cls({', '.join(args)})")
    lines = [
        "def decode(o):",
        "  if type(o) is not dict and not isinstance(o, Mapping):",
        "    return detailed(o, cls)",
        "  try:",
        *(f"    {line}" for line in body),
        "  except Exception:",
        "    return detailed(o, cls)",
    ]
    if keeps_extra:
        # Known keys that are no field's name here (init=False fields): not extra either.
        taken = {_wire_name(f) for f in fields} | {a for names in alias_of.values() for a in names}
        lines[-2:-2] = [f"    get({k!r}, None)" for k in sorted(known - taken)]
        store = _store_code(cls, "extra", namespace) if direct else "setattr_(obj, 'extra'"
        lines += [
            "  if e:",
            # Mostly known keys: a compact copy, not the table sized for all of them.
            "    if len(e) * 2 < len(o): e = dict(e)",
            # The instance is brand new and not shared yet; ``extra`` is outside eq and repr.
            f"    {store}, e)",
        ]
        if direct:
            lines += ["  else:", f"    {store}, {{}})"]
    lines.append("  return obj")
    filename = f"<clicksend_async decoder {cls.__module__}.{cls.__qualname__}>"
    source = "\n".join(lines)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # our own generated code
    decode: Callable[[Any], Any] = namespace["decode"]
    _DECODERS.add(decode)
    return decode


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


_INLINE_WHEN_TYPE.update({_optional_int: "int", _optional_str: "str", _str_hook: "str"})
converter.register_structure_hook_func(lambda t: _optional_model_of(t) is not None, _optional_model)
converter.register_structure_hook_factory(attrs.has, _structure_factory)
converter.register_unstructure_hook_factory(attrs.has, _unstructure_factory)


def structure(data: Any, cls: type[T], *, where: str | Callable[[], str] = "response") -> T:
    """Decode ``data`` into ``cls``, raising one DecodeError that names the failing fields.

    ``where`` says what was decoded (``"GET /account data"``); a function returning it is
    called only when decoding fails.
    """
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        path = where if isinstance(where, str) else where()
        details = "; ".join(cattrs.transform_error(exc, path=path))
        raise DecodeError(f"could not decode {_name(cls)}: {details}") from exc
    except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError) as exc:
        path = where if isinstance(where, str) else where()
        raise DecodeError(f"could not decode {_name(cls)} at {path}: {exc}") from exc


def _name(cls: Any) -> str:
    return getattr(cls, "__name__", str(cls))


def unstructure(obj: Any) -> Any:
    """Encode a model (or a list/dict of them) into JSON-ready data."""
    return converter.unstructure(obj)
