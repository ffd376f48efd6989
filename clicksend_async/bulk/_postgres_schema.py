"""PostgresStore's schema, its SQL helpers and the DSN redaction (no I/O here)."""

from __future__ import annotations

import importlib
import logging
import re
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from .._exceptions import ConfigurationError, JournalError

__all__ = ["CAMPAIGN_STATES", "StoreUnreachableError", "redact_dsn"]

logger = logging.getLogger("clicksend_async.bulk")

#: The shared states of a campaign: ``open`` (send), ``stopping`` (claim nothing more; chunks in
#: flight finish), ``aborted`` (stop: out of credit, credentials refused ...).
CAMPAIGN_STATES: Final = ("open", "stopping", "aborted")

_OPEN: Final = ("in_flight", "in_doubt", "unknown")

#: The state a report shows for each row, exactly as the SQLite journal reports it.
_REPORTED: Final = (
    "CASE WHEN state IS NOT NULL THEN state WHEN chunk IS NOT NULL THEN 'unknown' "
    "WHEN tried > 0 THEN 'not_sent' ELSE 'skipped' END"
)

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")

#: Columns of ``rows`` that :meth:`PostgresStore.add_rows` loads with COPY.
_COPY_COLUMNS: Final = (
    "campaign",
    "row",
    "custom_string",
    "recipient",
    "payload",
    "parts",
    "encoding",
    "state",
    "status",
    "reason",
)

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE SEQUENCE IF NOT EXISTS {s}.epochs;
CREATE TABLE IF NOT EXISTS {s}.campaigns (
    campaign text PRIMARY KEY,
    meta jsonb NOT NULL DEFAULT '{{}}',
    state text NOT NULL DEFAULT 'open',
    reason text,
    planner text,
    planner_until timestamptz,
    reconciler text,
    reconciler_until timestamptz,
    budget numeric,
    committed numeric NOT NULL DEFAULT 0,
    unsent text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS {s}.rows (
    campaign text NOT NULL,
    row integer NOT NULL,
    custom_string text,
    recipient text,
    payload text,
    parts integer,
    encoding text,
    est_price text,
    state text,
    status text,
    message_id text,
    price text,
    reason text,
    chunk bigint,
    attempts integer NOT NULL DEFAULT 0,
    delivery text,
    delivery_status text,
    tried integer NOT NULL DEFAULT 0,
    resend boolean NOT NULL DEFAULT false,
    PRIMARY KEY (campaign, row)
);
CREATE INDEX IF NOT EXISTS rows_chunk ON {s}.rows (campaign, chunk) WHERE chunk IS NOT NULL;
CREATE INDEX IF NOT EXISTS rows_pending ON {s}.rows (campaign, row)
    WHERE state IS NULL AND chunk IS NULL;
CREATE TABLE IF NOT EXISTS {s}.chunks (
    chunk bigserial PRIMARY KEY,
    campaign text NOT NULL,
    epoch bigint NOT NULL,
    owner text NOT NULL,
    state text NOT NULL,
    size integer NOT NULL,
    resend boolean NOT NULL DEFAULT false,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    lease_until timestamptz NOT NULL,
    window_from double precision,
    window_to double precision,
    error text
);
CREATE INDEX IF NOT EXISTS chunks_open ON {s}.chunks (campaign, chunk)
    WHERE state IN ('in_flight', 'in_doubt', 'unknown');
"""


class StoreUnreachableError(JournalError):
    """The store's server cannot be reached (down, restarting, the connection cut): nothing
    was sent on its word; a worker waits for it to come back (:func:`~._worker.work`)."""


def _unreachable(exc: BaseException) -> bool:
    """Return True for a failure of the connection rather than of a statement."""
    asyncpg = _asyncpg()
    return isinstance(
        exc,
        OSError
        | asyncpg.InterfaceError
        | asyncpg.PostgresConnectionError
        | asyncpg.CannotConnectNowError
        | asyncpg.AdminShutdownError
        | asyncpg.CrashShutdownError,
    )


def _asyncpg() -> Any:
    """Import asyncpg on first use: the package works without it until a store is opened."""
    try:
        return importlib.import_module("asyncpg")
    except ImportError:
        raise ConfigurationError(
            "PostgresStore needs asyncpg: pip install 'clicksend-async[postgres]'"
        ) from None


def redact_dsn(dsn: str) -> str:
    """Return a DSN without its password (for messages, reprs and logs)."""
    if "://" in dsn:
        parts = urlsplit(dsn)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.split(':', 1)[0]}@{host}"
        query = re.sub(r"(?i)(^|&)password=[^&]*", r"\1password=***", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    return re.sub(r"(?i)password\s*=\s*('[^']*'|\S+)", "password=***", dsn)


def _money(text: str | None) -> Decimal:
    return Decimal(text) if text else Decimal(0)
