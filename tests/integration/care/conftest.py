"""Fixtures for the patient-journey suite: the real app on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.config import Settings
from scheduler.clock import FrozenClock
from tests.support.databases import (
    app_settings,
    running_app,
)
from tests.support.journey import Patient


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
