"""Contact lists: CRUD, duplicates and opt-outs, import, search."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._state import paginate
from .._world import CONTACT_FIELDS

if TYPE_CHECKING:
    from .._app import Service


def _lists(s: Service, c: Ctx) -> Reply:
    ids = list(s.world.lists)
    data = paginate(ids, c.query, c.request.url, s.world.list_view, links=True)
    return ok("Here are your data.", data)


def _list_create(s: Service, c: Ctx) -> Reply:
    name = c.field("list_name")
    if not isinstance(name, str) or not name:
        return invalid({"list_name": "The list name field is required."})
    list_id = s.world.new_list_id()
    s.world.lists[list_id] = {"list_name": name, "list_email_id": s.world.random_token()}
    return ok("New list has been created.", s.world.list_view(list_id))


def list_id_of(s: Service, c: Ctx, name: str = "list_id") -> int | None:
    """Return the path's list id when that list exists, else None."""
    list_id = c.int_param(name)
    return list_id if list_id is not None and list_id in s.world.lists else None


def _list_get(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    return ok("Here are your data.", s.world.list_view(list_id))


def _list_update(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    name = c.field("list_name")
    if not isinstance(name, str) or not name:
        return invalid({"list_name": "The list name field is required."})
    s.world.lists[list_id]["list_name"] = name
    return ok(f"List #{list_id} has been updated.", s.world.list_view(list_id))


def _list_delete(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    del s.world.lists[list_id]
    for contact_id in [k for k, v in s.world.contacts.items() if v["list_id"] == list_id]:
        del s.world.contacts[contact_id]
    return ok(f"List #{list_id} has been deleted.", [])


def _remove_duplicates(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    raw = c.field("fields")
    # The schema has an object whose keys name the fields; the docs' curl sample sends a list.
    fields = list(raw) if isinstance(raw, dict | list) else ["phone_number"]
    fields = [f for f in fields if f in CONTACT_FIELDS] or ["phone_number"]
    seen: set[tuple[Any, ...]] = set()
    deleted = 0
    for contact in s.world.list_contacts(list_id):
        key = tuple(contact[f] for f in fields)
        if key in seen:
            del s.world.contacts[contact["contact_id"]]
            deleted += 1
        else:
            seen.add(key)
    return ok("Your list duplicate contacts has been deleted.", {"deleted": deleted})


def _remove_opted_out(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    opt_out_list_id = list_id_of(s, c, "opt_out_list_id")
    if list_id is None or opt_out_list_id is None:
        return not_found("List not found.")
    deleted = s.world.remove_opted_out(list_id, opt_out_list_id)
    return ok("Optout contacts has been deleted.", {"deleted": deleted})


def _search(s: Service, c: Ctx) -> Reply:
    q = c.query.get("q", "")
    if not q.strip():
        return invalid({"q": "The q field is required."})
    data = paginate(s.world.search(q), c.query, c.request.url, dict)
    return ok("Here are some search result.", data)


def _list_import(s: Service, c: Ctx) -> Reply:
    list_id = list_id_of(s, c)
    if list_id is None:
        return not_found("List not found.")
    errors = {}
    file_url = c.field("file_url")
    if not isinstance(file_url, str) or not file_url:
        errors["file_url"] = "The file url field is required."
    if c.field("field_order") in (None, "", []):
        errors["field_order"] = "The field order field is required."
    if errors:
        return invalid(errors)
    # The emulator never fetches URLs: the import is acknowledged and imports nothing.
    job = str(s.world.id_rng.getrandbits(62))
    return ok(
        "Your file is now queued.", {"msg": "Messages put on queue.", "ids": [job], "id": job}
    )


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/lists", _lists)
    r.add("POST", "/lists", _list_create)
    r.add("GET", "/lists/{list_id}", _list_get)
    r.add("PUT", "/lists/{list_id}", _list_update)
    r.add("DELETE", "/lists/{list_id}", _list_delete)
    r.add("PUT", "/lists/{list_id}/remove-duplicates", _remove_duplicates)
    r.add("POST", "/lists/{list_id}/import", _list_import)
    r.add("PUT", "/lists/{list_id}/remove-opted-out-contacts/{opt_out_list_id}", _remove_opted_out)
    r.add("GET", "/search/contacts-lists", _search)
