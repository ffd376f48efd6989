"""call_with_retry: the loop the session enters only after a first attempt failed."""

from __future__ import annotations

import random

import pytest

from clicksend_async import RetryPolicy
from clicksend_async._exceptions import BadRequestError, ConnectError, ServerError
from clicksend_async._retry import call_with_retry
from clicksend_async._sansio import RequestKind


async def _no_sleep(_: float) -> None:
    return None


def _server_error() -> ServerError:
    return ServerError(
        status_code=503,
        response_code=None,
        response_msg=None,
        data=None,
        method="GET",
        url="http://x/v3/account",
    )


class TestAFirstAttemptMadeByTheCaller:
    async def test_the_loop_retries_it_from_attempt_two(self) -> None:
        numbers: list[int] = []

        async def attempt(number: int) -> str:
            numbers.append(number)
            return "ok"

        result = await call_with_retry(
            attempt,
            policy=RetryPolicy(),
            kind=RequestKind.IDEMPOTENT,
            method="GET",
            path="/account",
            sleep=_no_sleep,
            rng=random.Random(1),
            failed=_server_error(),
        )
        assert result == "ok" and numbers == [2]

    async def test_an_error_not_worth_repeating_is_raised_as_it_was(self) -> None:
        error = BadRequestError(
            status_code=400,
            response_code="BAD_REQUEST",
            response_msg="no",
            data=None,
            method="GET",
            url="http://x/v3/account",
        )

        async def attempt(number: int) -> str:
            raise AssertionError("never called")

        with pytest.raises(BadRequestError) as info:
            await call_with_retry(
                attempt,
                policy=RetryPolicy(),
                kind=RequestKind.IDEMPOTENT,
                method="GET",
                path="/account",
                sleep=_no_sleep,
                failed=error,
            )
        assert info.value is error

    async def test_a_send_is_not_repeated_after_a_5xx(self) -> None:
        async def attempt(number: int) -> str:
            raise AssertionError("never called")

        with pytest.raises(ServerError):
            await call_with_retry(
                attempt,
                policy=RetryPolicy(),
                kind=RequestKind.SEND,
                method="POST",
                path="/sms/send",
                sleep=_no_sleep,
                failed=_server_error(),
            )

    async def test_attempts_count_the_callers_first_one(self) -> None:
        numbers: list[int] = []

        async def attempt(number: int) -> str:
            numbers.append(number)
            raise ConnectError("refused", method="GET", url="http://x/v3/account")

        with pytest.raises(ConnectError):
            await call_with_retry(
                attempt,
                policy=RetryPolicy(max_attempts=3, jitter=False, backoff_base=0.0),
                kind=RequestKind.IDEMPOTENT,
                method="GET",
                path="/account",
                sleep=_no_sleep,
                failed=ConnectError("refused", method="GET", url="http://x/v3/account"),
            )
        assert numbers == [2, 3]
