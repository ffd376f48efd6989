"""BatchSender: concurrent single sends coalesced into messages[] requests, one result each."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clicksend_async import (
    AuthenticationError,
    ClickSendClient,
    ClientStateError,
    SendOutcomeUnknownError,
    SmsMessage,
    ValidationError,
)
from clicksend_async.batching import BatchSender
from clicksend_async.testing import ClickSendEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[ClickSendEmulator]:
    async with ClickSendEmulator(receipt_delay=0, enabled_countries=["AU"]) as emu:
        yield emu


@pytest.fixture
async def client(emulator: ClickSendEmulator) -> AsyncIterator[ClickSendClient]:
    async with emulator.client(rate_limit=None) as cs:
        yield cs


def sends(emulator: ClickSendEmulator, path: str = "/sms/send") -> int:
    return len([r for r in emulator.requests if r.path == path])


def number(i: int) -> str:
    return f"+614{i:08d}"


class TestCoalescing:
    async def test_concurrent_callers_share_one_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.sms.batcher() as sender:
            results = await asyncio.gather(
                *(sender.send(to=number(i), body=f"hi {i}") for i in range(1, 51))
            )
        assert sends(emulator) == 1
        assert [r.to for r in results] == [number(i) for i in range(1, 51)]
        assert [r.body for r in results] == [f"hi {i}" for i in range(1, 51)]
        assert all(r.status == "SUCCESS" for r in results)

    async def test_batches_are_cut_at_max_batch(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.sms.batcher(max_batch=10) as sender:
            results = await asyncio.gather(
                *(sender.send(to=number(i), body="x") for i in range(1, 26))
            )
        assert sends(emulator) == 3
        assert len({r.message_id for r in results}) == 25

    async def test_a_full_batch_goes_without_waiting_for_the_delay(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender = client.sms.batcher(max_batch=3, max_delay=3600)
        results = await asyncio.wait_for(
            asyncio.gather(*(sender.send(to=number(i), body="x") for i in range(1, 4))), 5
        )
        assert len(results) == 3
        await sender.aclose()

    async def test_accepts_models_and_dicts(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with BatchSender(client.sms) as sender:
            a, b = await asyncio.gather(
                sender.send(SmsMessage(to=number(1), body="model")),
                sender.send({"to": number(2), "body": "dict"}),
            )
        assert (a.body, b.body) == ("model", "dict")
        assert sends(emulator) == 1

    async def test_every_message_has_a_unique_custom_string(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.sms.batcher() as sender:
            results = await asyncio.gather(
                sender.send(to=number(1), body="a", custom_string="mine"),
                *(sender.send(to=number(i), body="b") for i in range(2, 12)),
            )
        customs = [r.custom_string for r in results]
        assert customs[0] == "mine"
        assert len(set(customs)) == 11


class TestErrors:
    async def test_a_bad_message_fails_only_its_caller_and_is_never_sent(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.sms.batcher() as sender:
            outcomes = await asyncio.gather(
                sender.send(to=number(1), body="ok"),
                sender.send(to="not-a-number", body="bad"),
                sender.send(to=number(2), body=""),
                sender.send(to=number(3), body="ok too"),
                return_exceptions=True,
            )
        assert isinstance(outcomes[1], ValidationError) and outcomes[1].field == "message.to"
        assert isinstance(outcomes[2], ValidationError)
        assert [m.body for m in emulator.sent] == ["ok", "ok too"]

    async def test_a_per_message_refusal_is_the_callers_data(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.sms.batcher() as sender:
            au, uk = await asyncio.gather(
                sender.send(to=number(1), body="au"),
                sender.send(to="+447700900123", body="uk"),
            )
        assert au.accepted
        assert not uk.accepted and uk.status != "SUCCESS"

    async def test_a_request_level_failure_reaches_every_caller(
        self, emulator: ClickSendEmulator
    ) -> None:
        async with (
            emulator.client(api_key="wrong", rate_limit=None) as cs,
            cs.sms.batcher() as sender,
        ):
            outcomes = await asyncio.gather(
                *(sender.send(to=number(i), body="x") for i in range(1, 4)),
                return_exceptions=True,
            )
        assert all(isinstance(o, AuthenticationError) for o in outcomes)

    @pytest.mark.parametrize("fault", ["commit-500", "commit-drop"])
    async def test_unknown_outcome_gives_each_caller_its_own_message_and_is_not_resent(
        self, client: ClickSendClient, emulator: ClickSendEmulator, fault: str
    ) -> None:
        emulator.inject(fault, path="/sms/send")
        async with client.sms.batcher() as sender:
            outcomes = await asyncio.gather(
                *(sender.send(to=number(i), body=f"m{i}") for i in range(1, 6)),
                return_exceptions=True,
            )
        assert sends(emulator) == 1
        assert all(isinstance(o, SendOutcomeUnknownError) for o in outcomes)
        errors = [o for o in outcomes if isinstance(o, SendOutcomeUnknownError)]
        assert [[m["body"] for m in e.messages] for e in errors] == [[f"m{i}"] for i in range(1, 6)]
        sent_customs = {m.custom_string for m in emulator.sent}
        assert {e.custom_strings[0] for e in errors} == sent_customs


class TestLifecycle:
    async def test_closing_flushes_what_is_waiting(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender = client.sms.batcher(max_delay=3600)
        tasks = [asyncio.create_task(sender.send(to=number(i), body="x")) for i in range(1, 4)]
        await asyncio.sleep(0)
        assert sends(emulator) == 0
        await sender.aclose()
        assert all(t.done() and t.result().accepted for t in tasks)
        assert sends(emulator) == 1

    async def test_a_closed_sender_refuses_new_messages(self, client: ClickSendClient) -> None:
        sender = client.sms.batcher()
        await sender.aclose()
        with pytest.raises(ClientStateError):
            await sender.send(to=number(1), body="late")

    async def test_a_caller_cancelled_before_the_batch_leaves_is_dropped(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        sender = client.sms.batcher(max_delay=3600)
        keep = asyncio.create_task(sender.send(to=number(1), body="keep"))
        drop = asyncio.create_task(sender.send(to=number(2), body="drop"))
        await asyncio.sleep(0)
        drop.cancel()
        await asyncio.sleep(0)
        await sender.aclose()
        assert keep.result().body == "keep"
        assert drop.cancelled()
        assert [m.body for m in emulator.sent] == ["keep"]

    async def test_a_caller_cancelled_after_the_batch_left_has_its_outcome_recorded(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        async with ClickSendEmulator(latency_ms=300) as emu, emu.client(rate_limit=None) as cs:
            sender = cs.sms.batcher(max_delay=0)
            task = asyncio.create_task(sender.send(to=number(1), body="gone"))
            while not sender.requests_sent:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # the request is out; the emulator answers after 300 ms
            assert not emu.requests
            task.cancel()
            await sender.aclose()
            assert task.cancelled()
            assert len(emu.sent) == 1
        [abandoned] = sender.abandoned
        assert abandoned.result is not None and abandoned.result.body == "gone"
        assert abandoned.custom_string == emu.sent[0].custom_string
        assert any("cancelled after its batch left" in r.getMessage() for r in caplog.records)


class TestOtherChannels:
    async def test_voice_batcher(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.voice.batcher() as sender:
            results = await asyncio.gather(
                *(sender.send(to=number(i), body="call", voice="male") for i in range(1, 4))
            )
        assert sends(emulator, "/voice/send") == 1
        assert all(r.accepted for r in results)

    async def test_mms_batcher_shares_its_media_file(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.mms.batcher("https://example.com/a.jpg") as sender:
            results = await asyncio.gather(
                *(sender.send(to=number(i), body="pic", subject="S") for i in range(1, 4))
            )
        assert sends(emulator, "/mms/send") == 1
        assert all(r.accepted for r in results)

    def test_mms_without_media_file_is_refused(self, client: ClickSendClient) -> None:
        with pytest.raises(ValueError, match="media_file"):
            BatchSender(client.mms)

    def test_max_batch_over_1000_is_refused(self, client: ClickSendClient) -> None:
        with pytest.raises(ValueError, match="max_batch"):
            client.sms.batcher(max_batch=1001)


@pytest.mark.slow
def test_benchmark_prints_both_scenarios() -> None:
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "bench_batching.py"), "--callers", "50"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert any(line.startswith("| per-message | 50 | 50 |") for line in rows), proc.stdout
    assert any(line.startswith("| batching | 1 | 50 |") for line in rows), proc.stdout


class TestMatching:
    async def test_callers_sharing_a_custom_string_each_get_their_own_result(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        async with client.sms.batcher() as sender:
            results = await asyncio.gather(
                *(
                    sender.send(to=number(i), body=f"b{i}", custom_string="campaign-7")
                    for i in range(1, 6)
                )
            )
        assert [r.to for r in results] == [number(i) for i in range(1, 6)]
        assert len({r.message_id for r in results}) == 5
