"""Email: transactional email, email templates and ClickSend's master templates, receipt rules.

https://developers.clicksend.com/docs/rest/v3/#transactional-email,
https://developers.clicksend.com/docs/rest/v3/#email-marketing. Allowed sender addresses are
``cs.email_addresses``; email campaigns are ``cs.email_campaigns``.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, Final

from .._converter import structure
from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_text
from ..models.email import (
    Email,
    EmailAttachment,
    EmailPrice,
    EmailReceiptRule,
    EmailRecipient,
    EmailTemplate,
    MasterTemplate,
    TemplateCategory,
)
from ..models.messages import HistoryExport
from ._base import (
    Resource,
    coerce,
    export_params,
    history_params,
    operation,
    path_segment,
    payload_of,
)
from ._inputs import check_id, email_list, unix, update_payload

__all__ = [
    "EmailReceiptRulesResource",
    "EmailResource",
    "EmailTemplatesResource",
    "MasterTemplatesResource",
]

RecipientsIn = (
    str | EmailRecipient | Mapping[str, Any] | Iterable[str | EmailRecipient | Mapping[str, Any]]
)
#: Where an email receipt rule sends receipts.
RULE_ACTIONS: Final = frozenset({"URL", "EMAIL_USER", "EMAIL_FIXED", "POLL", "NONE"})


class EmailResource(Resource):
    """Send and price transactional emails, read and export the email history.

    The sender is one of your verified allowed addresses (``cs.email_addresses``), by id.
    An email is never re-sent after the request may have reached ClickSend.
    See https://developers.clicksend.com/docs/rest/v3/#transactional-email.
    """

    def _payload(
        self,
        to: RecipientsIn,
        from_email_address_id: int | str,
        from_name: str | None,
        subject: str,
        body: str,
        cc: RecipientsIn | None,
        bcc: RecipientsIn | None,
        attachments: Iterable[EmailAttachment | Mapping[str, Any]] | None,
        schedule: datetime | int | None,
    ) -> dict[str, Any]:
        recipients = email_list(to, EmailRecipient, "to")
        if not recipients:
            raise ValidationError("needs at least one recipient", field="to")
        sender: dict[str, Any] = {
            "email_address_id": str(check_id(from_email_address_id, "from_email_address_id"))
        }
        if from_name is not None:
            sender["name"] = check_text(from_name, "from_name")
        payload: dict[str, Any] = {
            "to": payload_of(recipients),
            "from": sender,
            "subject": check_text(subject, "subject"),
            "body": check_text(body, "body"),
        }
        if cc is not None:
            payload["cc"] = payload_of(email_list(cc, EmailRecipient, "cc"))
        if bcc is not None:
            payload["bcc"] = payload_of(email_list(bcc, EmailRecipient, "bcc"))
        if attachments is not None:
            models = [
                coerce(a, EmailAttachment, field=f"attachments[{i}]")
                for i, a in enumerate(attachments)
            ]
            for i, model in enumerate(models):
                check_text(model.content, f"attachments[{i}].content")
                check_text(model.filename, f"attachments[{i}].filename")
            payload["attachments"] = payload_of(models)
        if schedule is not None:
            payload["schedule"] = unix(schedule)
        return payload

    @operation("POST", "/v3/email/send")
    async def send(
        self,
        to: RecipientsIn,
        *,
        from_email_address_id: int | str,
        subject: str,
        body: str,
        from_name: str | None = None,
        cc: RecipientsIn | None = None,
        bcc: RecipientsIn | None = None,
        attachments: Iterable[EmailAttachment | Mapping[str, Any]] | None = None,
        schedule: datetime | int | None = None,
        timeout: float | None = None,
    ) -> Email:
        """Send one email (HTML ``body``) to ``to`` (an address, or a list of them)."""
        payload = self._payload(
            to, from_email_address_id, from_name, subject, body, cc, bcc, attachments, schedule
        )
        return await self._session.call(
            "POST", "/email/send", json=payload, cast_to=Email, timeout=timeout
        )

    @operation("POST", "/v3/email/price")
    async def price(
        self,
        to: RecipientsIn,
        *,
        from_email_address_id: int | str,
        subject: str,
        body: str,
        from_name: str | None = None,
        cc: RecipientsIn | None = None,
        bcc: RecipientsIn | None = None,
        timeout: float | None = None,
    ) -> EmailPrice:
        """Return what an email would cost; nothing is sent."""
        payload = self._payload(
            to, from_email_address_id, from_name, subject, body, cc, bcc, None, None
        )
        return await self._session.call(
            "POST", "/email/price", json=payload, cast_to=EmailPrice, timeout=timeout
        )

    @operation("GET", "/v3/email/history")
    def history(
        self,
        *,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        page: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[Email]:
        """Page through the transactional emails you sent."""
        params = history_params(date_from, date_to, q, order_by)
        return self._paginate("/email/history", params, Email, page, limit, timeout=timeout)

    @operation("GET", "/v3/email/history/export")
    async def export_history(
        self,
        *,
        filename: str = "export.csv",
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        q: str | Mapping[str, str] | None = None,
        order_by: str | None = None,
        timeout: float | None = None,
    ) -> HistoryExport:
        """Export the email history to a CSV file and return its download link."""
        params = export_params(filename, date_from, date_to, q, order_by, None)
        data = await self._session.data(
            "GET", "/email/history/export", params=params, timeout=timeout
        )
        return structure(data, HistoryExport, where="GET /email/history/export data")

    @cached_property
    def templates(self) -> EmailTemplatesResource:
        """Your email templates."""
        return EmailTemplatesResource(self._session)

    @cached_property
    def master_templates(self) -> MasterTemplatesResource:
        """ClickSend's master email templates and their categories."""
        return MasterTemplatesResource(self._session)

    @cached_property
    def receipt_rules(self) -> EmailReceiptRulesResource:
        """Email delivery-receipt rules."""
        return EmailReceiptRulesResource(self._session)


class EmailTemplatesResource(Resource):
    """Create your email templates from master templates, edit, list and delete them.

    Reached as ``cs.email.templates``.
    See https://developers.clicksend.com/docs/rest/v3/#user-email-templates.
    """

    @operation("GET", "/v3/email/templates")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[EmailTemplate]:
        """Page through your email templates (names and ids; :meth:`get` has the body)."""
        return self._paginate("/email/templates", None, EmailTemplate, page, limit, timeout=timeout)

    @operation("GET", "/v3/email/templates/{template_id}")
    async def get(self, template_id: int | str, *, timeout: float | None = None) -> EmailTemplate:
        """Return one email template with its HTML body."""
        path = f"/email/templates/{path_segment(template_id, field='template_id')}"
        return await self._session.call("GET", path, cast_to=EmailTemplate, timeout=timeout)

    @operation("POST", "/v3/email/templates")
    async def create(
        self,
        *,
        template_name: str,
        template_id_master: int | str,
        timeout: float | None = None,
    ) -> EmailTemplate:
        """Create a template named ``template_name`` from master template ``template_id_master``."""
        payload = {
            "template_name": check_text(template_name, "template_name"),
            "template_id_master": check_id(template_id_master, "template_id_master"),
        }
        return await self._session.call(
            "POST", "/email/templates", json=payload, cast_to=EmailTemplate, timeout=timeout
        )

    @operation("PUT", "/v3/email/templates/{template_id}")
    async def update(
        self,
        template_id: int | str,
        *,
        body: str | None = None,
        template_name: str | None = None,
        timeout: float | None = None,
    ) -> EmailTemplate:
        """Change a template's HTML body (or its name)."""
        path = f"/email/templates/{path_segment(template_id, field='template_id')}"
        payload = update_payload(
            body=None if body is None else check_text(body, "body"),
            template_name=None
            if template_name is None
            else check_text(template_name, "template_name"),
        )
        return await self._session.call(
            "PUT", path, json=payload, cast_to=EmailTemplate, timeout=timeout
        )

    @operation("DELETE", "/v3/email/templates/{template_id}")
    async def delete(self, template_id: int | str, *, timeout: float | None = None) -> None:
        """Delete an email template."""
        path = f"/email/templates/{path_segment(template_id, field='template_id')}"
        await self._session.data("DELETE", path, timeout=timeout)


class MasterTemplatesResource(Resource):
    """Browse ClickSend's master email templates, by category.

    Reached as ``cs.email.master_templates``.
    See https://developers.clicksend.com/docs/rest/v3/#master-email-templates.
    """

    @operation("GET", "/v3/email/master-templates")
    async def list(self, *, timeout: float | None = None) -> builtins.list[MasterTemplate]:
        """Return every master template (without bodies)."""
        data = await self._session.data("GET", "/email/master-templates", timeout=timeout)
        return structure(data or [], list[MasterTemplate], where="GET /email/master-templates")

    @operation("GET", "/v3/email/master-templates/{template_id}")
    async def get(self, template_id: int | str, *, timeout: float | None = None) -> MasterTemplate:
        """Return one master template with its HTML body."""
        path = f"/email/master-templates/{path_segment(template_id, field='template_id')}"
        return await self._session.call("GET", path, cast_to=MasterTemplate, timeout=timeout)

    @operation("GET", "/v3/email/master-templates-categories")
    async def categories(self, *, timeout: float | None = None) -> builtins.list[TemplateCategory]:
        """Return the master-template categories."""
        path = "/email/master-templates-categories"
        data = await self._session.data("GET", path, timeout=timeout)
        return structure(data or [], list[TemplateCategory], where=f"GET {path}")

    @operation("GET", "/v3/email/master-templates-categories/{category_id}")
    async def category(
        self, category_id: int | str, *, timeout: float | None = None
    ) -> TemplateCategory:
        """Return one master-template category."""
        path = (
            f"/email/master-templates-categories/{path_segment(category_id, field='category_id')}"
        )
        return await self._session.call("GET", path, cast_to=TemplateCategory, timeout=timeout)

    @operation("GET", "/v3/email/master-templates-categories/{category_id}/master-templates")
    async def in_category(
        self, category_id: int | str, *, timeout: float | None = None
    ) -> builtins.list[MasterTemplate]:
        """Return the master templates of one category (with bodies)."""
        segment = path_segment(category_id, field="category_id")
        path = f"/email/master-templates-categories/{segment}/master-templates"
        data = await self._session.data("GET", path, timeout=timeout)
        return structure(data or [], list[MasterTemplate], where=f"GET {path}")


class EmailReceiptRulesResource(Resource):
    """Create, list, change and delete the rules that route email delivery receipts.

    Reached as ``cs.email.receipt_rules``.
    See https://developers.clicksend.com/docs/rest/v3/#email-delivery-receipt-rules.
    """

    @operation("GET", "/v3/automations/email/receipts")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[EmailReceiptRule]:
        """Page through your email receipt rules."""
        return self._paginate(
            "/automations/email/receipts", None, EmailReceiptRule, page, limit, timeout=timeout
        )

    @operation("GET", "/v3/automations/email/receipts/{receipt_rule_id}")
    async def get(
        self, receipt_rule_id: int | str, *, timeout: float | None = None
    ) -> EmailReceiptRule:
        """Return one email receipt rule."""
        path = (
            f"/automations/email/receipts/{path_segment(receipt_rule_id, field='receipt_rule_id')}"
        )
        return await self._session.call("GET", path, cast_to=EmailReceiptRule, timeout=timeout)

    @operation("POST", "/v3/automations/email/receipts")
    async def create(
        self,
        *,
        rule_name: str,
        action: str,
        action_address: str,
        match_type: int = 0,
        enabled: bool = True,
        timeout: float | None = None,
    ) -> EmailReceiptRule:
        """Create a rule: ``action="URL"`` posts every email receipt to ``action_address``."""
        payload = _rule(rule_name, action, action_address, match_type, enabled)
        return await self._session.call(
            "POST",
            "/automations/email/receipts",
            json=payload,
            cast_to=EmailReceiptRule,
            timeout=timeout,
        )

    @operation("PUT", "/v3/automations/email/receipts/{receipt_rule_id}")
    async def update(
        self,
        receipt_rule_id: int | str,
        *,
        rule_name: str | None = None,
        action: str | None = None,
        action_address: str | None = None,
        match_type: int | None = None,
        enabled: bool | None = None,
        timeout: float | None = None,
    ) -> EmailReceiptRule:
        """Change an email receipt rule."""
        path = (
            f"/automations/email/receipts/{path_segment(receipt_rule_id, field='receipt_rule_id')}"
        )
        payload = update_payload(**_rule(rule_name, action, action_address, match_type, enabled))
        return await self._session.call(
            "PUT", path, json=payload, cast_to=EmailReceiptRule, timeout=timeout
        )

    @operation("DELETE", "/v3/automations/email/receipts/{receipt_rule_id}")
    async def delete(self, receipt_rule_id: int | str, *, timeout: float | None = None) -> None:
        """Delete an email receipt rule."""
        path = (
            f"/automations/email/receipts/{path_segment(receipt_rule_id, field='receipt_rule_id')}"
        )
        await self._session.data("DELETE", path, timeout=timeout)


def _rule(
    rule_name: str | None,
    action: str | None,
    action_address: str | None,
    match_type: int | None,
    enabled: bool | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule_name is not None:
        out["rule_name"] = check_text(rule_name, "rule_name")
    if action is not None:
        if action not in RULE_ACTIONS:
            raise ValidationError(
                f"{action!r} is not one of {', '.join(sorted(RULE_ACTIONS))}", field="action"
            )
        out["action"] = action
    if action_address is not None:
        out["action_address"] = check_text(action_address, "action_address")
    if match_type is not None:
        if isinstance(match_type, bool) or not isinstance(match_type, int) or match_type < 0:
            raise ValidationError(f"must be a whole number, got {match_type!r}", field="match_type")
        out["match_type"] = match_type
    if enabled is not None:
        out["enabled"] = 1 if enabled else 0  # the schema's integer flag
    return out
