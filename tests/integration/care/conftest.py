"""Fixtures for the patient-journey suite: the real app on SQLite and on PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # `tests.support` lives beside the suites, not in a package
    sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from scheduler.clock import FrozenClock  # noqa: E402
from tests.support.databases import (  # noqa: E402
    app_settings,
    database_url,
    require_postgres,
    running_app,
)
from tests.support.journey import Patient  # noqa: E402


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on each backend (PostgreSQL: a private schema, dropped afterwards)."""
    if request.param == "postgres":
        await require_postgres()
    async with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 5 January 2026, 09:00 UTC, until a test moves it."""
    return FrozenClock()


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings for the default programme on the test database."""
    return app_settings(db_url)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[App]:
    """The real application, built as `daybreak run` would build it."""
    async with running_app(settings, clock) as built:
        yield built


@pytest.fixture
def patient(app: App) -> Patient:
    """A Telegram user with a distinctive id, before /start."""
    return Patient(app)
