"""The clockwork: APScheduler runs the sweep every few seconds and the daily housekeeping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.care.ports import UnitOfWorkFactory
from bot.supervisor import describe, is_transient, where
from scheduler.clock import Clock
from scheduler.sweep import Sweeper

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[Any]]
# Redelivered updates arrive within minutes; a month of keys is a generous margin.
INBOUND_KEYS_KEPT = timedelta(days=30)
# A claim older than this belongs to a worker that died outside the claim's own transaction.
STALE_CLAIM = timedelta(minutes=10)
# On shutdown a job in progress may finish its current step this long; then it is cancelled,
# which rolls its open transaction back (each sweep item is claimed, applied and marked in one).
SHUTDOWN_GRACE_SECONDS = 2.0


class Scheduler:
    """Owns the APScheduler instance: `start()` inside the running loop, `shutdown()` to stop."""

    def __init__(
        self,
        sweeper: Sweeper,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        sweep_seconds: float = 5.0,
        housekeeping_at: time = time(3, 30),
        pilot: bool = False,
        timezone: str = "UTC",
        daily: Mapping[str, tuple[time, Job]] | None = None,
        every: Mapping[str, tuple[float, Job]] | None = None,
    ) -> None:
        """Prepare the jobs; nothing runs until start().

        `daily` jobs run at the programme's local wall time (e.g. the helper digest at 08:30);
        `every` jobs are repeated every few seconds (e.g. re-posting unacknowledged alerts).
        """
        self.sweeper = sweeper
        self.uow = uow
        self.clock = clock
        self.sweep_seconds = sweep_seconds
        self.housekeeping_at = housekeeping_at
        self.pilot = pilot
        self.timezone = timezone  # daily jobs (the staff digest) run at local wall time
        self._daily = dict(daily or {})
        self._every = dict(every or {})
        self._aps: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> bool:
        """True between start() and shutdown()."""
        return self._aps is not None and bool(self._aps.running)

    def start(self) -> None:
        """Start sweeping (call from inside the running event loop)."""
        if self.pilot:
            log.warning(
                "pilot timetable: release interval under a day, so preferred times and quiet "
                "hours are ignored and the programme runs straight through"
            )
        aps = AsyncIOScheduler(timezone=ZoneInfo(self.timezone))
        aps.add_job(
            self._tracked(self.sweep), "interval", seconds=self.sweep_seconds, id="sweep",
            max_instances=1, coalesce=True,
        )  # fmt: skip
        aps.add_job(
            self._tracked(self.release_stale), "interval", minutes=5, id="release_stale",
            coalesce=True,
        )  # fmt: skip
        for name, (seconds, every) in self._every.items():
            aps.add_job(
                self._tracked(every), "interval", seconds=seconds, id=name,
                max_instances=1, coalesce=True,
            )  # fmt: skip
        jobs = {"housekeeping": (self.housekeeping_at, self.housekeeping), **self._daily}
        for name, (at, job) in jobs.items():
            aps.add_job(
                self._tracked(job), "cron", hour=at.hour, minute=at.minute, id=name,
                max_instances=1, coalesce=True,
            )  # fmt: skip
        aps.start()
        self._aps = aps
        log.info(
            "scheduler started: sweep every %ss, daily jobs %s", self.sweep_seconds, list(jobs)
        )

    def job_ids(self) -> list[str]:
        """The ids of the scheduled jobs (for tests and `schedule show`)."""
        return [job.id for job in self._aps.get_jobs()] if self._aps is not None else []

    def _tracked(self, job: Job) -> Callable[[], Awaitable[Any]]:
        """The job, remembered while it runs so that shutdown can wait for it."""

        failing = False

        async def run() -> Any:
            nonlocal failing
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                result = await job()
            except Exception as error:  # one line per streak; the next tick tries again
                if not failing:
                    _report(job, error)
                failing = True
                return None
            finally:
                self._running.discard(task)
            if failing:
                log.warning("%s: working again", _name(job))
                failing = False
            return result

        return run

    async def shutdown(self) -> None:
        """Stop; a job in progress finishes its current step or is cancelled (and rolls back).

        Returning only when no job runs lets the caller close the database safely: a sweep
        left running used to meet a disposed engine, and its connection could hang the exit.
        """
        aps, self._aps = self._aps, None
        if aps is None or not aps.running:
            return
        aps.pause()  # no new runs; APScheduler's own shutdown would cancel those in progress
        if self._running:
            _done, late = await asyncio.wait(set(self._running), timeout=SHUTDOWN_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        aps.shutdown(wait=False)

    async def sweep(self) -> None:
        """One tick: settle up to a batch of due items."""
        report = await self.sweeper.sweep()
        if report:
            log.info("sweep: %s", dict(report))

    async def release_stale(self) -> int:
        """Return claims abandoned by a dead worker to pending."""
        async with self.uow() as work:
            count = await work.scheduled.release_stale(STALE_CLAIM)
            await work.commit()
        if count:
            log.warning("released %d stale claims", count)
        return count

    async def housekeeping(self) -> int:
        """Daily: forget inbound event keys too old to be redelivered."""
        async with self.uow() as work:
            pruned = await work.inbound.prune(self.clock.now() - INBOUND_KEYS_KEPT)
            await work.commit()
        log.info("housekeeping: pruned %d inbound event keys", pruned)
        return pruned


def _name(job: Job) -> str:
    return getattr(job, "__name__", "a scheduled job")


def _report(job: Job, error: Exception) -> None:
    if is_transient(error):
        log.warning("%s failed (%s); trying again on the next tick", _name(job), describe(error))
    else:  # a bug: where it happened, never the message (it may quote data)
        log.error("%s failed (%s)\n%s", _name(job), describe(error), where(error))
