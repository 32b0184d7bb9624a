"""Settings in, the programme service and the clockwork out (called once by bot/app.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.care.conversations import Conversations
from bot.care.planner import Timetable
from bot.care.programme import Programme
from bot.config import Settings
from scheduler.clock import Clock
from scheduler.clockwork import Scheduler
from scheduler.handlers import care_handlers
from scheduler.sweep import Sweeper, SweepRules
from storage.uow import UnitOfWorkFactory

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


def build_scheduling(
    settings: Settings, uow: UnitOfWorkFactory, conversations: Conversations, clock: Clock
) -> tuple[Programme, Scheduler]:
    """Wire the programme service, the sweeper and the clockwork."""
    library = conversations.library
    table = timetable(settings, len(library.settings.modules))
    programme = Programme(
        conversations,
        table,
        tuple(library.settings.modules),
        checkin_flow=library.settings.checkin,
        default_timezone=settings.programme.default_timezone,
        default_preferred=settings.programme.preferred_time,
    )
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
    scheduler = Scheduler(
        sweeper,
        uow,
        clock,
        sweep_seconds=settings.scheduler.sweep_seconds,
        pilot=table.short,
        timezone=settings.programme.default_timezone,
    )
    return programme, scheduler
