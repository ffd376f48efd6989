"""Pure parts of the emulator (no server): numbers, rate limiter, public surface, lifecycle."""

from __future__ import annotations

import pytest
from emulator_helpers import FakeClock

import clicksend_async.testing as testing
from clicksend_async.testing import ClickSendEmulator
from clicksend_async.testing._numbers import normalize
from clicksend_async.testing._ratelimit import RateLimiter


class TestNormalize:
    @pytest.mark.parametrize(
        ("to", "country", "expected"),
        [
            ("+61412345678", None, ("+61412345678", "AU")),
            ("+61 412-345-678", None, ("+61412345678", "AU")),
            ("0412345678", "AU", ("+61412345678", "AU")),
            ("0412345678", "au", ("+61412345678", "AU")),
            ("61412345678", "AU", ("+61412345678", "AU")),
            ("2025550143", "US", ("+12025550143", "US")),
            ("+16135550143", None, ("+16135550143", "CA")),
            ("021 123 4567", "NZ", ("+64211234567", "NZ")),
            ("+4915112345678", None, ("+4915112345678", "DE")),
            ("+33612345678", None, ("+33612345678", "FR")),
            ("+919812345678", None, ("+919812345678", "IN")),
            ("+8613812345678", None, ("+8613812345678", "CN")),
            ("+6591234567", None, ("+6591234567", "SG")),
            ("+27821234567", None, ("+27821234567", "ZA")),
            ("+353851234567", None, ("+353851234567", "IE")),
            ("+447700900123", None, ("+447700900123", "GB")),
            ("0412345678", None, None),
            ("0412345678", "XX", None),
            ("+1234567", None, None),
            ("+1234567890123456", None, None),
            ("+0412345678", None, None),
            ("+61４12345678", None, None),
            ("abc", "AU", None),
            (None, None, None),
            (61412345678, None, None),
        ],
    )
    def test_table(self, to: object, country: str | None, expected: object) -> None:
        assert normalize(to, country) == expected


class TestRateLimiter:
    def test_window_rolls(self) -> None:
        clock = FakeClock(0.0)
        limiter = RateLimiter(2, 1.0, clock)
        assert limiter.consume()[0]
        assert limiter.consume()[0]
        allowed, headers = limiter.consume()
        assert not allowed
        assert headers["Retry-After"] == headers["ratelimit-reset"] == "1"
        clock.advance(1.0)
        assert limiter.consume()[0]


class TestPublicSurface:
    def test_all_is_sorted_and_exported(self) -> None:
        assert testing.__all__ == sorted(testing.__all__)
        for name in testing.__all__:
            assert getattr(testing, name) is not None

    def test_urls_need_a_started_emulator(self) -> None:
        emu = ClickSendEmulator()
        with pytest.raises(RuntimeError, match="not started"):
            _ = emu.url
        assert emu.app is not None

    async def test_start_close_are_idempotent(self) -> None:
        emu = ClickSendEmulator()
        await emu.start()
        await emu.start()
        assert emu.url == f"http://127.0.0.1:{emu.port}/v3"
        assert emu.maton_url.endswith("/clicksend/v3")
        assert emu.ctrl_url.endswith("/ctrl")
        await emu.close()
        await emu.close()
        with pytest.raises(RuntimeError, match="cannot be restarted"):
            await emu.start()

    async def test_balance_can_be_set(self) -> None:
        emu = ClickSendEmulator(balance="5")
        emu.balance = "1.25"
        assert str(emu.balance) == "1.25"

    async def test_client_points_at_the_emulator(self) -> None:
        async with ClickSendEmulator() as emu:
            async with emu.client() as cs:
                account = await cs.account.get()
            assert account.username == "emulator"
            async with emu.maton_client() as cs:
                assert (await cs.account.get()).username == "emulator"
