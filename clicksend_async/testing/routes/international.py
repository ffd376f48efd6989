"""International messaging: selectable countries, the account's selection, time zones.

Agreeing to a selected country's rules enables sending to it: the country joins
``world.enabled_countries`` (when the emulator restricts countries at all), which is what
clears ``COUNTRY_NOT_ENABLED``; unselecting a country disables it again.
"""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, ok
from .._numbers import COUNTRIES

if TYPE_CHECKING:
    from .._app import Service
    from .._world import World

#: Country-list ids: the emulator's countries in ISO order, from 1.
COUNTRY_IDS: Final = {iso: i for i, iso in enumerate(sorted(COUNTRIES), start=1)}
ISO_BY_ID: Final = {i: iso for iso, i in COUNTRY_IDS.items()}
_REGIONS: Final = {
    "Oceania": {"AU", "NZ", "FJ", "PG"},
    "North America": {"US", "CA", "MX"},
    "South America": {"AR", "BR", "CL", "CO", "PE"},
    "Asia": {"BD", "CN", "HK", "ID", "IN", "JP", "KR", "LK", "MY", "PH", "PK", "SG", "TH", "TW"}
    | {"VN"},
    "Middle East": {"AE", "IL", "SA", "TR"},
    "Africa": {"EG", "KE", "NG", "ZA"},
}
_FALLBACK_TIMEZONES: Final = ("Australia/Melbourne", "Europe/London", "UTC")


def region_of(iso: str) -> str:
    """Return the region ClickSend files a country under (Europe unless listed)."""
    for region, members in _REGIONS.items():
        if iso in members:
            return region
    return "Europe"


def _option(iso: str) -> dict[str, Any]:
    return {
        "id": COUNTRY_IDS[iso],
        "name": COUNTRIES[iso][0],
        "code": iso,
        "region": region_of(iso),
    }


def _selected_view(world: World, country_id: int) -> dict[str, Any]:
    iso = ISO_BY_ID[country_id]
    return {
        **_option(iso),
        "agreed_at": world.setup.agreed_countries.get(country_id, 0),
        "registration_entity": {"id": 8, "name": "Other"},
        "registration_status": {"id": 1, "name": "NOT_INITIATED"},
        "jotform_id": "",
        "sms_registration_type": 0,
        "block_registration": False,
        "block_leads": False,
        "trial_from_address": "",
        "restricted_sending": False,
        "trial_sending": 0,
        "trial_sending_description": "",
        "has_regulation_requirements": 0,
        "registration_steps_url": "",
        "regulation_requirements_description": "",
    }


def _selection(world: World) -> list[dict[str, Any]]:
    setup = world.setup
    if not setup.countries_initialised:
        # Countries the emulator was started with count as selected and agreed to.
        setup.countries_initialised = True
        for iso in sorted(world.enabled_countries or ()):
            if iso in COUNTRY_IDS:
                setup.selected_countries.add(COUNTRY_IDS[iso])
                setup.agreed_countries[COUNTRY_IDS[iso]] = int(world.clock())
    return [_selected_view(world, i) for i in sorted(setup.selected_countries)]


def _ids(c: Ctx) -> list[int] | Reply:
    raw = c.field("country_list_ids")
    if not isinstance(raw, list) or not all(type(x) is int for x in raw):
        return invalid({"country_list_ids": "The country list ids must be an array of ids."})
    unknown = [x for x in raw if x not in ISO_BY_ID]
    if unknown:
        return invalid({"country_list_ids": f"Unknown country id {unknown[0]}."})
    return list(dict.fromkeys(raw))


def _country_list(s: Service, c: Ctx) -> Reply:
    return ok("List of Countries.", [_option(iso) for iso in sorted(COUNTRIES)])


def _user_countries(s: Service, c: Ctx) -> Reply:
    return ok("Here are your countries selection.", _selection(s.world))


def _select(s: Service, c: Ctx) -> Reply:
    ids = _ids(c)
    if isinstance(ids, tuple):
        return ids
    world = s.world
    _selection(world)
    setup = world.setup
    dropped = setup.selected_countries - set(ids)
    setup.selected_countries = set(ids)
    for country_id in dropped:
        setup.agreed_countries.pop(country_id, None)
        if world.enabled_countries is not None:
            world.enabled_countries = world.enabled_countries - {ISO_BY_ID[country_id]}
    return ok("Here are your countries selection.", _selection(world))


def _agree(s: Service, c: Ctx) -> Reply:
    ids = _ids(c)
    if isinstance(ids, tuple):
        return ids
    world = s.world
    _selection(world)
    setup = world.setup
    unselected = [i for i in ids if i not in setup.selected_countries]
    if unselected:
        return invalid({"country_list_ids": f"Country id {unselected[0]} is not selected."})
    for country_id in ids:
        setup.agreed_countries[country_id] = int(c.now)
        if world.enabled_countries is not None:
            world.enabled_countries = world.enabled_countries | {ISO_BY_ID[country_id]}
    return ok("Here are your countries selection.", _selection(world))


def _timezones(s: Service, c: Ctx) -> Reply:
    zones = sorted(zoneinfo.available_timezones()) or list(_FALLBACK_TIMEZONES)
    return ok("List of timezones.", zones)


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/country-list", _country_list)
    r.add("GET", "/user-countries", _user_countries)
    r.add("POST", "/user-countries", _select)
    r.add("POST", "/user-countries/agree", _agree)
    r.add("GET", "/timezones", _timezones)
