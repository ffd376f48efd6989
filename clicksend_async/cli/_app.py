"""The ``clicksend-async`` click group: global options, and every command group added to it."""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from .._version import __version__
from ._context import EXIT_CODES, Globals
from ._output import Output

__all__ = ["build_cli"]

#: How the program was started (set by ``main``), for the resume command it prints.
PROG: list[tuple[str, ...]] = [("clicksend-async",)]


def _epilog() -> str:
    lines = ["\b", "Exit status:"]
    lines += [f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES]
    lines += [
        "",
        "Every command takes --json (JSON on stdout) and --quiet; errors go to stderr. Shell",
        'completion: eval "$(_CLICKSEND_ASYNC_COMPLETE=bash_source clicksend-async)".',
    ]
    return "\n".join(lines)


class _Group(click.Group):
    """A group that remembers the arguments it was given (for a paste-ready resume command)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta.setdefault("clicksend_async.argv", tuple(args))
        return super().parse_args(ctx, args)


def build_cli() -> click.Group:
    """Return the ``clicksend-async`` click group (click and rich must be installed)."""
    from .account import account
    from .campaign import campaign
    from .contacts import contacts, lists
    from .emulator import emulator
    from .history import history, inbound, receipts
    from .profiles import profiles
    from .send import price, send
    from .templates import templates
    from .workers import status, worker

    @click.group(
        "clicksend-async",
        cls=_Group,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
        epilog=_epilog(),
    )
    @click.option(
        "--profile",
        envvar="CLICKSEND_PROFILE",
        show_envvar=True,
        metavar="NAME",
        help="A profile of ~/.config/clicksend-async/config.toml.",
    )
    @click.option(
        "--username",
        envvar="CLICKSEND_USERNAME",
        show_envvar=True,
        metavar="NAME",
        help="ClickSend API username (direct access).",
    )
    @click.option(
        "--api-key",
        envvar="CLICKSEND_API_KEY",
        show_envvar=True,
        metavar="KEY",
        help="ClickSend API key (direct access).",
    )
    @click.option(
        "--maton-api-key",
        envvar="MATON_API_KEY",
        show_envvar=True,
        metavar="KEY",
        help="Maton API key (gateway access; wins over the CLICKSEND_* variables).",
    )
    @click.option(
        "--connection",
        envvar="MATON_CONNECTION",
        show_envvar=True,
        metavar="ID",
        help="Maton connection id.",
    )
    @click.option(
        "--base-url",
        envvar="CLICKSEND_BASE_URL",
        show_envvar=True,
        metavar="URL",
        help="API base URL ending in /v3 (a proxy, an emulator).",
    )
    @click.option(
        "--rate",
        type=click.FloatRange(min=0),
        metavar="N",
        help="Client rate limit in requests per second (default 5; 0: no limit).",
    )
    @click.option(
        "--limiter",
        envvar="CLICKSEND_LIMITER",
        show_envvar=True,
        metavar="URL",
        help="Share --rate across every process of the account: redis://... or "
        "postgresql://... (sends nothing while it is unreachable).",
    )
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=30.0,
        show_default=True,
        metavar="SECONDS",
        help="Seconds for one HTTP exchange.",
    )
    @click.option("-v", "--verbose", count=True, help="Log to stderr (-vv: every request).")
    @click.option(
        "--json", "json_output", is_flag=True, help="JSON on stdout (as each command's --json)."
    )
    @click.option("-q", "--quiet", is_flag=True, help="No tables, notes or progress.")
    @click.version_option(__version__, "-V", "--version", prog_name="clicksend-async")
    @click.pass_context
    def cli(ctx: click.Context, /, **options: Any) -> None:
        """Send SMS, MMS and calls with ClickSend: one message, a price, a resumable campaign.

        Credentials come from the flags, else from the environment like
        ClickSendClient.from_env(): MATON_API_KEY (gateway) or CLICKSEND_USERNAME +
        CLICKSEND_API_KEY (direct), else from a --profile. Try everything without an account
        with --emulator:

        \b
            clicksend-async campaign examples/recipients.csv \\
                --body "Hi {first_name}" --emulator --yes
        """

        def given(name: str) -> bool:
            return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE

        def from_env(name: str) -> bool:
            return ctx.get_parameter_source(name) is ParameterSource.ENVIRONMENT

        def clean(value: str | None) -> str | None:
            return value.strip() or None if value is not None else None

        output = Output.create()
        output.json = options["json_output"]
        output.quiet = options["quiet"]
        ctx.obj = Globals(
            output=output,
            username=clean(options["username"]),
            api_key=clean(options["api_key"]),
            maton_api_key=clean(options["maton_api_key"]),
            connection=clean(options["connection"]),
            base_url=clean(options["base_url"]),
            rate=options["rate"],
            limiter=clean(options["limiter"]),
            timeout=options["timeout"],
            verbose=options["verbose"],
            explicit_direct=given("username") or given("api_key"),
            explicit_maton=given("maton_api_key"),
            explicit_rate=given("rate"),
            explicit_timeout=given("timeout"),
            env_credentials=any(
                from_env(name) and clean(options[name])
                for name in ("username", "api_key", "maton_api_key")
            ),
            profile_name=clean(options["profile"]),
            prog=PROG[0],
            argv=ctx.meta.get("clicksend_async.argv", ()),
        )

    for command in (
        send,
        price,
        campaign,
        worker,
        status,
        history,
        receipts,
        inbound,
        account,
        templates,
        lists,
        contacts,
        profiles,
        emulator,
    ):
        cli.add_command(command)
    return cli


def __getattr__(name: str) -> Any:
    # ``clicksend_async.cli._app.cli``: the group itself, for tools that import a click command
    # by name (the docs' command reference is generated from it by mkdocs-click).
    if name == "cli":
        return build_cli()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
