"""OpenTelemetry spans, when the ``otel`` extra (``opentelemetry-api``) is installed.

Without it every helper here is a no-op costing one function call. With it, each HTTP attempt
gets a CLIENT span ``ClickSend POST /sms/send`` and :func:`campaign_span` wraps a campaign.
Spans carry the method, the path without ids or query, the status, the attempt and, for a
campaign, the counts the caller sets; never a credential, a phone number or a message body.
The tracer comes from the global provider at each call, so configuring OpenTelemetry after
importing clicksend_async works.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from typing import Any

__all__ = ["OTEL_AVAILABLE", "SpanHandle", "campaign_span", "request_span"]

_trace: Any
try:
    _trace = importlib.import_module("opentelemetry.trace")
except ImportError:  # the otel extra is not installed
    _trace = None

OTEL_AVAILABLE = _trace is not None
_OTEL_GET_TRACER = None if _trace is None else _trace.get_tracer
TRACER_NAME = "clicksend_async"

_Attr = str | bool | int | float


class SpanHandle:
    """Set attributes on the current span, or do nothing when tracing is off."""

    __slots__ = ("_span",)

    def __init__(self, span: Any = None) -> None:
        self._span = span

    def set(self, key: str, value: _Attr | None) -> None:
        """Set one attribute (None values are skipped)."""
        if self._span is not None and value is not None:
            self._span.set_attribute(key, value)

    def fail(self, exc: BaseException) -> None:
        """Mark the span failed with the error's type (its message may hold a URL)."""
        if self._span is not None and _trace is not None:
            self._span.set_attribute("error.type", type(exc).__name__)
            self._span.set_status(_trace.Status(_trace.StatusCode.ERROR, type(exc).__name__))


_NOOP = SpanHandle()


def _no_provider() -> bool:
    """Return True while no tracer provider is set: every span would be a no-op.

    Asked at each call (a provider set later takes effect at once); a non-recording span
    still costs a few microseconds to open and close, which each request is spared.
    """
    if _trace.get_tracer is not _OTEL_GET_TRACER:
        return False  # tracers come from elsewhere (a test, an instrumentation)
    if _unset_global():
        return True
    provider = _trace.get_tracer_provider()
    return isinstance(provider, _trace.ProxyTracerProvider | _trace.NoOpTracerProvider)


def _unset_global() -> bool:
    # OpenTelemetry's own global, read directly: get_tracer_provider() looks the environment
    # up first (OTEL_PYTHON_TRACER_PROVIDER), which costs more than the rest of the check.
    # When that variable was set as we were imported, its lookup (which loads the provider
    # it names) is left to OpenTelemetry; so is any version without this global.
    return not _ENV_PROVIDER and getattr(_trace, "_TRACER_PROVIDER", _UNKNOWN) is None


_UNKNOWN = object()
_ENV_PROVIDER = "OTEL_PYTHON_TRACER_PROVIDER" in os.environ


class _NoSpan:
    """The context of an attempt nobody traces: reusable, and cheaper than a generator."""

    __slots__ = ()

    def __enter__(self) -> SpanHandle:
        return _NOOP

    def __exit__(self, *exc_info: object) -> None:
        return None


_NO_SPAN = _NoSpan()


def request_span(
    method: str, path: str, *, attempt: int
) -> contextlib.AbstractContextManager[SpanHandle]:
    """Wrap one HTTP attempt in a CLIENT span (a no-op without OpenTelemetry)."""
    if _trace is None or _no_provider():
        return _NO_SPAN
    return _client_span(method, path, attempt)


@contextlib.contextmanager
def _client_span(method: str, path: str, attempt: int) -> Iterator[SpanHandle]:
    tracer = _trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        f"ClickSend {method} {path}",
        kind=_trace.SpanKind.CLIENT,
        record_exception=False,
        set_status_on_exception=False,
        attributes={
            "http.request.method": method,
            "url.path": path,
            "clicksend.attempt": attempt,
        },
    ) as span:
        handle = SpanHandle(span)
        try:
            yield handle
        except BaseException as exc:
            handle.fail(exc)
            raise


@contextlib.contextmanager
def campaign_span(name: str = "campaign", **attributes: _Attr | None) -> Iterator[SpanHandle]:
    """Wrap a campaign in an INTERNAL span ``ClickSend campaign``; requests nest under it.

    ``attributes`` become ``clicksend.<key>`` attributes (None skipped); set more on the
    handle as the campaign goes (``span.set("clicksend.sent", 950)``).
    """
    if _trace is None:
        yield _NOOP
        return
    tracer = _trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        f"ClickSend {name}",
        kind=_trace.SpanKind.INTERNAL,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        handle = SpanHandle(span)
        for key, value in attributes.items():
            handle.set(f"clicksend.{key}", value)
        try:
            yield handle
        except BaseException as exc:
            handle.fail(exc)
            raise
