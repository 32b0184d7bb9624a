"""An unstaffed `daybreak run` (no staff chat, programme.staffing = "unstaffed") is honest: in a
crisis it points to the crisis contacts and never says a person was told or will be in touch."""

from __future__ import annotations

import re

import pytest

from tests.e2e.telegram.conftest import BotProcess, Patient
from tests.fakebot import FakeBotApi

pytestmark = pytest.mark.asyncio(loop_scope="module")

SAFETY_QUESTION = "Are you safe right now?"
PROMISE = re.compile(
    r"let (a person|the team|our support team) know|a person from|told a person|in touch"
    r"|trained helper|asked a helper|a helper can|team can see|they'll (check in|contact you)",
    re.IGNORECASE,
)


def promises(texts: list[str]) -> list[str]:
    """The texts that promise a person."""
    return [text for text in texts if PROMISE.search(text)]


async def test_an_unstaffed_crisis_never_promises_a_person(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    dee = Patient(shared_fake, 6201)
    await dee.onboard_to_name()
    await dee.send("I want to kill myself")
    await dee.expect("Daybreak is not an emergency service")
    await dee.expect("No one from Daybreak reads these messages as they arrive")
    await dee.expect(SAFETY_QUESTION)
    await dee.press("I'm not safe")
    await dee.expect("right now")
    await dee.expect("No one from Daybreak will read this straight away")
    await dee.settle()
    assert promises(dee.texts()) == []
    assert not any("helper" in text.lower() for text in dee.texts())
    # The alerts are still kept (for the record), though nobody reads a staff chat.
    reasons = [row[0] for row in shared_bot.sql("SELECT reason FROM alerts ORDER BY id")]
    assert {"crisis_language", "patient_not_safe"} <= set(reasons)


async def test_an_unstaffed_crisis_that_is_not_sure_promises_no_one_either(
    shared_fake: FakeBotApi, shared_bot: BotProcess
):
    eli = Patient(shared_fake, 6202)
    await eli.onboard_to_name()
    await eli.send("I keep thinking about ending my life")
    await eli.expect(SAFETY_QUESTION)
    await eli.press("I'm not sure")
    await eli.expect("name five things you can see")
    await eli.expect("make one together now")  # the question that carries the buttons
    await eli.press("Maybe later")
    await eli.expect("check in with you again later today")
    await eli.settle()
    assert promises(eli.texts()) == []
