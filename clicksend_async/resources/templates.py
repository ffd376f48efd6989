"""SMS templates (https://developers.clicksend.com/docs/rest/v3/#sms-templates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_text
from ..models.sms import SmsTemplate
from ._base import Resource, operation, path_segment, search_query

__all__ = ["SmsTemplatesResource"]


class SmsTemplatesResource(Resource):
    """List, read, create, update and delete saved SMS templates.

    Reached as ``client.sms.templates`` (also ``client.templates``).
    See https://developers.clicksend.com/docs/rest/v3/#sms-templates.
    """

    @operation("GET", "/v3/sms/templates")
    def list(
        self,
        *,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[SmsTemplate]:
        """Page through your templates (``GET /sms/templates``), by ``template_id`` unless told.

        ``q`` searches ``template_id``, ``template_name`` or ``body`` (``"template_name:promo"``,
        or ``{"template_name": "promo"}``); ``order_by`` is ``field:asc|desc`` over the same
        fields (``"template_name:asc"``).
        """
        params = {"q": search_query(q), "order_by": order_by}
        return self._paginate("/sms/templates", params, SmsTemplate, page, limit, timeout=timeout)

    @operation("GET", "/v3/sms/templates/{template_id}")
    async def get(self, template_id: int | str, *, timeout: float | None = None) -> SmsTemplate:
        """Return one template (``GET /sms/templates/{template_id}``)."""
        path = f"/sms/templates/{_template(template_id)}"
        return await self._session.call("GET", path, cast_to=SmsTemplate, timeout=timeout)

    @operation("POST", "/v3/sms/templates")
    async def create(
        self, *, template_name: str, body: str, timeout: float | None = None
    ) -> SmsTemplate:
        """Save a new template (``POST /sms/templates``)."""
        payload = {
            "template_name": check_text(template_name, "template_name"),
            "body": check_text(body, "body"),
        }
        return await self._session.call(
            "POST", "/sms/templates", json=payload, cast_to=SmsTemplate, timeout=timeout
        )

    @operation("PUT", "/v3/sms/templates/{template_id}")
    async def update(
        self,
        template_id: int | str,
        *,
        template_name: str | None = None,
        body: str | None = None,
        timeout: float | None = None,
    ) -> SmsTemplate:
        """Change a template's name, body or both (``PUT /sms/templates/{template_id}``)."""
        path = f"/sms/templates/{_template(template_id)}"
        payload: dict[str, Any] = {}
        if template_name is not None:
            payload["template_name"] = check_text(template_name, "template_name")
        if body is not None:
            payload["body"] = check_text(body, "body")
        if not payload:
            raise ValidationError("nothing to update: give template_name, body or both")
        return await self._session.call(
            "PUT", path, json=payload, cast_to=SmsTemplate, timeout=timeout
        )

    @operation("DELETE", "/v3/sms/templates/{template_id}")
    async def delete(self, template_id: int | str, *, timeout: float | None = None) -> None:
        """Delete a template (``DELETE /sms/templates/{template_id}``)."""
        await self._session.data(
            "DELETE", f"/sms/templates/{_template(template_id)}", timeout=timeout
        )


def _template(template_id: int | str) -> str:
    return path_segment(template_id, field="template_id")
