"""The exit statuses of every command, in one table (``--help`` and the docs show it).

Kept apart from click and rich: ``clicksend_async.cli`` imports without the ``cli`` extra.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["EXIT_CODES", "exit_code_for", "real_argv"]

#: Exit status: done (every row final, a dry run, an accepted send, a listing).
EXIT_OK = 0
#: Exit status: an error you can act on (the message says what), a refusal, a declined prompt.
EXIT_ERROR = 1
#: Exit status: the command line itself is wrong (click's usage errors).
EXIT_USAGE = 2
#: Exit status: the campaign ended with rows in state unknown or skipped (resume it).
EXIT_INCOMPLETE = 3
#: Exit status: the plan exceeds --max-cost, --max-segments or the balance; nothing was sent.
EXIT_BUDGET = 4
#: Exit status: interrupted with Ctrl-C (SIGINT), 128 + 2.
EXIT_INTERRUPTED = 130
#: Exit status: stopped by SIGTERM (docker stop, systemd), 128 + 15.
EXIT_TERMINATED = 143

#: The exit-code table, as ``--help`` and the docs show it.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done: every row final, a dry run, an accepted send, a listing"),
    (EXIT_ERROR, "an error the message explains, a refused send, a declined prompt"),
    (EXIT_USAGE, "a usage error (unknown option, missing argument)"),
    (EXIT_INCOMPLETE, "the campaign ended with rows unknown or not sent: resume it"),
    (EXIT_BUDGET, "over --max-cost, --max-segments or the balance: nothing sent"),
    (EXIT_INTERRUPTED, "Ctrl-C (SIGINT): summary and resume command printed"),
    (EXIT_TERMINATED, "SIGTERM (docker stop, systemd): summary and resume command printed"),
)


def exit_code_for(signum: int) -> int:
    """Return 130 for SIGINT, 143 for SIGTERM (128 + the signal number)."""
    return 128 + signum


def real_argv(argv: Sequence[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return how this program was started (``clicksend-async`` or ``python -m ...``) and args."""
    args = tuple(sys.argv[1:] if argv is None else argv)
    launcher = sys.argv[0] if sys.argv else ""
    if os.path.basename(launcher) == "__main__.py":
        return (sys.executable or "python3", "-m", "clicksend_async"), args
    return ("clicksend-async",), args
