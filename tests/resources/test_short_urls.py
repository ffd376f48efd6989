"""client.short_urls: statistics and tracking of short links."""

from __future__ import annotations

import pytest

from clicksend_async import ClickSendClient, LinkStatistics, NotFoundError
from clicksend_async.testing import ClickSendEmulator


class TestShortUrls:
    async def test_statistics_count_the_opens_of_a_message(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        emulator.simulate_link_open("MSG-1", phone_number="+61411111111")
        emulator.simulate_link_open("MSG-1", phone_number="+61411111111", device="desktop")
        emulator.simulate_link_open("MSG-1", phone_number="+61422222222")
        emulator.simulate_link_open("MSG-2")
        (stats,) = await client.short_urls.statistics("MSG-1")
        assert emulator.requests[-1].path == "/short-url/statistics/quick_sms/MSG-1"
        assert isinstance(stats, LinkStatistics)
        assert stats.links is not None
        assert (stats.links.opened_total, stats.links.opened_unique) == (3, 2)
        assert {(c.label, c.count) for c in stats.device} == {("mobile", 2), ("desktop", 1)}

    async def test_tracking_pages_through_the_opens(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        link = ""
        for n in range(3):
            link = emulator.simulate_link_open("MSG-1", phone_number=f"+6141111111{n}")
        first = await client.short_urls.tracking(link, limit=2)
        assert emulator.requests[-1].query == {"limit": "2"}
        assert (first.total, len(first.opens)) == (3, 2)
        assert first.next_page_url
        second = await client.short_urls.tracking(link, offset="2", limit=2)
        assert [o.contact.phone_number for o in second.opens if o.contact] == ["+61411111112"]
        assert not second.next_page_url

    async def test_unknown_link_is_not_found(self, client: ClickSendClient) -> None:
        with pytest.raises(NotFoundError):
            await client.short_urls.tracking("quick_sms-nothing")
