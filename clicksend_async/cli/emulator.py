"""``emulator``: run the built-in ClickSend emulator as a server (until Ctrl-C or SIGTERM).

The same server as ``python -m clicksend_async.testing`` (which needs no click), with the
command line's conventions: click options, ``--json`` (one line when it listens), errors on
stderr as ``error: ...``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from ._context import EXIT_ERROR, EXIT_OK, Globals
from ._options import output_options

if TYPE_CHECKING:
    from ..testing import ClickSendEmulator

__all__ = ["emulator"]

# The emulator (an aiohttp web server) is imported by the command that runs it, not by every
# command of the CLI: a campaign against ClickSend starts 50 ms sooner.


def _faults(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from ..testing._faults import parse_faults

        try:
            parse_faults(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _seed(ctx: click.Context, param: click.Parameter, value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else value


@click.command(short_help="Run the built-in ClickSend emulator.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port to bind; 0 picks a free one (the default).",
)
@click.option("--username", default="emulator", show_default=True, help="API username.")
@click.option("--api-key", default="emulator-api-key", show_default=True, help="API key.")
@click.option(
    "--maton-api-key", default="emulator-maton-key", show_default=True, help="Maton gateway key."
)
@click.option(
    "--balance",
    type=click.FloatRange(min=0),
    default=100.0,
    show_default=True,
    help="Starting balance.",
)
@click.option("--currency", default="AUD", show_default=True, help="Account currency.")
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    metavar="MS",
    help="Latency added to every request.",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Requests allowed per window (default: no limit).",
)
@click.option(
    "--rate-window",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    metavar="SECONDS",
    help="Rate-limit window.",
)
@click.option(
    "--faults",
    metavar="SPEC",
    callback=_faults,
    help='Fault probabilities, e.g. "429=0.1,commit-500=0.02,/sms/send:commit-drop=0.01".',
)
@click.option(
    "--seed", metavar="SEED", callback=_seed, help="Seed for faults and ids (reproducible runs)."
)
@click.option("--log", metavar="FILE", help="Append each accepted message to FILE as JSON.")
@click.option(
    "--throttle-window",
    type=float,
    default=5.0,
    metavar="SECONDS",
    help="THROTTLED window (a repeated message within it).",
)
@click.option(
    "--hang-seconds",
    type=float,
    default=60.0,
    metavar="SECONDS",
    help="How long a commit-hang fault holds a request.",
)
@click.option("--receipt-url", metavar="URL", help="POST delivery receipts to URL.")
@click.option("--inbound-url", metavar="URL", help="POST inbound replies to URL.")
@click.option(
    "--inbound-format",
    type=click.Choice(["form", "json"]),
    default="form",
    show_default=True,
    help="Body format of the webhook POSTs.",
)
@click.option(
    "--receipt-delay",
    type=float,
    default=0.5,
    metavar="SECONDS",
    help="Seconds until a receipt exists.",
)
@click.option("--auto-reply", metavar="TEXT", help="Reply TEXT to every delivered SMS.")
@click.option(
    "--enabled-countries",
    metavar="CODES",
    help="Comma-separated ISO codes; others get COUNTRY_NOT_ENABLED (default: all).",
)
@click.option(
    "--no-free-test-numbers",
    is_flag=True,
    help="Charge ClickSend's documented test numbers like any other number.",
)
@click.option("--log-requests", is_flag=True, help="Log every request to stderr.")
@output_options
@click.pass_obj
def emulator(g: Globals, /, **options: Any) -> None:
    """Run the built-in ClickSend emulator (REST v3 and the Maton gateway) until Ctrl-C.

    Point anything at the URL it prints, with its username and API key (emulator /
    emulator-api-key unless given). With --json it prints one line: its URLs and credentials.
    """
    countries = options["enabled_countries"]
    settings: dict[str, Any] = {
        "host": options["host"],
        "port": options["port"],
        "username": options["username"],
        "api_key": options["api_key"],
        "maton_api_key": options["maton_api_key"],
        "balance": Decimal(str(options["balance"])),
        "currency": options["currency"],
        "latency_ms": options["latency_ms"],
        "rate_limit": options["rate_limit"],
        "rate_window": options["rate_window"],
        "faults": options["faults"],
        "seed": options["seed"],
        "log": options["log"],
        "throttle_window": options["throttle_window"],
        "hang_seconds": options["hang_seconds"],
        "receipt_url": options["receipt_url"],
        "inbound_url": options["inbound_url"],
        "inbound_format": options["inbound_format"],
        "receipt_delay": options["receipt_delay"],
        "auto_reply": options["auto_reply"],
        "enabled_countries": (
            None if countries is None else [c.strip() for c in countries.split(",") if c.strip()]
        ),
        "free_test_numbers": not options["no_free_test_numbers"],
        "quiet": not options["log_requests"],
    }
    if options["log_requests"]:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)

    from ..testing._cli import LISTENING, serve

    def announce(emu: ClickSendEmulator) -> None:
        if g.output.json:
            g.output.emit(
                {
                    "event": "listening",
                    "base": emu.base,
                    "url": emu.url,
                    "maton_url": emu.maton_url,
                    "username": emu.username,
                    "api_key": emu.api_key,
                    "maton_api_key": emu.maton_api_key,
                }
            )
        else:
            click.echo(LISTENING.format(base=emu.base))
            # Only the well-known defaults are repeated: a key someone chose stays unprinted.
            key = emu.api_key if emu.api_key == "emulator-api-key" else "as given"
            g.output.note(f"API {emu.url} (user {emu.username}, key {key}); Ctrl-C stops it")

    try:
        asyncio.run(serve(settings, announce=announce))
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as exc:
        g.output.error(str(exc))
        raise click.exceptions.Exit(EXIT_ERROR) from None
    raise click.exceptions.Exit(EXIT_OK)
