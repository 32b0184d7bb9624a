"""A conversation turn by turn: answers advance, stale or wrong input gets a kind reply."""

from __future__ import annotations

from tests.support.journey import Patient as Chat
from tests.unit.care.conftest import (
    Care,
    callback,
    labels,
    patient_queue,
    questions,
    text_of,
    texts,
)

AGE_QUESTION = "Are you 18 or older?"
STALE = "That button belongs to an earlier message"


async def open_flow(care: Care, chat: Chat) -> str | None:
    async with care.uow(reading=True) as work:
        run = await work.runs.get_active(chat.pid)
    return None if run is None else run.flow_id


async def test_a_tapped_answer_asks_the_next_question(care: Care, chat: Chat):
    await chat.start()
    shown = await chat.tap("I agree")
    assert [text_of(q) for q in questions(shown)] == [AGE_QUESTION]
    assert labels(shown[-1]) == ["Yes", "No"]
    assert await open_flow(care, chat) == "onboarding"


async def test_a_typed_label_answers_like_a_tap(chat: Chat):
    await chat.start()
    shown = await chat.type("I agree")
    assert text_of(shown[-1]) == AGE_QUESTION


async def test_a_typed_name_is_kept_as_the_patients_alias(care: Care, chat: Chat):
    await chat.start()
    await chat.tap("I agree")
    await chat.tap("Yes")
    shown = await chat.type("Ada")
    assert "Nice to meet you, Ada." in texts(shown)
    async with care.uow(reading=True) as work:
        person = await work.patients.get(chat.pid)
        assert person is not None
        assert work.patients.alias(person) == "Ada"


async def test_a_stale_button_gets_a_kind_reply_and_changes_nothing(care: Care, chat: Chat):
    await chat.start()
    consent = await chat.question()
    await chat.tap("I agree")
    shown = await chat.press(callback(consent, "Not now"))  # too late
    assert STALE in texts(shown)
    assert not questions(shown)  # nothing asked again, nothing answered
    shown = await chat.tap("Yes")  # the open question still works
    assert "What would you like me to call you?" in texts(shown)
    async with care.uow(reading=True) as work:
        person = await work.patients.get(chat.pid)
        assert person is not None
        assert person.status == "active"
        assert await work.consents.list_for_patient(chat.pid) == []


async def test_forged_callback_data_is_treated_as_stale(chat: Chat):
    await chat.start()
    shown = await chat.press("not-a-button")
    assert STALE in texts(shown)


async def test_a_typed_digit_with_no_such_button_asks_again_kindly(chat: Chat):
    await chat.start()
    await chat.tap("I agree")
    shown = await chat.type("9")
    assert "Please tap Yes or No." in texts(shown)
    assert text_of(questions(shown)[-1]).endswith(AGE_QUESTION)
    assert "What would you like me to call you?" in texts(await chat.tap("Yes"))


async def test_help_mid_flow_then_the_open_question_comes_back(chat: Chat):
    await chat.start()
    await chat.tap("I agree")
    shown = await chat.command("help")
    assert "/pause" in texts(shown)
    assert "not an emergency service" in texts(shown)
    assert text_of(shown[-1]) == AGE_QUESTION
    assert "What would you like me to call you?" in texts(await chat.tap("Yes"))


async def test_a_redelivered_update_changes_nothing(care: Care, chat: Chat):
    await chat.start()
    agree = callback(await chat.question(), "I agree")
    await chat.press(agree, key="tg:redelivered")
    before = await patient_queue(care, chat.pid)
    assert await chat.press(agree, key="tg:redelivered") == []  # not even a "stale" reply
    assert await patient_queue(care, chat.pid) == before
    assert await open_flow(care, chat) == "onboarding"
