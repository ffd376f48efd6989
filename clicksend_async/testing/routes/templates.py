"""SMS templates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._state import filter_templates, paginate

if TYPE_CHECKING:
    from .._app import Service


def _templates(s: Service, c: Ctx) -> Reply:
    items = filter_templates(s.world.templates.values(), c.query)
    return ok("Here are your templates.", paginate(items, c.query, c.request.url, dict))


def _template_create(s: Service, c: Ctx) -> Reply:
    name, body = c.field("template_name"), c.field("body")
    errors = {}
    if not isinstance(name, str) or not name:
        errors["template_name"] = "The template name field is required."
    if not isinstance(body, str) or not body:
        errors["body"] = "The body field is required."
    if errors:
        return invalid(errors)
    template_id = s.world.new_template_id()
    template = {"template_id": template_id, "body": body, "template_name": name}
    s.world.templates[template_id] = template
    return ok("New template has been saved.", dict(template))


def _template_get(s: Service, c: Ctx) -> Reply:
    template = s.world.templates.get(c.int_param("template_id") or -1)
    if template is None:
        return not_found("Template not found.")
    return ok("Here is your template.", dict(template))


def _template_update(s: Service, c: Ctx) -> Reply:
    template = s.world.templates.get(c.int_param("template_id") or -1)
    if template is None:
        return not_found("Template not found.")
    for field in ("template_name", "body"):
        value = c.field(field)
        if value is not None:
            if not isinstance(value, str) or not value:
                return invalid(
                    {field: f"The {field.replace('_', ' ')} must be a non-empty string."}
                )
            template[field] = value
    return ok("Your template has been updated.", dict(template))


def _template_delete(s: Service, c: Ctx) -> Reply:
    if s.world.templates.pop(c.int_param("template_id") or -1, None) is None:
        return not_found("Template not found.")
    return ok("Your template has been deleted.", [])


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/sms/templates", _templates)
    r.add("POST", "/sms/templates", _template_create)
    r.add("GET", "/sms/templates/{template_id}", _template_get)
    r.add("PUT", "/sms/templates/{template_id}", _template_update)
    r.add("DELETE", "/sms/templates/{template_id}", _template_delete)
