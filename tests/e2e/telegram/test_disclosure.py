"""The moment after a disclosure, in Telegram against the real `daybreak run`: the safety question
is the only open question, the patient's words are never shown back, typed answers count like
taps, and the interrupted conversation comes back afterwards."""

from __future__ import annotations

import pytest

from tests.e2e.telegram.conftest import BotProcess, Patient
from tests.fakebot import FakeBotApi

pytestmark = pytest.mark.asyncio(loop_scope="module")

SAFETY_QUESTION = "Are you safe right now?"
PHQ9_ITEMS = 9


async def to_phq9(patient: Patient, name: str) -> None:
    """Onboard by taps up to the PHQ-9 (its first item is still unread)."""
    await patient.onboard_to_name()
    await patient.send(name)
    await patient.expect(f"Nice to meet you, {name}.")
    await patient.press("English")
    await patient.somewhere_else()


async def only_safety_open(patient: Patient) -> list[str]:
    """Wait for the safety question, then check nothing else was asked after it."""
    await patient.expect(SAFETY_QUESTION)
    unread = await patient.settle()
    asked = [text for text in unread if "?" in text or "(1/7)" in text]
    assert asked == [], asked
    assert patient.buttons()[-3:] == ["I'm safe right now", "I'm not sure", "I'm not safe"]
    return unread


async def test_item9_typed_1_holds_onboarding_and_typed_3_is_not_safe(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    cal = Patient(shared_fake, 6101)
    await to_phq9(cal, "Cal")
    for item in range(1, PHQ9_ITEMS):
        await cal.expect(f"({item}/{PHQ9_ITEMS})")
        await cal.send("0")  # the score on the paper form: "Not at all"
    await cal.expect(f"({PHQ9_ITEMS}/{PHQ9_ITEMS})")
    await cal.send("1")  # "Several days": thoughts of being better off dead
    unread = await only_safety_open(cal)
    assert not any("Your score is" in text for text in unread)
    await cal.send("3")  # the third button: "I'm not safe"
    await cal.expect("right now")
    unread = await cal.settle()
    assert not any("(1/7)" in text for text in unread)  # onboarding waits for the patient
    assert shared_bot.sql("SELECT reason FROM alerts ORDER BY id")[-2:] == [
        ("phq9_item9",),
        ("patient_not_safe",),
    ]
    await cal.send("ok")
    await cal.expect("Your score is")  # the PHQ-9 kept its answers
    await cal.expect("(1/7)")


async def test_crisis_words_for_a_name_are_never_echoed(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    dee = Patient(shared_fake, 6102)
    await dee.onboard_to_name()
    await dee.send("i just want to die tbh")
    await only_safety_open(dee)
    await dee.press("I'm safe right now")
    await dee.expect("make one together now")  # the question that carries the buttons
    await dee.press("Maybe later")
    await dee.expect("What would you like me to call you?")  # asked once more
    await dee.send("Dee")
    await dee.expect("Nice to meet you, Dee.")
    assert not any("want to die" in text for text in dee.texts())
    assert shared_fake.violations == []
