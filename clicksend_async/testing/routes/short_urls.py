"""URL shortening: statistics and tracking of the short links in sent messages.

A long URL id is ``<source>-<source id>-<hash>`` (``quick_sms-<message uuid>-...``). The emulator
has no browser to click links: tests record opens with ``ClickSendEmulator.simulate_link_open``,
and these routes report them.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Reply, Router, invalid, not_found, ok

if TYPE_CHECKING:
    from .._app import Service

__all__ = ["register"]

_SOURCES: Final = frozenset({"quick_sms", "sms_campaign"})
_BREAKDOWNS: Final = {
    "device": "user_device",
    "os": "user_os",
    "browser": "user_browser",
    "country": "user_geo_country",
    "region": "user_geo_region",
}


def _counts(opens: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [{"label": k, "count": n} for k, n in Counter(o[key] for o in opens).most_common()]


def _statistics(s: Service, c: Ctx) -> Reply:
    source = c.params["source"]
    if source not in _SOURCES:
        return invalid({"source": "The source must be one of: " + ", ".join(sorted(_SOURCES))})
    prefix = f"{source}-{c.params['source_id']}-"
    data = []
    for long_url_id, opens in s.world.records.link_opens.items():
        if not long_url_id.startswith(prefix):
            continue
        contacts = {o["contact"]["phone_number"] for o in opens}
        entry: dict[str, Any] = {
            "long_url_id": long_url_id,
            "links": {
                "total": len(contacts),
                "opened_unique": len(contacts),
                "opened_total": len(opens),
                "unopened": 0,
            },
        }
        for name, key in _BREAKDOWNS.items():
            entry[name] = _counts(opens, key)
        data.append(entry)
    return ok("Here are your statistics.", data)


def _tracking(s: Service, c: Ctx) -> Reply:
    opens = s.world.records.link_opens.get(c.params["long_url_id"])
    if opens is None:
        return not_found("Short URL not found.")
    raw_offset, raw_limit = c.query.get("offset", "0"), c.query.get("limit", "20")
    if not raw_offset.isdigit() or not raw_limit.isdigit() or int(raw_limit) < 1:
        return invalid({"offset": "The offset and limit must be whole numbers."})
    offset, limit = int(raw_offset), min(100, int(raw_limit))
    chunk = opens[offset : offset + limit]

    def url(at: int) -> str:
        return str(c.request.url.with_query(offset=str(at), limit=str(limit)))

    data = {
        "total": len(opens),
        "per_page": limit,
        "current_page_size": len(chunk),
        "prev_page_url": url(max(0, offset - limit)) if offset > 0 else "",
        "next_page_url": url(offset + limit) if offset + limit < len(opens) else "",
        "data": [dict(o) for o in chunk],
    }
    return ok("Here is your tracking data.", data)


def register(router: Router) -> None:
    """Add the URL-shortening routes."""
    router.add("GET", "/short-url/statistics/{source}/{source_id}", _statistics)
    router.add("GET", "/short-url/tracking/{long_url_id}", _tracking)
