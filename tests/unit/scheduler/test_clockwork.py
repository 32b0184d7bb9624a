"""The clockwork registers its jobs and says so when a pilot timetable is in force."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from scheduler.clock import FrozenClock
from scheduler.clockwork import Scheduler
from scheduler.sweep import Sweeper


async def test_jobs_and_pilot_warning(caplog: pytest.LogCaptureFixture) -> None:
    clock = FrozenClock()
    nobody: Any = None  # the jobs never run in this test
    sweeper = Sweeper(nobody, clock, {})
    scheduler = Scheduler(sweeper, nobody, clock, sweep_seconds=2, pilot=True)

    async def digest() -> None:
        """Stands in for the staff issue's digest."""

    scheduler.add_daily("staff_digest", time(8, 30), digest)
    scheduler.start()
    try:
        assert scheduler.running
        assert sorted(scheduler.job_ids()) == [
            "housekeeping", "release_stale", "staff_digest", "sweep",
        ]  # fmt: skip
    finally:
        await scheduler.shutdown()
    assert not scheduler.running
    assert "preferred times and quiet hours are ignored" in caplog.text
