"""Fuzz: the public validators and segment functions raise ValidationError or nothing.

Whatever a caller passes (wrong types, hostile text, NaN, nested containers), the only
exception that escapes is a ``ClickSendError`` (a ``ValidationError`` here): never an
``AttributeError``, a ``TypeError`` or an ``OverflowError`` from deep inside.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clicksend_async import ClickSendError, _phone, _validation, segments
from clicksend_async._validation import Limits
from clicksend_async.models.contacts import NewContact
from clicksend_async.models.messages import MmsMessage, SmsMessage, VoiceMessage

from .strategies import anything, hostile_text

FUZZ = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

#: Arguments that say where (a field name, a row, limits, a clock): given, not fuzzed.
CONTEXT = {"field": "f", "row": 3, "limits": Limits(), "now": 1_800_000_000.0}


def _public(module: Any) -> list[tuple[str, Callable[..., Any]]]:
    return [
        (name, getattr(module, name))
        for name in module.__all__
        if inspect.isfunction(getattr(module, name))
    ]


VALIDATORS = [*_public(_validation), ("path_segment", _validation.path_segment)]
SEGMENT_FUNCTIONS = _public(segments)
PHONE_FUNCTIONS = _public(_phone)


def _fuzzed_args(func: Callable[..., Any], data: st.DataObject) -> tuple[list[Any], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        if param.name in CONTEXT:
            value = CONTEXT[param.name]
        elif param.default is not param.empty and data.draw(st.booleans()):
            continue
        else:
            value = data.draw(anything | hostile_text, label=param.name)
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    return args, kwargs


def _call(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> None:
    with contextlib.suppress(ClickSendError):
        func(*args, **kwargs)


@pytest.mark.parametrize(("name", "func"), VALIDATORS + SEGMENT_FUNCTIONS + PHONE_FUNCTIONS)
@FUZZ
@given(data=st.data())
def test_any_argument_gives_a_typed_error_or_a_result(
    name: str, func: Callable[..., Any], data: st.DataObject
) -> None:
    args, kwargs = _fuzzed_args(func, data)
    _call(func, args, kwargs)


def _model(cls: type, data: st.DataObject) -> Any:
    """Build a message model whose fields hold anything (models do not check types)."""
    fields: dict[str, Any] = {}
    for attribute in cls.__attrs_attrs__:  # type: ignore[attr-defined]
        if attribute.name == "extra":
            continue
        if attribute.default is not attribute.default.__class__ and data.draw(st.booleans()):
            fields[attribute.name] = data.draw(anything | hostile_text, label=attribute.name)
    for required in ("body", "subject"):
        if hasattr(cls, "__attrs_attrs__") and required in {a.name for a in cls.__attrs_attrs__}:
            fields.setdefault(required, data.draw(anything | hostile_text, label=required))
    try:
        return cls(**fields)
    except ClickSendError:
        return None  # a converter (schedule, list_id) refused it: typed, as it must be
    except (TypeError, ValueError) as exc:  # pragma: no cover - the failure message
        pytest.fail(f"{cls.__name__}({fields!r}) raised {exc!r}")


@pytest.mark.parametrize(
    ("cls", "validate"),
    [
        (SmsMessage, lambda m, d: _validation.validate_sms(m, **_ctx())),
        (MmsMessage, lambda m, d: _validation.validate_mms(m, d.draw(anything), **_ctx())),
        (VoiceMessage, lambda m, d: _validation.validate_voice(m, **_ctx())),
        (NewContact, lambda m, d: _validation.validate_new_contact(m)),
        (NewContact, lambda m, d: _validation.check_contact_update(m)),
    ],
)
@FUZZ
@given(data=st.data())
def test_a_message_holding_anything_gives_a_typed_error_or_a_count(
    cls: type, validate: Callable[[Any, st.DataObject], Any], data: st.DataObject
) -> None:
    model = _model(cls, data)
    if model is not None:
        with contextlib.suppress(ClickSendError):
            validate(model, data)


def _ctx() -> dict[str, Any]:
    return {"row": 3, "now": 1_800_000_000.0}


@FUZZ
@given(text=st.text(alphabet=st.characters(codec=None), max_size=400))
def test_segment_counts_agree_with_the_split(text: str) -> None:
    info = segments.count_segments(text)
    parts = segments.split_segments(text)
    assert len(parts) == info.segments
    assert "".join(parts) == text
