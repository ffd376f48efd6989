"""Maton gateway connection models (the control plane at ``https://ctrl.maton.ai``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from ._common import extra_field

__all__ = ["Connection", "ConnectionStatus"]


class ConnectionStatus:
    """Connection ``status`` values Maton documents (an open set of strings)."""

    #: Authorised: the gateway can use it.
    ACTIVE: Final = "ACTIVE"
    #: Created, waiting for someone to open ``url`` and authorise it.
    PENDING: Final = "PENDING"


@attrs.frozen(kw_only=True)
class Connection:
    """A Maton connection: the gateway uses the oldest ACTIVE one unless told otherwise.

    A new connection is PENDING until someone opens ``url`` in a browser and authorises it.
    """

    connection_id: str
    status: str = ""
    app: str | None = None
    #: The browser link that authorises the connection; it carries a session token, so it is
    #: kept out of the repr.
    url: str | None = attrs.field(default=None, repr=False)
    method: str | None = None
    creation_time: datetime | None = None
    last_updated_time: datetime | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = extra_field()

    @property
    def active(self) -> bool:
        """Return True when the connection is ACTIVE."""
        return self.status == ConnectionStatus.ACTIVE
