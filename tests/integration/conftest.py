"""Fixtures the integration suites share: an empty database on each backend, and a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scheduler.clock import FrozenClock
from tests.support.databases import database_url, require_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on each backend (PostgreSQL: a private schema, dropped afterwards)."""
    if request.param == "postgres":
        await require_postgres()
    async with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 5 January 2026, 09:00 UTC (09:00 in London), until a test moves it."""
    return FrozenClock()
