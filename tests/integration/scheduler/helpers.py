"""Driving the scheduler with a fast-forward clock, and reading back what it did."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from bot.app import App
from scheduler.clock import FrozenClock
from storage.models import Enrolment, Patient, Run, ScheduledItem


async def next_due(app: App) -> datetime | None:
    """The earliest pending due time, of anyone."""
    async with app.uow() as work:
        stmt = sa.select(sa.func.min(ScheduledItem.due_at)).where(ScheduledItem.status == "pending")
        value: datetime | None = await work._session.scalar(stmt)
    return value


async def fast_forward(app: App, clock: FrozenClock, until: datetime) -> None:
    """Jump from due time to due time up to `until`, sweeping at each, as the clockwork would."""
    while (due := await next_due(app)) is not None and due <= until:
        if due > clock.now():
            clock.set(due)
        await app.scheduler.sweeper.drain()
    if until > clock.now():
        clock.set(until)
    await app.scheduler.sweeper.drain()


async def walk(app: App, clock: FrozenClock, until: datetime, step: timedelta) -> None:
    """Move the clock in small steps (sweeping after each), e.g. across a DST night."""
    while clock.now() + step <= until:
        clock.advance(step)
        await app.scheduler.sweeper.drain()


async def items(app: App, patient_id: int | None = None, kind: str | None = None) -> list[Any]:
    """Scheduled items, by due time."""
    async with app.uow() as work:
        stmt = sa.select(ScheduledItem).order_by(ScheduledItem.due_at, ScheduledItem.id)
        if patient_id is not None:
            stmt = stmt.where(ScheduledItem.patient_id == patient_id)
        if kind is not None:
            stmt = stmt.where(ScheduledItem.kind == kind)
        return list((await work._session.scalars(stmt)).all())


async def runs(app: App, patient_id: int) -> list[Run]:
    """A patient's runs, oldest first."""
    async with app.uow() as work:
        return await work.runs.list_for_patient(patient_id)


async def enrol(
    app: App,
    *,
    timezone: str = "Europe/London",
    preferred: str = "09:00",
    checkin: bool = False,
    care_mode: str = "guided",
    policy: str = "weekly",
) -> int:
    """Enrol a patient directly (as onboarding would at its end) and plan their programme."""
    async with app.uow() as work:
        patient = await work.patients.create(
            language="en", timezone=timezone, preferred_time=preferred
        )
        await work.patients.update(patient, care_mode=care_mode, daily_checkin=checkin)
        enrolment = await work.enrolments.create(patient.id, "daybreak", release_policy=policy)
        await app.programme.plan_enrolment(work, patient, enrolment)
        await work.commit()
        return patient.id


async def set_status(app: App, patient_id: int, status: str) -> Patient:
    """Change a patient's status directly."""
    async with app.uow() as work:
        patient = await work.patients.get(patient_id)
        assert patient is not None
        await work.patients.update(patient, status=status)
        await work.commit()
        return patient


async def enrolment_of(app: App, patient_id: int) -> Enrolment:
    """The patient's enrolment."""
    async with app.uow() as work:
        enrolment = await work.enrolments.current(patient_id)
        assert enrolment is not None
        return enrolment


def local(moment: datetime, zone: str = "Europe/London") -> tuple[str, time]:
    """A UTC moment as (local date, local time) in `zone`."""
    from zoneinfo import ZoneInfo

    there = moment.astimezone(ZoneInfo(zone))
    return there.date().isoformat(), there.time().replace(tzinfo=None)
