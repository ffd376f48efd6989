"""Send a personalised campaign from a CSV file with the bulk engine, resumably.

Runs against the built-in emulator when no credentials are in the environment (nothing leaves
the machine), and against the real service when MATON_API_KEY, or CLICKSEND_USERNAME and
CLICKSEND_API_KEY, are set. The sample CSV uses ClickSend's free test numbers and numbers
reserved for fiction.

    python examples/bulk_campaign.py [RECIPIENTS.csv]

It plans first (validation, segments, price), prints the plan, sends with progress, and writes a
per-row report next to the CSV. Numbers in ``optouts.csv`` (people who replied STOP) are never
texted: they end ``invalid`` with status ``EXCLUDED``. The journal makes it resumable: run it
again after a crash and it continues where it stopped, without texting anyone twice.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from _common import client_for_example

from clicksend_async import ProgressEvent, read_recipients_csv

HERE = Path(__file__).resolve().parent


def show(event: ProgressEvent) -> None:
    if event.phase == "sending":
        print(f"  sent {event.sent}, rejected {event.rejected}, in flight {event.in_flight}")


async def main() -> None:
    csv_path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "recipients.csv"
    workdir = Path(tempfile.mkdtemp(prefix="campaign-"))
    async with client_for_example() as cs:
        job = cs.sms.bulk(
            read_recipients_csv(csv_path),
            body="Hi {first_name}, your order is ready for pickup in {city}.",
            max_cost="20.00",
            exclude=read_recipients_csv(HERE / "optouts.csv"),  # never text these
            journal=str(workdir / "journal.db"),
            on_progress=show,
        )
        plan = await job.plan()
        print(
            f"plan: {plan.messages} messages, {plan.segments} segments, cost {plan.total_cost} "
            f"{plan.currency}, {plan.invalid} invalid row(s), {plan.excluded} opted out"
        )
        if plan.ucs2_characters:
            print(f"  UCS-2 because of {''.join(plan.ucs2_characters)!r}")
        for invalid in plan.invalid_rows:
            print(f"  row {invalid.row}: {invalid.reason}")
        with await job.run() as report:
            print(report.summary())
            print("report:", report.to_csv(workdir / "report.csv"))
        job.journal.close()


if __name__ == "__main__":
    asyncio.run(main())
