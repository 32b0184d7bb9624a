"""Events that arrive twice, late or forged change nothing and get a kind reply."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import App
from tests.support.journey import Patient, button_data, texts

STALE_REPLY = "That button belongs to an earlier message"


async def snapshot(app: App, patient: Patient) -> dict[str, Any]:
    """What a duplicate or forged event must not change."""
    async with app.uow() as uow:
        runs = await uow.runs.list_for_patient(patient.pid)
        person = await uow.patients.get(patient.pid)
        assert person is not None
        return {
            "runs": [(r.id, r.status, uow.runs.state(r)) for r in runs],
            "answers": await uow.answers.list_for_patient(patient.pid),
            "variables": await uow.variables.get_all(patient.pid),
            "status": person.status,
            "consents": len(await uow.consents.list_for_patient(patient.pid)),
        }


async def test_the_same_typed_answer_delivered_twice_counts_once(app: App, patient: Patient):
    await patient.start()
    await patient.tap("I agree")
    await patient.tap("Yes")
    first = await patient.type("Ada", key="tg:update:41")
    again = await patient.type("Ada", key="tg:update:41")
    assert "Nice to meet you, Ada." in texts(first)
    assert again == []
    async with app.uow() as uow:
        names = [
            a for a in await uow.answers.list_for_patient(patient.pid) if a.variable == "alias"
        ]
    assert [a.value for a in names] == ["Ada"]


async def test_the_same_button_press_delivered_twice_counts_once(app: App, patient: Patient):
    await patient.start()
    data = await button_data(patient, "I agree")
    first = await patient.press(data, key="tg:callback:7")
    before = await snapshot(app, patient)
    again = await patient.press(data, key="tg:callback:7")
    assert "Are you 18 or older?" in texts(first)
    assert again == []
    assert await snapshot(app, patient) == before


async def test_a_repeated_start_is_not_a_second_patient(app: App, patient: Patient):
    await patient.start(key="tg:update:1")
    pid = patient.pid
    assert await patient.start(key="tg:update:1") == []
    assert patient.pid == pid
    # A new /start (new key) asks the open question again instead of starting over.
    again = await patient.start()
    assert patient.pid == pid
    assert again[-1]["html"] == "Would you like to start Daybreak?"


async def test_an_older_questions_button_gets_a_kind_reply_and_changes_nothing(
    app: App, patient: Patient
):
    await patient.start()
    old_agree = await button_data(patient, "I agree")
    old_decline = await button_data(patient, "Not now")
    await patient.press(old_agree)
    before = await snapshot(app, patient)
    for stale in (old_agree, old_decline):
        reply = await patient.press(stale)
        assert len(reply) == 1
        assert STALE_REPLY in reply[0]["html"]
    assert await snapshot(app, patient) == before
    # The open question still works.
    assert "What would you like me to call you?" in texts(await patient.tap("Yes"))


@pytest.mark.parametrize(
    "forged", ["a:999:zz:1", "garbage", "a:999:abc:1", "", "a:1:ffffff:99", "a:-1:ab:1"]
)
async def test_forged_callback_data_gets_a_kind_reply_and_changes_nothing(
    app: App, patient: Patient, forged: str
):
    await patient.start()
    await patient.tap("I agree")
    before = await snapshot(app, patient)
    reply = await patient.press(forged)
    assert len(reply) == 1
    assert STALE_REPLY in reply[0]["html"]
    assert await snapshot(app, patient) == before
    assert "What would you like me to call you?" in texts(await patient.tap("Yes"))


async def test_text_where_a_button_is_expected_reprompts(app: App, patient: Patient):
    await patient.start()
    before = await snapshot(app, patient)
    reply = await patient.type("maybe later?")
    assert reply
    assert "buttons" in reply[-1]
    assert [b["label"] for b in reply[-1]["buttons"]] == ["I agree", "Not now"]
    after = await snapshot(app, patient)
    assert after["consents"] == before["consents"] == 0
    assert after["status"] == "active"
