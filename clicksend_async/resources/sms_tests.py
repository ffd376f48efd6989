"""Test pushes: ClickSend posts a sample delivery receipt or inbound SMS to your webhook.

https://developers.clicksend.com/docs/rest/v3/#add-a-test-delivery-receipt and
``#create-inbound-sms``: a way to try a webhook before any real message exists.
"""

from __future__ import annotations

from .._exceptions import ValidationError
from .._validation import check_url
from ..models.sms import InboundSms, SmsReceipt
from ._base import Resource, operation

__all__ = ["SmsTestPushesResource"]

_WEBHOOK_TYPES = frozenset({"post", "json"})


class SmsTestPushesResource(Resource):
    """Ask ClickSend to post a made-up receipt or reply to a URL.

    Reached as ``cs.sms.test_pushes``.
    """

    @operation("POST", "/v3/sms/receipts")
    async def receipt(self, url: str, *, timeout: float | None = None) -> SmsReceipt:
        """Have ClickSend post a sample delivery receipt to ``url``; return what it posted."""
        payload = {"url": check_url(url, "url")}
        return await self._session.call(
            "POST", "/sms/receipts", json=payload, cast_to=SmsReceipt, timeout=timeout
        )

    @operation("POST", "/v3/sms/inbound")
    async def inbound(
        self, url: str, *, webhook_type: str = "post", timeout: float | None = None
    ) -> InboundSms:
        """Have ClickSend post a sample inbound SMS to ``url`` (as a form, or ``"json"``)."""
        if webhook_type not in _WEBHOOK_TYPES:
            raise ValidationError(
                f"{webhook_type!r} is not one of post, json", field="webhook_type"
            )
        payload = {"url": check_url(url, "url"), "webhook_type": webhook_type}
        return await self._session.call(
            "POST", "/sms/inbound", json=payload, cast_to=InboundSms, timeout=timeout
        )
