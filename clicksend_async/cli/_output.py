"""What every command prints: two consoles, ``--json`` and ``--quiet``, errors, notes, tables.

One rule for all commands: results go to stdout (a table, or with ``--json`` one JSON document
or JSON lines), everything else (notes, progress, warnings, errors) to stderr. When a stream
is not a terminal it gets no colour and no wrapping: a table piped into a file keeps each row on
one line, and an error is always a line of its own on stderr.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["Output", "kv_table", "money", "plural", "speak_flags", "to_json"]

#: Width given to a console that is not a terminal: wide enough that nothing wraps.
UNWRAPPED_WIDTH = 10_000


def make_console(*, stderr: bool) -> Console:
    """Return a console for stdout or stderr: rich on a terminal, plain and unwrapped elsewhere."""
    console = Console(stderr=stderr, highlight=False)
    if console.is_terminal:
        return console
    return Console(
        stderr=stderr,
        highlight=False,
        no_color=True,
        soft_wrap=True,
        width=UNWRAPPED_WIDTH,
        color_system=None,
    )


@attrs.define
class Output:
    """The two consoles and the output mode the command line was given."""

    out: Console
    err: Console
    json: bool = False
    quiet: bool = False
    #: Set once stdout was closed by its reader (``... --json | head``): nothing more is
    #: written to it.
    stdout_closed: bool = False
    #: Called when that happens; without it, the write's BrokenPipeError ends the command.
    #: A campaign stops gracefully instead (the requests in flight finish and are recorded).
    on_stdout_closed: Callable[[], None] | None = None

    @classmethod
    def create(cls) -> Output:
        """Return consoles on the current stdout and stderr."""
        return cls(out=make_console(stderr=False), err=make_console(stderr=True))

    @property
    def human(self) -> bool:
        """Return True when tables and notes are for a person (neither --json nor --quiet)."""
        return not (self.json or self.quiet)

    def error(self, message: str) -> None:
        """Print ``error: message`` on stderr, on a line of its own, whatever the mode."""
        text = Text("error: ", style="bold red")
        text.append(speak_flags(message))
        self.err.print(text, soft_wrap=True)

    def warn(self, message: str, style: str = "bold red") -> None:
        """Print a warning a person must see (rows unknown): on stderr even with --quiet."""
        self.err.print(Text(message, style=style), soft_wrap=True)

    def note(self, message: str, style: str = "dim") -> None:
        """Print a note on stderr, unless --quiet."""
        if not self.quiet:
            self.err.print(Text(message, style=style), soft_wrap=True)

    def show(self, renderable: Any = "") -> None:
        """Print a result for a person on stdout, unless --json or --quiet."""
        if self.human and not self.stdout_closed:
            with self._stdout():
                print_plain(self.out, renderable)

    @contextlib.contextmanager
    def _stdout(self) -> Iterator[None]:
        """Write to stdout; a reader that went away closes it for good (see stdout_closed)."""
        try:
            yield
        except OSError as exc:
            if not isinstance(exc, BrokenPipeError) and exc.errno != errno.EPIPE:
                raise
            self.stdout_closed = True
            _silence_stdout()
            if self.on_stdout_closed is None:
                raise
            self.on_stdout_closed()

    def emit(self, document: Any) -> None:
        """Print one JSON document (or one JSON line) on stdout, if --json."""
        if self.json and not self.stdout_closed:
            with self._stdout():
                click.echo(json.dumps(to_json(document), ensure_ascii=False, separators=(",", ":")))
                sys.stdout.flush()


def _silence_stdout() -> None:
    """Point file descriptor 1 at the null device: what is still buffered for the closed pipe
    (flushed again at exit) goes nowhere instead of raising once more."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test runner's buffer)
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)


def print_plain(console: Console, renderable: Any) -> None:
    """Print on ``console``; off a terminal, without the padding that ends table lines."""
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    console.file.write(text + "\n")
    console.file.flush()


def to_json(value: Any) -> Any:
    """Turn Decimals (as strings), datetimes (ISO-8601), paths and tuples into JSON values."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def kv_table(title: str | None = None) -> Table:
    """Return a two-column table (name, value) with no borders."""
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def money(amount: Decimal | None, currency: str | None) -> str:
    """Return ``1,234.5600 AUD`` (or ``not priced``)."""
    if amount is None:
        return "not priced"
    return f"{amount:,.4f} {currency or ''}".rstrip()


def plural(count: int, word: str) -> str:
    """Return ``1 row`` / ``3 rows``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


#: The library's argument names, as the command line spells them.
_FLAGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), flag)
    for pattern, flag in (
        (r"\bcountry= for all\b", "--country AU for all"),
        (r"\bcountry=", "--country "),
        (r"\btransliterate=True\b", "--gsm"),
        (r"\bmax_cost\b", "--max-cost"),
        (r"\bmax_segments\b", "--max-segments"),
        (r"\bchunk_size\b", "--chunk-size"),
        (r"\bexclude_lists\b", "--exclude-list"),
        (r"\ballow_empty_fields=True\b", "--allow-empty-fields"),
        (r"\bmedia_file\b", "--mms"),
        (r"\bdedupe='number'", "--dedupe-numbers"),
        (r"\bdedupe=True\b", "--dedupe"),
        (r"\bfrom_\b", "--from"),
    )
)


def speak_flags(text: str) -> str:
    """Reword the library's argument names (``country=``) as the flags (``--country``)."""
    for pattern, flag in _FLAGS:
        text = pattern.sub(flag, text)
    return text
