"""Voice models: the languages text-to-speech speaks, and voice delivery receipts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field
from .sms import DeliveryReceipt

__all__ = ["VoiceLanguage", "VoiceReceipt"]


@attrs.frozen(kw_only=True)
class VoiceLanguage:
    """A text-to-speech language (``lang``) and the voices it offers.

    ClickSend sends ``gender`` as one string or a list; ``genders`` is always a tuple.
    """

    code: str
    country: str | None = None
    genders: tuple[str, ...] = attrs.field(default=(), metadata={"wire": "gender"})
    extra: Mapping[str, Any] = extra_field()

    def supports(self, voice: str) -> bool:
        """Return True when this language has ``voice`` ("female" or "male")."""
        return voice in self.genders


@attrs.frozen(kw_only=True)
class VoiceReceipt(DeliveryReceipt):
    """A delivery receipt for a voice call; ``digits`` holds the keys the callee pressed."""
