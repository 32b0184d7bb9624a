"""Anything a patient can send gets a kind answer and the conversation goes on.

One `daybreak run` serves the whole module; each scenario is its own patient.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.telegram.conftest import BotProcess, Patient, eventually
from tests.fakebot import FakeBotApi

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONSENT = "Would you like to start Daybreak?"
ADULT = "Are you 18 or older?"
NAME = "What would you like me to call you?"
UNSUPPORTED = "I can only read text and button taps"
STALE = "That button belongs to an earlier message"


async def at_consent(fake: FakeBotApi, user_id: int) -> Patient:
    patient = Patient(fake, user_id)
    await patient.send("/start")
    await patient.expect(CONSENT)
    return patient


def keyboard_data(patient: Patient, message: dict[str, Any]) -> list[str]:
    """The callback data on a message the patient can see now."""
    live = patient.fake.world.chat(patient.id).messages[message["message_id"]]
    rows = (live.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


def answered_every_tap(fake: FakeBotApi) -> bool:
    """The fake forgets a callback query once it is answered: none may be left."""
    return not fake.pending_callbacks


async def test_media_gets_a_kind_reply_then_the_open_question_again(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    dee = await at_consent(fake, 6001)
    senders = [
        fake.user_sends_sticker, fake.user_sends_photo, fake.user_sends_voice,
        fake.user_sends_video, fake.user_sends_document, fake.user_sends_location,
        fake.user_sends_contact,
    ]  # fmt: skip
    for send in senders:
        await send(dee.id)
        await dee.expect(UNSUPPORTED)
        await dee.expect(CONSENT)
    await dee.press("I agree")  # and the conversation goes on
    await dee.expect(ADULT)
    assert fake.violations == []


async def test_edited_messages(shared_fake: FakeBotApi, shared_bot: BotProcess):
    fake = shared_fake
    eve = await at_consent(fake, 6002)
    typo = await eve.send("I agre")
    await eve.expect("Please tap one of the buttons")
    await fake.user_edits(typo, "I agree")  # the new text answers the open question
    await eve.expect(ADULT)
    await fake.user_edits(typo, "never mind")  # doesn't answer "18 or older?": acknowledged
    await eve.expect("I've seen your edit")
    await eve.send("yes")  # the question stayed open
    await eve.expect(NAME)
    assert fake.violations == []


async def test_a_message_longer_than_telegram_sends_back(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    fay = await at_consent(fake, 6003)
    await fay.press("I agree")
    await fay.expect(ADULT)
    await fay.press("Yes")
    await fay.expect(NAME)
    await fay.send("word " * 1000)  # 5,000 characters
    await fay.expect("That's a long message")
    await fay.expect(NAME)
    await fay.send("Fay")
    await fay.expect("Nice to meet you, Fay.")
    assert fake.violations == []


async def test_help_mid_flow_then_the_question_again(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    gus = await at_consent(fake, 6004)
    await gus.press("I agree")
    await gus.expect(ADULT)
    await gus.send("/help")
    await gus.expect("not an emergency service")
    await gus.expect(ADULT)
    await gus.press("Yes")
    await gus.expect(NAME)
    assert fake.violations == []


async def test_a_patient_command_in_a_group_gets_a_short_refusal(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    family = -100555
    fake.add_group(family, "Family", forum=False, bot_status="member")
    await fake.user_sends(6005, "/start", chat_id=family)
    refusal = await eventually(lambda: fake.sent(family), what="a refusal in the group")
    assert "only talks with people in a private chat" in refusal[0]["plain_text"]
    await fake.user_sends(6005, "hello everyone", chat_id=family)  # not a command: ignored
    await Patient(fake, 6099).settle(0.5)
    assert len(fake.sent(family)) == 1
    assert fake.sent(6005) == []  # no patient was created, nothing private was sent
    assert fake.violations == []


async def test_stale_and_forged_buttons_are_answered_and_change_nothing(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    fake = shared_fake
    hal = await at_consent(fake, 6006)
    consent = hal.messages()[-1]
    old_data = keyboard_data(hal, consent)
    await hal.press("I agree")
    await hal.expect(ADULT)

    # The consent question's keyboard was taken off; a press that still reaches us is stale.
    assert keyboard_data(hal, consent) == []
    for data in (old_data[1], "a:99999:1:0", "garbage", "x" * 64, ""):
        presses = len(fake.callback_answers)
        await fake.user_presses(hal.id, data, message=consent, forged=True)
        await eventually(lambda n=presses: len(fake.callback_answers) > n, what="an answer")
        assert fake.callback_answers[-1]["text"] == "That button is from an earlier message."
        await hal.expect(STALE)
    assert bo_is_still_asked_adult(hal)
    await hal.press("Yes")  # nothing changed: the open question still takes its answer
    await hal.expect(NAME)
    assert "Not now" not in " ".join(hal.texts())  # "Not now" (declined) was never taken
    await eventually(lambda: answered_every_tap(fake), what="every callback query answered")
    assert fake.violations == []


def bo_is_still_asked_adult(patient: Patient) -> bool:
    return patient.buttons()[-2:] == ["Yes", "No"]


async def test_a_flood_of_thirty_messages_is_answered_in_order(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    """30 messages sent at once: the whole onboarding typed, then ten thank-yous.

    Each answer only fits the question before it, so an onboarding that completes (with no
    "please tap" reprompts) proves the bot took them one at a time, in order.
    """
    fake = shared_fake
    ida = Patient(fake, 6007)
    answers = ["/start", "I agree", "Yes", "Ida", "English", "Somewhere else", "I'm not sure"]
    answers += ["Not at all"] * 16
    answers += [f"thank you {n}" for n in range(1, 31 - len(answers))]
    assert len(answers) == 30
    for answer in answers:
        await ida.send(answer)
    await ida.expect("That's everything for today, Ida.", within=30)
    texts = await ida.settle(1.0, within=30)
    assert sum("Thanks for your message" in t for t in texts) == 30 - 23
    assert not any("Please tap" in t or "didn't catch" in t for t in ida.texts())
    assert fake.rate_limited == []
    assert fake.violations == []
