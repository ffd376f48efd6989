"""The emulator's routes, one module per ClickSend resource, over the shared state model.

Each module defines its handlers (``def handler(s: Service, c: Ctx) -> Reply``) and a
``register(router: Router) -> None`` that adds them; :data:`MODULES` lists the modules in the
order their routes are added (static paths first match by dict, templated ones in order). State
lives in :class:`~clicksend_async.testing._world.World` (``s.world``), never in a route module.
The Maton control plane (``/ctrl``) has its own router: :mod:`.connections`.
"""

from __future__ import annotations

from types import ModuleType

from .._http import Router
from . import (
    account,
    automations,
    billing,
    campaigns,
    contacts,
    delivery_issues,
    email,
    email_addresses,
    email_campaigns,
    email_receipts,
    email_sms,
    fax,
    history,
    international,
    lists,
    mms,
    numbers,
    post,
    post_addresses,
    reseller,
    senders,
    short_urls,
    sms,
    sms_tests,
    subaccounts,
    templates,
    uploads,
    voice,
)

#: The API's route modules, registered in this order.
MODULES: tuple[ModuleType, ...] = (
    account,
    history,
    sms,
    mms,
    voice,
    templates,
    lists,
    contacts,
    email_addresses,
    # Part A of the rest of the API (issue 19).
    automations,
    uploads,
    international,
    subaccounts,
    billing,
    reseller,
    numbers,
    senders,
    # Part B: campaigns, email, post, fax and the rest.
    campaigns,
    email_sms,
    email,
    email_campaigns,
    email_receipts,
    delivery_issues,
    short_urls,
    sms_tests,
    post_addresses,
    post,
    fax,
)


def register_all(router: Router) -> None:
    """Add every route module's routes to ``router``."""
    for module in MODULES:
        module.register(router)


def served_operations() -> list[tuple[str, str]]:
    """Return every (method, path pattern) the emulator's API router serves.

    The coverage table (``scripts/coverage.py``) reads this to say which operations are emulated.
    """
    from .._app import _api_router  # the router is built by the app; imported late (a cycle)

    router = _api_router()
    served = [(method, pattern) for method, pattern in router.static]
    served += [(route.method, route.pattern) for route in router.dynamic]
    return served
