"""Delivery receipts map back to campaign rows, pushed to a webhook or polled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web

from clicksend_async.bulk import ReceiptRecorder, poll_receipts
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.webhooks import parse_receipt, webhook_routes

RECIPIENTS = [
    {"to": "+61411000001", "first_name": "Ann"},
    {"to": "+61411000002", "first_name": "Bob"},
    {"to": "+61411110000", "first_name": "Cy"},  # emulator convention: ...0000 is undeliverable
]


async def test_pushed_receipts_update_the_journal(tmp_path: Path) -> None:
    app = web.Application()
    recorder_box: list[ReceiptRecorder] = []
    arrived = asyncio.Event()

    async def on_receipt(receipt: object) -> None:
        recorder_box[0](receipt)  # type: ignore[arg-type]
        if recorder_box[0].matched == len(RECIPIENTS):
            arrived.set()

    app.add_routes(webhook_routes(on_receipt=on_receipt, secret="s3cret"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/clicksend/receipts/s3cret"
    try:
        async with ClickSendEmulator(receipt_url=url, receipt_delay=0.05) as emu:
            async with emu.client(rate_limit=None) as cs:
                job = cs.sms.bulk(
                    RECIPIENTS, body="Hi {first_name}", journal=str(tmp_path / "j.db")
                )
                recorder_box.append(ReceiptRecorder(job.journal))
                with await job.run() as report:
                    assert report.sent == 3
                await asyncio.wait_for(arrived.wait(), timeout=10)
                with await cs.sms.bulk(
                    RECIPIENTS, body="Hi {first_name}", journal=job.journal
                ).run() as again:
                    # Resuming a finished campaign sends nothing and shows deliveries.
                    assert again.deliveries == {"delivered": 2, "failed": 1}
                    states = {o.to: o.delivery for o in again.outcomes()}
                job.journal.close()
            assert len(emu.sent) == 3
    finally:
        await runner.cleanup()
    assert states == {
        "+61411000001": "delivered",
        "+61411000002": "delivered",
        "+61411110000": "failed",
    }


async def test_polled_receipts_update_the_journal(tmp_path: Path) -> None:
    async with ClickSendEmulator(receipt_delay=0) as emu, emu.client(rate_limit=None) as cs:
        job = cs.sms.bulk(RECIPIENTS, body="Hi {first_name}", journal=str(tmp_path / "j.db"))
        with await job.run():
            pass
        unread = [r async for r in cs.sms.receipts()]
        stamps = [int(r.timestamp.timestamp()) for r in unread if r.timestamp is not None]
        newest = max(stamps)
        matched = await poll_receipts(cs.session, job.journal, mark_read=True)
        assert matched == 3
        assert job.journal.delivery_counts() == {"delivered": 2, "failed": 1}
        read = [r for r in emu.requests if r.path == "/sms/receipts-read"]
        # Marked read: everything before the newest second seen (nothing unseen is hidden).
        assert [r.json for r in read] == [{"date_before": newest}]
        again = await poll_receipts(cs.session, job.journal)
        assert again == stamps.count(newest)
        assert job.journal.delivery_counts() == {"delivered": 2, "failed": 1}
        job.journal.close()


def test_a_late_pending_receipt_does_not_undo_a_final_one(tmp_path: Path) -> None:
    from clicksend_async.bulk import Journal, record_receipts

    journal = Journal(str(tmp_path / "j.db"))
    journal.add_rows([(1, "cs-1", "+61411000001", "{}", 1, "GSM-7", "sent", "SUCCESS", None)])
    delivered = parse_receipt(
        None, {"message_id": "M", "status_code": "201", "custom_string": "cs-1"}
    )
    pending = parse_receipt(
        None, {"message_id": "M", "status_code": "200", "custom_string": "cs-1"}
    )
    assert record_receipts(journal, [delivered]) == 1
    assert record_receipts(journal, [pending]) == 1  # its row, though it changes nothing
    assert journal.delivery_counts() == {"delivered": 1}
    journal.close()


class FakeSession:
    """Answers GET /sms/receipts from a list, and records what is marked read."""

    def __init__(self, records: list[dict[str, object]]) -> None:
        self.records = records
        self.marked: list[object] = []

    async def data(self, method: str, path: str, **kwargs: object) -> object:
        if method == "GET":
            return {
                "total": len(self.records),
                "per_page": 100,
                "current_page": 1,
                "last_page": 1,
                "data": list(self.records),
            }
        self.marked.append(kwargs.get("json"))
        return None


async def test_an_unreadable_receipt_is_left_unread_and_holds_the_cutoff_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from clicksend_async.bulk import Journal

    journal = Journal(str(tmp_path / "j.db"))
    journal.add_rows([(1, "cs-1", "+61411000001", "{}", 1, "GSM-7", "sent", "SUCCESS", None)])
    session = FakeSession(
        [
            {
                "timestamp": 1722565661,
                "message_id": "M1",
                "status_code": "201",
                "custom_string": "cs-1",
            },
            {"timestamp": 1722565650, "message_id": "M2", "custom_string": "cs-2"},  # no status
        ]
    )
    with caplog.at_level("WARNING", logger="clicksend_async.bulk"):
        assert await poll_receipts(session, journal, mark_read=True) == 1  # type: ignore[arg-type]
    assert session.marked == [{"date_before": 1722565650}]
    assert "cannot be read" in caplog.text
    journal.close()


def test_a_reused_custom_string_does_not_take_another_messages_receipt(tmp_path: Path) -> None:
    from clicksend_async.bulk import Journal, record_receipts

    journal = Journal(str(tmp_path / "j.db"))
    journal.add_rows([(1, "cust-17", "+61411000001", "{}", 1, "GSM-7", None, None, None)])
    journal.acquire()
    found = journal.claim(1, after_row=0, max_attempts=1, now=0, window_from=0)
    assert found is not None
    journal.settle(
        found[0], found[0], outcomes=[("sent", "SUCCESS", "MID-WEEK2", "0.07", 1, None, 1)]
    )
    this_week = parse_receipt(
        None, {"message_id": "MID-WEEK2", "status_code": "201", "custom_string": "cust-17"}
    )
    last_week = parse_receipt(
        None, {"message_id": "MID-WEEK1", "status_code": "301", "custom_string": "cust-17"}
    )
    assert record_receipts(journal, [this_week]) == 1
    assert record_receipts(journal, [last_week]) == 0
    assert journal.delivery_counts() == {"delivered": 1}
    journal.close()


def test_mms_receipts_with_a_completed_status_code_are_final() -> None:
    receipt = parse_receipt(
        None,
        {
            "message_id": "88AB118E",
            "status_code": "Completed",
            "status_text": "",
            "message_type": "mms",
            "timestamp": "1451200622",
        },
    )
    assert receipt.state == "delivered" and receipt.is_final
