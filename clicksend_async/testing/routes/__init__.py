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
    contacts,
    email_addresses,
    history,
    international,
    lists,
    mms,
    numbers,
    reseller,
    senders,
    sms,
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
)


def register_all(router: Router) -> None:
    """Add every route module's routes to ``router``."""
    for module in MODULES:
        module.register(router)
