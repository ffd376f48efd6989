"""client.fax (2021 spec): send, price, history, receipts."""

from __future__ import annotations

import pytest
from resource_support import assert_valid_request_2021

from clicksend_async import ClickSendClient, FaxMessage, FaxResult, ValidationError
from clicksend_async.testing import ClickSendEmulator

PDF = "https://example.com/doc.pdf"


class TestFax:
    async def test_send_history_receipts(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        price = await client.fax.price(PDF, [FaxMessage(to="+61 2 6111 1111")])
        assert_valid_request_2021("POST", "/fax/price", emulator.requests[-1].json)
        assert price.total_price > 0
        sent = await client.fax.send(
            PDF, [{"to": "+61261111111", "from_": "+61298441484"}, {"to": "12"}]
        )
        request = emulator.requests[-1]
        assert request.json["messages"][0] == {"to": "+61261111111", "from": "+61298441484"}
        assert_valid_request_2021("POST", "/fax/send", request.json)
        assert isinstance(sent, FaxResult)
        assert (sent.queued_count, [m.status for m in sent.rejected]) == (
            1,
            ["INVALID_RECIPIENT"],
        )
        fax_id = sent.messages[0].message_id
        assert fax_id is not None
        assert [f.message_id async for f in client.fax.history()] == [fax_id]
        export = await client.fax.export_history(filename="fax.csv")
        assert export.filename == "fax.csv"
        receipts = [r async for r in client.fax.receipts()]
        assert [(r.message_id, r.status_code) for r in receipts] == [(fax_id, "201")]
        assert (await client.fax.receipt(fax_id)).status == "Sent"
        await client.fax.mark_receipts_read()
        assert [r async for r in client.fax.receipts()] == []

    async def test_bad_input_is_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.fax.send("doc.pdf", [FaxMessage(to="+61261111111")])
        assert info.value.field == "file_url"
        with pytest.raises(ValidationError) as info:
            await client.fax.send(PDF, [{"to": "+61261111111", "from_": "has spaces in it"}])
        assert info.value.field == "messages[0].from_"
        assert emulator.requests == []
