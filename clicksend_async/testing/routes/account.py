"""Account, usage and the public country list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import Ctx, Reply, Router, invalid, ok
from .._numbers import COUNTRIES
from .._state import SUBACCOUNT_ID, USER_ID, currency_block

if TYPE_CHECKING:
    from .._app import Service


def _countries(s: Service, c: Ctx) -> Reply:
    data = [{"code": code, "value": name} for code, (name, _) in sorted(COUNTRIES.items())]
    return ok("List of Countries.", data)


def _usage(s: Service, c: Ctx) -> Reply:
    year, month = c.int_param("year"), c.int_param("month")
    errors = {}
    if year is None or not 1000 <= year <= 9999:
        errors["year"] = "The year must be a four-digit number."
    if month is None or not 1 <= month <= 12:
        errors["month"] = "The month must be a number from 1 to 12."
    if errors or year is None or month is None:
        return invalid(errors)
    return ok("Here is your usage for this month.", s.world.usage(year, month))


def _account(s: Service, c: Ctx) -> Reply:
    w = s.world
    data = {
        "user_id": USER_ID,
        "username": w.username,
        "user_email": f"{w.username}@example.com",
        "active": 1,
        "banned": 0,
        "date_sign_up": 1_700_000_000,
        "balance": f"{w.balance:.6f}",
        "user_phone": "+61400000000",
        "reply_to": "originalemail",
        "delivery_to": None,
        "user_first_name": "Emulator",
        "user_last_name": "User",
        "account": 1,
        "account_name": "ClickSend Emulator",
        "account_billing_email": f"{w.username}@example.com",
        "account_billing_mobile": "+61400000000",
        "priority": 0,
        "country": "AU",
        "country_ip": "AU",
        "default_country_sms": "AU",
        "auto_recharge": 0,
        "auto_recharge_amount": "20.00",
        "low_credit_amount": "0.00",
        "setting_unicode_sms": 0,
        "setting_email_sms_subject": 0,
        "setting_fix_sender_id": 0,
        "setting_sms_message_char_limit": 6,
        "old_dashboard": 0,
        "balance_commission": "0.000000",
        "timezone": "Australia/Melbourne",
        "price_rate": 0,
        "private_uploads": 0,
        "fax_quality": 0,
        "setting_sms_hide_your_number": 0,
        "setting_sms_hide_business_name": 0,
        "pricing_variant": 0,
        "on_trial": 0,
        "trial_expiry": None,
        "_currency": currency_block(w.currency),
        "_subaccount": {
            "subaccount_id": SUBACCOUNT_ID,
            "api_username": w.username,
            "email": f"{w.username}@example.com",
            "phone_number": "+61400000000",
            "first_name": "Emulator",
            "last_name": "User",
            "api_key": w.api_key,
            "access_smpp": 0,
            "access_users": 1,
            "access_billing": 1,
            "access_reporting": 1,
            "access_contacts": 1,
            "access_settings": 1,
            "access_sms": 1,
            "access_email": 1,
            "access_voice": 1,
            "access_fax": 1,
            "access_post": 1,
            "access_reseller": 0,
            "access_global_sending": 1,
            "access_mms": 1,
            "hide_pricing": 0,
            "share_campaigns": 0,
            "notes": None,
            "is_main": 1,
            "sign_up_type": None,
        },
        "_referrer_chosen": None,
    }
    return ok("Here's your account.", data)


def register(r: Router) -> None:
    """Add these routes to ``r``."""
    r.add("GET", "/countries", _countries, public=True)
    r.add("GET", "/account", _account)
    r.add("GET", "/account/usage/{year}/{month}/subaccount", _usage)
