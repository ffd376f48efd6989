"""``templates``: the account's saved SMS templates (list, show, create, delete)."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from .._converter import unstructure
from ._context import EXIT_OK, Globals, execute, open_client
from ._options import body_options, emulator_option, output_options, resolve_body
from ._output import kv_table

__all__ = ["templates"]


@click.group()
def templates() -> None:
    """Manage saved SMS templates."""


@templates.command("list")
@emulator_option()
@output_options
@click.pass_obj
def list_templates(g: Globals, emulator: bool) -> None:
    """List the saved templates (JSON lines with --json)."""

    async def work() -> int:
        table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))
        for name in ("id", "name", "body"):
            table.add_column(name, overflow="fold")
        count = 0
        async with open_client(g, emulator=emulator) as cs:
            async for template in cs.sms.templates.list():
                count += 1
                g.output.emit(unstructure(template))
                table.add_row(
                    str(template.template_id or ""), template.template_name or "", template.body
                )
        if count:
            g.output.show(table)
        else:
            g.output.note("no templates")
        return EXIT_OK

    execute(g, work)


def _show(g: Globals, template: Any) -> None:
    g.output.emit(unstructure(template))
    table = kv_table()
    table.add_row("id", str(template.template_id or ""))
    table.add_row("name", template.template_name or "")
    table.add_row("body", template.body or "")
    g.output.show(table)


@templates.command("show")
@click.argument("template_id")
@emulator_option()
@output_options
@click.pass_obj
def show_template(g: Globals, template_id: str, emulator: bool) -> None:
    """Print one template."""

    async def work() -> int:
        async with open_client(g, emulator=emulator) as cs:
            _show(g, await cs.sms.templates.get(template_id))
        return EXIT_OK

    execute(g, work)


@templates.command("create")
@click.option("--name", required=True, metavar="NAME", help="The template's name.")
@body_options(help="The template's text.")
@emulator_option()
@output_options
@click.pass_obj
def create_template(g: Globals, /, name: str, emulator: bool, **options: Any) -> None:
    """Save a new template (--body, --body - or --body-file)."""
    body = resolve_body(options) or ""

    async def work() -> int:
        async with open_client(g, emulator=emulator) as cs:
            _show(g, await cs.sms.templates.create(template_name=name, body=body))
        return EXIT_OK

    execute(g, work)


@templates.command("delete")
@click.argument("template_id")
@emulator_option()
@output_options
@click.pass_obj
def delete_template(g: Globals, template_id: str, emulator: bool) -> None:
    """Delete a template."""

    async def work() -> int:
        async with open_client(g, emulator=emulator) as cs:
            await cs.sms.templates.delete(template_id)
        g.output.emit({"template_id": template_id, "deleted": True})
        g.output.note(f"deleted template {template_id}")
        return EXIT_OK

    execute(g, work)
