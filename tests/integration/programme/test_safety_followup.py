"""The safety pathway does not let go: re-checks go on until the patient is safe twice in a row
(or a helper resolves it), each "not safe" or silence alerts staff again, and /stop, /pause and
"stop the lessons only" never cancel a re-check. Stopping the lessons keeps the measures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import App
from bot.care.messages import AlertMessage
from bot.config import Settings
from scheduler.clock import FrozenClock
from storage.crypto import generate_key
from storage.models import ScheduledItem
from tests.integration.scheduler.helpers import fast_forward, items
from tests.support.databases import running_app
from tests.support.journey import Patient, onboard, texts

RECHECK = "safety_recheck"


@pytest.fixture
async def app(db_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The real app with the shipped programme; at most four re-checks after a risk."""
    settings = Settings(
        database={"url": db_url},
        security={"data_key": generate_key()},
        safety={"max_rechecks": 4},
    )
    async with running_app(settings, clock) as built:
        yield built


def frozen(app: App) -> FrozenClock:
    assert isinstance(app.clock, FrozenClock)
    return app.clock


async def at_risk(patient: Patient) -> None:
    """Onboarded, then crisis words, "I'm safe right now" and the plan another time."""
    await onboard(patient)
    await patient.type("I want to die")
    await patient.tap("I'm safe right now")
    await patient.tap("Maybe later")


async def planned_rechecks(app: App, patient: Patient) -> list[ScheduledItem]:
    """The patient's re-checks still to come."""
    found = await items(app, patient.pid, kind="start_flow")
    return [i for i in found if i.status == "pending" and i.payload.get("flow") == RECHECK]


async def to_next_recheck(app: App, patient: Patient) -> list[dict[str, Any]]:
    """Let the clock run to the next planned re-check; what the patient was sent meanwhile."""
    planned = await planned_rechecks(app, patient)
    assert planned, "no re-check is planned"
    await patient.new()
    await fast_forward(app, frozen(app), planned[0].due_at)
    shown = await patient.new()
    assert "how you're doing now" in texts(shown), texts(shown)
    return shown


async def alert_reasons(app: App, patient: Patient) -> list[str]:
    async with app.uow() as work:
        return [a.reason for a in await work.alerts.list_for_patient(patient.pid)]


async def staff_alerts(app: App) -> list[str]:
    async with app.uow() as work:
        queued = await work.outbox.pending_for_target("staff")
    return [m.payload.reason for m in queued if isinstance(m.payload, AlertMessage)]


async def test_stop_everything_then_the_recheck_still_arrives(app: App):
    patient = Patient(app)
    await at_risk(patient)
    await patient.command("stop")
    await patient.tap("Stop everything")
    shown = await patient.tap("Keep my answers for the study")
    async with app.uow() as work:
        person = await work.patients.get(patient.pid)
        assert person is not None
        assert person.status == "withdrawn"
    assert len(await planned_rechecks(app, patient)) == 1
    assert "crisis_language" in await staff_alerts(app)  # the open alert still goes to staff
    assert "check in on how safe you are" in texts(shown)  # not "I won't message you again"
    await to_next_recheck(app, patient)
    shown = await patient.tap("I'm not safe")  # a withdrawn patient is still heard
    assert "patient_not_safe" in await alert_reasons(app, patient)
    assert len(await planned_rechecks(app, patient)) == 1  # and checked on again


async def test_not_safe_at_a_recheck_alerts_again_and_plans_another(app: App):
    patient = Patient(app)
    await at_risk(patient)
    await to_next_recheck(app, patient)
    before = await alert_reasons(app, patient)
    shown = await patient.tap("I'm not safe")
    assert "check in with you again a little later" in texts(shown)
    assert await alert_reasons(app, patient) == [*before, "patient_not_safe"]
    assert "patient_not_safe" in await staff_alerts(app)
    (planned,) = await planned_rechecks(app, patient)
    assert planned.due_at == frozen(app).now() + timedelta(hours=4)  # safety.recheck_hours
    await to_next_recheck(app, patient)


async def test_no_answer_at_a_recheck_alerts_again_and_plans_another(app: App):
    patient = Patient(app)
    await at_risk(patient)
    await to_next_recheck(app, patient)
    timeouts = [
        i for i in await items(app, patient.pid, kind="flow_timeout") if i.status == "pending"
    ]
    await fast_forward(app, frozen(app), max(i.due_at for i in timeouts))
    assert "safety_recheck_no_reply" in await alert_reasons(app, patient)
    assert "safety_recheck_no_reply" in await staff_alerts(app)
    assert len(await planned_rechecks(app, patient)) == 1
    await to_next_recheck(app, patient)


async def test_two_safe_answers_in_a_row_end_the_rechecks(app: App):
    patient = Patient(app)
    await at_risk(patient)
    await to_next_recheck(app, patient)
    shown = await patient.tap("I'm safe right now")
    assert "I'll check in once more later" in texts(shown)
    (planned,) = await planned_rechecks(app, patient)
    assert planned.due_at == frozen(app).now() + timedelta(hours=24)  # recheck_after_safe_hours
    await to_next_recheck(app, patient)
    shown = await patient.tap("I'm safe right now")
    assert "I'll stop checking in about this for now" in texts(shown)
    assert await planned_rechecks(app, patient) == []
    async with app.uow() as work:
        ended = [e for e in await work.audit.list() if e.action == "safety.rechecks_ended"]
    assert [e.detail for e in ended] == [{"why": "safe", "rechecks": 2}]


async def test_a_safe_answer_between_two_unsafe_ones_does_not_end_them(app: App):
    patient = Patient(app)
    await at_risk(patient)
    await to_next_recheck(app, patient)
    await patient.tap("I'm safe right now")
    await to_next_recheck(app, patient)
    await patient.tap("I'm not sure")
    await patient.tap("Maybe later")
    await to_next_recheck(app, patient)
    shown = await patient.tap("I'm safe right now")
    assert "I'll check in once more later" in texts(shown)  # the count starts again
    assert len(await planned_rechecks(app, patient)) == 1


async def test_rechecks_that_run_out_alert_a_person(app: App):
    patient = Patient(app)
    await at_risk(patient)
    for _ in range(3):
        await to_next_recheck(app, patient)
        await patient.tap("I'm not sure")
        await patient.tap("Maybe later")
    await to_next_recheck(app, patient)
    shown = await patient.tap("I'm not safe")
    assert "check in with you again" not in texts(shown)  # the fourth was the last
    assert await planned_rechecks(app, patient) == []
    assert (await alert_reasons(app, patient))[-1] == "safety_rechecks_ended"
    assert "safety_rechecks_ended" in await staff_alerts(app)


async def test_a_helper_resolving_the_alerts_ends_the_rechecks(app: App):
    patient = Patient(app)
    await at_risk(patient)
    async with app.uow() as work:
        for alert in await work.alerts.list_for_patient(patient.pid):
            await work.alerts.close(alert.id)
        await work.commit()
    (planned,) = await planned_rechecks(app, patient)
    await patient.new()
    await fast_forward(app, frozen(app), planned.due_at + timedelta(hours=1))
    assert "how you're doing now" not in texts(await patient.new())
    async with app.uow() as work:
        item = await work.scheduled.get(planned.id)
        assert item is not None
        assert (item.status, item.note) == ("dropped", "a helper resolved the alerts")


async def test_pause_and_resume_never_move_a_recheck(app: App):
    patient = Patient(app)
    await at_risk(patient)
    (planned,) = await planned_rechecks(app, patient)
    asked = await patient.command("pause")
    await patient.tap("Yes")
    frozen(app).advance(timedelta(hours=1))
    await patient.command("resume")
    (after,) = await planned_rechecks(app, patient)
    assert after.due_at == planned.due_at  # not shifted by the pause's length
    assert "I'll still check in on how safe you are" in texts(asked)


async def test_stopping_the_lessons_keeps_the_rechecks_and_the_measures(app: App):
    patient = Patient(app)
    await at_risk(patient)
    await patient.command("stop")
    shown = await patient.tap("Stop the lessons, keep the check-ins")
    assert "questionnaires about how you're feeling will carry on" in texts(shown)
    pending = [i for i in await items(app, patient.pid) if i.status == "pending"]
    kinds = {i.kind for i in pending}
    assert not kinds & {"module_release", "reminder"}
    assert "measure" in kinds
    assert len(await planned_rechecks(app, patient)) == 1
    async with app.uow() as work:
        person = await work.patients.get(patient.pid)
        enrolment = await work.enrolments.current(patient.pid)
        assert person is not None
        assert enrolment is not None
        assert (person.status, enrolment.status) == ("active", "lessons_stopped")
    # A week on, the weekly PHQ-9 still comes, and no module does.
    await fast_forward(app, frozen(app), frozen(app).now() + timedelta(days=8))
    async with app.uow() as work:
        runs = await work.runs.list_for_patient(patient.pid)
    flows = [run.flow_id for run in runs]
    assert "phq9" in flows[flows.index(RECHECK) :]
    assert not any(flow.startswith("module_") for flow in flows)


async def test_forget_during_an_open_alert_keeps_the_alert_for_staff(app: App):
    patient = Patient(app)
    await onboard(patient)
    await patient.type("I want to die")
    await patient.command("forget")
    await patient.tap("Yes")
    await patient.type("DELETE")
    async with app.uow() as work:
        assert await work.patients.get(patient.pid) is None
        assert await work.scheduled.list_for_patient(patient.pid) == []
    assert "crisis_language" in await staff_alerts(app)  # still on its way to the staff chat
    before = await _chat_rows(app)
    await fast_forward(app, frozen(app), frozen(app).now() + timedelta(hours=6))
    assert await _chat_rows(app) == before  # nothing more for a patient who is gone


async def _chat_rows(app: App) -> int:
    async with app.uow() as work:
        return await work.outbox.count("pending") + await work.outbox.count("sent")
