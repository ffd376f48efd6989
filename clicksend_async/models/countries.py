"""Country model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["Country"]


@attrs.frozen(kw_only=True)
class Country:
    """A country ClickSend knows: ISO 3166-1 alpha-2 ``code`` and English name ``value``."""

    code: str
    value: str | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def name(self) -> str | None:
        """Return the country's English name."""
        return self.value
