"""International messaging models: the countries an account may send to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["CountryOption", "RegistrationRef", "UserCountry"]


@attrs.frozen(kw_only=True)
class CountryOption:
    """A country of ``GET /country-list``: the ``id`` that selecting it takes."""

    id: int
    code: str | None = None
    name: str | None = None
    region: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class RegistrationRef:
    """A named reference (``{id, name}``) of a country's registration entity or status."""

    id: int | None = None
    name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class UserCountry:
    """A country the account selected for sending, and whether its rules were agreed to."""

    id: int
    code: str | None = None
    name: str | None = None
    region: str | None = None
    #: Unix time of the agreement to the country's rules; 0 until then.
    agreed_at: int | None = None
    registration_entity: RegistrationRef | None = None
    registration_status: RegistrationRef | None = None
    restricted_sending: bool | None = None
    has_regulation_requirements: bool | None = None
    regulation_requirements_description: str | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def agreed(self) -> bool:
        """Return True once the country's rules were agreed to (sending is enabled)."""
        return bool(self.agreed_at)
