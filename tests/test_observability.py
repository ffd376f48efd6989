"""Observability: structured log fields, request/response hooks, captured responses, spans."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from clicksend_async import (
    ClickSendClient,
    RequestEvent,
    ResponseEvent,
    SendOutcomeUnknownError,
    log_context,
)
from clicksend_async._tracing import OTEL_AVAILABLE, campaign_span
from clicksend_async.testing import ClickSendEmulator

API_KEY = "S3CRET-OBS-KEY-7731"
MATON_KEY = "MATON-OBS-SECRET-5519"


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def emulator() -> Any:
    async with ClickSendEmulator(api_key=API_KEY, maton_api_key=MATON_KEY) as emu:
        yield emu


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Record clicksend_async's spans in memory, without touching the global provider."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(otel_trace, "get_tracer", lambda name, *a, **k: provider.get_tracer(name))
    yield exporter
    provider.shutdown()


def _records(caplog: pytest.LogCaptureFixture, name: str = "clicksend_async") -> list[Any]:
    return [r for r in caplog.records if r.name == name]


class TestStructuredLogs:
    async def test_request_log_carries_fields(
        self, emulator: ClickSendEmulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG, logger="clicksend_async")
        async with emulator.client(rate_limit=None) as cs:
            await cs.account.get()
        [record] = [r for r in _records(caplog) if getattr(r, "path", None) == "/account"]
        assert (record.method, record.status, record.attempt) == ("GET", 200, 1)
        assert record.duration >= 0
        assert "GET /account -> 200" in record.getMessage()

    async def test_429_wait_is_logged_at_info_with_fields(
        self, emulator: ClickSendEmulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="clicksend_async")
        emulator.inject("429", path="/sms/send")
        async with emulator.client(rate_limit=None, sleep=_no_sleep) as cs:
            await cs.sms.send(to="+61411111111", body="x")
        [wait] = [r for r in _records(caplog) if getattr(r, "failure", None) == "rate_limited"]
        assert wait.levelno == logging.INFO
        assert (wait.method, wait.path, wait.attempt, wait.status) == ("POST", "/sms/send", 1, 429)
        assert wait.wait > 0
        assert "rate limited (429)" in wait.getMessage()

    async def test_log_context_adds_a_chunk_field(
        self, emulator: ClickSendEmulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG, logger="clicksend_async")
        async with emulator.client(rate_limit=None) as cs:
            with log_context(chunk=7):
                await cs.account.get()
            await cs.account.get()
        chunks = [getattr(r, "chunk", None) for r in _records(caplog) if hasattr(r, "status")]
        assert chunks == [7, None]

    async def test_unknown_outcome_is_a_warning_with_fields(
        self, emulator: ClickSendEmulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        emulator.inject("commit-500", path="/sms/send")
        async with emulator.client(rate_limit=None) as cs:
            with pytest.raises(SendOutcomeUnknownError):
                await cs.sms.send(to="+61411111111", body="x")
        [warning] = [r for r in _records(caplog) if r.levelno == logging.WARNING]
        assert (warning.method, warning.path, warning.error) == ("POST", "/sms/send", "ServerError")


class TestHooks:
    async def test_hooks_see_every_attempt_with_status_and_headers(
        self, emulator: ClickSendEmulator
    ) -> None:
        requests: list[RequestEvent] = []
        responses: list[ResponseEvent] = []

        async def on_response(event: ResponseEvent) -> None:
            responses.append(event)

        emulator.inject("429", path="/sms/send")
        async with emulator.client(
            rate_limit=None, sleep=_no_sleep, on_request=requests.append, on_response=on_response
        ) as cs:
            await cs.sms.send(to="+61411111111", body="x")
        assert [(e.method, e.path, e.attempt) for e in requests] == [
            ("POST", "/sms/send", 1),
            ("POST", "/sms/send", 2),
        ]
        assert [e.status for e in responses] == [429, 200]
        assert responses[0].header("retry-after") == "1"
        assert requests[0].headers["Authorization"] == "***"

    async def test_a_raising_hook_never_breaks_a_send(
        self, emulator: ClickSendEmulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        def broken(_: ResponseEvent) -> None:
            raise RuntimeError("metrics backend down")

        async with emulator.client(rate_limit=None, on_response=broken) as cs:
            result = await cs.sms.send(to="+61411111111", body="x")
        assert result.total_count == 1
        assert len(emulator.sent) == 1
        assert "hook raised" in caplog.text


class TestCaptureResponse:
    async def test_headers_of_a_successful_call(self, emulator: ClickSendEmulator) -> None:
        async with emulator.client(rate_limit=None) as cs:
            with cs.capture_response() as captured:
                await cs.sms.send(to="+61411111111", body="x")
            await cs.account.get()  # outside the block: not captured
        assert captured.response.status == 200
        assert captured.response.path == "/sms/send"
        assert captured.headers.get("content-type", "").startswith("application/json")
        assert len(captured.responses) == 1

    def test_nothing_captured_is_a_clear_error(self) -> None:
        cs = ClickSendClient(username="u", api_key="k")
        with cs.capture_response() as captured, pytest.raises(LookupError):
            _ = captured.response


class TestTracing:
    def test_the_extra_is_installed_here(self) -> None:
        assert OTEL_AVAILABLE

    async def test_one_client_span_per_attempt(
        self, emulator: ClickSendEmulator, spans: InMemorySpanExporter
    ) -> None:
        emulator.inject("429", path="/sms/send")
        async with emulator.client(rate_limit=None, sleep=_no_sleep) as cs:
            await cs.sms.send(to="+61411111111", body="x")
        finished = spans.get_finished_spans()
        assert [s.name for s in finished] == ["ClickSend POST /sms/send"] * 2
        assert [s.attributes["http.response.status_code"] for s in finished] == [429, 200]
        assert [s.attributes["clicksend.attempt"] for s in finished] == [1, 2]
        assert finished[0].kind is otel_trace.SpanKind.CLIENT
        assert finished[0].status.status_code is otel_trace.StatusCode.ERROR

    async def test_no_span_is_opened_while_no_provider_is_set(self) -> None:
        from clicksend_async._tracing import request_span

        assert getattr(otel_trace, "_TRACER_PROVIDER", None) is None
        first = request_span("GET", "/account", attempt=1)
        assert first is request_span("GET", "/account", attempt=2)  # one shared no-op
        with first as span:
            span.set("http.response.status_code", 200)

    async def test_a_provider_set_after_import_takes_effect_at_once(
        self, emulator: ClickSendEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        async with emulator.client(rate_limit=None) as cs:
            await cs.account.get()
            assert exporter.get_finished_spans() == ()
            # What trace.set_tracer_provider() sets (once per process, hence the monkeypatch).
            monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER", provider)
            await cs.account.get()
        assert [s.name for s in exporter.get_finished_spans()] == ["ClickSend GET /account"]
        provider.shutdown()

    async def test_campaign_span_parents_the_requests(
        self, emulator: ClickSendEmulator, spans: InMemorySpanExporter
    ) -> None:
        async with emulator.client(rate_limit=None) as cs:
            with campaign_span("campaign", rows=2) as span:
                await cs.sms.send(to="+61411111111", body="x")
                span.set("clicksend.sent", 1)
        request, campaign = spans.get_finished_spans()
        assert campaign.name == "ClickSend campaign"
        assert campaign.attributes == {"clicksend.rows": 2, "clicksend.sent": 1}
        assert request.parent is not None
        assert request.parent.span_id == campaign.context.span_id


class TestNoCredentials:
    @pytest.mark.parametrize("mode", ["direct", "gateway"])
    async def test_no_key_in_logs_hooks_captures_or_spans(
        self,
        emulator: ClickSendEmulator,
        caplog: pytest.LogCaptureFixture,
        spans: InMemorySpanExporter,
        mode: str,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        events: list[Any] = []
        options: dict[str, Any] = {
            "rate_limit": None,
            "sleep": _no_sleep,
            "on_request": events.append,
            "on_response": events.append,
        }
        emulator.inject("429", path="/sms/send")
        emulator.inject("commit-500", path="/sms/send")
        client = (
            emulator.client(**options) if mode == "direct" else emulator.maton_client(**options)
        )
        async with client as cs:
            with cs.capture_response() as captured:
                with pytest.raises(SendOutcomeUnknownError) as info:
                    await cs.sms.send(to="+61411111111", body="x")
                await cs.account.get()
        texts = [caplog.text, repr(info.value), str(info.value)]
        for record in caplog.records:
            texts.append(repr(vars(record)))
        texts += [repr(e) for e in events] + [
            repr(vars(e)) for e in events if hasattr(e, "__dict__")
        ]
        texts += [repr(attrs_of(e)) for e in events]
        texts += [repr(attrs_of(r)) for r in captured.responses]
        for span in spans.get_finished_spans():
            texts.append(repr(dict(span.attributes or {})))
            texts.append(span.name)
        blob = "\n".join(texts)
        assert API_KEY not in blob
        assert MATON_KEY not in blob
        import base64

        basic = base64.b64encode(f"{emulator.username}:{API_KEY}".encode()).decode()
        assert basic not in blob


def attrs_of(value: Any) -> dict[str, Any]:
    import attrs

    return attrs.asdict(value)
