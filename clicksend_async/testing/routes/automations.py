"""Automation rules: SMS and voice delivery-receipt rules, inbound-SMS rules.

Rules are state (``world.setup.rules``) and they steer the pushes: once a channel has a rule,
its receipts or replies go to the enabled URL rules' addresses instead of the emulator's
``receipt_url`` / ``inbound_url`` (see ``Service._accepted`` and ``Service.add_inbound``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .._http import Ctx, Handler, Reply, Router, invalid, not_found, ok
from .._state import paginate

if TYPE_CHECKING:
    from .._app import Service

_ACTIONS: Final = frozenset(
    {
        "AUTO_REPLY",
        "EMAIL_USER",
        "EMAIL_FIXED",
        "URL",
        "SMS",
        "POLL",
        "GROUP_SMS",
        "MOVE_CONTACT",
        "CREATE_CONTACT",
        "CREATE_CONTACT_PLUS_EMAIL",
        "CREATE_CONTACT_PLUS_NAME_EMAIL",
        "CREATE_CONTACT_PLUS_NAME",
        "SMPP",
        "NONE",
    }
)
_WEBHOOK_TYPES: Final = frozenset({"post", "get", "json"})
_FIRST_ID: Final = {"sms_receipts": 501, "voice_receipts": 701, "sms_inbound": 901}
_NOUN: Final = {
    "sms_receipts": "rule incoming sms receipt",
    "voice_receipts": "rule voice receipt",
    "sms_inbound": "inbound rule",
}


def _is_int(value: Any) -> bool:
    return type(value) is int


def _check(channel: str, body: Any, *, partial: bool) -> dict[str, str]:
    """Return the errors of a rule body (all fields required unless ``partial``)."""
    if type(body) is not dict:
        return {"rule_name": "The rule name field is required."}
    errors: dict[str, str] = {}
    required = ["rule_name", "action", "action_address", "enabled"]
    required += (
        ["dedicated_number", "message_search_type"] if channel == "sms_inbound" else ["match_type"]
    )
    if not partial:
        for field in required:
            if body.get(field) is None:
                errors[field] = f"The {field.replace('_', ' ')} field is required."
    for field in ("rule_name", "action_address", "dedicated_number"):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            errors[field] = f"The {field.replace('_', ' ')} must be a string."
    if body.get("rule_name") == "":
        errors["rule_name"] = "The rule name field is required."
    action = body.get("action")
    if action is not None and action not in _ACTIONS:
        errors["action"] = "The selected action is invalid."
    if action == "URL":
        address = body.get("action_address")
        if not (isinstance(address, str) and address.startswith(("http://", "https://"))):
            errors["action_address"] = "The action address must be a valid URL."
    enabled = body.get("enabled")
    if enabled is not None and enabled not in (0, 1):
        errors["enabled"] = "The enabled must be 0 or 1."
    match_type = body.get("match_type")
    if match_type is not None and not (_is_int(match_type) and match_type >= 0):
        errors["match_type"] = "The match type must be an integer."
    search = body.get("message_search_type")
    if search is not None and not (_is_int(search) and 0 <= search <= 3):
        errors["message_search_type"] = "The message search type must be 0, 1, 2 or 3."
    webhook_type = body.get("webhook_type")
    if webhook_type is not None and webhook_type not in _WEBHOOK_TYPES:
        errors["webhook_type"] = "The webhook type must be post, get or json."
    return errors


def _view(channel: str, rule: dict[str, Any], *, listed: bool = False) -> dict[str, Any]:
    if channel != "sms_inbound":
        return dict(rule)
    view = dict(rule)
    if listed:
        # The list names the id sms_inbound_rule_id and has no webhook_type (the spec's
        # example); one rule names it inbound_rule_id.
        view["sms_inbound_rule_id"] = view.pop("inbound_rule_id")
        view.pop("webhook_type", None)
    return view


def _fields(channel: str) -> tuple[str, ...]:
    if channel == "sms_inbound":
        return (
            "dedicated_number",
            "rule_name",
            "message_search_type",
            "message_search_term",
            "action",
            "action_address",
            "body",
            "enabled",
            "webhook_type",
        )
    return ("rule_name", "match_type", "action", "action_address", "enabled")


def _list(channel: str, msg: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        rules = list(s.world.setup.rules[channel].values())
        data = paginate(rules, c.query, c.request.url, lambda r: _view(channel, r, listed=True))
        return ok(msg, data)

    return handler


def _create(channel: str, msg: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        errors = _check(channel, c.body, partial=False)
        if errors:
            return invalid(errors)
        setup = s.world.setup
        id_field = "inbound_rule_id" if channel == "sms_inbound" else "receipt_rule_id"
        rule: dict[str, Any] = {id_field: setup.next_id(channel, _FIRST_ID[channel])}
        for field in _fields(channel):
            rule[field] = c.body.get(field)
        if channel == "sms_inbound":
            if rule["action"] == "URL" and rule["webhook_type"] is None:
                rule["webhook_type"] = "post"
            if rule["message_search_term"] is None:
                rule["message_search_term"] = ""
        setup.rules[channel][rule[id_field]] = rule
        return ok(msg, _view(channel, rule))

    return handler


def _rule(s: Service, c: Ctx, channel: str) -> dict[str, Any] | None:
    name = "inbound_rule_id" if channel == "sms_inbound" else "receipt_rule_id"
    rule_id = c.int_param(name)
    return None if rule_id is None else s.world.setup.rules[channel].get(rule_id)


def _get(channel: str, msg: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        rule = _rule(s, c, channel)
        if rule is None:
            return not_found("Record not found.")
        return ok(msg, _view(channel, rule))

    return handler


def _update(channel: str, msg: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        rule = _rule(s, c, channel)
        if rule is None:
            return not_found("Record not found.")
        errors = _check(channel, c.body, partial=True)
        if errors:
            return invalid(errors)
        merged = {**rule, **{k: v for k, v in c.body.items() if k in _fields(channel)}}
        if merged["action"] == "URL":
            errors = _check(channel, merged, partial=True)
            if errors:
                return invalid(errors)
            if channel == "sms_inbound" and merged["webhook_type"] is None:
                merged["webhook_type"] = "post"
        rule.update(merged)
        return ok(msg, _view(channel, rule))

    return handler


def _delete(channel: str, msg: str) -> Handler:
    def handler(s: Service, c: Ctx) -> Reply:
        rule = _rule(s, c, channel)
        if rule is None:
            return not_found("Record not found.")
        id_field = "inbound_rule_id" if channel == "sms_inbound" else "receipt_rule_id"
        del s.world.setup.rules[channel][rule[id_field]]
        return ok(msg, [])

    return handler


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    for channel, base, param in (
        ("sms_receipts", "/automations/sms/receipts", "receipt_rule_id"),
        ("voice_receipts", "/automations/voice/receipts", "receipt_rule_id"),
        ("sms_inbound", "/automations/sms/inbound", "inbound_rule_id"),
    ):
        noun = _NOUN[channel]
        one = f"{base}/{{{param}}}"
        r.add("GET", base, _list(channel, f"Your list of {noun}s."))
        r.add("POST", base, _create(channel, "Your record has been added."))
        r.add("GET", one, _get(channel, f"Your {noun}."))
        r.add("PUT", one, _update(channel, f"Your {noun} has been updated."))
        r.add("DELETE", one, _delete(channel, f"Your {noun} has been deleted."))
