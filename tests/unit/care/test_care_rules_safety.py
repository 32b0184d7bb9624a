"""Risk mid-questionnaire: the safety question becomes the only open one, at safety priority,
and a person is alerted with no words of the patient's in the alert."""

from __future__ import annotations

from typing import Any

from bot.care.eligibility import REVIEW_STATUS
from bot.care.ports import PRIORITY_SAFETY
from tests.support.journey import Patient as Chat
from tests.support.journey import answer_questionnaire, onboard, onboard_to_phq9
from tests.unit.care.conftest import (
    Care,
    alert_of,
    patient_queue,
    questions,
    staff_queue,
    text_of,
    texts,
)

CRISIS_WORDS = "honestly I just want to die"
SAFETY_QUESTION = "Are you safe right now?"


async def mid_phq9(chat: Chat) -> str:
    """Onboarded up to the third PHQ-9 item; return that item's question."""
    await onboard_to_phq9(chat)
    await answer_questionnaire(chat, [1, 1])
    return text_of(await chat.question())


async def disclose(chat: Chat) -> tuple[str, list[dict[str, Any]]]:
    item = await mid_phq9(chat)
    return item, await chat.type(CRISIS_WORDS)


async def test_disclosure_leaves_only_the_safety_question_open(care: Care, chat: Chat):
    item, shown = await disclose(chat)
    assert [text_of(q) for q in questions(shown)] == [SAFETY_QUESTION]
    assert item not in texts(shown)  # the questionnaire does not carry on underneath
    assert "didn't catch" not in texts(shown)
    async with care.uow(reading=True) as work:
        run = await work.runs.get_active(chat.pid)
    assert run is not None
    assert run.flow_id == "safety"


async def test_the_crisis_reply_is_queued_at_safety_priority(care: Care, chat: Chat):
    await mid_phq9(chat)
    before = len(await patient_queue(care, chat.pid))
    await chat.type(CRISIS_WORDS)
    reply = (await patient_queue(care, chat.pid))[before:]
    assert "not an emergency service" in texts([m.payload for m in reply])
    assert {m.priority for m in reply} == {PRIORITY_SAFETY}


async def test_staff_are_alerted_first_without_the_patients_words(care: Care, chat: Chat):
    await disclose(chat)
    async with care.uow(reading=True) as work:
        person = await work.patients.get(chat.pid)
    assert person is not None
    (alert,) = [m for m in await staff_queue(care) if alert_of(m.payload)]
    assert alert.priority == PRIORITY_SAFETY
    assert alert_of(alert.payload) == ("crisis_language", person.pseudonym)
    assert "die" not in repr(alert.payload)
    assert str(chat.external_id) not in repr(alert.payload)


async def test_one_disclosure_is_one_alert_and_one_safety_event(care: Care, chat: Chat):
    await disclose(chat)
    async with care.uow(reading=True) as work:
        alerts = await work.alerts.list_for_patient(chat.pid)
        events = await work.adverse_events.list_for_patient(chat.pid)
    assert [(a.reason, a.status) for a in alerts] == [("crisis_language", "open")]
    assert [(e.trigger, e.response) for e in events] == [
        ("crisis_language", "safety_pathway_started")
    ]
    assert alerts[0].adverse_event_id == events[0].id


async def test_the_disclosure_is_not_kept_as_an_answer(care: Care, chat: Chat):
    await disclose(chat)
    async with care.uow(reading=True) as work:
        answers = await work.answers.list_for_patient(chat.pid)
        saved = await work.variables.get_all(chat.pid)
    assert not any("die" in str(a.value) for a in answers)
    assert "want to die" not in str(saved)


async def test_once_safe_the_interrupted_item_is_asked_again(chat: Chat):
    item, _ = await disclose(chat)
    shown = await chat.tap("I'm safe right now")
    shown += await chat.tap("Maybe later")
    assert text_of(questions(shown)[-1]) == item


async def test_not_safe_alerts_a_person_at_once(care: Care, chat: Chat):
    await disclose(chat)
    shown = await chat.type("3")  # the third button, typed: "I'm not safe"
    assert "right now" in texts(shown)
    async with care.uow(reading=True) as work:
        reasons = [a.reason for a in await work.alerts.list_for_patient(chat.pid)]
    assert "patient_not_safe" in reasons


async def test_item_9_above_zero_alerts_and_holds_module_1_for_review(care: Care, chat: Chat):
    await onboard(chat, phq9=(0, 0, 0, 0, 0, 0, 0, 0, 1))
    async with care.uow(reading=True) as work:
        alerts = await work.alerts.list_for_patient(chat.pid)
        enrolment = await work.enrolments.current(chat.pid)
    # The answer is urgent; with helpers at hand, one of them reviews the baseline first.
    assert [(a.reason, a.level) for a in alerts] == [
        ("phq9_item9", "urgent"),
        ("baseline_review", "warning"),
    ]
    assert enrolment is not None  # the safety step never strands onboarding
    assert enrolment.status == REVIEW_STATUS


async def test_everyday_words_raise_nothing(care: Care, chat: Chat):
    await chat.start()
    await chat.tap("I agree")
    await chat.tap("Yes")
    await chat.type("Sam, I'm dying to get started")
    async with care.uow(reading=True) as work:
        assert await work.alerts.list_for_patient(chat.pid) == []
    assert await staff_queue(care) == []
