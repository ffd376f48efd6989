"""Named profiles: ``~/.config/clicksend-async/config.toml`` (``$XDG_CONFIG_HOME`` honoured).

A profile says how to reach an account (auth mode, username or Maton connection, base URL,
rate), never the secret: that comes from the environment (``CLICKSEND_API_KEY`` or
``MATON_API_KEY``) or from the OS keyring (``keyring``, part of the ``cli`` extra), where
``clicksend-async profiles set-key NAME`` puts it. A config file that holds a secret is refused
rather than read, so that nobody is tempted to keep one there::

    default = "work"

    [profiles.work]
    auth = "direct"                 # or "maton"
    username = "me@example.com"
    rate = 5

    [profiles.gateway]
    auth = "maton"
    connection = "conn_123"
    base_url = "https://gateway.maton.ai/clicksend/v3"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .._exceptions import ConfigurationError

__all__ = ["KEYRING_SERVICE", "Profile", "config_path", "keyring_secret", "load_profiles"]

#: The keyring service under which each profile's secret is stored (the profile name is the
#: keyring "username").
KEYRING_SERVICE = "clicksend-async"
AUTH_MODES = ("direct", "maton")
_KNOWN_KEYS = frozenset({"auth", "username", "connection", "base_url", "rate", "timeout"})
_SECRET_KEYS = frozenset({"api_key", "maton_api_key", "password", "secret", "token", "key"})


@attrs.frozen(kw_only=True)
class Profile:
    """One named way to reach an account (no secret in it)."""

    name: str
    auth: str = "direct"
    username: str | None = None
    connection: str | None = None
    base_url: str | None = None
    rate: float | None = None
    timeout: float | None = None

    @property
    def secret_variable(self) -> str:
        """Return the environment variable that holds this profile's secret."""
        return "MATON_API_KEY" if self.auth == "maton" else "CLICKSEND_API_KEY"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Return where the config file lives: ``$XDG_CONFIG_HOME/clicksend-async/config.toml``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base else Path.home() / ".config"
    return root / "clicksend-async" / "config.toml"


def load_profiles(path: Path) -> tuple[dict[str, Profile], str | None]:
    """Read the profiles and the default profile's name; a missing file has none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"the config file {path} is not valid TOML: {exc}") from None
    section = data.get("profiles", {})
    if not isinstance(section, dict):
        raise ConfigurationError(f"{path}: [profiles] must be a table of named profiles")
    profiles = {name: _profile(path, name, values) for name, values in section.items()}
    default = data.get("default")
    if default is not None and (not isinstance(default, str) or default not in profiles):
        raise ConfigurationError(
            f"{path}: default = {default!r} names no profile; profiles: "
            + (", ".join(sorted(profiles)) or "none")
        )
    return profiles, default


def _profile(path: Path, name: str, values: Any) -> Profile:
    where = f"{path} [profiles.{name}]"
    if not isinstance(values, dict):
        raise ConfigurationError(f"{where} must be a table")
    secrets = sorted(set(values) & _SECRET_KEYS)
    if secrets:
        # Refused, not ignored: a secret in a plain file is the leak this design avoids.
        raise ConfigurationError(
            f"{where} holds {', '.join(secrets)}: secrets are never read from the config file; "
            f"remove it and run: clicksend-async profiles set-key {name} (OS keyring), or set "
            "CLICKSEND_API_KEY / MATON_API_KEY in the environment"
        )
    unknown = sorted(set(values) - _KNOWN_KEYS)
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown setting {', '.join(unknown)} (known: "
            + ", ".join(sorted(_KNOWN_KEYS))
            + ")"
        )
    auth = values.get("auth", "direct")
    if auth not in AUTH_MODES:
        raise ConfigurationError(f'{where}: auth = {auth!r}; use "direct" or "maton"')
    rate, timeout = values.get("rate"), values.get("timeout")
    for key, number in (("rate", rate), ("timeout", timeout)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
            raise ConfigurationError(f"{where}: {key} must be a number, not {number!r}")
    strings = {}
    for key in ("username", "connection", "base_url"):
        value = values.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{where}: {key} must be a string, not {value!r}")
        strings[key] = value.strip() or None if isinstance(value, str) else None
    return Profile(
        name=name,
        auth=auth,
        rate=None if rate is None else float(rate),
        timeout=None if timeout is None else float(timeout),
        **strings,
    )


def keyring_secret(profile: str) -> str | None:
    """Return the secret stored in the OS keyring for ``profile`` (None without keyring)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, profile)
    except KeyringError:
        return None
    return value or None


def store_keyring_secret(profile: str, secret: str) -> None:
    """Store ``secret`` for ``profile`` in the OS keyring (never in a file)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise ConfigurationError(
            "storing a secret needs the keyring package: pip install keyring (or set "
            "CLICKSEND_API_KEY / MATON_API_KEY in the environment instead)"
        ) from None
    try:
        keyring.set_password(KEYRING_SERVICE, profile, secret)
    except KeyringError as exc:
        raise ConfigurationError(f"the OS keyring refused the secret: {exc}") from None
