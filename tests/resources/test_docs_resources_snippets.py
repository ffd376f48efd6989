"""The complete programs in docs/resources.md run against the emulator.

The emulator starts with what an account would already have: a verified allowed email
address (sending email needs one, and verifying it needs a link from a real mailbox).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from clicksend_async import ClickSendClient
from clicksend_async.testing import ClickSendEmulator

DOC = Path(__file__).resolve().parents[2] / "docs" / "resources.md"
_BLOCK = re.compile(r"^#{2,3} (?P<title>.+?)$|^```python\n(?P<code>.*?)^```$", re.M | re.S)


def _programs() -> list[tuple[str, str]]:
    programs: list[tuple[str, str]] = []
    title = "intro"
    for match in _BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        if match["title"]:
            title = match["title"]
        elif "asyncio.run(main())" in match["code"]:
            programs.append((title, match["code"]))
    return programs


PROGRAMS = _programs()


def test_the_part_b_groups_have_programs() -> None:
    titles = {title for title, _ in PROGRAMS}
    assert {"SMS campaigns", "Transactional email", "Post", "Fax"} <= titles


@pytest.mark.parametrize(("title", "code"), PROGRAMS, ids=[t for t, _ in PROGRAMS])
async def test_program_runs(
    title: str,
    code: str,
    emulator: ClickSendEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with emulator.client(rate_limit=None) as cs:
        address = await cs.email_addresses.create("shop@example.com")
        token = emulator.activation_token(address.email_address_id)
        await cs.email_addresses.verify(address.email_address_id, token)
    if "short_urls" in code:
        emulator.simulate_link_open("2FDA7622-FC6E-4D21-B335-32FF860D7E19")
    emulator.requests.clear()

    def from_env(cls: type[ClickSendClient], *args: Any, **kwargs: Any) -> ClickSendClient:
        return emulator.client(rate_limit=None)

    monkeypatch.setattr(ClickSendClient, "from_env", classmethod(from_env))
    # Pushes go to a closed local port, never out to the internet.
    code = code.replace("https://example.com/receipts", "http://127.0.0.1:9/receipts")
    namespace: dict[str, Any] = {"__name__": "snippet"}
    exec(compile(code.replace("asyncio.run(main())", ""), title, "exec"), namespace)
    await namespace["main"]()
    assert emulator.requests, "the program made no request"
    assert "verify an allowed address first" not in capsys.readouterr().out
