"""tests/servers.py: the real servers the tests start, and the clear failure when they cannot."""

from __future__ import annotations

import pytest
from servers import PostgresServer, RedisServer, ServerStartError


class TestRedisServer:
    def test_restarts_on_the_same_port_and_empty(self, redis_server: RedisServer) -> None:
        redis_server.start()
        assert redis_server.command("SET", "k", "v") == b"+OK\r\n"
        port = redis_server.port
        redis_server.restart()
        assert redis_server.port == port
        assert redis_server.command("GET", "k") == b"$-1\r\n"  # nothing persists

    def test_a_stopped_server_is_unreachable(self, redis_server: RedisServer) -> None:
        redis_server.stop()
        assert not redis_server.running()
        assert redis_server.command("PING") is None
        redis_server.start()
        assert redis_server.command("PING") == b"+PONG\r\n"

    def test_a_missing_binary_is_a_clear_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CLICKSEND_TEST_REDIS_SERVER", "/nonexistent/redis-server")
        server = RedisServer()
        try:
            with pytest.raises(ServerStartError, match="apt-get install -y redis-server"):
                server.start()
        finally:
            server.close()


class TestPostgresServer:
    def test_committed_data_survives_an_immediate_stop(
        self, postgres_server: PostgresServer, postgres_dsn: str
    ) -> None:
        database = postgres_dsn.rsplit("/", 1)[1]
        postgres_server.psql("CREATE TABLE t (n int); INSERT INTO t VALUES (42)", database)
        postgres_server.stop()  # pg_ctl stop -m immediate: a crash, as clients see it
        assert not postgres_server.running()
        postgres_server.start()
        assert postgres_server.psql("SELECT n FROM t", database).strip() == "42"

    def test_each_test_gets_its_own_database(
        self, postgres_server: PostgresServer, postgres_dsn: str
    ) -> None:
        other = postgres_server.create_database()
        assert other != postgres_dsn
        assert postgres_dsn.startswith(f"postgresql://postgres@127.0.0.1:{postgres_server.port}/")

    def test_missing_binaries_are_a_clear_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CLICKSEND_TEST_PG_BINDIR", "/nonexistent/bin")
        with pytest.raises(ServerStartError, match="apt-get install -y postgresql"):
            PostgresServer()


def test_one_postgresql_serves_every_test_folder(postgres_server: PostgresServer) -> None:
    # One session fixture, in tests/conftest.py: no folder starts a server of its own.
    from pathlib import Path

    tests = Path(__file__).parent
    for conftest in tests.rglob("conftest.py"):
        if conftest.parent != tests:
            text = conftest.read_text(encoding="utf-8")
            assert "def postgres_server" not in text and "initdb" not in text, conftest
    assert isinstance(postgres_server, PostgresServer) and postgres_server.running()
