"""Post return addresses: the sender addresses printed on letters and postcards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._numbers import COUNTRIES
from .._state import USER_ID
from ._common import missing, page_of

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["ADDRESS_FIELDS", "register"]

ADDRESS_FIELDS: Final = (
    "address_name",
    "address_line_1",
    "address_line_2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
)
_REQUIRED: Final = {
    "address_name": "address name",
    "address_line_1": "address line 1",
    "address_city": "address city",
    "address_postal_code": "address postal code",
    "address_country": "address country",
}


def _check(body: Any, *, partial: bool) -> dict[str, str]:
    errors = {} if partial else missing(body, _REQUIRED)
    data = body if type(body) is dict else {}
    for field in ADDRESS_FIELDS:
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            errors[field] = f"The {field.replace('_', ' ')} must be a string."
    country = data.get("address_country")
    if isinstance(country, str) and country and country.upper() not in COUNTRIES:
        errors["address_country"] = "The address country must be an ISO 3166-1 alpha-2 code."
    return errors


def _list(s: Service, c: Ctx) -> Reply:
    items = list(s.world.records.table("return_addresses").values())
    return ok("Here are your records.", page_of(items, c))


def _create(s: Service, c: Ctx) -> Reply:
    errors = _check(c.body, partial=False)
    if errors:
        return invalid(errors)
    address_id = s.world.records.new_id("return_addresses")
    record: dict[str, Any] = {"return_address_id": address_id, "user_id": USER_ID}
    for field in ADDRESS_FIELDS:
        record[field] = c.field(field) or ""
    record["address_country"] = record["address_country"].upper()
    s.world.records.table("return_addresses")[address_id] = record
    return ok("New return address has been added.", dict(record))


def _found(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.records.get("return_addresses", c.params["return_address_id"])


def _get(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Return address not found.")
    return ok("Here is your data.", dict(record))


def _update(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Return address not found.")
    errors = _check(c.body, partial=True)
    if errors:
        return invalid(errors)
    for field in ADDRESS_FIELDS:
        value = c.field(field)
        if value is not None:
            record[field] = value.upper() if field == "address_country" else value
    return ok("Your return address has been updated.", dict(record))


def _delete(s: Service, c: Ctx) -> Reply:
    record = _found(s, c)
    if record is None:
        return not_found("Return address not found.")
    del s.world.records.table("return_addresses")[record["return_address_id"]]
    return ok("Your return address has been deleted.", [])


def register(router: Router) -> None:
    """Add the return-address routes."""
    router.add("GET", "/post/return-addresses", _list)
    router.add("POST", "/post/return-addresses", _create)
    router.add("GET", "/post/return-addresses/{return_address_id}", _get)
    router.add("PUT", "/post/return-addresses/{return_address_id}", _update)
    router.add("DELETE", "/post/return-addresses/{return_address_id}", _delete)
