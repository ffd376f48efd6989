"""The ``clicksend-async`` command line: send, price, campaigns, history, account, lists, emulator.

Why click and rich: click gives nested subcommands, options backed by environment variables,
prompts, shell completion and an in-process ``CliRunner`` to test it all; rich gives tables
and a live progress bar that fall back to plain text when the output is not a terminal. Both
are the optional ``cli`` extra, so only this package imports them, and only when
:func:`build_cli` runs: the package imports without them, and :func:`main` then says how to
install them.

One module per command group (``send``, ``campaign``, ``history``, ``account``, ``templates``,
``contacts``, ``profiles``, ``emulator``); what they share lives in ``_context`` (global
options, client, errors, exit codes), ``_options`` (shared options and their parsing),
``_output`` (stdout/stderr, ``--json``, ``--quiet``), ``_progress`` and ``_journal``.

Exit statuses (``clicksend-async --help`` shows the same table): 0 done; 1 an error you can act
on, a refused send, a declined prompt; 2 a usage error; 3 the campaign ended with rows unknown
or not sent (resume it); 4 over a budget, nothing sent; 130 Ctrl-C; 143 SIGTERM.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._exit import (
    EXIT_BUDGET,
    EXIT_ERROR,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    real_argv,
)
from ._journal import JOURNAL_SUFFIX, default_journal_path

if TYPE_CHECKING:
    import click

__all__ = [
    "EXIT_BUDGET",
    "EXIT_ERROR",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "INSTALL_HINT",
    "JOURNAL_SUFFIX",
    "build_cli",
    "default_journal_path",
    "main",
]

#: The package is not published yet, so the hint installs the extra from a checkout.
INSTALL_HINT = (
    "the clicksend-async command needs the cli extra: pip install -e '.[cli]' in a checkout of "
    "the repository (or: pip install click rich keyring)"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    from . import _app

    prog, args = real_argv(argv)
    _app.PROG[0] = prog
    cli = _app.build_cli()
    try:
        # Standalone mode: click handles usage errors and always ends with SystemExit.
        cli.main(args=list(args), prog_name="clicksend-async")
    except SystemExit as exc:
        code = exc.code
    return code if isinstance(code, int) else 0 if code is None else 1


def build_cli() -> click.Group:
    """Return the ``clicksend-async`` click group (click and rich must be installed)."""
    from ._app import build_cli as build

    return build()
