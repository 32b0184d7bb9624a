"""Alembic environment: runs on a connection handed in by storage.migrate, or on its own."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_configure_and_run)
    finally:
        await engine.dispose()


def _url() -> str:
    return os.environ.get("DAYBREAK_DATABASE__URL") or str(config.get_main_option("sqlalchemy.url"))


def run() -> None:
    """Run migrations online; offline (SQL script) mode is not supported."""
    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported; pass a database URL")
    connection = config.attributes.get("connection")
    if connection is not None:
        # storage.migrate.upgrade already runs inside an event loop and hands us a connection.
        _configure_and_run(connection)
    else:
        asyncio.run(_run_with_own_engine(config.attributes.get("url") or _url()))


run()
