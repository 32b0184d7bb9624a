"""The patient journey through the real app: onboarding, consent, triage, safety."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.care.messages import dump_payload
from scheduler.clock import FrozenClock
from tests.support.databases import app_settings, running_app
from tests.support.journey import (
    Patient,
    answer_questionnaire,
    onboard,
    texts,
    through_safety_check,
)

PHQ9_MODERATE = (2, 2, 1, 1, 1, 1, 1, 1, 0)  # total 10: moderate, guided under "auto"
GAD7_MILD = (1, 1, 1, 1, 1, 0, 0)  # total 5: mild


async def test_onboarding_by_taps_and_typing_enrols_and_triages(app: App, patient: Patient):
    first = await patient.start()
    assert "welcome to <b>Daybreak</b>" in first[0]["html"]
    assert "not an emergency service" in texts(first)
    consent = first[-1]
    assert [b["label"] for b in consent["buttons"]] == ["I agree", "Not now"]

    await patient.tap("I agree")
    asked_age = await patient.tap("Yes")
    assert "What would you like me to call you?" in texts(asked_age)
    asked_language = await patient.type("Ada")
    assert "Nice to meet you, Ada." in texts(asked_language)
    asked_country = await patient.tap("English")
    assert "Which country are you living in" in texts(asked_country)
    asked_zone = await patient.tap("United Kingdom")
    assert "on UK time. Is that right?" in texts(asked_zone)
    phq_intro = await patient.tap("Yes, that's right")
    assert "9 short questions" in texts(phq_intro)
    shown = await onboard_rest(patient, PHQ9_MODERATE, GAD7_MILD)
    assert "Your score is <b>10</b> out of 27" in texts(shown)
    assert "That's everything for today, Ada." in texts(shown)

    async with app.uow() as uow:
        person = await uow.patients.get(patient.pid)
        assert person is not None
        assert (person.status, person.care_mode, person.language) == ("active", "guided", "en")
        assert uow.patients.alias(person) == "Ada"
        enrolment = await uow.enrolments.current(patient.pid)
        assert enrolment is not None
        assert enrolment.programme == "daybreak"
        consents = await uow.consents.list_for_patient(patient.pid)
        onboarding = app.library.get("onboarding")
        assert [(c.agreed, c.text_revision) for c in consents] == [(True, onboarding.revision)]
        results = {r.instrument: r for r in await uow.questionnaires.list_for_patient(patient.pid)}
        assert set(results) == {"phq9", "gad7"}
        assert (results["phq9"].total, results["phq9"].band) == (10, "moderate")
        assert results["phq9"].item_scores == list(PHQ9_MODERATE)
        assert (results["gad7"].total, results["gad7"].band) == (5, "mild")
        assert {r.timepoint for r in results.values()} == {"baseline"}
        assert await uow.alerts.list_for_patient(patient.pid) == []
        assert await uow.runs.get_active(patient.pid) is None


async def onboard_rest(patient: Patient, phq9: tuple[int, ...], gad7: tuple[int, ...]):
    shown = await answer_questionnaire(patient, phq9)
    if phq9[8]:
        shown += await through_safety_check(patient)
    return shown + await answer_questionnaire(patient, gad7)


@pytest.mark.parametrize(
    ("policy", "phq9", "mode"),
    [
        ("auto", (1, 1, 1, 1, 1, 1, 1, 1, 0), "unguided"),  # 8: below the guided threshold
        ("auto", (3, 3, 3, 3, 3, 0, 0, 0, 0), "guided"),  # 15
        ("guided", (0,) * 9, "guided"),
        ("unguided", (3, 3, 3, 3, 0, 0, 0, 0, 0), "unguided"),  # 12, but the policy decides
    ],
)
async def test_triage_follows_the_configured_policy(
    db_url: str, clock: FrozenClock, policy: str, phq9: tuple[int, ...], mode: str
):
    async with running_app(app_settings(db_url, triage=policy), clock) as app:
        patient = Patient(app)
        await onboard(patient, phq9=phq9)
        async with app.uow() as uow:
            person = await uow.patients.get(patient.pid)
            assert person is not None
            assert person.care_mode == mode


async def test_declined_consent_ends_politely_and_records_the_no(app: App, patient: Patient):
    await patient.start()
    shown = await patient.tap("Not now")
    assert "That's completely fine" in texts(shown)
    assert "crisis line" in shown[-1]["html"]
    assert "emergency number" in shown[-1]["html"]
    async with app.uow() as uow:
        person = await uow.patients.get(patient.pid)
        assert person is not None
        assert person.status == "withdrawn"
        consents = await uow.consents.list_for_patient(patient.pid)
        assert [c.agreed for c in consents] == [False]
        assert await uow.enrolments.current(patient.pid) is None
    # Changing their mind later starts again.
    again = await patient.start()
    assert "Would you like to start Daybreak?" in again[-1]["html"]


async def test_under_eighteen_ends_politely_with_where_to_get_help(app: App, patient: Patient):
    await patient.start()
    await patient.tap("I agree")
    shown = await patient.tap("No")
    assert "Daybreak is made for adults" in texts(shown)
    assert "helpline for young people" in shown[-1]["html"]
    assert "emergency number" in shown[-1]["html"]
    async with app.uow() as uow:
        person = await uow.patients.get(patient.pid)
        assert person is not None
        assert person.status == "withdrawn"
        assert await uow.enrolments.current(patient.pid) is None


async def test_item9_opens_an_alert_and_tells_staff_without_free_text(app: App, patient: Patient):
    name = "Quillon-Marigold"
    shown = await onboard(patient, name=name, phq9=(0, 0, 0, 0, 0, 0, 0, 0, 1))
    # The safety pathway starts on top of onboarding: calm words, where to get help, a check.
    assert "you don't have to carry them alone" in texts(shown)
    assert "Daybreak is not an emergency service" in texts(shown)
    assert "Samaritans" in texts(shown)  # the UK contacts, from the default time zone
    assert "Are you safe right now?" in texts(shown)
    async with app.uow() as uow:
        alerts = await uow.alerts.list_for_patient(patient.pid)
        # One alert for one answer, even though both the questionnaire and onboarding react.
        assert [(a.reason, a.level, a.status) for a in alerts] == [("phq9_item9", "urgent", "open")]
        events = await uow.adverse_events.list_for_patient(patient.pid)
        # One adverse event for one trigger: the alert and the pathway's start share its row.
        logged = [(e.trigger, e.response) for e in events]
        assert logged == [("phq9_item9", "safety_pathway_started")]
        assert alerts[0].adverse_event_id == events[0].id
        assert events[0].pseudonym == alerts[0].pseudonym
        staff = await uow.outbox.pending_for_target("staff")
        person = await uow.patients.get(patient.pid)
        assert person is not None
    assert len(staff) == 1
    for message in staff:
        assert message.priority == 0
        stored = dump_payload(message.payload)
        assert stored["pseudonym"] == person.pseudonym
        assert stored["reason"] == "phq9_item9"
        flat = repr(stored)
        assert name not in flat
        assert str(patient.external_id) not in flat
        assert "html" not in stored  # no message text at all, only ids and reasons
    # Onboarding still finishes: a safety step never strands the patient.
    async with app.uow() as uow:
        assert await uow.enrolments.current(patient.pid) is not None
