"""Fixtures for the storage contract suite: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.crypto import FieldCipher, generate_key
from storage.db import create_engine, session_factory
from storage.memory import MemoryUnitOfWorkFactory
from storage.migrate import upgrade_engine
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.support.databases import pg_url, require_postgres


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Database:
    """An upgraded, empty database for one test."""

    backend: str
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    path: Path | None = None


SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# Repository behaviour that is not SQL-specific is also checked on the in-memory unit of work;
# encryption at rest, migrations, key rotation and the SQLite writer queue stay SQL-only.
ALL_BACKENDS = ["memory", *SQL_BACKENDS]


@asynccontextmanager
async def open_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """Yield a migrated empty SQL database on one backend; leave nothing behind."""
    if backend == "sqlite":
        path = tmp_path / "daybreak.db"
        url = f"sqlite+aiosqlite:///{path}"
        engine = create_engine(url)
        try:
            await upgrade_engine(engine)
            yield Database("sqlite", url, engine, session_factory(engine), path)
        finally:
            await engine.dispose()
        return
    await require_postgres()
    # A schema per test keeps tests independent and lets us drop everything afterwards.
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(pg_url())
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(pg_url(), connect_args={"server_settings": {"search_path": schema}})
        try:
            await upgrade_engine(engine)
            yield Database("postgres", pg_url(), engine, session_factory(engine))
        finally:
            await engine.dispose()
            async with admin.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


@pytest.fixture(params=SQL_BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """Yield a migrated empty database on each backend; leave nothing behind."""
    async with open_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def cipher() -> FieldCipher:
    """Return a cipher with a fresh key."""
    return FieldCipher(generate_key())


@pytest.fixture
def clock() -> FrozenClock:
    """Return a frozen clock at a fixed Monday morning."""
    return FrozenClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))


@pytest.fixture
def uow(database: Database, cipher: FieldCipher, clock: FrozenClock) -> UnitOfWorkFactory:
    """Return a unit-of-work factory on the test database."""
    return UnitOfWorkFactory(database.sessions, cipher, clock)


@pytest.fixture(params=ALL_BACKENDS)
async def any_uow(
    request: pytest.FixtureRequest, tmp_path: Path, cipher: FieldCipher, clock: FrozenClock
) -> AsyncIterator[UnitOfWorkFactory | MemoryUnitOfWorkFactory]:
    """Return a unit-of-work factory on each backend, the in-memory one included."""
    if request.param == "memory":
        yield MemoryUnitOfWorkFactory(clock)
        return
    async with open_database(request.param, tmp_path) as database:
        yield UnitOfWorkFactory(database.sessions, cipher, clock)


__all__ = ["Database", "FrozenClock", "UnitOfWork"]
