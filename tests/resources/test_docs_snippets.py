"""The complete programs in README.md and the guide (docs/guide) run, against the emulator instead
of the real service."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from clicksend_async import ClickSendClient
from clicksend_async.testing import ClickSendEmulator

ROOT = Path(__file__).resolve().parents[2]
#: The README and the guide pages its long content moved to (the tutorials build their own
#: emulators and are run by tests/test_docs.py).
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs" / "guide").glob("*.md"))]
_BLOCK = re.compile(r"^#{1,3} (?P<title>.+?)$|^```python\n(?P<code>.*?)^```$", re.M | re.S)


def _programs() -> list[tuple[str, str]]:
    programs: list[tuple[str, str]] = []
    for doc in DOCS:
        title = "intro"
        for match in _BLOCK.finditer(doc.read_text(encoding="utf-8")):
            if match["title"]:
                title = match["title"]
            elif "asyncio.run(main())" in match["code"]:
                programs.append((f"{doc.relative_to(ROOT)}: {title}", match["code"]))
    return programs


PROGRAMS = _programs()


def test_every_section_has_a_program() -> None:
    assert len(PROGRAMS) >= 10


@pytest.mark.parametrize(("title", "code"), PROGRAMS, ids=[t for t, _ in PROGRAMS])
async def test_program_runs(
    title: str, code: str, emulator: ClickSendEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = "connections" in code

    def from_env(cls: type[ClickSendClient], *args: Any, **kwargs: Any) -> ClickSendClient:
        make = emulator.maton_client if gateway else emulator.client
        return make(rate_limit=None)

    monkeypatch.setattr(ClickSendClient, "from_env", classmethod(from_env))
    namespace: dict[str, Any] = {"__name__": "snippet"}
    exec(compile(code.replace("asyncio.run(main())", ""), title, "exec"), namespace)
    await namespace["main"]()
    assert emulator.requests, "the program made no request"
