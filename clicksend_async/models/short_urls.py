"""URL-shortening models: how often the short links in your messages were opened, and by whom."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field

__all__ = ["LinkContact", "LinkCount", "LinkOpen", "LinkStatistics", "LinkTotals", "LinkTracking"]


@attrs.frozen(kw_only=True)
class LinkCount:
    """How many opens one label (a device, a browser, a country...) accounts for."""

    label: str | None = None
    count: int = 0
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class LinkTotals:
    """Links sent, opened (unique and in total) and never opened."""

    total: int = 0
    opened_unique: int = 0
    opened_total: int = 0
    unopened: int = 0
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class LinkStatistics:
    """Statistics of one long URL: totals, and opens by device, OS, browser, country, region."""

    long_url_id: str
    links: LinkTotals | None = None
    device: tuple[LinkCount, ...] = ()
    os: tuple[LinkCount, ...] = ()
    browser: tuple[LinkCount, ...] = ()
    country: tuple[LinkCount, ...] = ()
    region: tuple[LinkCount, ...] = ()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class LinkContact:
    """The contact who opened a link."""

    contact_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class LinkOpen:
    """One recipient's opens of a short link."""

    open_count: int = 0
    date_opened: datetime | None = None
    user_geo_country: str | None = None
    user_geo_region: str | None = None
    user_device: str | None = None
    user_browser: str | None = None
    user_os: str | None = None
    contact: LinkContact | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class LinkTracking:
    """A page of a link's opens; ``next_page_url`` (an offset cursor) leads to the next one."""

    total: int = 0
    per_page: int | None = None
    current_page_size: int | None = None
    prev_page_url: str | None = None
    next_page_url: str | None = None
    opens: tuple[LinkOpen, ...] = attrs.field(default=(), metadata={"wire": "data"})
    extra: Mapping[str, Any] = extra_field()
