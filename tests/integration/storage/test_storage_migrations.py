"""Migrations build the schema the models describe, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from storage.db import create_engine, is_postgres
from storage.migrate import current_revision, upgrade, upgrade_engine
from storage.models import Base


async def test_upgraded_schema_matches_models(database):
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert version == "0011_audit_chain"
    assert is_postgres(database.engine) == (database.backend == "postgres")


async def test_upgrade_twice_is_harmless(database):
    await upgrade_engine(database.engine)
    async with database.engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM alembic_version"))
    assert count == 1


async def test_upgrade_by_url_does_not_depend_on_working_directory(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    assert await current_revision(url) is None
    await upgrade(url)
    assert await current_revision(url) == "0011_audit_chain"
    assert not any(Path(elsewhere).iterdir())  # noqa: ASYNC240 - a tiny local directory


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
            assert await connection.scalar(text("PRAGMA busy_timeout")) > 0
    finally:
        await engine.dispose()


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        create_engine("mysql+aiomysql://x@localhost/db")
