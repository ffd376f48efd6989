"""Fixtures for every test folder: real PostgreSQL and Redis servers (see tests/servers.py)."""

from servers import postgres_dsn, postgres_server, redis_server, redis_url

__all__ = ["postgres_dsn", "postgres_server", "redis_server", "redis_url"]
