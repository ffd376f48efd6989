"""Coalesce many concurrent single sends into ``messages[]`` requests: the batching sender.

A web app or a worker pool sends one message per request handler or job. Each of those as its
own HTTP request costs a round trip and a rate-limit slot; ClickSend takes up to 1,000
messages per request. :class:`BatchSender` collects the messages of concurrent
``await sender.send(...)`` calls for a few milliseconds (or until 1,000 are waiting), sends
them as one request, and hands each caller its own :class:`MessageResult`::

    async with cs.sms.batcher() as sender:
        result = await sender.send(to="+61411111111", body="Your code is 1234")

The rules are those of a single send:

* A message is validated when ``send()`` is called; a bad one raises ``ValidationError`` in
  that caller only, and never joins a batch.
* Per-message refusals (``INVALID_RECIPIENT`` ...) are the caller's data, as in ``SendResult``.
* A request-level failure (401, 400, a connection that never opened after its retries ...)
  raises in every caller of the batch.
* After a timeout, a reset or a 5xx the outcome is unknown and nothing is re-sent: each caller
  gets its own ``SendOutcomeUnknownError`` carrying its message and ``custom_string``.
* A caller cancelled before its batch leaves is dropped from the batch. One cancelled after the
  batch left cannot be unsent: its outcome is logged and kept in :attr:`BatchSender.abandoned`.
* Closing the sender (``aclose()`` or leaving ``async with``) sends what is waiting and waits
  for the requests in flight.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import attrs

from ._exceptions import ClickSendError, ClientStateError, SendOutcomeUnknownError
from ._hooks import log_context
from ._validation import MAX_MESSAGES_PER_REQUEST as MAX_BATCH
from ._validation import validate_mms, validate_sms, validate_voice
from .models.messages import MessageResult, MmsMessage, SendResult, SmsMessage, VoiceMessage
from .resources._base import message_payloads, one_or_many, with_custom_strings

if TYPE_CHECKING:
    from .resources.mms import MmsResource
    from .resources.sms import SmsResource
    from .resources.voice import VoiceResource

__all__ = ["AbandonedOutcome", "BatchSender"]

logger = logging.getLogger("clicksend_async.batching")

M = TypeVar("M", SmsMessage, MmsMessage, VoiceMessage)

#: How long the first message of a batch waits for company, by default.
DEFAULT_MAX_DELAY = 0.005
#: Requests one sender keeps in flight at once, by default (the client's rate limit applies).
DEFAULT_MAX_IN_FLIGHT = 4


@attrs.frozen(kw_only=True)
class AbandonedOutcome:
    """The outcome of a message whose caller was cancelled after its batch had left."""

    custom_string: str
    result: MessageResult | None = None
    error: BaseException | None = attrs.field(default=None, repr=False)


@attrs.define(slots=True)
class _Pending(Generic[M]):
    message: M
    future: asyncio.Future[MessageResult]


class BatchSender(Generic[M]):
    """Send single messages from many concurrent callers as ``messages[]`` batches.

    Args:
        resource: ``cs.sms``, ``cs.voice`` or ``cs.mms`` (then ``media_file`` is required:
            every MMS of a request shares one media file).
        max_batch: messages per request, at most 1,000.
        max_delay: seconds the first waiting message waits for others before its batch goes.
        max_in_flight: batch requests of this sender in flight at once.
        timeout: seconds per request (default: the client's).
        send_options: further arguments of the resource's ``send`` applied to every request
            (``shorten_urls=True``, ``senders=[...]``).
    """

    def __init__(
        self,
        resource: SmsResource | VoiceResource | MmsResource,
        *,
        max_batch: int = MAX_BATCH,
        max_delay: float = DEFAULT_MAX_DELAY,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        media_file: str | None = None,
        timeout: float | None = None,
        **send_options: Any,
    ) -> None:
        from .resources.mms import MmsResource
        from .resources.sms import SmsResource
        from .resources.voice import VoiceResource

        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError(f"max_batch must be between 1 and {MAX_BATCH}")
        if max_delay < 0:
            raise ValueError("max_delay must not be negative")
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._model: type[Any]
        if isinstance(resource, MmsResource):
            if media_file is None:
                raise ValueError("an MMS batching sender needs media_file=")
            self._model = MmsMessage
        elif media_file is not None:
            raise ValueError("media_file only applies to cs.mms")
        elif isinstance(resource, VoiceResource):
            self._model = VoiceMessage
        elif isinstance(resource, SmsResource):
            self._model = SmsMessage
        else:
            raise TypeError("expected cs.sms, cs.voice or cs.mms")
        self._resource = resource
        self._media_file = media_file
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.timeout = timeout
        self._send_options = send_options
        self._pending: list[_Pending[M]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._slots = asyncio.Semaphore(max_in_flight)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._closed = False
        self._batches = 0
        #: Outcomes of messages whose caller was cancelled after the batch left (latest 1000).
        self.abandoned: collections.deque[AbandonedOutcome] = collections.deque(maxlen=1000)
        #: Requests sent and messages in them, for metrics.
        self.requests_sent = 0
        self.messages_sent = 0

    def __repr__(self) -> str:
        return (
            f"<BatchSender {self._model.__name__} pending={len(self._pending)} "
            f"in_flight={len(self._in_flight)} closed={self._closed}>"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def closed(self) -> bool:
        """Return True once :meth:`aclose` was called."""
        return self._closed

    async def send(
        self,
        message: M | Mapping[str, Any] | None = None,
        *,
        to: str | None = None,
        body: str | None = None,
        from_: str | None = None,
        schedule: datetime | int | None = None,
        custom_string: str | None = None,
        **fields: Any,
    ) -> MessageResult:
        """Send one message in the next batch and return its own result.

        Give a message model (or dict) or its fields as keyword arguments. A per-message
        refusal comes back as the result's ``status``; request failures raise.

        Raises:
            ValidationError: the message is bad (nothing was queued).
            SendOutcomeUnknownError: the batch's request may have been processed; this
                message was not re-sent (its ``custom_strings`` say how to find it).
            ClientStateError: the sender is closed.
        """
        if self._closed:
            raise ClientStateError("the batching sender is closed")
        given = {
            "to": to,
            "body": body,
            "from_": from_,
            "schedule": schedule,
            "custom_string": custom_string,
            **fields,
        }
        models: list[M] = with_custom_strings(one_or_many(message, self._model, given))
        if len(models) != 1:
            raise TypeError("BatchSender.send takes one message; call it once per message")
        model = models[0]
        self._validate(model)
        future: asyncio.Future[MessageResult] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(model, future))
        if len(self._pending) >= self.max_batch:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_delay, self._flush)
        # Cancelling the caller cancels the future; a batch not yet sent then drops it.
        return await future

    async def flush(self) -> None:
        """Send what is waiting now, and wait until every request in flight has finished."""
        self._flush()
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def aclose(self) -> None:
        """Refuse new messages, send those waiting, and wait for every request in flight."""
        self._closed = True
        await self.flush()

    # -- internals ---------------------------------------------------------------------------

    def _validate(self, model: M) -> None:
        limits = self._resource.limits
        if isinstance(model, MmsMessage):
            assert self._media_file is not None
            validate_mms(model, self._media_file, field="message", limits=limits)
        elif isinstance(model, VoiceMessage):
            validate_voice(model, field="message", limits=limits)
        else:
            validate_sms(model, field="message", limits=limits)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._pending:
            batch, self._pending = (
                self._pending[: self.max_batch],
                self._pending[self.max_batch :],
            )
            self._batches += 1
            task = asyncio.get_running_loop().create_task(self._send(batch, self._batches))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _send(self, batch: list[_Pending[M]], number: int) -> None:
        async with self._slots:
            # Callers cancelled while the batch waited for a slot are dropped: not sent.
            live = [item for item in batch if not item.future.done()]
            if not live:
                return
            models = [item.message for item in live]
            self.requests_sent += 1
            self.messages_sent += len(models)
            try:
                with log_context(chunk=number):
                    result = await self._call(models)
            except SendOutcomeUnknownError as exc:
                for item in live:
                    self._settle(item, error=_own_unknown(exc, item.message))
                return
            except Exception as exc:
                for item in live:
                    self._settle(item, error=exc)
                return
            except BaseException as exc:  # the sender's task itself was cancelled
                cause = exc
                for item in live:
                    self._settle(
                        item,
                        error=SendOutcomeUnknownError(
                            "the batch was interrupted while its request was in flight",
                            method="POST",
                            url=self._path(),
                            payload={"messages": message_payloads([item.message])},
                            cause=cause,
                        ),
                    )
                raise
        results = _match(models, result)
        for item, own in zip(live, results, strict=True):
            if own is None:
                self._settle(
                    item,
                    error=ClickSendError(
                        "ClickSend's answer did not include this message "
                        f"(custom_string {item.message.custom_string!r})"
                    ),
                )
            else:
                self._settle(item, result=own)

    async def _call(self, models: list[M]) -> SendResult:
        options: dict[str, Any] = {**self._send_options, "timeout": self.timeout}
        resource: Any = self._resource
        if self._media_file is not None:
            return await resource.send(self._media_file, models, **options)  # type: ignore[no-any-return]
        return await resource.send(models, **options)  # type: ignore[no-any-return]

    def _path(self) -> str:
        kind = {SmsMessage: "sms", MmsMessage: "mms", VoiceMessage: "voice"}[self._model]
        return f"/{kind}/send"

    def _settle(
        self,
        item: _Pending[M],
        *,
        result: MessageResult | None = None,
        error: BaseException | None = None,
    ) -> None:
        if not item.future.done():
            if error is not None:
                item.future.set_exception(error)
            else:
                assert result is not None
                item.future.set_result(result)
            return
        # The caller gave up after the request left: the message may well have gone out.
        custom = item.message.custom_string or ""
        self.abandoned.append(AbandonedOutcome(custom_string=custom, result=result, error=error))
        logger.warning(
            "a caller was cancelled after its batch left; custom_string %s: %s",
            custom,
            result.status if result is not None else type(error).__name__,
            extra={
                "custom_string": custom,
                "status": result.status if result is not None else None,
                "error": None if error is None else type(error).__name__,
            },
        )


def _own_unknown(exc: SendOutcomeUnknownError, message: Any) -> SendOutcomeUnknownError:
    """Return an unknown-outcome error about one caller's message only."""
    payload = {key: value for key, value in exc.payload.items() if key != "messages"}
    payload["messages"] = message_payloads([message])
    own = SendOutcomeUnknownError(
        f"send outcome unknown after {type(exc.cause).__name__}",
        method=exc.method,
        url=exc.url,
        payload=payload,
        cause=exc.cause,
    )
    own.__cause__ = exc.cause
    return own


def _match(models: list[Any], result: SendResult) -> list[MessageResult | None]:
    """Pair each sent message with its own result: by custom_string, in order, else by position.

    Two callers may give the same custom_string; each then takes the next result carrying it.
    """
    by_custom: dict[str | None, collections.deque[MessageResult]] = {}
    for item in result.messages:
        by_custom.setdefault(item.custom_string, collections.deque()).append(item)
    matched: list[MessageResult | None] = []
    for model in models:
        queue = by_custom.get(model.custom_string)
        matched.append(queue.popleft() if queue else None)
    if any(item is None for item in matched) and len(result.messages) == len(models):
        return list(result.messages)
    return matched
