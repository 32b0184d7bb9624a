"""The programme's timetable, the programme service and the clockwork that sweeps its plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta

from bot.care.conversations import Conversations
from bot.care.planner import Timetable
from bot.care.ports import UnitOfWorkFactory
from bot.care.programme import Gate, Programme
from bot.config import Settings
from scheduler.clock import Clock
from scheduler.clockwork import Job, Scheduler
from scheduler.handlers import care_handlers
from scheduler.sweep import Sweeper, SweepRules

# A reminder more than this late is dropped rather than sent (pilots scale it to the interval).
REMINDER_GRACE = timedelta(hours=12)


def timetable(settings: Settings, modules: int) -> Timetable:
    """The programme's pacing from `programme.*`."""
    p = settings.programme
    return Timetable(
        modules=modules,
        interval=p.release_interval,
        quiet_hours=p.quiet_hours,
        reminder_after_days=tuple(p.reminder_after_days),
        max_reminders=p.max_reminders,
        phq9_every_weeks=p.phq9_every_weeks,
        gad7_weeks=tuple(p.gad7_weeks),
        follow_up_months=tuple(p.follow_up_months),
    )


def build_programme(
    settings: Settings, conversations: Conversations, gates: Mapping[str, Gate]
) -> Programme:
    """Releases, reminders, measures and check-ins; `gates` may hold back a scheduled flow."""
    library = conversations.library
    return Programme(
        conversations,
        timetable(settings, len(library.settings.modules)),
        tuple(library.settings.modules),
        checkin_flow=library.settings.checkin,
        default_timezone=settings.programme.default_timezone,
        default_preferred=settings.programme.preferred_time,
        gates=dict(gates),
    )


def build_scheduler(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    programme: Programme,
    *,
    daily: Mapping[str, tuple[time, Job]],
    every: Mapping[str, tuple[float, Job]],
) -> Scheduler:
    """The sweeper over the programme's handlers, and the clockwork with its other jobs."""
    table = programme.table
    rules = SweepRules(
        quiet_hours=settings.programme.quiet_hours,
        default_timezone=settings.programme.default_timezone,
        stale_after=max(table.interval, timedelta(seconds=3 * settings.scheduler.sweep_seconds))
        if table.short
        else REMINDER_GRACE,
        hold_recheck=table.day,
        short=table.short,
    )
    sweeper = Sweeper(
        uow, clock, care_handlers(programme), rules, batch_size=settings.scheduler.batch_size
    )
    return Scheduler(
        sweeper,
        uow,
        clock,
        sweep_seconds=settings.scheduler.sweep_seconds,
        pilot=table.short,
        timezone=settings.programme.default_timezone,
        daily=daily,
        every=every,
    )
