"""Fixtures for the scheduler suite: the real app on SQLite and PostgreSQL with a tiny programme."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from flows.library import FlowLibrary, load_programme
from scheduler.clock import FrozenClock
from tests.support.databases import (
    app_settings,
    running_app,
)

FIXTURE_PROGRAMME = Path(__file__).parent / "fixtures" / "programme"


def fixture_library() -> FlowLibrary:
    """The seven tiny modules, a check-in, a reminder, onboarding, PHQ-9 and GAD-7."""
    library, problems = load_programme([FIXTURE_PROGRAMME])
    assert not [p for p in problems if p.severity == "error"], problems
    return library


AppMaker = Callable[..., AbstractAsyncContextManager[App]]


@pytest.fixture
def make_app(db_url: str, clock: FrozenClock) -> AppMaker:
    """Build the real app on the test database with programme overrides, e.g. quiet_hours=None."""
    key = app_settings(db_url).security.data_key
    assert key is not None
    secret = key.get_secret_value()

    def make(**programme: Any) -> AbstractAsyncContextManager[App]:
        settings = app_settings(db_url, data_key=secret, **programme)
        return running_app(settings, clock, fixture_library())

    return make


@pytest.fixture
async def app(make_app: AppMaker) -> AsyncIterator[App]:
    """The real app with the default timetable (weekly, 09:00, quiet 21:00-08:00, London)."""
    async with make_app(triage="guided") as built:
        yield built
