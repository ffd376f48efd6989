"""Email-to-SMS models: addresses allowed to text by email, and strings stripped from emails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["EmailSmsAddress", "StrippedString"]


@attrs.frozen(kw_only=True)
class EmailSmsAddress:
    """An address allowed to send SMS by email, and the sender its texts go out from."""

    email_address_id: int
    email_address: str | None = None
    from_: str | None = None
    from_fax: str | None = None
    subaccount_id: int | None = None
    voice: str | None = None
    lang: str | None = None
    subaccount_name: str | None = attrs.field(default=None, metadata={"wire": "_subaccount_name"})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class StrippedString:
    """A string removed from emails before they are texted (a signature, a disclaimer).

    The list and create answers call the text ``strip_string``, the single-rule answers
    ``stripped_string``; both are read.
    """

    rule_id: int
    strip_string: str | None = attrs.field(default=None, metadata={"aliases": ("stripped_string",)})
    extra: Mapping[str, Any] = extra_field()
