"""A campaign script over a CSV: plan, send resumably, then collect delivery receipts.

Run: ``python examples/campaign_script.py [RECIPIENTS.csv] [--rows N]``

Without a CSV it writes one of ``--rows`` rows (2,000 by default; the script is the same at
50,000) to a temporary directory. It reads the client from the environment
(``ClickSendClient.from_env()``: ``CLICKSEND_USERNAME``/``CLICKSEND_API_KEY``, and
``CLICKSEND_BASE_URL`` to point at a standalone emulator started with
``python -m clicksend_async.testing --port 8080``). With no credentials at all it starts the
built-in emulator in-process and sets those variables to it.

What it shows beyond ``bulk_campaign.py``: structured logs (every record from the
``clicksend_async`` logger carries ``method``, ``path``, ``status``, ``attempt`` and ``duration``
in ``extra``; here they are printed as ``key=value``), a response hook that counts statuses and
reads ClickSend's rate-limit headers, and receipts polled into the journal with
``poll_receipts(cs, journal)`` so that the report says delivered vs failed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import has_credentials

from clicksend_async import ClickSendClient, ResponseEvent, poll_receipts, read_recipients_csv
from clicksend_async.testing import ClickSendEmulator

FIELDS = ("method", "path", "status", "attempt", "duration", "chunk", "failure", "wait")


class KeyValueFormatter(logging.Formatter):
    """Append the structured fields a record carries, as a log shipper would index them."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{key}={getattr(record, key)!r}"
            for key in FIELDS
            if getattr(record, key, None) is not None
        )
        return f"{super().format(record)}  [{fields}]" if fields else super().format(record)


def write_csv(path: Path, rows: int) -> Path:
    """Write ``rows`` recipients; every 50th number is undeliverable in the emulator."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "first_name", "code"])
        for i in range(1, rows + 1):
            ending = "0000" if i % 50 == 0 else f"{i % 10000:04d}"
            writer.writerow([f"+614{i // 10000:04d}{ending}", f"Customer{i}", f"C{i:05d}"])
    return path


async def run(csv_path: Path, workdir: Path, **client_options: Any) -> None:
    """Plan and send the campaign, then poll receipts into its journal and report."""
    statuses: collections.Counter[int] = collections.Counter()
    remaining: list[str] = []

    def on_response(event: ResponseEvent) -> None:
        statuses[event.status] += 1
        left = event.header("x-ratelimit-remaining")
        if left is not None:
            remaining.append(left)

    async with ClickSendClient.from_env(on_response=on_response, **client_options) as cs:
        print(f"client: {cs.mode} mode, {cs.base_url}")
        job = cs.sms.bulk(
            read_recipients_csv(csv_path),
            body="Hi {first_name}, your voucher {code} expires Friday. Reply STOP to opt out.",
            journal=str(workdir / "journal.db"),
        )
        plan = await job.plan()
        print(f"plan: {plan.messages} messages, {plan.segments} segments, {plan.total_cost}")
        with await job.run() as report:
            print(report.summary())
        await asyncio.sleep(0.2)  # the emulator's receipts are due shortly after sending
        matched = await poll_receipts(cs, job.journal, mark_read=True)
        print(f"receipts matched to rows: {matched}; deliveries: {job.journal.delivery_counts()}")
        job.journal.close()
    print(f"HTTP statuses seen by the hook: {dict(statuses)}")
    if remaining:
        print(f"last x-ratelimit-remaining: {remaining[-1]}")


async def main() -> None:
    """Parse arguments, find or write the CSV, pick the service, run."""
    parser = argparse.ArgumentParser(description="Send a campaign over a CSV file.")
    parser.add_argument("csv", nargs="?", type=Path)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(KeyValueFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger("clicksend_async").addHandler(handler)
    logging.getLogger("clicksend_async").setLevel(logging.INFO)

    workdir = Path(tempfile.mkdtemp(prefix="campaign-"))
    csv_path = args.csv or write_csv(workdir / "recipients.csv", args.rows)
    if has_credentials() or os.environ.get("CLICKSEND_BASE_URL"):
        await run(csv_path, workdir)
        return
    async with ClickSendEmulator(
        receipt_delay=0.1, rate_limit=10, rate_window=1.0, balance="1000.00"
    ) as emulator:
        print(f"No credentials in the environment: using the built-in emulator at {emulator.url}.")
        os.environ.update(
            CLICKSEND_USERNAME=emulator.username,
            CLICKSEND_API_KEY=emulator.api_key,
            CLICKSEND_BASE_URL=emulator.url,
        )
        # No client-side limit against the emulator's 10 a second: its 429s show the waits
        # (logged at INFO with their fields) and that nothing is sent twice.
        await run(csv_path, workdir, rate_limit=None)


if __name__ == "__main__":
    asyncio.run(main())
