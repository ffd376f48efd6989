"""A faithful, stateful ClickSend REST v3 emulator (plus the Maton gateway) on aiohttp.web.

Point any ClickSend client at it to test without the network, like stripe-mock or moto::

    from clicksend_async.testing import ClickSendEmulator

    async with ClickSendEmulator() as emu:
        ...  # POST f"{emu.url}/sms/send" with Basic auth emu.username / emu.api_key
        assert emu.sent[0].to == "+61412345678"

Run it standalone with ``python -m clicksend_async.testing --port 8080``.
See ``README.md`` in this package for every option, fault kind and test-number convention.
"""

from ._cli import build_parser, main
from ._emulator import ClickSendEmulator
from ._faults import Fault, FaultPlan, parse_faults
from ._state import RecordedRequest, SentMessage

__all__ = [
    "ClickSendEmulator",
    "Fault",
    "FaultPlan",
    "RecordedRequest",
    "SentMessage",
    "build_parser",
    "main",
    "parse_faults",
]
