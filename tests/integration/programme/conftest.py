"""The shipped programme in the real app, on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from scheduler.clock import FrozenClock
from tests.support.databases import app_settings, running_app


@pytest.fixture
async def app(db_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The real app with the shipped programme and the default settings (triage: auto)."""
    async with running_app(app_settings(db_url), clock) as built:
        yield built
