"""One patient from onboarding through seven modules to the 12-month follow-up, in seconds."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from bot.app import App
from scheduler.clock import FrozenClock
from storage.models import QuestionnaireResult
from tests.integration.scheduler.helpers import fast_forward, items, local, runs
from tests.support.journey import PHQ_LABELS, Patient, onboard

SKIPPED_MODULE = "module_6"  # left unfinished, so its reminders run out and the helper is told


async def answer_open(patient: Patient, app: App) -> None:
    """Answer whatever is open, as a keen patient would, except the module they put off."""
    for _ in range(50):
        async with app.uow() as work:
            run = await work.runs.get_active(patient.pid)
        if run is None or run.flow_id == SKIPPED_MODULE:
            return
        labels = [b["label"] for b in (await patient.question()).get("buttons", [])]
        await patient.tap(PHQ_LABELS[0] if PHQ_LABELS[0] in labels else labels[0])
    raise AssertionError("a flow never ended")


async def test_whole_programme_once_each_at_local_time(app: App, clock: FrozenClock) -> None:
    patient = Patient(app)
    await onboard(patient)
    start = clock.now()
    end = start + timedelta(days=7 * 7) + timedelta(days=370)
    while clock.now() < end:
        nxt = clock.now() + timedelta(days=1)
        await fast_forward(app, clock, nxt)
        await answer_open(patient, app)

    releases = await items(app, patient.pid, "module_release")
    assert [r.payload["module"] for r in releases] == [1, 2, 3, 4, 5, 6, 7]
    for k, item in enumerate(releases, start=1):
        assert item.status == "done"
        assert item.fired_at is not None
        assert local(item.fired_at) == ((start + (k - 1) * timedelta(days=7)).date().isoformat(),
                                        time(9, 0))  # fmt: skip
    flows = [r.flow_id for r in await runs(app, patient.pid)]
    for k in range(1, 8):
        assert flows.count(f"module_{k}") == 1

    reminders = await items(app, patient.pid, "reminder")
    sent = [r for r in reminders if r.note and "sent" in r.note]
    assert [(r.payload["module"], r.payload["n"]) for r in sent] == [(6, 1), (6, 2)]
    assert all(r.status == "done" for r in reminders)
    async with app.uow() as work:
        alerts = await work.alerts.list_for_patient(patient.pid)
        results = (
            await work._session.execute(
                sa.select(QuestionnaireResult.instrument, QuestionnaireResult.timepoint)
                .where(QuestionnaireResult.patient_id == patient.pid)
                .order_by(QuestionnaireResult.id)
            )
        ).all()
    assert [(a.reason, a.level, a.detail) for a in alerts] == [
        ("behind_schedule", "info", {"module": 6})
    ]
    phq9 = [timepoint for instrument, timepoint in results if instrument == "phq9"]
    gad7 = [timepoint for instrument, timepoint in results if instrument == "gad7"]
    weeks = [f"week{w}" for w in range(1, 7)]
    follow = ["followup_3m", "followup_6m", "followup_12m"]
    assert phq9 == ["baseline", *weeks, "post", *follow]
    assert gad7 == ["baseline", "week4", "post", *follow]
    twelve = [i for i in await items(app, patient.pid, "measure") if "12m" in i.key]
    assert {local(i.fired_at)[0] for i in twelve} == {"2027-02-23"}
    assert not [i for i in await items(app, patient.pid) if i.status == "pending"]


async def test_pilot_interval_runs_programme_in_seconds(
    make_app, clock: FrozenClock, caplog
) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 1, 5, 23, 0, tzinfo=UTC))  # inside quiet hours: ignored in a pilot
    async with make_app(release_interval="PT30S", triage="guided") as app:
        app.scheduler.start()
        await app.scheduler.shutdown()
        assert "preferred times and quiet hours are ignored" in caplog.text
        patient = Patient(app)
        await onboard(patient)
        start = clock.now()
        for _ in range(400):
            await fast_forward(app, clock, clock.now() + timedelta(seconds=5))
            await answer_open(patient, app)
            if await _finished(app, patient.pid):
                break
        releases = await items(app, patient.pid, "module_release")
        assert [r.fired_at - start for r in releases] == [
            timedelta(seconds=30 * k) for k in range(7)
        ]
        assert all(r.status == "done" for r in await items(app, patient.pid, "measure"))


async def _finished(app: App, patient_id: int) -> bool:
    return not [i for i in await items(app, patient_id) if i.status == "pending"]
