"""Engines and sessions for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

DEFAULT_URL = "sqlite+aiosqlite:///./daybreak.db"
# Long enough to ride out another writer's commit, short enough to surface real deadlocks.
SQLITE_BUSY_TIMEOUT_MS = 15_000


def create_engine(url: str = DEFAULT_URL, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        # Recycle dead connections after a server restart instead of failing one request.
        kwargs.setdefault("pool_pre_ping", True)
        return _create_async_engine(url, **kwargs)
    raise ValueError(f"unsupported database backend: {parsed.get_backend_name()}")


def _sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    engine = _create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Pragmas are per connection, so they are set on every new pooled connection.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL makes NORMAL durable against application crashes; only power loss can drop
        # the last commits, which the outbox design tolerates.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a session factory; objects stay usable after commit."""
    # expire_on_commit=False: with async I/O an expired attribute cannot lazy-load.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def is_postgres(engine: AsyncEngine) -> bool:
    """Tell whether the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def is_sqlite(engine: AsyncEngine) -> bool:
    """Tell whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"
