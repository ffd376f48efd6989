"""The bulk-send engine: big recipient sets, concurrent chunks, preflight, exactly-once."""

from ._delivery import ReceiptRecorder, poll_receipts, record_receipts
from ._engine import SMS, VOICE, BulkJob, Channel, mms_channel
from ._journal import Journal
from ._postgres_store import PostgresStore
from ._reconcile_one import ReconcileResult
from ._report import BulkOutcome, BulkPlan, BulkReport, InvalidRow, OutcomeState, ProgressEvent
from ._rows import BodyTemplate, RecipientsCsv, read_recipients_csv
from ._sqlite_store import SqliteStore
from ._store import CampaignStore
from ._worker import CampaignStatus, campaign_status, open_store, work

__all__ = [
    "SMS",
    "VOICE",
    "BodyTemplate",
    "BulkJob",
    "BulkOutcome",
    "BulkPlan",
    "BulkReport",
    "CampaignStatus",
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
    "campaign_status",
    "mms_channel",
    "open_store",
    "poll_receipts",
    "read_recipients_csv",
    "record_receipts",
    "work",
]
