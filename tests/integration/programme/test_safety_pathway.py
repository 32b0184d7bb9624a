"""The safety pathway through the real app: every trigger, in the middle of a module, in a second
language, for unguided patients too; a human is alerted, everything is logged, and one "I'm fine"
does not close it: a re-check comes later the same day, even at night or when paused."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.care.messages import AlertMessage
from scheduler.clock import FrozenClock
from tests.integration.scheduler.helpers import fast_forward
from tests.support.journey import Patient, answer_questionnaire, onboard, texts


async def in_module_1(app: App, patient: Patient) -> None:
    """Onboarded (unguided) and partway into module 1, at a question that wants free text."""
    await onboard(patient)
    async with app.uow() as work:
        person = await work.patients.get(patient.pid)
        assert person is not None
        await app.conversations.start_flow(work, person, "module_1", kind="module")
        await work.commit()
    for _ in range(60):
        question = await patient.question()
        if question.get("input") == "text":
            return
        labels = [b["label"] for b in question.get("buttons", [])]
        await patient.tap(next(label for label in labels if "break" not in label.lower()))
    raise AssertionError("module 1 never asked for words")


async def trail(app: App, patient: Patient) -> tuple[list[str], list[str]]:
    """The patient's alert reasons and adverse-event triggers."""
    async with app.uow() as work:
        alerts = [a.reason for a in await work.alerts.list_for_patient(patient.pid)]
        events = [e.trigger for e in await work.adverse_events.list_for_patient(patient.pid)]
    return alerts, events


async def active_flow(app: App, patient: Patient) -> str | None:
    async with app.uow() as work:
        run = await work.runs.get_active(patient.pid)
    return run.flow_id if run else None


async def test_crisis_words_mid_module_start_the_pathway_and_the_module_asks_again(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    before = (await patient.question())["html"]
    shown = await patient.type("Honestly some days I just want to end my life")
    assert "Daybreak is not an emergency service" in texts(shown)
    assert "Samaritans" in texts(shown)  # the UK contacts: the patient is in Europe/London
    assert "Are you safe right now?" in shown[-1]["html"]
    assert await active_flow(app, patient) == "safety"
    alerts, events = await trail(app, patient)
    assert alerts == ["crisis_language"]  # unguided patients' alerts reach the team too
    assert events == ["crisis_language"]  # one safety event: its alert and the pathway, one row
    shown = await patient.tap("I'm safe right now")
    shown += await patient.tap("Maybe later")
    assert "later today" in texts(shown)
    assert shown[-1]["html"] == before  # the module's question again: the words answered nothing
    assert await active_flow(app, patient) == "module_1"


async def test_crisis_words_in_chinese_are_found_too(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    shown = await patient.type("我真的不想活了")
    assert "Are you safe right now?" in texts(shown) or "你现在安全吗" in texts(shown)
    alerts, _ = await trail(app, patient)
    assert alerts == ["crisis_language"]


async def test_everyday_words_do_not_start_it(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    await patient.type("I was just killing time before work, that cake was to die for")
    assert await active_flow(app, patient) == "module_1"
    assert await trail(app, patient) == ([], [])


async def test_not_safe_tells_a_human_at_once(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    await patient.type("I keep thinking about killing myself")
    shown = await patient.tap("I'm not safe")
    assert "999" in texts(shown) or "emergency" in texts(shown)
    alerts, _ = await trail(app, patient)
    assert alerts == ["crisis_language", "patient_not_safe"]
    async with app.uow() as work:
        staff = await work.outbox.pending_for_target("staff")
    alerts = [m for m in staff if isinstance(m.payload, AlertMessage)]
    assert [m.payload.reason for m in alerts] == ["crisis_language", "patient_not_safe"]
    assert all(m.priority == 0 for m in alerts)


async def test_one_im_fine_does_not_close_it_a_recheck_comes_the_same_day(app: App):
    clock = app.clock
    assert isinstance(clock, FrozenClock)
    patient = Patient(app)
    await in_module_1(app, patient)
    await patient.type("I want to die")
    await patient.tap("I'm safe right now")
    await patient.tap("Maybe later")
    await patient.command("pause")  # even paused, and even if it falls in quiet hours
    await patient.tap("Yes")
    clock.advance(timedelta(hours=13))  # 22:00 in London: quiet hours
    await fast_forward(app, clock, clock.now())
    assert await active_flow(app, patient) == "safety_recheck"
    shown = await patient.new()
    assert "how you're doing now" in texts(shown)
    await patient.tap("I'm safe right now")
    _, events = await trail(app, patient)
    assert events == ["crisis_language"]  # the re-check belongs to the same event


async def test_a_severe_phq9_starts_it(app: App):
    patient = Patient(app)
    shown = await onboard(patient, phq9=(3, 3, 3, 3, 3, 3, 2, 2, 0))  # 22: severe, item 9 at 0
    assert "Are you safe right now?" in texts(shown)
    alerts, events = await trail(app, patient)
    assert alerts == ["phq9_severe"]
    assert "severe_score" in events


async def test_a_reliable_deterioration_starts_it(app: App):
    patient = Patient(app)
    await onboard(patient, phq9=(1, 1, 1, 0, 0, 0, 0, 0, 0))  # baseline 3
    async with app.uow() as work:
        person = await work.patients.get(patient.pid)
        assert person is not None
        await app.conversations.start_flow(
            work, person, "phq9", kind="measure", variables={"timepoint": "week2"}
        )
        await work.commit()
    await patient.new()
    shown = await answer_questionnaire(patient, (2, 2, 1, 1, 1, 1, 1, 0, 0))  # 9: up 6
    assert "Are you safe right now?" in texts(shown)
    alerts, events = await trail(app, patient)
    assert alerts == ["deterioration"]
    assert "deterioration" in events
