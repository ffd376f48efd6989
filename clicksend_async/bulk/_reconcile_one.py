"""One send's unknown outcome, looked up in the history with the engine's reconciler
(``sms.reconcile(error)`` and its MMS and voice twins)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .._exceptions import SendOutcomeUnknownError
from .._session import Session
from ._channels import _int
from ._history import HistoryReader
from ._lookups import CLOCK_REACH
from ._reconcile import provable

__all__ = ["ReconcileResult", "reconcile_unknown"]


@attrs.frozen(kw_only=True)
class ReconcileResult:
    """What the history says about the messages of a send whose outcome was unknown.

    ``sent`` maps each custom_string found to its history record (it went out: do not send it
    again); ``not_sent`` lists the custom_strings a complete read past the settle time did not
    find (safe to send again); ``unknown`` those that could not be looked up (no
    custom_string, or ClickSend's clock unknown) or that the history cannot settle: a record
    dated before the request's window (the history's clock runs behind the ``Date`` header's,
    or an earlier message had the same custom_string), or an absence that proves nothing (a
    custom_string that is not plain ASCII of at most 64 characters without a space at either
    end: the history may not return it as sent).
    """

    sent: Mapping[str, Mapping[str, Any]]
    not_sent: tuple[str, ...]
    unknown: tuple[int, ...] = ()  # indexes into the error's ``messages``

    @property
    def all_sent(self) -> bool:
        """Return True when every message of the request went out."""
        return not self.not_sent and not self.unknown


async def reconcile_unknown(
    session: Session,
    history_path: str,
    error: SendOutcomeUnknownError,
    *,
    settle: float = 2.0,
    sleep: Callable[[float], Any] = asyncio.sleep,
    timeout: float | None = None,
) -> ReconcileResult:
    """Look the messages of ``error`` up in the history (the engine's reconciler, for one send).

    Waits until ClickSend's clock is ``settle`` seconds past the request, then reads by
    recipient (``q=to:...``, documented) from the request's window to the present.
    """
    want: dict[str, str | None] = {}
    index_of: dict[str, int] = {}  # each custom string's (first) message
    unknown: list[int] = []
    for index, message in enumerate(error.messages):
        custom = message.get("custom_string")
        to = message.get("to")
        if isinstance(custom, str) and custom:
            want[custom] = to if isinstance(to, str) else None
            index_of.setdefault(custom, index)
        else:
            unknown.append(index)
    window = error.window
    if window is None:
        # No answer ever said what time it is at ClickSend: absence cannot be proved.
        return ReconcileResult(sent={}, not_sent=(), unknown=tuple(range(len(error.messages))))
    if not want:
        return ReconcileResult(sent={}, not_sent=(), unknown=tuple(unknown))
    wait = session.server_clock.wait_until(window[1] + settle)
    if wait:
        await sleep(wait)
    date_from = math.floor(window[0])
    found: dict[str, Mapping[str, Any]] = {}
    reader = HistoryReader(session, history_path, timeout)
    recipients = sorted({to for to in want.values() if to})
    if all(want.values()) and len(recipients) <= 20:
        # One documented single-recipient search each: exact, and cheap for a few messages.
        for to in recipients:
            # From an hour earlier: a history dated behind the Date header's clock (see
            # CLOCK_REACH) must not hide a message that went out (found so, it is unknown).
            params = {"date_from": date_from - CLOCK_REACH, "q": f"to:{to}"}
            first = await reader.page(params, 1)
            found.update(await reader.scan(params, first, want))
    else:
        params = {"date_from": date_from}
        first = await reader.page(params, 1)
        found.update(await reader.scan(params, first, want))
    # A record dated before the window is not the request's own by the Date header's clock:
    # the history's clock runs behind it, or an earlier message carried the same custom
    # string. Either way it proves nothing, neither sent nor absent.
    ambiguous = {c for c, record in found.items() if _dated_before(record, date_from)}
    for custom in ambiguous:
        del found[custom]
    # A custom string the history may not return as sent (see ``provable``) is not proved
    # absent by its record's absence: that message stays unknown.
    missing = [c for c in want if c not in found and c not in ambiguous]
    unknown += [index_of[c] for c in ambiguous]
    unknown += [index_of[c] for c in missing if not provable(c)]
    return ReconcileResult(
        sent=found,
        not_sent=tuple(c for c in missing if provable(c)),
        unknown=tuple(sorted(unknown)),
    )


def _dated_before(record: Mapping[str, Any], date_from: int) -> bool:
    dated = _int(record.get("date"))
    return dated is not None and dated < date_from
