"""Fixtures for every test folder: real PostgreSQL and Redis servers (see tests/servers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servers import PostgresServer, RedisServer, ServerStartError


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start one PostgreSQL for the test session (fail, never skip, if it cannot start)."""
    try:
        server = PostgresServer()
        server.start()
    except ServerStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """Return the DSN of a fresh database on the (running) test PostgreSQL."""
    postgres_server.start()
    return postgres_server.create_database()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Start one Redis for the test session (fail, never skip, if it cannot start)."""
    try:
        server = RedisServer()
        server.start()
    except ServerStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """Return the URL of the (running) test Redis, emptied for this test."""
    redis_server.start()
    if redis_server.command("FLUSHALL") != b"+OK\r\n":
        pytest.fail("the test Redis did not answer FLUSHALL", pytrace=False)
    return redis_server.url
