"""Builders behind ``client.sms.bulk`` / ``mms.bulk`` / ``voice.bulk``: options to a BulkJob."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypedDict, Unpack

from .._converter import unstructure
from .._session import Session
from .._validation import Limits
from ..models.messages import SmsSender
from ._engine import SMS, VOICE, BulkJob, Recipients, mms_channel
from ._jobstate import ProgressHook
from ._journal import Journal
from ._store import CampaignStore

__all__ = [
    "BulkOptions",
    "MmsBulkArgs",
    "SmsBulkArgs",
    "VoiceBulkArgs",
    "mms_job",
    "sms_job",
    "voice_job",
]


class BulkOptions(TypedDict, total=False):
    """Engine options shared by every channel (see ``SmsResource.send_bulk``).

    Typed, so a misspelt option (``max_cots=``) is a type error, not a silent default.
    """

    chunk_size: int
    concurrency: int
    preflight: bool | Literal["key", "exact"]
    max_cost: Decimal | float | str | None
    max_segments: int | None
    check_balance: bool
    dry_run: bool
    dedupe: bool | Literal["number"]
    allow_empty_fields: bool
    transliterate: bool
    exclude: Iterable[Any] | None
    exclude_lists: Iterable[int | str]
    journal: str | Journal | None
    store: CampaignStore | None
    resume: bool | None
    on_progress: ProgressHook | None
    limits: Limits
    reconcile_settle: float
    throttle_pause: float
    max_attempts: int
    send_timeout: float | None
    sleep: Callable[[float], Awaitable[Any]]
    clock: Callable[[], float]


class SmsBulkArgs(BulkOptions, total=False):
    """Everything ``sms.send_bulk`` / ``stream_bulk`` take after the recipients."""

    body: str | None
    from_: str | None
    schedule: datetime | int | None
    country: str | None
    source: str | None
    shorten_urls: bool | None
    senders: Iterable[SmsSender | Mapping[str, Any]] | None


class MmsBulkArgs(BulkOptions, total=False):
    """Everything ``mms.send_bulk`` / ``stream_bulk`` take after the media file and recipients."""

    subject: str | None
    body: str | None
    from_: str | None
    schedule: datetime | int | None
    country: str | None
    source: str | None


class VoiceBulkArgs(BulkOptions, total=False):
    """Everything ``voice.send_bulk`` / ``stream_bulk`` take after the recipients."""

    body: str | None
    voice: str
    lang: str
    from_: str | None
    schedule: datetime | int | None
    country: str | None
    source: str | None
    require_input: int | None
    machine_detection: int | None


def _defaults(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def sms_job(
    session: Session,
    recipients: Recipients,
    *,
    body: str | None = None,
    from_: str | None = None,
    schedule: datetime | int | None = None,
    country: str | None = None,
    source: str | None = None,
    shorten_urls: bool | None = None,
    senders: Iterable[SmsSender | Mapping[str, Any]] | None = None,
    **options: Unpack[BulkOptions],
) -> BulkJob:
    """Build an SMS campaign job."""
    extra: dict[str, Any] = {}
    if shorten_urls is not None:
        extra["shorten_urls"] = shorten_urls
    if senders is not None:
        extra["senders"] = [s if isinstance(s, Mapping) else unstructure(s) for s in senders]
    return BulkJob(
        session,
        SMS,
        recipients,
        body=body,
        defaults=_defaults(from_=from_, schedule=schedule, country=country, source=source),
        request_extra=extra,
        **options,
    )


def mms_job(
    session: Session,
    media_file: str,
    recipients: Recipients,
    *,
    subject: str | None = None,
    body: str | None = None,
    from_: str | None = None,
    schedule: datetime | int | None = None,
    country: str | None = None,
    source: str | None = None,
    **options: Unpack[BulkOptions],
) -> BulkJob:
    """Build an MMS campaign job (one media file for every message)."""
    return BulkJob(
        session,
        mms_channel(media_file),
        recipients,
        body=body,
        defaults=_defaults(
            subject=subject, from_=from_, schedule=schedule, country=country, source=source
        ),
        request_extra={"media_file": media_file},
        **options,
    )


def voice_job(
    session: Session,
    recipients: Recipients,
    *,
    body: str | None = None,
    voice: str = "female",
    lang: str = "en-us",
    from_: str | None = None,
    schedule: datetime | int | None = None,
    country: str | None = None,
    source: str | None = None,
    require_input: int | None = None,
    machine_detection: int | None = None,
    **options: Unpack[BulkOptions],
) -> BulkJob:
    """Build a voice (text-to-speech) campaign job."""
    return BulkJob(
        session,
        VOICE,
        recipients,
        body=body,
        defaults=_defaults(
            voice=voice,
            lang=lang,
            from_=from_,
            schedule=schedule,
            country=country,
            source=source,
            require_input=require_input,
            machine_detection=machine_detection,
        ),
        **options,
    )
