"""Turning recipient rows into messages: body templates, phone columns, CSV streaming. Pure.

A row is a mapping with a phone number (``to``, or one of the usual column names) plus any
personalisation fields; a template such as ``"Hi {first_name}"`` is filled from it. Nothing
here does I/O except :class:`RecipientsCsv`, which reads its file lazily, row by row.
"""

from __future__ import annotations

import csv
import os
import string
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._exceptions import ValidationError

__all__ = [
    "PHONE_COLUMNS",
    "BodyTemplate",
    "RecipientsCsv",
    "find_phone_column",
    "read_recipients_csv",
]

#: Column names recognised as the phone number, in order of preference (case-insensitive).
PHONE_COLUMNS = ("to", "phone", "phone_number", "mobile", "mobile_number", "msisdn", "number")


@attrs.frozen
class BodyTemplate:
    """A ``str.format``-style body template restricted to plain ``{field}`` names.

    Attribute and index access (``{a.b}``, ``{a[0]}``) and conversions are refused, so a template
    cannot reach into Python objects; ``{{`` and ``}}`` are literal braces.
    """

    source: str
    parts: tuple[tuple[str, str | None], ...] = attrs.field(repr=False)
    fields: tuple[str, ...] = attrs.field(repr=False)

    @classmethod
    def compile(cls, source: str) -> BodyTemplate:
        """Parse ``source``; raise ValidationError naming the problem."""
        if not isinstance(source, str):
            raise ValidationError("the body template must be a string", field="body")
        parts: list[tuple[str, str | None]] = []
        fields: list[str] = []
        try:
            parsed = list(string.Formatter().parse(source))
        except ValueError as exc:
            raise ValidationError(f"bad template: {exc}", field="body") from None
        for literal, name, spec, conversion in parsed:
            if name is None:
                parts.append((literal, None))
                continue
            if not name or not name.replace("_", "a").replace("-", "a").replace(" ", "a").isalnum():
                raise ValidationError(
                    f"bad template field {{{name}}}: use plain column names like {{first_name}}",
                    field="body",
                )
            if spec or conversion:
                raise ValidationError(
                    f"template field {{{name}}} may not have a format spec or conversion",
                    field="body",
                )
            parts.append((literal, name))
            if name not in fields:
                fields.append(name)
        return cls(source, tuple(parts), tuple(fields))

    def missing(self, row: Mapping[str, Any], *, allow_empty: bool = False) -> list[str]:
        """Return the template fields ``row`` lacks: None, and blank strings unless
        ``allow_empty`` (an empty CSV cell would otherwise text "Hi , ...")."""
        return [
            name
            for name in self.fields
            if (value := row.get(name)) is None
            or (not allow_empty and isinstance(value, str) and not value.strip())
        ]

    def fill(self, row: Mapping[str, Any], *, allow_empty: bool = False) -> str | None:
        """Return :meth:`render`'s text, or None when a field is :meth:`missing` (one pass)."""
        out: list[str] = []
        append = out.append
        for literal, name in self.parts:
            append(literal)
            if name is not None:
                value = row.get(name)
                if value is None:
                    return None
                if isinstance(value, str):
                    if not allow_empty and not value.strip():
                        return None
                    append(value)
                else:
                    append(str(value))
        return "".join(out)

    def render(self, row: Mapping[str, Any]) -> str:
        """Fill the template from ``row`` (call :meth:`missing` first)."""
        out: list[str] = []
        for literal, name in self.parts:
            out.append(literal)
            if name is not None:
                value = row[name]
                out.append(value if isinstance(value, str) else str(value))
        return "".join(out)


def find_phone_column(columns: Sequence[str]) -> str | None:
    """Return the column holding phone numbers, or None if there is none."""
    lowered = {c.strip().lower(): c for c in columns if c is not None}
    for candidate in PHONE_COLUMNS:
        if candidate in lowered:
            return lowered[candidate]
    return None


class RecipientsCsv:
    """A CSV file of recipients, read lazily and re-readable (each iteration reopens it).

    Rows come out as dicts keyed by the header, with the phone column also available as
    ``to``. Header problems (no phone column, duplicate names) raise ValidationError at once.
    Blank lines, and lines whose cells are all empty (spreadsheets export them), are not rows:
    they are skipped and counted in :attr:`blank_lines`, and row numbers count the rows only.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        phone_column: str | None = None,
        encoding: str = "utf-8-sig",
        dialect: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.encoding = encoding
        self.dialect = dialect
        self.columns = self._read_header()
        column = phone_column or find_phone_column(self.columns)
        if column is None or column not in self.columns:
            wanted = phone_column or " / ".join(PHONE_COLUMNS)
            raise ValidationError(
                f"{self.path.name} has no phone column ({wanted}); its columns are: "
                + (", ".join(self.columns) or "(none)"),
                field="to",
            )
        self.phone_column = column
        #: Blank lines skipped by the last complete or current pass over the file.
        self.blank_lines = 0

    def __repr__(self) -> str:
        return f"RecipientsCsv({str(self.path)!r}, phone_column={self.phone_column!r})"

    def _open(self) -> Any:
        try:
            return self.path.open(newline="", encoding=self.encoding)
        except OSError as exc:
            raise ValidationError(
                f"cannot read {self.path}: {exc.strerror}", field="file"
            ) from None

    def _read_header(self) -> list[str]:
        with self._open() as handle:
            try:
                header = next(csv.reader(handle, **self._fmt()))
            except StopIteration:
                raise ValidationError(f"{self.path.name} is empty", field="file") from None
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ValidationError(
                    f"{self.path.name} is not a readable CSV file: {exc}", field="file"
                ) from None
        columns = [c.strip() for c in header]
        seen: set[str] = set()
        for column in columns:
            if column in seen:
                raise ValidationError(
                    f"{self.path.name} has the column {column!r} twice", field="file"
                )
            seen.add(column)
        return columns

    def _fmt(self) -> dict[str, Any]:
        return {"dialect": self.dialect} if self.dialect else {}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        columns = self.columns
        phone = self.phone_column
        width = len(columns)
        with self._open() as handle:
            reader = csv.reader(handle, **self._fmt())
            self.blank_lines = 0
            number = 0
            try:
                next(reader)
                for values in reader:
                    if not any(v.strip() for v in values):
                        self.blank_lines += 1
                        continue
                    number += 1
                    if len(values) > width:
                        raise ValidationError(
                            f"line {reader.line_num} has {len(values)} fields, the header {width}",
                            field="file",
                            row=number,
                        )
                    row: dict[str, Any] = dict(zip(columns, values, strict=False))
                    if phone != "to":
                        row["to"] = row.get(phone)
                    yield row
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ValidationError(
                    f"{self.path.name} line {reader.line_num}: {exc}", field="file"
                ) from None


def read_recipients_csv(
    path: str | os.PathLike[str], *, phone_column: str | None = None, encoding: str = "utf-8-sig"
) -> RecipientsCsv:
    """Open a recipients CSV for streaming into a bulk send (nothing is loaded whole)."""
    return RecipientsCsv(path, phone_column=phone_column, encoding=encoding)
