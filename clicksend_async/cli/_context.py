"""What every command shares: the global options resolved, the client, errors and exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, NoReturn

import attrs
import click
from rich.console import Console

from .._client import ClickSendClient
from .._exceptions import (
    APIError,
    AuthenticationError,
    BudgetExceededError,
    ClickSendError,
    ConfigurationError,
    JournalMismatchError,
    PermissionDeniedError,
    SendOutcomeUnknownError,
    TransportError,
)
from .._session import DEFAULT_RATE_LIMIT
from ..limiters import RateLimiter
from ._exit import (
    EXIT_BUDGET,
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    exit_code_for,
)
from ._output import Output
from ._profiles import Profile, config_path, keyring_secret, load_profiles

__all__ = [
    "EXIT_BUDGET",
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "Globals",
    "Interrupted",
    "add_signal_handler",
    "execute",
    "exit_code_for",
]

NO_CREDENTIALS = (
    "no ClickSend credentials: set CLICKSEND_USERNAME and CLICKSEND_API_KEY (direct access), "
    "or MATON_API_KEY (and optionally MATON_CONNECTION) for the Maton gateway; or pass "
    "--username/--api-key or --maton-api-key, or --profile NAME; or try it out with --emulator"
)

#: Balance of the in-process emulator: generous, so demos never run out of credit.
EMULATOR_BALANCE = Decimal("1000000")


class Declined(Exception):
    """The user said no at the confirmation prompt."""


class Interrupted(Exception):
    """A signal ended the command before anything could be summarised."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@attrs.define
class Globals:
    """The group's options, resolved, plus the output and the real argv (for resume hints)."""

    output: Output
    username: str | None = None
    # Secrets stay out of the repr (a traceback or a debugger prints it).
    api_key: str | None = attrs.field(default=None, repr=False)
    maton_api_key: str | None = attrs.field(default=None, repr=False)
    connection: str | None = None
    base_url: str | None = None
    rate: float | None = None
    timeout: float = 30.0
    verbose: int = 0
    explicit_direct: bool = False
    explicit_maton: bool = False
    explicit_rate: bool = False
    explicit_timeout: bool = False
    #: Credentials came from the environment (the CLICKSEND_* / MATON_* variables).
    env_credentials: bool = False
    profile_name: str | None = None
    #: ``--limiter``: a redis:// or postgresql:// URL sharing the account's rate (may hold a
    #: password: kept out of the repr).
    limiter: str | None = attrs.field(default=None, repr=False)
    #: Asked first when SIGTERM arrives (a campaign stops gracefully); True: handled.
    on_signal: Callable[[int], bool] | None = None
    #: How the user started this program, e.g. ``["clicksend-async"]``, and its arguments.
    prog: tuple[str, ...] = ("clicksend-async",)
    argv: tuple[str, ...] = ()

    @property
    def out(self) -> Console:
        """Return the stdout console."""
        return self.output.out

    @property
    def err(self) -> Console:
        """Return the stderr console."""
        return self.output.err

    def profile(self) -> Profile | None:
        """Return the profile in use: --profile / CLICKSEND_PROFILE, else the file's default.

        The file's default applies only when neither flags nor the environment give
        credentials: a profile never hides the credentials someone just exported.
        """
        name = self.profile_name
        if name is None and (self.explicit_direct or self.explicit_maton or self.env_credentials):
            return None  # not even read: a broken config file must not block explicit credentials
        profiles, default = load_profiles(config_path())
        if name is None:
            if default is None:
                return None
            name = default
        if name not in profiles:
            where = config_path()
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigurationError(
                f"--profile {name}: {where} has no such profile (profiles: {known})"
            )
        return profiles[name]

    def client_kwargs(self, profile: Profile | None = None) -> dict[str, Any]:
        """Return the ClickSendClient options other than credentials."""
        timeout = self.timeout
        if profile is not None and profile.timeout is not None and not self.explicit_timeout:
            timeout = profile.timeout
        kwargs: dict[str, Any] = {"timeout": timeout}
        rate = self.rate
        if profile is not None and profile.rate is not None and not self.explicit_rate:
            rate = profile.rate
        if self.limiter:
            kwargs["rate_limit"] = shared_limiter(self.limiter, rate)
        elif rate is not None:
            kwargs["rate_limit"] = None if rate == 0 else rate
        return kwargs

    def make_client(self) -> ClickSendClient:
        """Build the client: flags first, then the environment (like ``from_env``), a profile."""
        profile = self.profile()
        kwargs = self.client_kwargs(profile)
        base_url = self.base_url or (profile.base_url if profile is not None else None)
        if base_url:
            kwargs["base_url"] = base_url
        if self.explicit_maton and self.explicit_direct:
            raise ConfigurationError(
                "give either --maton-api-key (Maton gateway) or --username/--api-key (direct), "
                "not both"
            )
        if profile is not None and not (self.explicit_direct or self.explicit_maton):
            return self._profile_client(profile, kwargs)
        use_gateway = self.explicit_maton or (not self.explicit_direct and self.maton_api_key)
        if use_gateway and self.maton_api_key:
            return ClickSendClient(
                maton_api_key=self.maton_api_key, connection_id=self.connection or None, **kwargs
            )
        if self.username and self.api_key:
            return ClickSendClient(username=self.username, api_key=self.api_key, **kwargs)
        if self.username or self.api_key:
            missing = "CLICKSEND_API_KEY" if self.username else "CLICKSEND_USERNAME"
            flag = "--api-key" if self.username else "--username"
            raise ConfigurationError(
                f"{missing} is not set (or pass {flag}): direct access needs both "
                "CLICKSEND_USERNAME and CLICKSEND_API_KEY"
            )
        raise ConfigurationError(NO_CREDENTIALS)

    def _profile_client(self, profile: Profile, kwargs: dict[str, Any]) -> ClickSendClient:
        where = f"profile {profile.name}"
        if profile.auth == "maton":
            secret = self.maton_api_key or keyring_secret(profile.name)
            if not secret:
                raise ConfigurationError(_no_secret(profile))
            connection = self.connection or profile.connection
            return ClickSendClient(maton_api_key=secret, connection_id=connection, **kwargs)
        username = profile.username or self.username
        if not username:
            raise ConfigurationError(
                f'{where} has no username: add username = "..." to it, or set CLICKSEND_USERNAME'
            )
        secret = self.api_key or keyring_secret(profile.name)
        if not secret:
            raise ConfigurationError(_no_secret(profile))
        return ClickSendClient(username=username, api_key=secret, **kwargs)


def shared_limiter(url: str, rate: float | None) -> RateLimiter:
    """Return the shared limiter ``--limiter`` names, pacing the whole account at ``rate``."""
    from ..limiters import PostgresRateLimiter, RedisRateLimiter

    if rate == 0:
        raise ConfigurationError("--limiter shares a rate: give --rate above 0 with it")
    per_second = DEFAULT_RATE_LIMIT if rate is None else rate
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        return RedisRateLimiter(url, rate=per_second)
    if scheme in ("postgresql", "postgres"):
        return PostgresRateLimiter(url, rate=per_second)
    raise ConfigurationError("--limiter must be a redis://... or postgresql://... URL")


def _no_secret(profile: Profile) -> str:
    return (
        f"profile {profile.name} ({profile.auth}) has no secret: set {profile.secret_variable}, "
        f"or store it in the OS keyring with: clicksend-async profiles set-key {profile.name}"
    )


@contextlib.asynccontextmanager
async def open_client(g: Globals, *, emulator: bool) -> AsyncIterator[ClickSendClient]:
    """Yield an open client: to the in-process emulator, or from flags, environment, profile."""
    if emulator:
        if g.base_url:
            raise ConfigurationError("--emulator and --base-url cannot be used together")
        from ..testing import ClickSendEmulator

        async with ClickSendEmulator(balance=EMULATOR_BALANCE) as emu:
            g.output.note(f"using the built-in emulator at {emu.url}: nothing leaves this machine")
            async with emu.client(**g.client_kwargs()) as cs:
                yield cs
        return
    cs = g.make_client()
    async with cs:
        yield cs


def describe(exc: BaseException) -> str:
    """Return a one-line, actionable description of an error (never with a credential)."""
    if isinstance(exc, AuthenticationError):
        return (
            "ClickSend refused the credentials (HTTP 401): check CLICKSEND_USERNAME and "
            "CLICKSEND_API_KEY (or MATON_API_KEY for the gateway, or the --profile's secret)"
        )
    if isinstance(exc, PermissionDeniedError):
        return f"ClickSend refused the request (HTTP 403, the account may not do this): {exc}"
    if isinstance(exc, SendOutcomeUnknownError):
        return (
            f"{exc}. The message may or may not have been sent: check the history "
            "(clicksend-async history) before sending it again"
        )
    if isinstance(exc, TransportError):
        return f"cannot reach ClickSend: {exc}; check the network, --base-url and --timeout"
    if isinstance(exc, JournalMismatchError):
        differences: Sequence[str] = getattr(exc, "differences", None) or ()
        what = f" ({'; '.join(differences)})" if differences else ""
        return (
            f"{exc}{what}. To resume, give the same CSV, --body and options as the original "
            "run; to start a new campaign, choose another --journal path"
        )
    if isinstance(exc, APIError):
        return f"ClickSend refused the request: {exc}"
    return str(exc)


@contextlib.contextmanager
def package_logging(g: Globals) -> Iterator[None]:
    """Send the package's log records to stderr (warnings always, -v info, -vv debug)."""
    from rich.logging import RichHandler

    logger = logging.getLogger("clicksend_async")
    handler = RichHandler(console=g.err, show_path=False, show_time=g.verbose > 0)
    level = logging.DEBUG if g.verbose > 1 else logging.INFO if g.verbose else logging.WARNING
    handler.setLevel(level)
    # What the plan table shows anyway (the UCS-2 hint, in the CLI's own words) is not logged.
    handler.addFilter(lambda record: not getattr(record, "shown_in_plan", False))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(min(level, previous) if previous else level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def execute(g: Globals, work: Callable[[], Awaitable[int]]) -> NoReturn:
    """Run ``work`` in a new event loop; turn every expected failure into a message + status."""
    code = EXIT_ERROR
    out = g.output
    with package_logging(g):
        try:
            code = asyncio.run(_guarded(g, work))
        except KeyboardInterrupt:
            out.error("interrupted")
            code = EXIT_INTERRUPTED
        except Interrupted as exc:
            out.error(f"interrupted ({exc}): nothing more was done")
            code = exit_code_for(exc.signum)
        except Declined:
            out.error("not confirmed: nothing was sent")
            code = EXIT_ERROR
        except BudgetExceededError as exc:
            out.error(f"over budget: {exc}")
            code = EXIT_BUDGET
        except ClickSendError as exc:
            out.error(describe(exc))
            code = EXIT_ERROR
        except UnicodeDecodeError as exc:
            out.error(f"not UTF-8 text: {exc}")
            code = EXIT_ERROR
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) and out.stdout_closed:
                # Our stdout's reader went away (``history --json | head``): what it read is
                # what it wanted. Quietly, with the status a shell expects of SIGPIPE.
                code = 128 + getattr(signal, "SIGPIPE", 13)
            else:
                where = f": {exc.filename}" if exc.filename else ""
                out.error(f"{exc.strerror or exc}{where}")
                code = EXIT_ERROR
    raise click.exceptions.Exit(code)


async def _guarded(g: Globals, work: Callable[[], Awaitable[int]]) -> int:
    """Run ``work``; SIGTERM cancels it like Ctrl-C does instead of killing the process."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[int] = []

    def on_sigterm() -> None:
        hook = g.on_signal
        if hook is not None and hook(signal.SIGTERM):
            return
        received.append(signal.SIGTERM)
        if task is not None:
            task.cancel()

    installed = add_signal_handler(loop, signal.SIGTERM, on_sigterm)
    try:
        return await work()
    except asyncio.CancelledError:
        if received:
            raise Interrupted(received[0]) from None
        raise
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


def add_signal_handler(
    loop: asyncio.AbstractEventLoop, signum: int, handler: Callable[[], Any]
) -> bool:
    """Install a loop signal handler; False where that is impossible (Windows, a thread)."""
    try:
        loop.add_signal_handler(signum, handler)
    except (NotImplementedError, RuntimeError, ValueError):
        return False
    return True
