"""A campaign worker process for the chaos, fencing and outage tests (tests/bulk/test_chaos.py).

``python tests/bulk/campaign_worker.py JSON`` where JSON holds ``url`` (the emulator), ``dsn``,
``campaign``, the store's ``lease`` and ``grace``, and the worker's options. It runs
``cs.bulk.work(store)`` until the campaign is finished, as a supervised worker would, then
prints ``done`` and exits 0. With ``"fencing": false`` the pre-send lease guard is switched off
(the control of the fencing test: it must then text someone twice).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any


async def main(config: dict[str, Any]) -> None:
    from clicksend_async import ClickSendClient
    from clicksend_async.bulk import PostgresStore

    if not config.get("fencing", True):
        from clicksend_async.bulk import _send

        def no_guard(self: Any, claim: Any) -> Any:
            async def guard(info: Any) -> None:
                return None

            return guard

        _send.ChunkSender._lease_guard = no_guard  # type: ignore[method-assign]

    limiter: Any = config.get("rate")
    if config.get("redis"):
        from clicksend_async.limiters import RedisRateLimiter

        limiter = RedisRateLimiter(
            config["redis"], rate=config["rate"], fallback_rate=config.get("fallback_rate")
        )
    store = PostgresStore(
        config["dsn"], config["campaign"], lease=config["lease"], grace=config["grace"]
    )
    async with ClickSendClient(
        username="emulator",
        api_key="emulator-api-key",
        base_url=config["url"],
        rate_limit=limiter,
        timeout=config.get("timeout", 5.0),
    ) as cs:
        try:
            while True:
                with await cs.bulk.work(
                    store,
                    concurrency=config.get("concurrency", 2),
                    reconcile_settle=config.get("settle", 0.5),
                    send_timeout=config.get("send_timeout"),
                    throttle_pause=config.get("throttle_pause", 0.3),
                    max_attempts=config.get("max_attempts", 1000),
                    store_outage=config.get("store_outage", 120.0),
                ):
                    pass
                if (await cs.bulk.status(store)).finished:
                    break
                await asyncio.sleep(0.2)
        finally:
            await store.close()
    print("done", flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(main(json.loads(sys.argv[1])))
