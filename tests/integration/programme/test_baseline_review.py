"""Scores that call for a person, through the real app: a severe GAD-7 alerts the helpers and
starts the safety pathway, and a high-risk baseline (PHQ-9 20+ or item 9 above 0) follows
`programme.high_risk_baseline`: a helper's review before module 1 (released by /approve), no hold,
or not alone; and the PHQ-9's difficulty question is kept apart from the scores."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import pytest

from bot.app import App
from bot.care.messages import dump_payload
from bot.care.support import STAFF_TARGET
from bot.config import Settings
from scheduler.clock import FrozenClock
from storage.crypto import generate_key
from tests.integration.scheduler.helpers import enrolment_of, items
from tests.support.databases import running_app
from tests.support.journey import Patient, onboard, texts, through_safety_check

STAFF_CHAT = -1001234567890
HELPER = 501
THREAD = 77
SEVERE = (3, 3, 3, 3, 3, 3, 2, 2, 0)  # PHQ-9 22, item 9 at 0
ITEM9 = (1, 1, 0, 0, 0, 0, 0, 0, 1)  # PHQ-9 3, item 9 above 0
MILD = (1, 1, 1, 0, 0, 0, 0, 0, 0)
REVIEW_WORDS = "a member of the team will look at your answers before your first module opens"
MakeApp = Callable[..., AbstractAsyncContextManager[App]]


@pytest.fixture
def make_app(db_url: str, clock: FrozenClock) -> MakeApp:
    """The real app with the shipped programme, a staff chat (or none) and a baseline rule."""

    def make(rule: str = "guided_review", *, staffed: bool = True) -> Any:
        settings = Settings(
            database={"url": db_url},
            security={"data_key": generate_key()},
            telegram={"staff_chat_id": STAFF_CHAT} if staffed else {},
            programme={"high_risk_baseline": rule},
        )
        return running_app(settings, clock)

    return make


@pytest.fixture
async def reviewed(make_app: MakeApp) -> AsyncIterator[App]:
    """The default rule with helpers: guided_review."""
    async with make_app() as app:
        yield app


async def releases(app: App, patient: Patient) -> list[Any]:
    return await items(app, patient.pid, "module_release")


async def alerts(app: App, patient: Patient) -> dict[str, str]:
    async with app.uow() as work:
        return {a.reason: a.level for a in await work.alerts.list_for_patient(patient.pid)}


async def staff_command(app: App, patient: Patient, command: str, key: str) -> None:
    """A helper types `/command` in the patient's topic."""
    assert app.staff is not None
    async with app.uow() as work:
        await work.support_topics.set(patient.pid, str(STAFF_CHAT), THREAD, "topic")
        await work.commit()
    await app.staff.actions.command(HELPER, THREAD, command, "", key)


async def topic_replies(app: App) -> str:
    """What the bot would post in the staff chat (nothing is sent in these tests)."""
    async with app.uow() as work:
        staff = await work.outbox.pending_for_target(STAFF_TARGET)
    return "\n".join(str(dump_payload(m.payload).get("html", "")) for m in staff)


# ----- a severe GAD-7 ---------------------------------------------------------------------


async def test_a_gad7_of_15_alerts_the_helpers_and_starts_the_safety_pathway(reviewed: App):
    patient = Patient(reviewed)
    shown = await onboard(patient, phq9=MILD, gad7=(3, 3, 3, 3, 3, 0, 0))
    assert "Are you safe right now?" in texts(shown)
    assert await alerts(reviewed, patient) == {"gad7_severe": "warning"}
    async with reviewed.uow() as work:
        events = [e.trigger for e in await work.adverse_events.list_for_patient(patient.pid)]
    assert "severe_score" in events
    shown = await through_safety_check(patient)  # onboarding ends once the pathway is answered
    assert "first module will open soon" in texts(shown)  # the baseline rule is PHQ-9's alone
    assert await releases(reviewed, patient)


async def test_a_gad7_of_14_raises_nothing(reviewed: App):
    patient = Patient(reviewed)
    shown = await onboard(patient, phq9=MILD, gad7=(3, 3, 3, 3, 2, 0, 0))
    assert "Are you safe right now?" not in texts(shown)
    assert await alerts(reviewed, patient) == {}


# ----- the PHQ-9's difficulty question --------------------------------------------------------


async def test_item_10_is_kept_with_the_result_and_left_out_of_the_scores(reviewed: App):
    patient = Patient(reviewed)
    await onboard(patient, phq9=MILD)
    async with reviewed.uow() as work:
        (phq9,) = await work.questionnaires.list_for_patient(patient.pid, "phq9")
    assert (phq9.timepoint, phq9.total, phq9.band) == ("baseline", 3, "minimal")
    assert phq9.item_scores == list(MILD)  # nine scores: item 10 is not one of them
    assert phq9.unscored_items == {"q10": 1}  # "Somewhat difficult"


# ----- guided_review (the default) -----------------------------------------------------------


async def test_a_severe_baseline_waits_for_a_helper_and_approve_starts_the_plan(
    reviewed: App, clock: FrozenClock
):
    patient = Patient(reviewed)
    shown = await onboard(patient, phq9=SEVERE)
    assert REVIEW_WORDS in texts(shown)
    assert "first module will open soon" not in texts(shown)
    async with reviewed.uow() as work:
        person = await work.patients.get(patient.pid)
        assert person is not None
        assert person.care_mode == "guided"
    assert (await enrolment_of(reviewed, patient.pid)).status == "review"
    assert await releases(reviewed, patient) == []  # nothing planned: module 1 is held
    assert await items(reviewed, patient.pid, "measure") == []
    assert (await alerts(reviewed, patient))["baseline_review"] == "warning"

    await staff_command(reviewed, patient, "unlock", "tg:unlock")
    assert "could not be opened" in await topic_replies(reviewed)

    clock.advance(timedelta(days=3))  # the helper reviews on Thursday
    await staff_command(reviewed, patient, "approve", "tg:approve")
    assert "Baseline reviewed" in await topic_replies(reviewed)
    enrolment = await enrolment_of(reviewed, patient.pid)
    assert enrolment.status == "active"
    planned = await releases(reviewed, patient)
    assert [item.payload["module"] for item in planned][:2] == [1, 2]
    assert planned[1].due_at - planned[0].due_at == timedelta(days=7)
    assert planned[0].due_at.date() == clock.now().date()  # the weekly plan starts at approval
    assert "has looked at your answers" in texts(await patient.new())
    async with reviewed.uow() as work:
        review = [
            a for a in await work.alerts.list_for_patient(patient.pid)
            if a.reason == "baseline_review"
        ]  # fmt: skip
    assert [a.status for a in review] == ["closed"]

    await staff_command(reviewed, patient, "approve", "tg:approve-again")
    assert "not waiting for a review" in await topic_replies(reviewed)


async def test_item_9_above_0_with_a_low_total_is_reviewed_too(reviewed: App):
    patient = Patient(reviewed)
    shown = await onboard(patient, phq9=ITEM9)
    assert REVIEW_WORDS in texts(shown)
    assert await releases(reviewed, patient) == []
    assert "If you checked off any problems" not in texts(shown)  # the safety question came first
    async with reviewed.uow() as work:
        (phq9,) = await work.questionnaires.list_for_patient(patient.pid, "phq9")
    assert (phq9.total, phq9.unscored_items) == (3, {})


async def test_a_phq9_of_19_is_not_held(reviewed: App):
    patient = Patient(reviewed)
    shown = await onboard(patient, phq9=(3, 3, 3, 3, 3, 3, 1, 0, 0))
    assert REVIEW_WORDS not in texts(shown)
    assert (await enrolment_of(reviewed, patient.pid)).status == "active"
    assert await releases(reviewed, patient)


async def test_without_helpers_nobody_could_review_so_it_continues(make_app: MakeApp):
    async with make_app("guided_review", staffed=False) as app:
        patient = Patient(app)
        shown = await onboard(patient, phq9=SEVERE)
        assert REVIEW_WORDS not in texts(shown)  # never promise a person who is not there
        assert "first module will open soon" in texts(shown)
        assert await releases(app, patient)


# ----- continue and exclude -------------------------------------------------------------------


async def test_continue_plans_the_programme_at_once(make_app: MakeApp):
    async with make_app("continue") as app:
        patient = Patient(app)
        shown = await onboard(patient, phq9=SEVERE)
        assert "first module will open soon" in texts(shown)
        assert (await enrolment_of(app, patient.pid)).status == "active"
        assert await releases(app, patient)
        assert "baseline_review" not in await alerts(app, patient)


async def test_exclude_points_to_the_doctor_and_plans_no_modules(make_app: MakeApp):
    async with make_app("exclude") as app:
        patient = Patient(app)
        shown = await onboard(patient, phq9=SEVERE)
        assert "more than Daybreak on its own is made to help with" in texts(shown)
        assert "talk to your doctor" in texts(shown)
        assert "first module" not in texts(shown)
        async with app.uow() as work:
            person = await work.patients.get(patient.pid)
            enrolment = await work.enrolments.current(patient.pid)
            consent = await work.consents.latest(patient.pid)
            assert person is not None
            audit = [e.action for e in await work.audit.list(target=person.pseudonym)]
        assert enrolment is None
        assert await releases(app, patient) == []
        assert person.status == "active"  # not withdrawn: safety re-checks still reach them
        assert consent is not None
        assert consent.agreed
        assert "onboarding.excluded" in audit


async def test_exclude_leaves_a_low_risk_baseline_alone(make_app: MakeApp):
    async with make_app("exclude") as app:
        patient = Patient(app)
        await onboard(patient, phq9=MILD)
        assert await releases(app, patient)
