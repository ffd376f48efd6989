"""client.international: selecting countries and agreeing to their rules enables sending."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from resource_support import assert_valid_request

from clicksend_async import (
    BadRequestError,
    ClickSendClient,
    CountryOption,
    MessageStatus,
    SmsMessage,
    UserCountry,
    ValidationError,
)
from clicksend_async.testing import ClickSendEmulator


@pytest.fixture
async def au_only() -> AsyncIterator[ClickSendEmulator]:
    """Yield an emulator that only sends to Australia until told otherwise."""
    async with ClickSendEmulator(receipt_delay=0, enabled_countries=["AU"]) as emu:
        yield emu


class TestInternational:
    async def test_countries_select_and_agree(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        options = await client.international.countries()
        assert all(isinstance(c, CountryOption) for c in options)
        by_code = {c.code: c for c in options}
        assert by_code["NZ"].name == "New Zealand" and by_code["NZ"].region == "Oceania"
        assert await client.international.selected() == []

        selected = await client.international.select([by_code["NZ"].id, by_code["GB"].id])
        assert emulator.requests[-1].json == {
            "country_list_ids": [by_code["NZ"].id, by_code["GB"].id]
        }
        assert_valid_request("POST", "/v3/user-countries", emulator.requests[-1].json)
        assert {c.code for c in selected} == {"NZ", "GB"}
        assert not any(c.agreed for c in selected)

        agreed = await client.international.agree([by_code["NZ"].id], timeout=5)
        # The spec gives /agree a request body without a schema; its description documents
        # the same country_list_ids as POST /user-countries, whose schema stands in.
        assert emulator.requests[-1].json == {"country_list_ids": [by_code["NZ"].id]}
        assert_valid_request("POST", "/v3/user-countries", emulator.requests[-1].json)
        assert all(isinstance(c, UserCountry) for c in agreed)
        assert {c.code: c.agreed for c in agreed} == {"GB": False, "NZ": True}

    async def test_enable_clears_country_not_enabled(self, au_only: ClickSendEmulator) -> None:
        async with au_only.client(rate_limit=None) as cs:
            message = SmsMessage(to="+64211234567", body="Kia ora")
            (before,) = (await cs.sms.send([message])).messages
            assert before.status == MessageStatus.COUNTRY_NOT_ENABLED

            enabled = await cs.international.enable(["nz"])
            assert {c.code: c.agreed for c in enabled} == {"AU": True, "NZ": True}
            (after,) = (await cs.sms.send([message])).messages
            assert after.status == MessageStatus.SUCCESS

    async def test_agreeing_to_an_unselected_country_is_refused(
        self, client: ClickSendClient
    ) -> None:
        with pytest.raises(BadRequestError):
            await client.international.agree([1])

    @pytest.mark.parametrize(
        ("ids", "field"),
        [(5, "country_list_ids"), ([0], "country_list_ids[0]"), (["AU"], "country_list_ids[0]")],
    )
    async def test_bad_ids_are_refused_before_any_request(
        self, client: ClickSendClient, emulator: ClickSendEmulator, ids: object, field: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.international.select(ids)  # type: ignore[arg-type]
        assert info.value.field == field
        assert emulator.requests == []

    async def test_an_unknown_code_is_refused(self, client: ClickSendClient) -> None:
        with pytest.raises(ValidationError) as info:
            await client.international.enable(["NZ", "XX"])
        assert info.value.field == "codes[1]"

    async def test_timezones(self, client: ClickSendClient) -> None:
        zones = await client.international.timezones()
        assert "Australia/Melbourne" in zones
