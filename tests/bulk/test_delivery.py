"""Delivery receipts map back to campaign rows, pushed to a webhook or polled."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
        matched = await poll_receipts(cs.session, job.journal, mark_read=True)
        assert matched == 3
        assert job.journal.delivery_counts() == {"delivered": 2, "failed": 1}
        assert await poll_receipts(cs.session, job.journal) == 0  # all marked read
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
    assert record_receipts(journal, [pending]) == 0
    assert journal.delivery_counts() == {"delivered": 1}
    journal.close()
