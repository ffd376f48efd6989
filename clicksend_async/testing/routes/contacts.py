"""Contacts of a list: CRUD, copy and transfer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._http import Ctx, Handler, Reply, Router, invalid, not_found, ok
from .._numbers import normalize
from .._state import paginate
from .._world import CONTACT_FIELDS, CONTACT_NULLABLE_FIELDS
from .lists import list_id_of

if TYPE_CHECKING:
    from .._app import Service


def _contact_in(s: Service, c: Ctx) -> dict[str, Any] | Reply:
    """Return the contact named by the path, or a 404 reply."""
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    contact = s.world.contacts.get(c.int_param("contact_id") or -1)
    if contact is None or contact["list_id"] != list_id:
        return not_found("Contact not found.")
    return contact


def _contacts(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    contacts = s.world.list_contacts(list_id)
    after = c.query.get("updated_after")
    if after is not None:
        try:
            threshold = int(after)
        except ValueError:
            return invalid({"updated_after": "The updated after must be a unix timestamp."})
        contacts = [x for x in contacts if x["date_updated"] > threshold]
    data = paginate(contacts, c.query, c.request.url, s.world.contact_view)
    return ok("Here's your list of contacts.", data)


def _contact_check(body: Any) -> dict[str, str]:
    errors = {}
    if type(body) is not dict:
        return {"phone_number": "The phone number, email or fax number field is required."}
    if not any(body.get(f) for f in ("phone_number", "email", "fax_number")):
        errors["phone_number"] = "The phone number, email or fax number field is required."
    for field, value in body.items():
        if field in CONTACT_FIELDS and value is not None and not isinstance(value, str):
            errors[field] = f"The {field.replace('_', ' ')} must be a string."
    return errors


def _contact_create(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    errors = _contact_check(c.body)
    if errors:
        return invalid(errors)
    contact = s.world.make_contact(list_id, c.body, c.now)
    s.world.contacts[contact["contact_id"]] = contact
    return ok("New contact has been created.", s.world.contact_view(contact))


def _contact_get(s: Service, c: Ctx) -> Reply:
    found = _contact_in(s, c)
    if isinstance(found, tuple):
        return found
    return ok("Here are your data.", s.world.contact_view(found))


def _contact_update(s: Service, c: Ctx) -> Reply:
    contact = _contact_in(s, c)
    if isinstance(contact, tuple):
        return contact
    body = c.body if type(c.body) is dict else {}
    for field, value in body.items():
        if field in CONTACT_FIELDS and value is not None and not isinstance(value, str):
            return invalid({field: f"The {field.replace('_', ' ')} must be a string."})
    for field in CONTACT_FIELDS:
        if field in body:
            value = body[field]
            if value is None and field not in CONTACT_NULLABLE_FIELDS:
                value = ""
            contact[field] = value
    if "phone_number" in body:
        normalized = normalize(contact["phone_number"], contact["address_country"])
        if normalized is not None:
            contact["phone_number"] = normalized[0]
    contact["date_updated"] = int(c.now)
    return ok(
        f"Contact #{contact['contact_id']} has been updated successfully.",
        s.world.contact_view(contact),
    )


def _contact_delete(s: Service, c: Ctx) -> Reply:
    found = _contact_in(s, c)
    if isinstance(found, tuple):
        return found
    contact_id = found["contact_id"]
    del s.world.contacts[contact_id]
    return ok(f"Contact #{contact_id} has been deleted.", [])


def _contact_move(copy: bool) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        from_list = list_id_of(s, c, "from_list_id")
        to_list = list_id_of(s, c, "to_list_id")
        if from_list is None or to_list is None:
            return not_found("List not found.")
        contact = s.world.contacts.get(c.int_param("contact_id") or -1)
        if contact is None or contact["list_id"] != from_list:
            return not_found("Contact not found.")
        if copy:
            clone = dict(contact)
            clone["contact_id"] = s.world.new_contact_id()
            clone["list_id"] = to_list
            clone["date_added"] = clone["date_updated"] = int(c.now)
            s.world.contacts[clone["contact_id"]] = clone
            msg = f"Contact #{contact['contact_id']} has been copied to List #{to_list}"
            return ok(msg, s.world.contact_view(clone))
        contact["list_id"] = to_list
        contact["date_updated"] = int(c.now)
        msg = f"Contact #{contact['contact_id']} has been transferred to List #{to_list}"
        return ok(msg, s.world.contact_view(contact))

    return handler


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/lists/{list_id}/contacts", _contacts)
    r.add("POST", "/lists/{list_id}/contacts", _contact_create)
    r.add("GET", "/lists/{list_id}/contacts/{contact_id}", _contact_get)
    r.add("PUT", "/lists/{list_id}/contacts/{contact_id}", _contact_update)
    r.add("DELETE", "/lists/{list_id}/contacts/{contact_id}", _contact_delete)
    r.add(
        "PUT", "/lists/{from_list_id}/contacts/{contact_id}/copy/{to_list_id}", _contact_move(True)
    )
    r.add(
        "PUT",
        "/lists/{from_list_id}/contacts/{contact_id}/transfer/{to_list_id}",
        _contact_move(False),
    )
