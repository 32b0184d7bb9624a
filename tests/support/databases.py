"""Throw-away databases for tests and benchmarks: a SQLite file, or a private PostgreSQL schema.

A PostgreSQL database here is a fresh role whose own schema has the role's name. PostgreSQL's
default search path ("$user", public) then puts every table of an app connected as that role into
that schema, so the real `build_app(settings)` can be used unchanged and dropped afterwards.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import App, build_app, load_library
from bot.config import Settings
from flows.library import FlowLibrary
from scheduler.clock import Clock
from storage.crypto import generate_key
from storage.db import create_engine

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")
_pg_unreachable: list[str] = []  # memo: probe the server once per process


def pg_url() -> str:
    """The PostgreSQL URL for tests."""
    return os.environ.get("DAYBREAK_TEST_POSTGRES_URL", DEFAULT_PG_URL)


async def postgres_problem() -> str:
    """Why PostgreSQL cannot be used here ('' when it can); probed once."""
    if not _pg_unreachable:
        probe = create_engine(pg_url(), connect_args={"timeout": 3})
        try:
            async with probe.connect() as connection:
                await connection.execute(text("SELECT 1"))
            _pg_unreachable.append("")
        except Exception as exc:  # any failure to connect means "not available here"
            _pg_unreachable.append(f"PostgreSQL unreachable at {pg_url()}: {exc!r}"[:300])
        finally:
            await probe.dispose()
    return _pg_unreachable[0]


async def require_postgres() -> None:
    """Skip the test when PostgreSQL is unreachable; fail instead if CI demands it."""
    reason = await postgres_problem()
    if reason:
        if os.environ.get("DAYBREAK_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (DAYBREAK_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """Yield the URL of an empty private schema; drop it (and its role) afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin_url = make_url(pg_url())
    password = admin_url.password
    admin = create_engine(pg_url())
    try:
        async with admin.begin() as connection:
            secret = f" PASSWORD '{password}'" if password else ""
            await connection.execute(text(f'CREATE ROLE "{name}" LOGIN{secret}'))
            await connection.execute(text(f'CREATE SCHEMA "{name}" AUTHORIZATION "{name}"'))
        try:
            yield admin_url.set(username=name).render_as_string(hide_password=False)
        finally:
            async with admin.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
                await connection.execute(text(f'DROP ROLE "{name}"'))
    finally:
        await admin.dispose()


@asynccontextmanager
async def database_url(backend: str, folder: Path) -> AsyncIterator[str]:
    """Yield the URL of an empty database on `backend` ('sqlite' in `folder`, or 'postgres')."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'daybreak.db'}"
        return
    async with postgres_database() as url:
        yield url


def app_settings(url: str, *, data_key: str | None = None, **programme: Any) -> Settings:
    """Settings for a test app: the given database, a fixed data key, programme overrides."""
    return Settings(
        database={"url": url},
        security={"data_key": data_key or generate_key()},
        programme=programme,
    )


@functools.cache
def _parsed_programme(path: Path, files: tuple[tuple[str, int, int], ...]) -> FlowLibrary:
    return load_library(path)  # `files` is only the key: a test that edits a file gets it anew


def programme_library(path: Path) -> FlowLibrary:
    """A fresh library of the programme at `path`, parsed and checked once per test process.

    Parsing and checking the shipped programme takes seconds; the flows themselves are never
    changed, so each app gets its own library (its own older revisions) over the same flows.
    """
    found = (f for f in sorted(path.resolve().rglob("*")) if f.is_file())
    files = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in found)
    parsed = _parsed_programme(path.resolve(), files)
    return FlowLibrary(parsed.settings, parsed.flows.values())


@asynccontextmanager
async def running_app(
    settings: Settings, clock: Clock, library: FlowLibrary | None = None
) -> AsyncIterator[App]:
    """Build the real app and close it afterwards, whatever happens."""
    library = library or programme_library(settings.programme.path)
    app = await build_app(settings, clock=clock, library=library)
    try:
        yield app
    finally:
        await app.close()
