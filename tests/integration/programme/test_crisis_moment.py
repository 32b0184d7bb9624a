"""The moment after a disclosure, as the patient lives it: the safety question is the only open
question, their words are neither kept as a lesson answer nor shown back, a typed answer counts
like a tap, and the conversation they were in comes back afterwards, asked once more."""

from __future__ import annotations

from typing import Any

from bot.app import App
from tests.integration.programme.test_safety_pathway import active_flow, in_module_1, trail
from tests.support.journey import Patient, answer_questionnaire, onboard_to_phq9, texts

SAFETY_QUESTION = "Are you safe right now?"
CRISIS_WORDS = "I want to die"


def last_question(shown: list[dict[str, Any]]) -> str:
    """The text of the last message that waits for an answer."""
    questions = [p for p in shown if "input" in p]
    assert questions, f"no question among {texts(shown)!r}"
    return str(questions[-1]["html"])


def only_the_safety_question_open(shown: list[dict[str, Any]]) -> None:
    """Nothing is asked after the safety question, and no reprompt of the interrupted one."""
    assert SAFETY_QUESTION in last_question(shown)
    asked = [p for p in shown if "input" in p]
    assert len(asked) == 1, [p["html"] for p in asked]
    assert "didn't catch" not in texts(shown)
    assert "Your score is" not in texts(shown)


async def kept_anywhere(app: App, patient: Patient, words: str) -> bool:
    """True when the words are in a saved answer, a variable or any later message."""
    async with app.uow() as work:
        answers = await work.answers.list_for_patient(patient.pid)
        saved = await work.variables.get_all(patient.pid)
    in_answers = any(words in str(answer.value) for answer in answers)
    return in_answers or words in str(saved) or words in texts(await patient.seen())


async def test_crisis_words_at_a_free_text_question_are_never_kept_or_echoed(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    goals = (await patient.question())["html"]
    shown = await patient.type(CRISIS_WORDS)
    only_the_safety_question_open(shown)
    assert await active_flow(app, patient) == "safety"
    shown = await patient.tap("I'm safe right now")
    shown += await patient.tap("Maybe later")
    assert last_question(shown) == goals  # the module's question, asked once more
    shown = await patient.type("Walk to the shop twice a week")
    assert "Walk to the shop twice a week" in texts(shown)
    assert not await kept_anywhere(app, patient, CRISIS_WORDS)


async def test_typed_not_safe_answers_the_safety_question_and_the_lesson_waits(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    goals = (await patient.question())["html"]
    await patient.type("I keep thinking about killing myself")
    shown = await patient.type("3")  # the third button: "I'm not safe"
    assert "That button belongs to an earlier message" not in texts(shown)
    assert "right now" in texts(shown)  # urged to contact emergency services now
    alerts, _ = await trail(app, patient)
    assert "patient_not_safe" in alerts
    assert not [p for p in shown if "input" in p]  # the lesson does not carry straight on
    shown = await patient.type("ok")  # the next words bring the lesson back, not answer it
    assert last_question(shown) == goals
    assert not await kept_anywhere(app, patient, "killing myself")


async def test_crisis_words_at_a_button_question_interrupt_without_a_reprompt(app: App):
    patient = Patient(app)
    await patient.start()
    consent = (await patient.question())["html"]
    shown = await patient.type("honestly I just want to kill myself")
    only_the_safety_question_open(shown)
    shown = await patient.type("I'm safe right now")
    shown += await patient.tap("Maybe later")
    assert last_question(shown) == consent


async def test_item9_tapped_in_onboarding_holds_it_and_onboarding_finishes_after(app: App):
    patient = Patient(app)
    await onboard_to_phq9(patient)
    await answer_questionnaire(patient, (1, 1, 1, 0, 0, 0, 0, 0))
    shown = await answer_questionnaire(patient, (2,))
    only_the_safety_question_open(shown)
    alerts, _ = await trail(app, patient)
    assert alerts == ["phq9_item9"]
    shown = await patient.tap("I'm safe right now")
    shown += await patient.tap("Maybe later")
    assert "Your score is <b>5</b>" in texts(shown)  # the questionnaire kept its answers
    assert "(1/7)" in last_question(shown)  # then onboarding goes on with the GAD-7
    await answer_questionnaire(patient, (0, 0, 0, 0, 0, 0, 0))
    async with app.uow() as work:
        enrolment = await work.enrolments.current(patient.pid)
    assert enrolment is not None  # onboarding finished, so module 1 will come


async def test_item9_typed_as_a_score_raises_the_alert_like_a_tap(app: App):
    patient = Patient(app)
    await onboard_to_phq9(patient)
    await answer_questionnaire(patient, (0, 0, 0, 0, 0, 0, 0, 0))
    shown = await patient.type("1")  # "several days" on the paper form
    only_the_safety_question_open(shown)
    alerts, _ = await trail(app, patient)
    assert alerts == ["phq9_item9"]
    async with app.uow() as work:
        results = await work.questionnaires.list_for_patient(patient.pid, "phq9")
    assert [r.total for r in results] == [1]


async def test_possible_risk_asks_once_and_a_no_brings_the_question_back(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    goals = (await patient.question())["html"]
    shown = await patient.type("honestly I can't go on like this")
    assert "thoughts of ending your life" in last_question(shown)
    assert len([p for p in shown if "input" in p]) == 1
    assert await trail(app, patient) == ([], [])  # a question first, not an alarm
    shown = await patient.tap("No")
    assert last_question(shown) == goals
    assert await active_flow(app, patient) == "module_1"


async def test_possible_risk_confirmed_starts_the_pathway(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    await patient.type("everyone would be better off without me")
    shown = await patient.tap("Yes")
    only_the_safety_question_open(shown)
    alerts, events = await trail(app, patient)
    assert alerts == ["possible_risk"]
    assert events


async def test_nothing_scheduled_starts_while_the_pathway_is_open(app: App):
    patient = Patient(app)
    await in_module_1(app, patient)
    await patient.type(CRISIS_WORDS)
    async with app.uow() as work:
        person = await work.patients.get(patient.pid)
        assert person is not None
        waiting = await app.programme.after_safety(work, person)
    assert waiting is not None  # a check-in or module release due now would come back later
    await patient.tap("I'm safe right now")
    await patient.tap("Maybe later")
    async with app.uow() as work:
        person = await work.patients.get(patient.pid)
        assert person is not None
        assert await app.programme.after_safety(work, person) is None
