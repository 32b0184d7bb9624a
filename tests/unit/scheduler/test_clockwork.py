"""The clockwork registers its jobs and says so when a pilot timetable is in force."""

from __future__ import annotations

import asyncio
from datetime import time
from typing import Any

import pytest

from scheduler import clockwork
from scheduler.clock import FrozenClock
from scheduler.clockwork import Scheduler
from scheduler.sweep import Sweeper


async def test_jobs_and_pilot_warning(caplog: pytest.LogCaptureFixture) -> None:
    clock = FrozenClock()
    nobody: Any = None  # the jobs never run in this test
    sweeper = Sweeper(nobody, clock, {})

    async def digest() -> None:
        """Stands in for the staff issue's digest."""

    daily = {"staff_digest": (time(8, 30), digest)}
    scheduler = Scheduler(sweeper, nobody, clock, sweep_seconds=2, pilot=True, daily=daily)
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


def _idle_scheduler(name: str, job: clockwork.Job) -> Scheduler:
    """A scheduler whose only frequent job is `job`, every 50 ms."""
    clock = FrozenClock()
    nobody: Any = None  # only the test's own job runs
    every = {name: (0.05, job)}
    return Scheduler(Sweeper(nobody, clock, {}), nobody, clock, sweep_seconds=3600, every=every)


async def test_shutdown_waits_for_a_job_in_progress_to_finish() -> None:
    """The database may be closed right after shutdown: no job is left half way."""
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_job() -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.set()

    scheduler = _idle_scheduler("slow", slow_job)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await scheduler.shutdown()
    assert finished.is_set()


async def test_shutdown_cancels_a_job_that_outlasts_the_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clockwork, "SHUTDOWN_GRACE_SECONDS", 0.2)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck_job() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    scheduler = _idle_scheduler("stuck", stuck_job)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(scheduler.shutdown(), 10)
    assert cancelled.is_set()
