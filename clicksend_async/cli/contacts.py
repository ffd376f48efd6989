"""``lists`` and ``contacts``: contact lists, and the contacts in them (list, import, export)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any, TextIO

import attrs
import click
from rich.table import Table

from .._converter import unstructure
from .._exceptions import ValidationError
from .._validation import validate_new_contact
from ..bulk import read_recipients_csv
from ..bulk._rows import header_key
from ..models.contacts import NewContact
from ._context import EXIT_OK, Globals, execute, open_client
from ._options import emulator_option, output_options
from ._output import plural

__all__ = ["contacts", "lists"]

#: The contact fields a CSV column can fill, by loose column name (``First Name`` is first_name).
CONTACT_FIELDS = {header_key(a.name): a.name for a in attrs.fields(NewContact) if a.name != "extra"}
#: Columns written by ``contacts export``, in this order.
EXPORT_COLUMNS = (
    "contact_id",
    "phone_number",
    *[f for f in CONTACT_FIELDS.values() if f != "phone_number"],
)
#: Stop after this many invalid rows: the message would not fit on a screen anyway.
SHOWN_INVALID = 10


@click.group(short_help="List and create contact lists.")
def lists() -> None:
    """Manage contact lists (the contacts in them: the contacts command)."""


@lists.command("list")
@emulator_option()
@output_options
@click.pass_obj
def list_lists(g: Globals, emulator: bool) -> None:
    """List your contact lists (JSON lines with --json)."""

    async def work() -> int:
        table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))
        for name in ("list_id", "name", "contacts"):
            table.add_column(name)
        count = 0
        async with open_client(g, emulator=emulator) as cs:
            async for item in cs.lists.list():
                count += 1
                g.output.emit(unstructure(item))
                table.add_row(
                    str(item.list_id),
                    item.list_name or "",
                    "" if item.contacts_count is None else f"{item.contacts_count:,}",
                )
        if count:
            g.output.show(table)
        else:
            g.output.note("no contact lists")
        return EXIT_OK

    execute(g, work)


@lists.command("create")
@click.argument("name")
@emulator_option()
@output_options
@click.pass_obj
def create_list(g: Globals, name: str, emulator: bool) -> None:
    """Create an empty contact list; print its id."""

    async def work() -> int:
        async with open_client(g, emulator=emulator) as cs:
            created = await cs.lists.create(list_name=name)
        g.output.emit(unstructure(created))
        g.output.show(f"created list {created.list_id}: {created.list_name or name}")
        return EXIT_OK

    execute(g, work)


@click.group(short_help="List, import and export contacts.")
def contacts() -> None:
    """List, import and export the contacts of a list."""


@contacts.command("list")
@click.argument("list_id")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    metavar="N",
    help="Show at most N contacts (0: all of them).",
)
@emulator_option()
@output_options
@click.pass_obj
def list_contacts(g: Globals, list_id: str, limit: int, emulator: bool) -> None:
    """List the contacts of LIST_ID (JSON lines with --json)."""

    async def work() -> int:
        table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))
        for name in ("contact_id", "phone_number", "first_name", "last_name", "email"):
            table.add_column(name, overflow="fold")
        count = 0
        async with open_client(g, emulator=emulator) as cs:
            async for item in cs.contacts.list(list_id):
                if limit and count >= limit:
                    break
                count += 1
                g.output.emit(unstructure(item))
                table.add_row(
                    str(item.contact_id),
                    item.phone_number or "",
                    item.first_name or "",
                    item.last_name or "",
                    item.email or "",
                )
        if count:
            g.output.show(table)
        else:
            g.output.note(f"list {list_id} has no contacts")
        return EXIT_OK

    execute(g, work)


def read_contacts(
    path: Path, *, phone_column: str | None, encoding: str | None, country: str | None
) -> tuple[list[NewContact], list[str]]:
    """Read and check every row of a contacts CSV (no network); return them and ignored columns."""
    rows = read_recipients_csv(path, phone_column=phone_column, encoding=encoding or "utf-8-sig")
    found: list[NewContact] = []
    problems: list[str] = []
    ignored: list[str] = []
    for number, row in enumerate(rows, start=1):
        fields: dict[str, Any] = {}
        for column, value in row.items():
            if column == "to":
                fields["phone_number"] = value
                continue
            if column == rows.phone_column:
                continue  # read above, as "to"
            name = CONTACT_FIELDS.get(header_key(column))
            if name is None or name == "phone_number":
                if number == 1 and name is None:
                    ignored.append(column)
                continue
            if value not in (None, ""):
                fields[name] = str(value)
        if country and "address_country" not in fields:
            fields["address_country"] = country
        contact = NewContact(**fields)
        try:
            validate_new_contact(contact, field=f"{path.name} row {number}")
        except ValidationError as exc:
            problems.append(str(exc))
            if len(problems) >= SHOWN_INVALID:
                break
            continue
        found.append(contact)
    if problems:
        more = " (and maybe more)" if len(problems) >= SHOWN_INVALID else ""
        raise ValidationError(
            f"nothing was imported: {plural(len(problems), 'row')} cannot be a contact{more}: "
            + "; ".join(problems)
        )
    if not found:
        raise ValidationError(f"{path.name} has no rows to import", field="file")
    return found, ignored


@contacts.command("import")
@click.argument("list_id")
@click.argument("csv_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--phone-column",
    metavar="NAME",
    help="Column with the numbers (default: to, phone, mobile, ... by name).",
)
@click.option("--encoding", metavar="NAME", help="The file's text encoding (default UTF-8).")
@click.option("--country", metavar="ISO2", help="Country of local numbers, e.g. AU.")
@emulator_option()
@output_options
@click.pass_obj
def import_contacts(g: Globals, /, list_id: str, csv_file: Path, **options: Any) -> None:
    """Add every row of a CSV to LIST_ID (columns by name: phone, first_name, email ...).

    Every row is checked before the first contact is created: a bad number or email stops
    the import with the rows named, and nothing is added.
    """

    async def work() -> int:
        found, ignored = read_contacts(
            csv_file,
            phone_column=options["phone_column"],
            encoding=options["encoding"],
            country=options["country"],
        )
        if ignored:
            g.output.note(f"columns not imported (no such contact field): {', '.join(ignored)}")
        created: list[dict[str, Any]] = []
        async with open_client(g, emulator=options["emulator"]) as cs:
            for row, contact in enumerate(found, start=1):
                made = await cs.contacts.create(list_id, contact)
                created.append(
                    {"row": row, "contact_id": made.contact_id, "phone_number": made.phone_number}
                )
        g.output.emit({"list_id": list_id, "created": len(created), "contacts": created})
        g.output.show(f"imported {plural(len(created), 'contact')} into list {list_id}")
        return EXIT_OK

    execute(g, work)


def _writer(output: Path | None) -> tuple[TextIO, bool]:
    if output is None:
        return sys.stdout, False
    return output.open("w", newline="", encoding="utf-8"), True


@contacts.command("export")
@click.argument("list_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write to FILE instead of stdout.",
)
@emulator_option()
@output_options
@click.pass_obj
def export_contacts(g: Globals, list_id: str, output: Path | None, emulator: bool) -> None:
    """Write every contact of LIST_ID as CSV (or JSON lines with --json), to stdout or -o."""
    if output is not None and not output.parent.is_dir():
        raise click.BadParameter(f"{output.parent} is not a directory", param_hint="--output")

    async def work() -> int:
        handle, owned = _writer(output)
        count = 0
        try:
            writer = csv.writer(handle)
            if not g.output.json:
                writer.writerow(EXPORT_COLUMNS)
            async with open_client(g, emulator=emulator) as cs:
                async for item in cs.contacts.list(list_id):
                    count += 1
                    if g.output.json:
                        import json

                        from ._output import to_json

                        handle.write(json.dumps(to_json(unstructure(item)), ensure_ascii=False))
                        handle.write("\n")
                    else:
                        writer.writerow(
                            [
                                "" if getattr(item, c) is None else getattr(item, c)
                                for c in EXPORT_COLUMNS
                            ]
                        )
        finally:
            handle.flush()
            if owned:
                handle.close()
        if output is not None:
            g.output.note(f"exported {plural(count, 'contact')} to {output}")
        return EXIT_OK

    execute(g, work)
