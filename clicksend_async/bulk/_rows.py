"""Turning recipient rows into messages: body templates, phone columns, CSV streaming. Pure.

A row is a mapping with a phone number (``to``, or one of the usual column names) plus any
personalisation fields; a template such as ``"Hi {first_name}"`` is filled from it. Nothing
here does I/O except :class:`RecipientsCsv`, which reads its file lazily, row by row.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._exceptions import ValidationError

__all__ = [
    "DELIMITERS",
    "PHONE_COLUMNS",
    "BodyTemplate",
    "RecipientsCsv",
    "find_phone_column",
    "read_recipients_csv",
]

#: Column names recognised as the phone number, in order of preference. Case does not matter,
#: and spaces, dashes and dots in a header count as underscores ("Mobile Number" is
#: mobile_number); a header matching a name exactly is preferred to one matching that way.
PHONE_COLUMNS = (
    "to",
    "phone",
    "phone_number",
    "mobile",
    "mobile_number",
    "mobile_phone",
    "cell",
    "cell_phone",
    "cellphone",
    "msisdn",
    "number",
)

#: Column names recognised as a row's country (ISO 3166-1 alpha-2, for local numbers), matched
#: like the phone column. Not "country_code": that often holds a dialling code such as 61.
COUNTRY_COLUMNS = ("country", "country_iso", "iso_country")

#: Field separators told apart in a header line when none is given: the comma, the semicolon
#: (spreadsheets in locales whose decimal mark is a comma export it), the tab and the bar.
DELIMITERS = (",", ";", "\t", "|")

_HEADER_SEPARATORS = re.compile(r"[\s.\-]+")
#: Excel's directive naming the separator, written as a file's first line: ``sep=;``.
_SEP_DIRECTIVE = re.compile(r"sep=(.)", re.IGNORECASE)
#: Signatures of files people export by mistake instead of a CSV.
_NOT_CSV = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: The encoding used when none is given: UTF-8, with or without a byte order mark.
DEFAULT_ENCODING = "utf-8-sig"


def header_key(name: str) -> str:
    """Return a column name as compared loosely: lower case, separators as underscores."""
    return _HEADER_SEPARATORS.sub("_", name.strip().lower()).strip("_")


def detect_delimiter(line: str) -> str:
    """Return the separator of a CSV header line: the most frequent of :data:`DELIMITERS`
    outside quotes (the comma on a tie, or when there is none: a one-column file)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


@attrs.frozen
class BodyTemplate:
    """A ``str.format``-style body template restricted to plain ``{field}`` names.

    Attribute and index access (``{a.b}``, ``{a[0]}``) and conversions are refused, so a template
    cannot reach into Python objects; ``{{`` and ``}}`` are literal braces.
    """

    source: str
    parts: tuple[tuple[str, str | None], ...] = attrs.field(repr=False)
    fields: tuple[str, ...] = attrs.field(repr=False)
    _fillers: dict[bool, Callable[[Mapping[str, Any]], str | None]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )

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

    def filler(self, *, allow_empty: bool = False) -> Callable[[Mapping[str, Any]], str | None]:
        """Return ``lambda row: self.fill(row, allow_empty=allow_empty)``, made for this template.

        Generated once per template: each field is read once, and when every value is a plain
        ``str`` (not blank, unless ``allow_empty``) the text is joined straight away; any other
        row (a missing or non-text value) goes through :meth:`fill`, so the result is always
        what :meth:`fill` returns.
        """
        made = self._fillers.get(allow_empty)
        if made is not None:
            return made
        slot = {name: f"v{i}" for i, name in enumerate(self.fields)}
        lines = ["def fill(row):", "    get = row.get"]
        for name, var in slot.items():
            lines.append(f"    {var} = get({name!r})")
            test = f"type({var}) is not str"
            if not allow_empty:
                test += f" or not {var} or {var}.isspace()"
            lines.append(f"    if {test}:")
            lines.append("        return slow(row, allow_empty=ALLOW_EMPTY)")
        pieces: list[str] = []
        for literal, field in self.parts:
            if literal:
                pieces.append(repr(literal))
            if field is not None:
                pieces.append(slot[field])
        lines.append(f"    return ''.join(({', '.join(pieces)},))" if pieces else "    return ''")
        namespace: dict[str, Any] = {"slow": self.fill, "ALLOW_EMPTY": allow_empty, "str": str}
        # Field names are checked by compile() (letters, digits, _ - and spaces), literals repr()'d.
        exec("\n".join(lines), namespace)
        filler: Callable[[Mapping[str, Any]], str | None] = namespace["fill"]
        self._fillers[allow_empty] = filler
        return filler

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
    """Return the column holding phone numbers, or None if there is none.

    A header equal to one of :data:`PHONE_COLUMNS` (any case) wins; failing that, one that
    matches with spaces, dashes and dots read as underscores ("Mobile Number", "cell-phone").
    """
    return _find_column(columns, PHONE_COLUMNS)


def _find_column(columns: Sequence[str], names: Sequence[str]) -> str | None:
    """Return the first column named one of ``names``: exactly (any case), else loosely."""
    lowered = {c.strip().lower(): c for c in columns if c is not None}
    for candidate in names:
        if candidate in lowered:
            return lowered[candidate]
    loose: dict[str, str] = {}
    for column in columns:
        if column is not None:
            loose.setdefault(header_key(column), column)
    for candidate in names:
        if candidate in loose:
            return loose[candidate]
    return None


class RecipientsCsv:
    """A CSV file of recipients, read lazily and re-readable (each iteration reopens it).

    Rows come out as dicts keyed by the header, with the phone column also available as
    ``to``. Header problems (no phone column, duplicate names) raise ValidationError at once.
    Blank lines, and lines whose cells are all empty (spreadsheets export them), are not rows:
    they are skipped and counted in :attr:`blank_lines`, and row numbers count the rows only.

    Files as spreadsheets write them are read as they are: the separator is found in the
    header line (comma, semicolon, tab or bar; or Excel's ``sep=;`` first line) unless
    ``delimiter`` or ``dialect`` is given; a UTF-16 file with its byte order mark (Excel's
    "Unicode text") is read as UTF-16 when no other encoding was asked for. A workbook, a PDF
    or a file in another encoding is refused with a ValidationError saying what to do.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        phone_column: str | None = None,
        encoding: str = DEFAULT_ENCODING,
        dialect: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.path = Path(path)
        if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
            raise ValidationError(
                f"the delimiter must be one character other than a quote or a line break, "
                f"not {delimiter!r}",
                field="delimiter",
            )
        self.encoding = self._choose_encoding(encoding)
        self.dialect = dialect
        #: The field separator in use (given, from ``sep=``, or found in the header line);
        #: None when a ``dialect`` decides.
        self.delimiter = delimiter
        #: Lines before the header that are not data (Excel's ``sep=`` line).
        self._preamble = 0
        self.columns = self._read_header()
        column = phone_column or find_phone_column(self.columns)
        if column is None or column not in self.columns:
            wanted = phone_column or " / ".join(PHONE_COLUMNS)
            hint = ""
            if len(self.columns) == 1 and any(d in self.columns[0] for d in DELIMITERS[1:]):
                hint = " (is the file separated by something else? pass its delimiter)"
            raise ValidationError(
                f"{self.path.name} has no phone column ({wanted}); its columns are: "
                + (", ".join(self.columns) or "(none)")
                + hint,
                field="to",
            )
        self.phone_column = column
        #: The column giving each row's country (ISO-2), found by name like the phone column
        #: ("Country", "country"); rows carry it as ``country``. None when there is none.
        self.country_column = _find_column(self.columns, COUNTRY_COLUMNS)
        #: Blank lines skipped by the last complete or current pass over the file.
        self.blank_lines = 0

    def __repr__(self) -> str:
        return f"RecipientsCsv({str(self.path)!r}, phone_column={self.phone_column!r})"

    def _choose_encoding(self, encoding: str) -> str:
        """Refuse files that are not text; read a UTF-16 file as such unless told otherwise."""
        if not isinstance(encoding, str) or not encoding.strip():
            raise ValidationError(f"{encoding!r} is not an encoding name", field="encoding")
        try:
            with self.path.open("rb") as raw:
                start = raw.read(4096)
        except OSError as exc:
            raise ValidationError(
                f"cannot read {self.path}: {exc.strerror}", field="file"
            ) from None
        for signature, what in _NOT_CSV:
            if start.startswith(signature):
                raise ValidationError(
                    f"{self.path.name} is {what}, not a CSV file: save or export it as "
                    '"CSV UTF-8" and use that file',
                    field="file",
                )
        if start.startswith(_UTF16_BOMS):
            return "utf-16" if encoding == DEFAULT_ENCODING else encoding
        if b"\x00" in start and "16" not in encoding and "32" not in encoding:
            guess = _utf16_without_bom(start)
            if guess is not None:
                raise ValidationError(
                    f"{self.path.name} looks like {guess.upper()} text without a byte order "
                    f'mark: give its encoding, encoding="{guess}" (on the command line '
                    f"--encoding {guess})",
                    field="encoding",
                )
            raise ValidationError(
                f"{self.path.name} is not a text file (it holds NUL bytes): save or export it "
                'as "CSV UTF-8" and use that file',
                field="file",
            )
        return encoding

    def _open(self) -> Any:
        try:
            handle = self.path.open(newline="", encoding=self.encoding)
        except OSError as exc:
            raise ValidationError(
                f"cannot read {self.path}: {exc.strerror}", field="file"
            ) from None
        except (LookupError, ValueError):  # ValueError: a NUL in the name
            raise ValidationError(f"unknown encoding {self.encoding!r}", field="encoding") from None
        try:
            for _ in range(self._preamble):
                handle.readline()
        except BaseException:
            handle.close()
            raise
        return handle

    def _decode_error(self, exc: UnicodeError) -> ValidationError:
        """Say where the file stops being text in its encoding, and what to do about it."""
        if "does not start with BOM" in str(exc):
            # Python's "utf-16"/"utf-32" need a byte order mark to know which way round.
            return ValidationError(
                f"{self.path.name} has no byte order mark, so {self.encoding} cannot tell its "
                'byte order: give it, e.g. encoding="utf-16-le" (Windows) or "utf-16-be" '
                "(on the command line --encoding utf-16-le)",
                field="encoding",
            )
        line, byte = self._first_undecodable_line()
        where = "" if line is None else f" at line {line}"
        if byte is None and isinstance(exc, UnicodeDecodeError) and exc.object:
            byte = bytes(exc.object[exc.start : exc.start + 1])
        shown = "" if not byte else f" (byte 0x{byte.hex()})"
        name = (
            "UTF-8"
            if self.encoding.lower().replace("_", "-") == DEFAULT_ENCODING
            else (self.encoding)
        )
        return ValidationError(
            f'{self.path.name} is not {name} text{where}{shown}: save it as "CSV UTF-8", or '
            'give its encoding (for example encoding="cp1252"; on the command line '
            "--encoding cp1252)",
            field="file",
        )

    def _first_undecodable_line(self) -> tuple[int | None, bytes | None]:
        """Return the physical line number and byte where decoding first fails (an error path:
        the file is read again from the start)."""
        if "16" in self.encoding or "32" in self.encoding:
            return None, None  # lines are not byte-delimited in these
        try:
            decoder = codecs.getincrementaldecoder(self.encoding)()
            with self.path.open("rb") as raw:
                for number, data in enumerate(raw, 1):
                    try:
                        decoder.decode(data)
                    except UnicodeDecodeError as exc:
                        return number, bytes(exc.object[exc.start : exc.start + 1])
                    except UnicodeError:  # punycode, idna ...: no byte to point at
                        return number, None
        except (OSError, LookupError):
            pass
        return None, None

    def _read_header(self) -> list[str]:
        with self._open() as handle:
            try:
                first = handle.readline()
                if self.dialect is None and self.delimiter is None:
                    directive = _SEP_DIRECTIVE.fullmatch(first.strip().lstrip("\ufeff"))
                    if directive is not None:
                        self.delimiter = directive.group(1)
                        self._preamble = 1
                        first = handle.readline()
                    else:
                        self.delimiter = detect_delimiter(first)
                if not first:
                    raise ValidationError(f"{self.path.name} is empty", field="file")
                # Parsed from the file, not from that line: a quoted header may span lines.
                handle.seek(0)
                for _ in range(self._preamble):
                    handle.readline()
                header = next(csv.reader(handle, **self._fmt()))
            except UnicodeError as exc:  # UnicodeDecodeError, and codecs' own (punycode)
                raise self._decode_error(exc) from None
            except (csv.Error, StopIteration) as exc:
                raise ValidationError(
                    f"{self.path.name} is not a readable CSV file: {exc}", field="file"
                ) from None
        names = [c.strip().lstrip("\ufeff").strip() for c in header]
        seen: set[str] = set()
        for column in names:
            if column in seen:
                raise ValidationError(
                    f"{self.path.name} has the column {column!r} twice", field="file"
                )
            if column:
                seen.add(column)
        # A header cell left blank (spreadsheets export trailing ones) names no column: the
        # cells under it are not read, as no template could name them.
        self._names = names
        return [name for name in names if name]

    def _fmt(self) -> dict[str, Any]:
        if self.dialect:
            fmt: dict[str, Any] = {"dialect": self.dialect}
            if self.delimiter is not None:
                fmt["delimiter"] = self.delimiter
            return fmt
        return {"delimiter": self.delimiter or ","}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names = self._names
        unnamed = len(names) != len(self.columns)
        phone = self.phone_column
        country = self.country_column
        width = len(names)
        preamble = self._preamble
        copy_phone = phone != "to"
        country_name = country or ""  # a named column, never "" (blank headers name none)
        copy_country = country_name not in ("", "country")
        with self._open() as handle:
            reader = csv.reader(handle, **self._fmt())
            self.blank_lines = 0
            number = 0
            try:
                next(reader)
                for values in reader:
                    # Blank when the cells joined are: one C call, not a generator per row.
                    if not "".join(values).strip():
                        self.blank_lines += 1
                        continue
                    number += 1
                    if len(values) > width:
                        if any(v.strip() for v in values[width:]):
                            raise ValidationError(
                                f"line {reader.line_num + preamble} has {len(values)} fields, "
                                f"the header {width} (an unquoted comma in a cell?)",
                                field="file",
                                row=number,
                            )
                        del values[width:]  # empty trailing cells: a spreadsheet's padding
                    # A short row lacks the cells past its end (zip stops at the shorter; its
                    # strict=False keyword costs more than the rest of building the dict).
                    row: dict[str, Any] = (
                        {n: v for n, v in zip(names, values) if n}  # noqa: B905
                        if unnamed
                        else dict(zip(names, values))  # noqa: B905
                    )
                    if copy_phone:
                        row["to"] = row.get(phone)
                    if copy_country:
                        row["country"] = row.get(country_name)
                    yield row
            except UnicodeError as exc:  # UnicodeDecodeError, and codecs' own (punycode)
                raise self._decode_error(exc) from None
            except csv.Error as exc:
                raise ValidationError(
                    f"{self.path.name} line {reader.line_num + preamble}: {exc}", field="file"
                ) from None


def _utf16_without_bom(start: bytes) -> str | None:
    """Return ``utf-16-le`` or ``utf-16-be`` when the bytes read like ASCII text in UTF-16."""
    if len(start) < 4:
        return None
    half = len(start) // 2
    if start[1::2].count(0) > half * 0.9 and start[0::2].count(0) < half * 0.1:
        return "utf-16-le"
    if start[0::2].count(0) > half * 0.9 and start[1::2].count(0) < half * 0.1:
        return "utf-16-be"
    return None


def read_recipients_csv(
    path: str | os.PathLike[str],
    *,
    phone_column: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    delimiter: str | None = None,
) -> RecipientsCsv:
    """Open a recipients CSV for streaming into a bulk send (nothing is loaded whole).

    ``delimiter``: the field separator (default: found in the header line); ``encoding``:
    the file's text encoding (default UTF-8, with or without a byte order mark; a UTF-16 file
    with its byte order mark is recognised).
    """
    return RecipientsCsv(path, phone_column=phone_column, encoding=encoding, delimiter=delimiter)
