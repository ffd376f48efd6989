"""Automation rules for delivery receipts and inbound SMS.

See https://developers.clicksend.com/docs/rest/v3/#automations. Without a rule, ClickSend
neither keeps receipts and replies for polling (``POLL``) nor pushes them anywhere (``URL``).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Final
from urllib.parse import quote, urlsplit

from .._exceptions import ValidationError
from .._pagination import AsyncPaginator
from .._validation import check_text, check_url, is_e164, normalize_number
from ..models.automations import (
    InboundRule,
    MessageSearchType,
    ReceiptRule,
    RuleAction,
    WebhookRules,
)
from ._base import Resource, operation, path_segment

__all__ = [
    "AutomationsResource",
    "InboundRulesResource",
    "SmsReceiptRulesResource",
    "VoiceReceiptRulesResource",
]

#: The name :meth:`AutomationsResource.push_to_webhooks` gives its rules (and finds them by).
WEBHOOK_RULE_NAME: Final = "clicksend_async webhooks"
_WEBHOOK_TYPES: Final = frozenset({"post", "get", "json"})


def _enabled(value: bool) -> int:
    if not isinstance(value, bool):
        raise ValidationError(f"must be True or False, got {value!r}", field="enabled")
    return int(value)


def _action(action: str, action_address: str) -> tuple[str, str]:
    action = check_text(action, "action").strip().upper()
    if not isinstance(action_address, str):
        raise ValidationError("must be a string", field="action_address")
    if action == RuleAction.URL:
        check_url(action_address, "action_address")
    elif action not in (RuleAction.POLL, RuleAction.NONE) and not action_address.strip():
        raise ValidationError(f"an {action} rule needs an action_address", field="action_address")
    return action, action_address


def _receipt_payload(
    rule_name: str | None,
    action: str | None,
    action_address: str | None,
    match_type: int | None,
    enabled: bool | None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if rule_name is not None:
        payload["rule_name"] = check_text(rule_name, "rule_name")
    if match_type is not None:
        if isinstance(match_type, bool) or not isinstance(match_type, int) or match_type < 0:
            raise ValidationError(
                f"must be a whole number from 0, got {match_type!r}", field="match_type"
            )
        payload["match_type"] = match_type
    if action is not None or action_address is not None:
        if action is None or action_address is None:
            raise ValidationError("give action and action_address together", field="action")
        payload["action"], payload["action_address"] = _action(action, action_address)
    if enabled is not None:
        payload["enabled"] = _enabled(enabled)
    return payload


class _ReceiptRules(Resource):
    _path: str = ""

    def _list(
        self, page: int | None, limit: int | None, timeout: float | None
    ) -> AsyncPaginator[ReceiptRule]:
        return self._paginate(self._path, None, ReceiptRule, page, limit, timeout=timeout)

    async def _get(self, rule_id: int | str, timeout: float | None) -> ReceiptRule:
        path = f"{self._path}/{path_segment(rule_id, field='receipt_rule_id')}"
        return await self._session.call("GET", path, cast_to=ReceiptRule, timeout=timeout)

    async def _create(self, payload: dict[str, Any], timeout: float | None) -> ReceiptRule:
        return await self._session.call(
            "POST", self._path, json=payload, cast_to=ReceiptRule, timeout=timeout
        )

    async def _update(
        self, rule_id: int | str, payload: dict[str, Any], timeout: float | None
    ) -> ReceiptRule:
        path = f"{self._path}/{path_segment(rule_id, field='receipt_rule_id')}"
        if not payload:
            raise ValidationError("nothing to update: give at least one field")
        return await self._session.call(
            "PUT", path, json=payload, cast_to=ReceiptRule, timeout=timeout
        )

    async def _delete(self, rule_id: int | str, timeout: float | None) -> None:
        path = f"{self._path}/{path_segment(rule_id, field='receipt_rule_id')}"
        await self._session.data("DELETE", path, timeout=timeout)


class SmsReceiptRulesResource(_ReceiptRules):
    """SMS delivery-receipt rules (``/automations/sms/receipts``).

    Reached as ``client.automations.sms_receipts``.
    See https://developers.clicksend.com/docs/rest/v3/#sms-delivery-receipt-automations.
    """

    _path = "/automations/sms/receipts"

    @operation("GET", "/v3/automations/sms/receipts")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[ReceiptRule]:
        """Page through your SMS delivery-receipt rules."""
        return self._list(page, limit, timeout)

    @operation("GET", "/v3/automations/sms/receipts/{receipt_rule_id}")
    async def get(self, receipt_rule_id: int | str, *, timeout: float | None = None) -> ReceiptRule:
        """Return one SMS delivery-receipt rule."""
        return await self._get(receipt_rule_id, timeout)

    @operation("POST", "/v3/automations/sms/receipts")
    async def create(
        self,
        *,
        rule_name: str,
        action: str,
        action_address: str,
        match_type: int = 0,
        enabled: bool = True,
        timeout: float | None = None,
    ) -> ReceiptRule:
        """Create a rule; ``action="URL"`` pushes every receipt to ``action_address``."""
        payload = _receipt_payload(rule_name, action, action_address, match_type, enabled)
        return await self._create(payload, timeout)

    @operation("PUT", "/v3/automations/sms/receipts/{receipt_rule_id}")
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
    ) -> ReceiptRule:
        """Change the fields given of a rule."""
        payload = _receipt_payload(rule_name, action, action_address, match_type, enabled)
        return await self._update(receipt_rule_id, payload, timeout)

    @operation("DELETE", "/v3/automations/sms/receipts/{receipt_rule_id}")
    async def delete(self, receipt_rule_id: int | str, *, timeout: float | None = None) -> None:
        """Delete a rule."""
        await self._delete(receipt_rule_id, timeout)


class VoiceReceiptRulesResource(_ReceiptRules):
    """Voice delivery-receipt rules (``/automations/voice/receipts``).

    Reached as ``client.automations.voice_receipts``.
    See https://developers.clicksend.com/docs/rest/v3/#voice-delivery-receipt-automations.
    """

    _path = "/automations/voice/receipts"

    @operation("GET", "/v3/automations/voice/receipts")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[ReceiptRule]:
        """Page through your voice delivery-receipt rules."""
        return self._list(page, limit, timeout)

    @operation("GET", "/v3/automations/voice/receipts/{receipt_rule_id}")
    async def get(self, receipt_rule_id: int | str, *, timeout: float | None = None) -> ReceiptRule:
        """Return one voice delivery-receipt rule."""
        return await self._get(receipt_rule_id, timeout)

    @operation("POST", "/v3/automations/voice/receipts")
    async def create(
        self,
        *,
        rule_name: str,
        action: str,
        action_address: str,
        match_type: int = 0,
        enabled: bool = True,
        timeout: float | None = None,
    ) -> ReceiptRule:
        """Create a rule; ``action="URL"`` pushes every voice receipt to ``action_address``."""
        payload = _receipt_payload(rule_name, action, action_address, match_type, enabled)
        return await self._create(payload, timeout)

    @operation("PUT", "/v3/automations/voice/receipts/{receipt_rule_id}")
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
    ) -> ReceiptRule:
        """Change the fields given of a rule."""
        payload = _receipt_payload(rule_name, action, action_address, match_type, enabled)
        return await self._update(receipt_rule_id, payload, timeout)

    @operation("DELETE", "/v3/automations/voice/receipts/{receipt_rule_id}")
    async def delete(self, receipt_rule_id: int | str, *, timeout: float | None = None) -> None:
        """Delete a rule."""
        await self._delete(receipt_rule_id, timeout)


def _dedicated_number(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be '*' (every number) or a number", field="dedicated_number")
    value = value.strip()
    if value == "*":
        return value
    if not is_e164(value):
        raise ValidationError(
            f"{value!r} is not '*' or an E.164 number such as +61411111111",
            field="dedicated_number",
        )
    return normalize_number(value)


def _inbound_payload(
    *,
    rule_name: str | None,
    action: str | None,
    action_address: str | None,
    dedicated_number: str | None,
    message_search_type: int | None,
    message_search_term: str | None,
    webhook_type: str | None,
    body: str | None,
    enabled: bool | None,
) -> dict[str, Any]:
    payload = _receipt_payload(rule_name, action, action_address, None, enabled)
    if dedicated_number is not None:
        payload["dedicated_number"] = _dedicated_number(dedicated_number)
    if message_search_type is not None:
        if message_search_type not in range(4) or isinstance(message_search_type, bool):
            raise ValidationError(
                "must be 0 (any), 1 (starts with), 2 (contains) or 3 (does not contain)",
                field="message_search_type",
            )
        payload["message_search_type"] = message_search_type
        if message_search_type != MessageSearchType.ANY and not (
            isinstance(message_search_term, str) and message_search_term.strip()
        ):
            raise ValidationError(
                "a search type other than 0 (any) needs a term", field="message_search_term"
            )
    if message_search_term is not None:
        payload["message_search_term"] = check_text(message_search_term, "message_search_term")
    if webhook_type is not None:
        if webhook_type not in _WEBHOOK_TYPES:
            raise ValidationError(
                f"must be 'post', 'get' or 'json', got {webhook_type!r}", field="webhook_type"
            )
        payload["webhook_type"] = webhook_type
    if body is not None:
        payload["body"] = check_text(body, "body")
    return payload


class InboundRulesResource(Resource):
    """Inbound-SMS rules (``/automations/sms/inbound``): what happens to replies.

    Reached as ``client.automations.sms_inbound``.
    See https://developers.clicksend.com/docs/rest/v3/#inbound-sms-automations.
    """

    _path: Final = "/automations/sms/inbound"

    @operation("GET", "/v3/automations/sms/inbound")
    def list(
        self, *, page: int | None = None, limit: int | None = None, timeout: float | None = None
    ) -> AsyncPaginator[InboundRule]:
        """Page through your inbound-SMS rules."""
        return self._paginate(self._path, None, InboundRule, page, limit, timeout=timeout)

    @operation("GET", "/v3/automations/sms/inbound/{inbound_rule_id}")
    async def get(self, inbound_rule_id: int | str, *, timeout: float | None = None) -> InboundRule:
        """Return one inbound-SMS rule."""
        path = f"{self._path}/{path_segment(inbound_rule_id, field='inbound_rule_id')}"
        return await self._session.call("GET", path, cast_to=InboundRule, timeout=timeout)

    @operation("POST", "/v3/automations/sms/inbound")
    async def create(
        self,
        *,
        rule_name: str,
        action: str,
        action_address: str,
        dedicated_number: str = "*",
        message_search_type: int = MessageSearchType.ANY,
        message_search_term: str | None = None,
        webhook_type: str | None = None,
        body: str | None = None,
        enabled: bool = True,
        timeout: float | None = None,
    ) -> InboundRule:
        """Create a rule; ``action="URL"`` pushes each matching reply to ``action_address``.

        ``webhook_type`` (URL rules) is ``"post"`` (form, the default), ``"get"`` or ``"json"``.
        """
        payload = _inbound_payload(
            rule_name=rule_name,
            action=action,
            action_address=action_address,
            dedicated_number=dedicated_number,
            message_search_type=message_search_type,
            message_search_term=message_search_term,
            webhook_type=webhook_type,
            body=body,
            enabled=enabled,
        )
        if payload["action"] == RuleAction.URL:
            payload.setdefault("webhook_type", "post")
        return await self._session.call(
            "POST", self._path, json=payload, cast_to=InboundRule, timeout=timeout
        )

    @operation("PUT", "/v3/automations/sms/inbound/{inbound_rule_id}")
    async def update(
        self,
        inbound_rule_id: int | str,
        *,
        rule_name: str | None = None,
        action: str | None = None,
        action_address: str | None = None,
        dedicated_number: str | None = None,
        message_search_type: int | None = None,
        message_search_term: str | None = None,
        webhook_type: str | None = None,
        body: str | None = None,
        enabled: bool | None = None,
        timeout: float | None = None,
    ) -> InboundRule:
        """Change the fields given of a rule."""
        path = f"{self._path}/{path_segment(inbound_rule_id, field='inbound_rule_id')}"
        payload = _inbound_payload(
            rule_name=rule_name,
            action=action,
            action_address=action_address,
            dedicated_number=dedicated_number,
            message_search_type=message_search_type,
            message_search_term=message_search_term,
            webhook_type=webhook_type,
            body=body,
            enabled=enabled,
        )
        if not payload:
            raise ValidationError("nothing to update: give at least one field")
        return await self._session.call(
            "PUT", path, json=payload, cast_to=InboundRule, timeout=timeout
        )

    @operation("DELETE", "/v3/automations/sms/inbound/{inbound_rule_id}")
    async def delete(self, inbound_rule_id: int | str, *, timeout: float | None = None) -> None:
        """Delete a rule."""
        path = f"{self._path}/{path_segment(inbound_rule_id, field='inbound_rule_id')}"
        await self._session.data("DELETE", path, timeout=timeout)


def _webhook_url(base_url: str, path: str, secret: str | None) -> str:
    """Return ``base_url/path[/secret]``, the URL ``webhook_routes`` serves under that prefix."""
    url = base_url.rstrip("/") + "/" + path.strip("/")
    return url if secret is None else f"{url}/{quote(secret, safe='')}"


class AutomationsResource(Resource):
    """Rules for delivery receipts (SMS, voice) and inbound SMS, and one call to wire webhooks.

    See https://developers.clicksend.com/docs/rest/v3/#automations.
    """

    @cached_property
    def sms_receipts(self) -> SmsReceiptRulesResource:
        """SMS delivery-receipt rules."""
        return SmsReceiptRulesResource(self._session)

    @cached_property
    def voice_receipts(self) -> VoiceReceiptRulesResource:
        """Voice delivery-receipt rules."""
        return VoiceReceiptRulesResource(self._session)

    @cached_property
    def sms_inbound(self) -> InboundRulesResource:
        """Inbound-SMS rules."""
        return InboundRulesResource(self._session)

    async def push_to_webhooks(
        self,
        base_url: str,
        *,
        secret: str | None,
        receipt_path: str = "receipts",
        inbound_path: str = "inbound",
        voice: bool = True,
        webhook_type: str = "post",
        rule_name: str = WEBHOOK_RULE_NAME,
        timeout: float | None = None,
    ) -> WebhookRules:
        """Create or update the rules that push receipts and replies to your webhook app.

        ``base_url`` is where :func:`clicksend_async.webhooks.webhook_routes` is served (its
        ``path_prefix``, e.g. ``https://example.com/clicksend``); ``secret`` is the one given to
        ``webhook_routes`` and goes in as the URL's last path segment (pass None only for an app
        without a secret). Rules named ``rule_name`` are updated in place, so calling this again
        (a new URL, a rotated secret) never piles up duplicates.

        Raises:
            ValidationError: ``base_url`` is not an http(s) URL without query or fragment,
                ``secret`` is empty, or ``webhook_type`` is not post/get/json.
        """
        check_url(base_url, "base_url")
        parts = urlsplit(base_url)
        if parts.query or parts.fragment:
            raise ValidationError("must not have a query string or fragment", field="base_url")
        if secret is not None and not (isinstance(secret, str) and secret):
            raise ValidationError("must be a non-empty string, or None", field="secret")
        if webhook_type not in _WEBHOOK_TYPES:
            raise ValidationError(
                f"must be 'post', 'get' or 'json', got {webhook_type!r}", field="webhook_type"
            )
        check_text(rule_name, "rule_name")
        receipt_url = _webhook_url(base_url, receipt_path, secret)
        inbound_url = _webhook_url(base_url, inbound_path, secret)

        sms = await self._upsert_receipt_rule(self.sms_receipts, rule_name, receipt_url, timeout)
        voice_rule = None
        if voice:
            voice_rule = await self._upsert_receipt_rule(
                self.voice_receipts, rule_name, receipt_url, timeout
            )
        inbound_fields: dict[str, Any] = {
            "rule_name": rule_name,
            "action": RuleAction.URL,
            "action_address": inbound_url,
            "dedicated_number": "*",
            "message_search_type": MessageSearchType.ANY,
            "webhook_type": webhook_type,
            "enabled": True,
            "timeout": timeout,
        }
        existing = await self._find(self.sms_inbound.list(timeout=timeout), rule_name)
        if existing is None:
            inbound = await self.sms_inbound.create(**inbound_fields)
        else:
            inbound = await self.sms_inbound.update(existing.inbound_rule_id, **inbound_fields)
        return WebhookRules(sms_receipts=sms, inbound=inbound, voice_receipts=voice_rule)

    @staticmethod
    async def _find(paginator: AsyncPaginator[Any], rule_name: str) -> Any:
        async for rule in paginator:
            if rule.rule_name == rule_name:
                return rule
        return None

    async def _upsert_receipt_rule(
        self,
        rules: SmsReceiptRulesResource | VoiceReceiptRulesResource,
        rule_name: str,
        url: str,
        timeout: float | None,
    ) -> ReceiptRule:
        existing: ReceiptRule | None = await self._find(rules.list(timeout=timeout), rule_name)
        fields: dict[str, Any] = {
            "rule_name": rule_name,
            "action": RuleAction.URL,
            "action_address": url,
            "match_type": 0,
            "enabled": True,
            "timeout": timeout,
        }
        if existing is None:
            return await rules.create(**fields)
        return await rules.update(existing.receipt_rule_id, **fields)
