"""``python -m clicksend_async.testing``: run the emulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ._emulator import ClickSendEmulator
from ._faults import parse_faults

__all__ = ["LISTENING", "build_parser", "emulator_options", "main", "request_logger", "serve"]

LISTENING = "ClickSend emulator listening on {base}"


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal amount: {text!r}") from None


def _faults(text: str) -> str:
    try:
        parse_faults(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _seed(text: str) -> int | str:
    return int(text) if text.lstrip("-").isdigit() else text


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser of the standalone emulator."""
    p = argparse.ArgumentParser(
        prog=prog or "python -m clicksend_async.testing",
        description="Run a local, stateful ClickSend REST v3 emulator (and Maton gateway).",
    )
    add = p.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    add("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    add("--username", default="emulator", help="API username (default: %(default)s)")
    add("--api-key", default="emulator-api-key", help="API key (default: %(default)s)")
    add(
        "--maton-api-key",
        default="emulator-maton-key",
        help="Maton gateway key (default: %(default)s)",
    )
    add("--balance", type=_decimal, default=Decimal("100.00"), help="starting balance")
    add("--currency", default="AUD", help="account currency (default: %(default)s)")
    add("--latency-ms", type=float, default=0.0, help="added latency per request")
    add("--rate-limit", type=int, default=None, help="requests allowed per window")
    add("--rate-window", type=float, default=1.0, help="rate-limit window in seconds")
    add(
        "--faults",
        type=_faults,
        default=None,
        metavar="SPEC",
        help='fault probabilities, e.g. "429=0.1,commit-500=0.02,/sms/send:commit-drop=0.01"',
    )
    add("--seed", type=_seed, default=None, help="seed for faults and ids (reproducible runs)")
    add("--log", default=None, metavar="FILE", help="append each accepted message as JSON")
    add(
        "--request-log",
        default=None,
        metavar="FILE",
        help="append one JSON line per request: arrival time, method, path, status",
    )
    add("--throttle-window", type=float, default=5.0, help="THROTTLED window in seconds")
    add("--hang-seconds", type=float, default=60.0, help="how long commit-hang holds a request")
    add("--receipt-url", default=None, help="POST delivery receipts to this URL")
    add("--inbound-url", default=None, help="POST inbound replies to this URL")
    add("--inbound-format", choices=("form", "json"), default="form")
    add("--receipt-delay", type=float, default=0.5, help="seconds until a receipt exists")
    add("--auto-reply", default=None, metavar="TEXT", help="reply TEXT to every delivered SMS")
    add(
        "--enabled-countries",
        default=None,
        metavar="CODES",
        help="comma-separated ISO codes; others get COUNTRY_NOT_ENABLED (default: all)",
    )
    add(
        "--no-free-test-numbers",
        action="store_true",
        help="charge ClickSend's documented test numbers like any other number",
    )
    add("--verbose", action="store_true", help="log every request to stderr")
    return p


def emulator_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the ClickSendEmulator arguments for parsed command-line options."""
    return {
        "host": args.host,
        "port": args.port,
        "username": args.username,
        "api_key": args.api_key,
        "maton_api_key": args.maton_api_key,
        "balance": args.balance,
        "currency": args.currency,
        "latency_ms": args.latency_ms,
        "rate_limit": args.rate_limit,
        "rate_window": args.rate_window,
        "faults": args.faults,
        "seed": args.seed,
        "log": args.log,
        "throttle_window": args.throttle_window,
        "hang_seconds": args.hang_seconds,
        "receipt_url": args.receipt_url,
        "inbound_url": args.inbound_url,
        "inbound_format": args.inbound_format,
        "receipt_delay": args.receipt_delay,
        "auto_reply": args.auto_reply,
        "enabled_countries": (
            None
            if args.enabled_countries is None
            else [c.strip() for c in args.enabled_countries.split(",") if c.strip()]
        ),
        "free_test_numbers": not args.no_free_test_numbers,
        "quiet": not args.verbose,
    }


def request_logger(handle: IO[str]) -> Middleware:
    """Return a middleware that writes one JSON line per request to ``handle`` once answered.

    Each line is ``{"t": ARRIVAL, "method": ..., "path": ..., "status": ...}``, ``t`` in Unix
    seconds from this host's clock (so another process can compare it with its own times) and
    taken before the emulated latency; ``status`` is null when the answer never left (the client
    went away). A line says nothing of the body or the headers: no credentials.
    """

    @web.middleware
    async def log_request(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived = time.time()
        status: int | None = None
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            line = {"t": arrived, "method": request.method, "path": request.path}
            handle.write(json.dumps({**line, "status": status}) + "\n")
            handle.flush()

    return log_request


def _announce(emulator: ClickSendEmulator) -> None:
    print(LISTENING.format(base=emulator.base), flush=True)


async def serve(
    options: dict[str, Any],
    *,
    announce: Callable[[ClickSendEmulator], None] = _announce,
    request_log: str | None = None,
) -> None:
    """Run an emulator with ``options`` until SIGINT or SIGTERM (shared with the click CLI)."""
    emulator = ClickSendEmulator(
        **options,
        # Nobody outside the process can read ``emu.requests``: recording would only grow.
        record_requests=False,
    )
    with contextlib.ExitStack() as files:
        if request_log is not None:
            # Opened before serving and kept open for line-by-line appends, like --log.
            handle = files.enter_context(open(request_log, "a", encoding="utf-8"))  # noqa: ASYNC230
            emulator.app.middlewares.append(request_logger(handle))
        await _serve(emulator, announce)


async def _serve(
    emulator: ClickSendEmulator, announce: Callable[[ClickSendEmulator], None]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    await emulator.start()
    try:
        announce(emulator)
        await stop.wait()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        await emulator.close()


def main(argv: list[str] | None = None) -> int:
    """Run the emulator from command-line arguments; return the exit status."""
    args = build_parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        asyncio.run(serve(emulator_options(args), request_log=args.request_log))
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
