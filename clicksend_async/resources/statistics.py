"""Statistics (https://developers.clicksend.com/docs/rest/v3/#statistics)."""

from __future__ import annotations

from ..models.statistics import Statistics
from ._base import Resource, operation

__all__ = ["StatisticsResource"]


class StatisticsResource(Resource):
    """Daily counts and costs of SMS (sent, received, bounced) and voice calls.

    See https://developers.clicksend.com/docs/rest/v3/#statistics.
    """

    @operation("GET", "/v3/statistics/sms")
    async def sms(self, *, timeout: float | None = None) -> Statistics:
        """Return SMS statistics: outbound, inbound and bounced, per day and in total."""
        return await self._session.call(
            "GET", "/statistics/sms", cast_to=Statistics, timeout=timeout
        )

    @operation("GET", "/v3/statistics/voice")
    async def voice(self, *, timeout: float | None = None) -> Statistics:
        """Return voice statistics: outbound and bounced calls, per day and in total."""
        return await self._session.call(
            "GET", "/statistics/voice", cast_to=Statistics, timeout=timeout
        )
