"""Credentials, kept out of every repr, log line and exception message."""

from __future__ import annotations

import base64

import attrs

__all__ = ["BasicAuth", "BearerAuth", "Credentials"]


def _mask(secret: str) -> str:
    return "***" if secret else "''"


@attrs.frozen(repr=False)
class BasicAuth:
    """Direct ClickSend access: HTTP Basic with the API username and API key."""

    username: str
    api_key: str = attrs.field(repr=False)

    def headers(self) -> dict[str, str]:
        """Return the request headers this credential adds."""
        token = base64.b64encode(f"{self.username}:{self.api_key}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}

    @property
    def mode(self) -> str:
        """Return "direct"."""
        return "direct"

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, api_key={_mask(self.api_key)})"


@attrs.frozen(repr=False)
class BearerAuth:
    """Maton gateway access: a Maton API key as Bearer token, and an optional connection id."""

    maton_api_key: str = attrs.field(repr=False)
    connection_id: str | None = None

    def headers(self) -> dict[str, str]:
        """Return the request headers this credential adds."""
        headers = {"Authorization": f"Bearer {self.maton_api_key}"}
        if self.connection_id:
            headers["Maton-Connection"] = self.connection_id
        return headers

    @property
    def mode(self) -> str:
        """Return "gateway"."""
        return "gateway"

    def __repr__(self) -> str:
        return (
            f"BearerAuth(maton_api_key={_mask(self.maton_api_key)}, "
            f"connection_id={self.connection_id!r})"
        )


Credentials = BasicAuth | BearerAuth
