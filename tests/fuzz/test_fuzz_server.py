"""Fuzz: a server answering garbage never makes the client raise anything but ClickSendError.

A local TCP server writes whatever hypothesis draws as the HTTP answer: random bytes, bad
status lines, truncated JSON, nesting deep enough to break a recursive decoder, NaN, wrong
types where models expect numbers, bodies over the size cap, unknown charsets and encodings,
nonsense Retry-After headers, a connection closed half-way. Every call either returns its
model or raises a ``ClickSendError`` subclass; and a send is never repeated after an answer
that may mean it was processed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clicksend_async import ClickSendClient, ClickSendError, RetryPolicy, SmsMessage

FUZZ = settings(
    derandomize=True,
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

MAX_BODY = 64 * 1024


def _envelope(data: Any, code: str = "SUCCESS", http: Any = 200) -> bytes:
    body = {"http_code": http, "response_code": code, "response_msg": "x", "data": data}
    return json.dumps(body, allow_nan=True).encode()


weird = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(["NaN", "inf", "-Infinity", "1e999", "", "1.00", "0"]),
)
data_shapes = st.recursive(
    weird,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "balance",
                    "user_id",
                    "messages",
                    "total_price",
                    "data",
                    "current_page",
                    "last_page",
                    "message_id",
                    "status",
                    "date",
                    "list_id",
                    "contacts_count",
                    "country",
                    "value",
                    "queued_count",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=8,
)

bodies = st.one_of(
    st.binary(max_size=120),
    data_shapes.map(_envelope),
    data_shapes.map(_envelope).map(lambda b: b[: len(b) // 2]),  # truncated
    st.integers(50, 3000).map(lambda n: b'{"data":' + b"[" * n + b"]" * n + b"}"),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b'"SUCCESS"',
            b'{"response_code": "SUCCESS", "data": NaN}',
            b'{"response_code": "SUCCESS", "data": {"balance": Infinity}}',
            b'{"response_code": "SUCCESS", "data": 1e999}',
            b'{"response_code": ' + b"1" * 5000 + b"}",
            b"<html>502 Bad Gateway</html>",
            '{"response_code": "SUCCESS", "data": "é"}'.encode("utf-16"),
            b'{"response_code": "SUCCESS", "data": "\xff\xfe"}',
            b" " * (MAX_BODY + 10),
        ]
    ),
)
status_lines = st.one_of(
    st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 405, 418, 422, 429, 500, 503]).map(
        lambda code: f"HTTP/1.1 {code} X".encode()
    ),
    st.sampled_from(
        [b"HTTP/1.1 abc OK", b"HTTP/9.9 200 OK", b"FOO", b"", b"HTTP/1.1 99999 X", b"\xff\xfe"]
    ),
)
headers = st.lists(
    st.sampled_from(
        [
            b"Content-Type: application/json",
            b"Content-Type: application/json; charset=punycode",
            b"Content-Type: text/html; charset=no-such",
            b"Content-Encoding: gzip",
            b"Content-Encoding: br",
            b"Content-Encoding: x-nonsense",
            b"Retry-After: soon",
            b"Retry-After: -5",
            b"Retry-After: 1e999",
            b"Retry-After: 0",
            b"retry-after-ms: NaN",
            b"ratelimit-reset: 99999999999999999999",
            b"Transfer-Encoding: chunked",
            b"Content-Length: 5",
            b"Content-Length: -1",
            b"X-Bad: \xff",
        ]
    ),
    max_size=3,
)


@st.composite
def answers(draw: st.DrawFn) -> bytes:
    """Return one raw HTTP answer (it may cut off anywhere)."""
    status = draw(st.one_of(st.just(b"HTTP/1.1 200 OK"), status_lines))
    body = draw(bodies)
    # Mostly well-formed HTTP carrying a bad body, so the decoders get the bulk of the work.
    plain = st.just([b"Content-Type: application/json"])
    lines = [status, *draw(st.one_of(plain, plain, plain, headers))]
    if draw(st.booleans()) and not any(h.startswith(b"Content-Length") for h in lines):
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"Connection: close")
    raw = b"\r\n".join(lines) + b"\r\n\r\n" + body
    cut = draw(st.one_of(st.none(), st.none(), st.none(), st.integers(0, max(0, len(raw) - 1))))
    return raw if cut is None else raw[:cut]


class GarbageServer:
    """Answer each connection with the next scripted raw answer, then close it."""

    def __init__(self, script: list[bytes]) -> None:
        self.script = list(script)
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.url = ""

    async def __aenter__(self) -> GarbageServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/v3"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            self.requests.append(head.split(b"\r\n", 1)[0] + b" " + body[:40])
            answer = self.script.pop(0) if self.script else b"HTTP/1.1 500 X\r\n\r\n"
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


Call = Callable[[ClickSendClient], Awaitable[Any]]


async def _first_page(client: ClickSendClient) -> Any:
    return await client.lists.list()


CALLS: list[tuple[str, Call, bool]] = [
    ("account", lambda c: c.account.get(), False),
    ("countries", lambda c: c.countries.list(), False),
    ("lists", _first_page, False),
    ("template", lambda c: c.sms.templates.get(1), False),
    ("price", lambda c: c.sms.price([SmsMessage(to="+61411111111", body="hi")]), False),
    ("send", lambda c: c.sms.send([SmsMessage(to="+61411111111", body="hi")]), True),
    ("cancel_all", lambda c: c.sms.cancel_all(), False),
]


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


#: The credentials of the fuzzed client: long enough that any leak of them is seen.
USER, KEY = "fuzz-user", "fuzz-api-key-0123456789abcdef"
SECRETS = (KEY, base64.b64encode(f"{USER}:{KEY}".encode()).decode())


def _assert_no_secret(exc: BaseException) -> None:
    """No credential in the error's text, its repr, its traceback, or any exception it chains
    (aiohttp keeps the request's headers in its own, and its repr shows them)."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        texts += [str(link), repr(link)]
        info = getattr(link, "request_info", None)
        if info is not None:
            texts.append(repr(info))
        link = link.__cause__ or link.__context__
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, text


async def _run(script: list[bytes], call: Call, is_send: bool) -> None:
    async with GarbageServer(script) as server:
        async with ClickSendClient(
            username=USER,
            api_key=KEY,
            base_url=server.url,
            rate_limit=None,
            timeout=5.0,
            sleep=_no_sleep,
            retry=RetryPolicy(max_attempts=3),
            max_response_size=MAX_BODY,
        ) as client:
            try:
                await call(client)
            except ClickSendError as exc:
                _assert_no_secret(exc)
        sends = [r for r in server.requests if r.startswith(b"POST /v3/sms/send")]
    if is_send:
        # Only a 429 or a connection that never opened may repeat a send; the garbage server
        # accepts every connection, so a second send needs a 429 answer in between.
        assert len(sends) <= 1 + sum(a.startswith(b"HTTP/1.1 429") for a in script), sends


@FUZZ
@given(call=st.sampled_from(CALLS), script=st.lists(answers(), min_size=1, max_size=3))
def test_garbage_answers_give_a_model_or_a_typed_error(
    call: tuple[str, Call, bool], script: list[bytes]
) -> None:
    _, function, is_send = call
    asyncio.run(_run(script, function, is_send))
