"""The bulk-send engine: big recipient sets, concurrent chunks, preflight, exactly-once."""

from ._delivery import ReceiptRecorder, poll_receipts, record_receipts
from ._engine import SMS, VOICE, BulkJob, Channel, mms_channel
from ._journal import Journal
from ._postgres_store import PostgresStore
from ._reconcile import ReconcileResult
from ._report import BulkOutcome, BulkPlan, BulkReport, InvalidRow, OutcomeState, ProgressEvent
from ._rows import BodyTemplate, RecipientsCsv, read_recipients_csv
from ._sqlite_store import SqliteStore
from ._store import CampaignStore

__all__ = [
    "SMS",
    "VOICE",
    "BodyTemplate",
    "BulkJob",
    "BulkOutcome",
    "BulkPlan",
    "BulkReport",
    "CampaignStore",
    "Channel",
    "InvalidRow",
    "Journal",
    "OutcomeState",
    "PostgresStore",
    "ProgressEvent",
    "ReceiptRecorder",
    "RecipientsCsv",
    "ReconcileResult",
    "SqliteStore",
    "mms_channel",
    "poll_receipts",
    "read_recipients_csv",
    "record_receipts",
]
