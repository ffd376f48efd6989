"""``profiles``: the named profiles of the config file, and their secrets in the OS keyring."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from rich.table import Table

from .._exceptions import ClickSendError
from ._context import EXIT_ERROR, EXIT_OK, Globals
from ._options import output_options
from ._profiles import config_path, keyring_secret, load_profiles, store_keyring_secret

__all__ = ["profiles"]


@click.group(short_help="Profiles of the config file; keyring secrets.")
def profiles() -> None:
    """Show the profiles of the config file; store a profile's secret in the OS keyring.

    The file is $XDG_CONFIG_HOME/clicksend-async/config.toml (~/.config/... by default); pick
    a profile with --profile NAME or CLICKSEND_PROFILE. It never holds a secret: that comes
    from CLICKSEND_API_KEY / MATON_API_KEY or from the OS keyring (profiles set-key NAME).
    """


def _fail(g: Globals, exc: ClickSendError) -> None:
    g.output.error(str(exc))
    raise click.exceptions.Exit(EXIT_ERROR)


@profiles.command("list")
@output_options
@click.pass_obj
def list_profiles(g: Globals) -> None:
    """List the profiles, and where each one's secret would come from."""
    path = config_path()
    try:
        found, default = load_profiles(path)
    except ClickSendError as exc:
        _fail(g, exc)
    rows: list[dict[str, Any]] = []
    for name, profile in sorted(found.items()):
        if os.environ.get(profile.secret_variable, "").strip():
            source = f"environment ({profile.secret_variable})"
        elif keyring_secret(name):
            source = "OS keyring"
        else:
            source = "missing"
        rows.append(
            {
                "name": name,
                "default": name == default,
                "auth": profile.auth,
                "username": profile.username,
                "connection": profile.connection,
                "base_url": profile.base_url,
                "rate": profile.rate,
                "secret": source,
            }
        )
    g.output.emit({"config": str(path), "default": default, "profiles": rows})
    if not rows:
        g.output.note(f"no profiles in {path}")
        raise click.exceptions.Exit(EXIT_OK)
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))
    for column in ("name", "auth", "username / connection", "base_url", "secret"):
        table.add_column(column, overflow="fold")
    for row in rows:
        who = row["username"] if row["auth"] == "direct" else row["connection"]
        name = f"{row['name']} (default)" if row["default"] else row["name"]
        table.add_row(name, row["auth"], who or "", row["base_url"] or "", row["secret"])
    g.output.show(table)
    g.output.note(f"from {path}")


@profiles.command("set-key")
@click.argument("name")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the secret from stdin.")
@output_options
@click.pass_obj
def set_key(g: Globals, name: str, from_stdin: bool) -> None:
    """Store the API key (or Maton key) of profile NAME in the OS keyring, never in a file."""
    try:
        found, _ = load_profiles(config_path())
        if name not in found:
            known = ", ".join(sorted(found)) or "none"
            raise ClickSendError(
                f"{config_path()} has no profile {name} (profiles: {known}); add "
                f"[profiles.{name}] to it first"
            )
        if from_stdin:
            secret = sys.stdin.readline().strip()
        else:
            label = "Maton API key" if found[name].auth == "maton" else "ClickSend API key"
            secret = click.prompt(f"{label} for {name}", hide_input=True, err=True).strip()
        if not secret:
            raise ClickSendError("the secret is empty: nothing was stored")
        store_keyring_secret(name, secret)
    except ClickSendError as exc:
        _fail(g, exc)
    g.output.emit({"profile": name, "stored": "OS keyring"})
    g.output.note(f"stored the secret of profile {name} in the OS keyring")
