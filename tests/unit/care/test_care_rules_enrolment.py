"""/start, consent and onboarding: who is created, what is recorded, what is planned."""

from __future__ import annotations

from tests.support.journey import Patient as Chat
from tests.support.journey import onboard
from tests.unit.care.conftest import Care, labels, text_of, texts


async def test_start_creates_the_patient_and_asks_for_consent_first(care: Care, chat: Chat):
    shown = await chat.start()
    assert "welcome to <b>Daybreak</b>" in text_of(shown[0])
    assert "not an emergency service" in texts(shown)
    assert labels(shown[-1]) == ["I agree", "Not now"]
    async with care.uow(reading=True) as work:
        assert await work.identities.find_patient_id("telegram", chat.external_id) == chat.pid
        person = await work.patients.get(chat.pid)
        assert person is not None
        actions = [e.action for e in await work.audit.list(target=person.pseudonym)]
    assert actions == ["patient.created"]


async def test_a_second_start_finds_the_same_patient(care: Care, chat: Chat):
    await chat.start()
    first = chat.pid
    await chat.start()
    assert chat.pid == first
    async with care.uow(reading=True) as work:
        assert len(await work.patients.list_active()) == 1


async def test_declined_consent_is_recorded_and_nothing_is_planned(care: Care, chat: Chat):
    await chat.start()
    shown = await chat.tap("Not now")
    assert "That's completely fine" in texts(shown)
    assert "crisis line" in text_of(shown[-1])
    async with care.uow(reading=True) as work:
        person = await work.patients.get(chat.pid)
        assert person is not None
        assert person.status == "withdrawn"
        assert [c.agreed for c in await work.consents.list_for_patient(chat.pid)] == [False]
        assert await work.enrolments.current(chat.pid) is None
        planned = await work.scheduled.list_for_patient(chat.pid, status="pending")
        assert [i.kind for i in planned if i.kind != "flow_timeout"] == []
    again = await chat.start()  # changing their mind starts again
    assert "Would you like to start Daybreak?" in text_of(again[-1])


async def test_under_eighteen_ends_politely_without_enrolling(care: Care, chat: Chat):
    await chat.start()
    await chat.tap("I agree")
    shown = await chat.tap("No")
    assert "Daybreak is made for adults" in texts(shown)
    async with care.uow(reading=True) as work:
        person = await work.patients.get(chat.pid)
        assert person is not None
        assert person.status == "withdrawn"
        assert await work.enrolments.current(chat.pid) is None


async def test_finished_onboarding_enrols_with_consent_results_and_a_plan(care: Care, chat: Chat):
    shown = await onboard(chat, name="Ada")
    assert "That's everything for today, Ada." in texts(shown)
    async with care.uow(reading=True) as work:
        consents = await work.consents.list_for_patient(chat.pid)
        enrolment = await work.enrolments.current(chat.pid)
        results = await work.questionnaires.list_for_patient(chat.pid)
        plan = await work.scheduled.list_for_patient(chat.pid, status="pending")
    assert [c.agreed for c in consents] == [True]
    assert enrolment is not None
    assert (enrolment.programme, enrolment.current_module, enrolment.status) == (
        "daybreak",
        0,
        "active",
    )
    assert sorted((r.instrument, r.timepoint, r.total) for r in results) == [
        ("gad7", "baseline", 2),
        ("phq9", "baseline", 3),
    ]
    releases = [i.payload["module"] for i in plan if i.kind == "module_release"]
    assert releases == [1, 2, 3, 4, 5, 6, 7]


async def test_start_after_enrolment_opens_the_menu_not_onboarding(care: Care, chat: Chat):
    await onboard(chat)
    shown = await chat.start()
    assert "Would you like to start Daybreak?" not in texts(shown)
    async with care.uow(reading=True) as work:
        run = await work.runs.get_active(chat.pid)
        assert [c.agreed for c in await work.consents.list_for_patient(chat.pid)] == [True]
    assert run is not None
    assert run.flow_id == "menu"
