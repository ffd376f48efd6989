"""Own numbers (verified by a one-time code), alpha tags and default senders.

Own numbers and alpha tags answer without ClickSend's envelope and page with an ``offset``
cursor in ``_metadata.pagination.next``, as the spec shows; default senders page the same way
inside the envelope. The one-time code "texted" to an own number is read with
``ClickSendEmulator.own_number_code(verification_id)``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok
from .._numbers import COUNTRIES, normalize
from .._state import SUBACCOUNT_ID, USER_ID

if TYPE_CHECKING:
    from .._app import Service
    from .._world import World

VERIFICATION_SECONDS: Final = 600
VERIFICATION_ATTEMPTS: Final = 3
_ALPHA_TAG: Final = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{3,11}$")
_SENDER_TYPES: Final = frozenset(
    {"alpha_tag", "10DLC", "tollfree", "own_number", "shortcode", "longcode", "shared_longcode"}
)
_NORTH_AMERICA: Final = frozenset({"US", "CA"})


def _iso_time(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(sep=" ")


def _owner(world: World) -> dict[str, str]:
    account = world.setup.owner_uuid
    return {"account_id": account, "workspace_id": account, "user_id": account}


class _Slice:
    """One cursor page: its rendered items and its links (self, next, size)."""

    __slots__ = ("items", "links")

    def __init__(self, items: list[dict[str, Any]], links: dict[str, Any]) -> None:
        self.items = items
        self.links = links


def _cursor_page(
    items: list[dict[str, Any]],
    c: Ctx,
    *,
    size_param: str,
    default_size: int,
    max_size: int,
    render: Callable[[dict[str, Any]], dict[str, Any]],
) -> _Slice | Reply:
    """Return one page of ``items`` (sorted) and its links, or a 400 reply."""
    raw_size = c.query.get(size_param, str(default_size))
    if not raw_size.isdigit() or not 1 <= int(raw_size) <= max_size:
        return invalid({size_param: f"The {size_param} must be from 1 to {max_size}."})
    size = int(raw_size)
    direction = c.query.get("sort_direction", "asc")
    if direction not in ("asc", "desc"):
        return invalid({"sort_direction": "The sort direction must be asc or desc."})
    key = c.query.get("sort_by", "created_timestamp")
    ordered = sorted(
        items, key=lambda x: (str(x.get(key, "")), x["id"]), reverse=direction == "desc"
    )
    offset = c.query.get("offset")
    start = 0
    if offset:
        ids = [x["id"] for x in ordered]
        if offset not in ids:
            return invalid({"offset": "The offset is not a record of this list."})
        start = ids.index(offset)
    page = ordered[start : start + size]
    base = c.request.url.with_query(None)
    links: dict[str, Any] = {
        "self": f"{base}?offset={page[0]['id'] if page else ''}&{size_param}={size}",
        size_param: size,
    }
    if start + size < len(ordered):
        links["next"] = f"{base}?offset={ordered[start + size]['id']}&{size_param}={size}"
    return _Slice([render(x) for x in page], links)


# -- own numbers --------------------------------------------------------------------------------


def _own_view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _request_verification(s: Service, c: Ctx) -> Reply:
    body = c.body if type(c.body) is dict else {}
    country = body.get("country")
    if not isinstance(country, str) or country.upper() not in COUNTRIES:
        return invalid({"country": "The country must be an ISO country code."})
    number = normalize(body.get("phone_number") or "", country.upper())
    if number is None:
        return invalid({"phone_number": "The phone number is not a valid number."})
    label = body.get("label", "")
    if not isinstance(label, str) or len(label) > 200:
        return invalid({"label": "The label must be a string of at most 200 characters."})
    world, now = s.world, c.now
    setup = world.setup
    record = next((x for x in setup.own_numbers.values() if x["phone_number"] == number[0]), None)
    if record is None:
        record = {
            "id": setup.new_uuid(),
            **_owner(world),
            "phone_number": number[0],
            "country": country.upper(),
            "label": label,
            "status": "PENDING",
            "verified_timestamp": None,
            "notified_timestamp": None,
            "is_nearing_expiration": False,
            "created_timestamp": _iso_time(now),
            "updated_timestamp": _iso_time(now),
        }
        setup.own_numbers[record["id"]] = record
    verification = {
        "id": setup.new_uuid(),
        "own_number_id": record["id"],
        "status": "PENDING",
        "expires_timestamp": _iso_time(now + VERIFICATION_SECONDS),
        "remaining_attempts": VERIFICATION_ATTEMPTS,
        "created_timestamp": _iso_time(now),
        "updated_timestamp": _iso_time(now),
        "_code": setup.new_code(),
        "_expires": now + VERIFICATION_SECONDS,
    }
    setup.verifications[verification["id"]] = verification
    return 200, _own_view(verification)


def _verify(s: Service, c: Ctx) -> Reply:
    setup = s.world.setup
    verification = setup.verifications.get(c.params["verification_id"])
    if verification is None:
        return not_found("Verification not found.")
    body = c.body if type(c.body) is dict else {}
    record = setup.own_numbers[str(verification["own_number_id"])]
    country = body.get("country")
    number = normalize(
        body.get("phone_number") or "", country if isinstance(country, str) else None
    )
    if number is None or number[0] != record["phone_number"]:
        return invalid({"phone_number": "The phone number is not the one being verified."})
    code = body.get("code")
    if not isinstance(code, str) or not code:
        return invalid({"code": "The code field is required."})
    if verification["status"] != "PENDING":
        return invalid({"code": f"This verification is {verification['status']}."})
    if c.now > verification["_expires"]:
        verification["status"] = "EXPIRED"
        return invalid({"code": "The code has expired; request a new one."})
    verification["updated_timestamp"] = _iso_time(c.now)
    if code == verification["_code"]:
        verification["status"] = "APPROVED"
        record.update(
            status="APPROVED",
            verified_timestamp=_iso_time(c.now),
            updated_timestamp=_iso_time(c.now),
        )
    else:
        verification["remaining_attempts"] -= 1
        if verification["remaining_attempts"] <= 0:
            verification["status"] = "REJECTED"
            record.update(status="REJECTED", updated_timestamp=_iso_time(c.now))
    return 200, _own_view(verification)


def _own_numbers(s: Service, c: Ctx) -> Reply:
    items = list(s.world.setup.own_numbers.values())
    statuses = {v for k, v in c.query.items() if k.startswith("filter[status]")}
    if statuses:
        items = [x for x in items if x["status"] in statuses]
    page = _cursor_page(
        items, c, size_param="page_size", default_size=10, max_size=500, render=_own_view
    )
    if not isinstance(page, _Slice):
        return page
    rendered, links = page.items, page.links
    return 200, {"own_numbers": rendered, "_metadata": {"pagination": links}}


def _own_number(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.setup.own_numbers.get(c.params["own_number_id"])


def _own_get(s: Service, c: Ctx) -> Reply:
    record = _own_number(s, c)
    return not_found("Own number not found.") if record is None else (200, _own_view(record))


def _own_update(s: Service, c: Ctx) -> Reply:
    record = _own_number(s, c)
    if record is None:
        return not_found("Own number not found.")
    label = c.field("label")
    if not isinstance(label, str) or not 1 <= len(label) <= 200:
        return invalid({"label": "The label must be 1 to 200 characters."})
    record.update(label=label, updated_timestamp=_iso_time(c.now))
    return 200, _own_view(record)


def _own_delete(s: Service, c: Ctx) -> Reply:
    record = _own_number(s, c)
    if record is None:
        return not_found("Own number not found.")
    del s.world.setup.own_numbers[record["id"]]
    return 200, _own_view(record)


# -- alpha tags ---------------------------------------------------------------------------------


def _alpha_create(s: Service, c: Ctx) -> Reply:
    body = c.body if type(c.body) is dict else {}
    tag, reason = body.get("alpha_tag"), body.get("reason")
    if not isinstance(tag, str) or not _ALPHA_TAG.match(tag):
        return invalid({"alpha_tag": "The alpha tag must be 3 to 11 letters, digits or spaces."})
    if not isinstance(reason, str) or not reason.strip():
        return invalid({"reason": "The reason field is required."})
    countries = body.get("countries", ["AU"])
    if not isinstance(countries, list) or not all(isinstance(x, str) for x in countries):
        return invalid({"countries": "The countries must be a list of country codes."})
    setup, now = s.world.setup, c.now
    if any(x["alpha_tag"].lower() == tag.lower() for x in setup.alpha_tags.values()):
        return invalid({"alpha_tag": "This alpha tag has already been requested."})
    record = {
        "id": setup.new_uuid(),
        **_owner(s.world),
        "alpha_tag": tag,
        "status": "PENDING",
        "reason": reason,
        "countries": countries,
        "created_timestamp": _iso_time(now),
        "updated_timestamp": _iso_time(now),
    }
    setup.alpha_tags[str(record["id"])] = record
    return 200, dict(record)


def _alpha_list(s: Service, c: Ctx) -> Reply:
    items = list(s.world.setup.alpha_tags.values())
    page = _cursor_page(
        items, c, size_param="page_size", default_size=10, max_size=1000, render=dict
    )
    if not isinstance(page, _Slice):
        return page
    rendered, links = page.items, page.links
    return 200, {"alpha_tags": rendered, "_metadata": {"pagination": links}}


def _alpha_get(s: Service, c: Ctx) -> Reply:
    record = s.world.setup.alpha_tags.get(c.params["alpha_tag_id"])
    return not_found("Alpha tag not found.") if record is None else (200, dict(record))


def _alpha_delete(s: Service, c: Ctx) -> Reply:
    if s.world.setup.alpha_tags.pop(c.params["alpha_tag_id"], None) is None:
        return not_found("Alpha tag not found.")
    return 200, b""


# -- default senders ----------------------------------------------------------------------------


def _strategies(raw: Any) -> list[dict[str, Any]] | dict[str, str]:
    field = "default_sender_strategies"
    if not isinstance(raw, list) or len(raw) != 1 or type(raw[0]) is not dict:
        return {field: "The default sender strategies must hold exactly one strategy."}
    strategy = raw[0]
    if strategy.get("sender_type") not in _SENDER_TYPES:
        return {f"{field}.0.sender_type": "The selected sender type is invalid."}
    if not isinstance(strategy.get("sender_id"), str) or not strategy["sender_id"].strip():
        return {f"{field}.0.sender_id": "The sender id field is required."}
    note = strategy.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        return {f"{field}.0.note": "The note must be at most 200 characters."}
    return [
        {
            "sender_type": strategy["sender_type"],
            "sender_id": strategy["sender_id"],
            "sender_country_code": strategy.get("sender_country_code") or "",
            "priority": 1,
            "status": "ENABLED",
            "note": note or "",
        }
    ]


def _sender_create(s: Service, c: Ctx) -> Reply:
    body = c.body if type(c.body) is dict else {}
    country = body.get("country_code")
    if not isinstance(country, str) or country.upper() not in COUNTRIES:
        return invalid({"country_code": "The country code must be an ISO country code."})
    if body.get("product_type") != "SMS":
        return invalid({"product_type": "The product type must be SMS."})
    strategies = _strategies(body.get("default_sender_strategies"))
    if isinstance(strategies, dict):
        return invalid(strategies)
    setup, now = s.world.setup, c.now
    if any(x["country_code"] == country.upper() for x in setup.default_senders.values()):
        return invalid({"country_code": "This country already has a default sender."})
    record = {
        "id": setup.new_uuid(),
        "user_id": USER_ID,
        "subaccount_id": SUBACCOUNT_ID,
        "country_code": country.upper(),
        "product_type": "SMS",
        "default_sender_strategies": strategies,
        "status": "ENABLED",
        "created_timestamp": _iso_time(now),
        "updated_timestamp": _iso_time(now),
    }
    setup.default_senders[str(record["id"])] = record
    return ok("Operation completed successfully", dict(record))


def _sender_list(s: Service, c: Ctx) -> Reply:
    items = list(s.world.setup.default_senders.values())
    page = _cursor_page(items, c, size_param="per_page", default_size=10, max_size=100, render=dict)
    if not isinstance(page, _Slice):
        return page
    rendered, links = page.items, page.links
    data = {"data": rendered, "per_page": links["per_page"], "self_page_url": links["self"]}
    if "next" in links:
        # Left out on the last page: the schema does not allow null.
        data["next_page_url"] = links["next"]
    return ok("Default senders retrieved successfully", data)


def _sender(s: Service, c: Ctx) -> dict[str, Any] | None:
    return s.world.setup.default_senders.get(c.params["default_sender_id"])


def _sender_get(s: Service, c: Ctx) -> Reply:
    record = _sender(s, c)
    if record is None:
        return not_found("Default sender not found.")
    return ok("Operation completed successfully", dict(record))


def _sender_update(s: Service, c: Ctx) -> Reply:
    record = _sender(s, c)
    if record is None:
        return not_found("Default sender not found.")
    strategies = _strategies(c.field("default_sender_strategies"))
    if isinstance(strategies, dict):
        return invalid(strategies)
    record.update(default_sender_strategies=strategies, updated_timestamp=_iso_time(c.now))
    return ok("Operation completed successfully", dict(record))


def _sender_delete(s: Service, c: Ctx) -> Reply:
    record = _sender(s, c)
    if record is None:
        return not_found("Default sender not found.")
    del s.world.setup.default_senders[str(record["id"])]
    return 204, b""


def _compliant(s: Service, c: Ctx) -> Reply:
    product = c.query.get("filter[product_type]")
    if not product:
        return invalid({"filter[product_type]": "The product type filter is required."})
    codes = [v.upper() for k, v in sorted(c.query.items()) if k.startswith("filter[country_code]")]
    data = []
    for code in codes or sorted(COUNTRIES):
        if code not in COUNTRIES:
            return invalid({"filter[country_code]": f"Unknown country code {code}."})
        if code in _NORTH_AMERICA:
            allowed = ["10DLC", "tollfree", "shortcode", "own_number"]
            blocked = ["alpha_tag", "shared_longcode", "longcode"]
        else:
            allowed = ["alpha_tag", "longcode", "shared_longcode", "own_number"]
            blocked = []
        data.append(
            {
                "recipient_country_code": code,
                "blocked_sender_types": blocked,
                "allowed_sender_types": [
                    {
                        "sender_type": kind,
                        "allowed_sender_countries": {
                            "global": kind != "own_number",
                            "country_codes": [] if kind != "own_number" else [code],
                        },
                    }
                    for kind in allowed
                ],
            }
        )
    return ok("Compliant sender types.", {"data": data})


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/own-numbers", _own_numbers)
    r.add("POST", "/own-numbers/verifications", _request_verification)
    r.add("POST", "/own-numbers/verifications/{verification_id}/verify", _verify)
    r.add("GET", "/own-numbers/{own_number_id}", _own_get)
    r.add("PATCH", "/own-numbers/{own_number_id}", _own_update)
    r.add("DELETE", "/own-numbers/{own_number_id}", _own_delete)
    r.add("GET", "/alpha-tags", _alpha_list)
    r.add("POST", "/alpha-tags", _alpha_create)
    r.add("GET", "/alpha-tags/{alpha_tag_id}", _alpha_get)
    r.add("DELETE", "/alpha-tags/{alpha_tag_id}", _alpha_delete)
    r.add("GET", "/senders/default-senders", _sender_list)
    r.add("POST", "/senders/default-senders", _sender_create)
    r.add("GET", "/senders/compliant-sender-types", _compliant)
    r.add("GET", "/senders/default-senders/{default_sender_id}", _sender_get)
    r.add("PATCH", "/senders/default-senders/{default_sender_id}", _sender_update)
    r.add("DELETE", "/senders/default-senders/{default_sender_id}", _sender_delete)
