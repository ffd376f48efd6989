"""CSV cells a spreadsheet will not run as formulas (CSV injection, OWASP's recommendation).

A report holds text that came from elsewhere: numbers and names from the recipients' file,
reasons and statuses from ClickSend. A cell starting ``=HYPERLINK(...)`` opens in Excel or
LibreOffice as a live formula. OWASP's "CSV Injection" page: a cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, which makes
spreadsheets read it as text (and show it without the quote); the csv module does the quoting.

One exception, so that data is not mangled for nothing: a cell that is only a number with a
sign (``+61411111111``, ``-0.5``) is left as it is. A spreadsheet reads it as that number
(at worst dropping the ``+``): a constant, never a call or a reference, so nothing runs.
``+61 411 111 111`` or ``+1+cmd|...`` is not only a number and is prefixed. Our own CSV reader
drops a leading ``'`` from a phone number, so a prefixed report still reads back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["FORMULA_TRIGGERS", "csv_safe", "csv_safe_row"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_SIGNED_NUMBER = re.compile(r"[+-][0-9]+(?:\.[0-9]+)?")


def csv_safe(value: object) -> object:
    """Return ``value`` with a ``'`` in front if a spreadsheet would read it as a formula."""
    if not isinstance(value, str) or not value or value[0] not in FORMULA_TRIGGERS:
        return value
    digits = value[1:]
    if value[0] == "+" and digits.isascii() and digits.isdigit():
        return value  # E.164, the common case: what the expression below says, without it
    if _SIGNED_NUMBER.fullmatch(value) is not None:
        return value
    return "'" + value


def csv_safe_row(values: Iterable[object]) -> list[object]:
    """Return a row's cells made safe with :func:`csv_safe`; None becomes an empty cell."""
    # csv_safe is called only for a cell that starts like a formula: a report writes ten
    # cells a row for a million rows, and most of them cannot.
    triggers = FORMULA_TRIGGERS
    return [
        ""
        if value is None
        else csv_safe(value)
        if isinstance(value, str) and value and value[0] in triggers
        else value
        for value in values
    ]
