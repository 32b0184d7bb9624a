"""One patient, one writer: concurrent events for the same patient never both win (PostgreSQL).

On SQLite the single-writer turn already serialises units of work; on PostgreSQL two sessions
run side by side, so without a lock on the patient both read the same open question and both
answer it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app import App
from scheduler.clock import FrozenClock
from scheduler.sweep import BUSY_RETRY
from tests.support.databases import app_settings, postgres_database, require_postgres, running_app
from tests.support.journey import Patient, texts

pytestmark = pytest.mark.postgres
TRIALS = 5


@pytest.fixture
async def pg_app(clock: FrozenClock) -> AsyncIterator[App]:
    """The real application on a private PostgreSQL schema."""
    await require_postgres()
    async with postgres_database() as url, running_app(app_settings(url), clock) as built:
        yield built


async def at_the_name_question(app: App, external_id: int) -> Patient:
    patient = Patient(app, external_id=external_id)
    await patient.start()
    await patient.tap("I agree")
    shown = await patient.tap("Yes")
    assert "What would you like me to call you?" in texts(shown)
    return patient


async def test_two_answers_at_once_to_the_name_question_make_one_transition(pg_app: App):
    for trial in range(TRIALS):
        patient = await at_the_name_question(pg_app, external_id=555000 + trial)
        await asyncio.gather(
            pg_app.conversations.text(patient.pid, f"race:{trial}:a", "Ada"),
            pg_app.conversations.text(patient.pid, f"race:{trial}:b", "Bea"),
        )
        shown = texts(await patient.new())
        greetings = shown.count("Nice to meet you")
        async with pg_app.uow(reading=True) as uow:
            names = [
                a.value
                for a in await uow.answers.list_for_patient(patient.pid)
                if a.variable == "alias"
            ]
        assert (greetings, len(names)) == (1, 1), f"trial {trial}: {shown!r}"


async def test_the_sweep_leaves_a_patient_someone_else_is_changing_and_comes_back(
    pg_app: App, clock: FrozenClock
):
    patient = await at_the_name_question(pg_app, external_id=556000)
    async with pg_app.uow() as work:
        await work.scheduled.add(
            "checkin", clock.now(), key=f"race:checkin:{patient.pid}", patient_id=patient.pid
        )
        await work.commit()
    sweeper = pg_app.scheduler.sweeper
    async with pg_app.uow() as handler:  # a handler in the middle of changing the patient
        assert await handler.patients.lock(patient.pid)
        busy = await asyncio.wait_for(sweeper.settle_next(), timeout=5)
    assert busy == ["busy"]
    assert await sweeper.settle_next() == []  # not due again at once: no spinning on it
    clock.advance(BUSY_RETRY)
    assert await sweeper.settle_next() not in ([], ["busy"])
