"""URL shortening: statistics and tracking of the short links in your messages.

https://developers.clicksend.com/docs/rest/v3/#url-shortening
"""

from __future__ import annotations

from typing import Any

from .._converter import structure
from .._validation import check_positive_int, check_text
from ..models.short_urls import LinkStatistics, LinkTracking
from ._base import Resource, operation, path_segment

__all__ = ["ShortUrlsResource"]


class ShortUrlsResource(Resource):
    """Read how often the short links of a message were opened, and by whom.

    A send with ``shorten_urls=True`` (or a campaign's ``url_to_shorten``) replaces links by
    tracked ``smsu.io`` ones. See https://developers.clicksend.com/docs/rest/v3/#url-shortening.
    """

    @operation("GET", "/v3/short-url/statistics/{source}/{source_id}")
    async def statistics(
        self, source_id: str, *, source: str = "quick_sms", timeout: float | None = None
    ) -> list[LinkStatistics]:
        """Return the statistics of every short link of a message (``source="quick_sms"``)."""
        source_segment = path_segment(check_text(source, "source"), "token", field="source")
        path = f"/short-url/statistics/{source_segment}/"
        path += path_segment(check_text(source_id, "source_id"), "token", field="source_id")
        body = await self._session.request("GET", path, timeout=timeout)
        data: Any = body.get("data")
        return structure(data or [], list[LinkStatistics], where=f"GET {path} data")

    @operation("GET", "/v3/short-url/tracking/{long_url_id}")
    async def tracking(
        self,
        long_url_id: str,
        *,
        offset: str | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> LinkTracking:
        """Return a page of the opens of one short link (``offset`` from ``next_page_url``)."""
        segment = path_segment(check_text(long_url_id, "long_url_id"), "token", field="long_url_id")
        path = f"/short-url/tracking/{segment}"
        params = {
            "offset": offset,
            "limit": None if limit is None else check_positive_int(limit, "limit"),
        }
        body = await self._session.request("GET", path, params=params, timeout=timeout)
        # The spec shows the page at the top level of the answer; ClickSend's envelope puts it
        # in ``data``. Read either.
        data = body.get("data")
        page = data if isinstance(data, dict) else body
        return structure(page, LinkTracking, where=f"GET {path} data")
