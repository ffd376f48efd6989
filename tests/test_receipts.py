"""clicksend_async.receipts: the public way to feed receipts into a campaign's journal."""

from __future__ import annotations

from pathlib import Path

import pytest

import clicksend_async
from clicksend_async.receipts import ReceiptRecorder, poll_receipts
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.webhooks import parse_receipt

RECIPIENTS = [
    {"to": "+61411000001", "first_name": "Ann"},
    {"to": "+61411110000", "first_name": "Bob"},  # ends in 0000: undeliverable
]


class TestPollReceipts:
    async def test_takes_the_client(self, tmp_path: Path) -> None:
        async with ClickSendEmulator(receipt_delay=0) as emu, emu.client(rate_limit=None) as cs:
            job = cs.sms.bulk(RECIPIENTS, body="Hi {first_name}", journal=str(tmp_path / "j.db"))
            with await job.run():
                pass
            assert await poll_receipts(cs, job.journal, mark_read=True) == 2
            assert job.journal.delivery_counts() == {"delivered": 1, "failed": 1}
            assert any(r.path == "/sms/receipts-read" for r in emu.requests)
            job.journal.close()

    async def test_unknown_channel_is_refused(self, tmp_path: Path) -> None:
        async with ClickSendEmulator() as emu, emu.client(rate_limit=None) as cs:
            job = cs.sms.bulk(RECIPIENTS, body="x", journal=str(tmp_path / "j.db"))
            with pytest.raises(ValueError, match="channel"):
                await poll_receipts(cs, job.journal, channel="fax")  # type: ignore[arg-type]
            job.journal.close()


class TestReceiptRecorder:
    async def test_pushed_receipts_update_the_journal(self, tmp_path: Path) -> None:
        async with ClickSendEmulator(receipt_delay=0) as emu, emu.client(rate_limit=None) as cs:
            job = cs.sms.bulk(RECIPIENTS, body="Hi {first_name}", journal=str(tmp_path / "j.db"))
            with await job.run():
                pass
            recorder = ReceiptRecorder(job.journal)
            for sent in emu.sent:
                recorder(
                    parse_receipt(
                        None,
                        {
                            "message_id": sent.message_id,
                            "status_code": "301" if sent.to.endswith("0000") else "201",
                            "custom_string": sent.custom_string,
                        },
                    )
                )
            assert (recorder.matched, recorder.unmatched) == (2, 0)
            assert job.journal.delivery_counts() == {"delivered": 1, "failed": 1}
            job.journal.close()

    def test_public_import_paths(self) -> None:
        assert clicksend_async.ReceiptRecorder is ReceiptRecorder
        assert clicksend_async.poll_receipts is poll_receipts
