"""client.countries: one unpaged list."""

from __future__ import annotations

from clicksend_async import ClickSendClient, Country
from clicksend_async.testing import ClickSendEmulator


class TestCountries:
    async def test_list_returns_every_country(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        countries = await client.countries.list()
        request = emulator.requests[-1]
        assert (request.method, request.path, request.query) == ("GET", "/countries", {})
        assert all(isinstance(c, Country) for c in countries)
        by_code = {c.code: c for c in countries}
        assert by_code["AU"].value == "Australia"
        assert by_code["AU"].name == "Australia"
