"""The staff relay: a guided patient's words reach their helper, the helper's reply reaches them."""

from __future__ import annotations

from datetime import timedelta

from tests.support.journey import Patient as Chat
from tests.support.journey import onboard
from tests.unit.care.conftest import (
    HELPER_USER_ID,
    STAFF_CHAT_ID,
    Care,
    helper_reply,
    key,
    patient_queue,
    relayed,
    staff_queue,
    texts,
)

THREAD = 77


async def guided(care: Care, chat: Chat, name: str = "Sam") -> None:
    """An onboarded patient with a helper, and their topic in the staff forum."""
    await onboard(chat, name=name)
    async with care.uow() as work:
        person = await work.patients.get(chat.pid)
        assert person is not None
        await work.patients.update(person, care_mode="guided")
        await work.support_topics.set(chat.pid, str(STAFF_CHAT_ID), THREAD, person.pseudonym)
        await work.staff.add(HELPER_USER_ID, "Hana")
        await work.commit()
    await chat.new()


async def write_to_helper(care: Care, chat: Chat, *words: str) -> None:
    """/helper, then each message, as the Telegram adapter routes them while relaying."""
    await care.staff.support.request(chat.pid, key())
    for number, text in enumerate(words, start=1):
        async with care.uow(reading=True) as work:
            assert await care.staff.support.relaying(work, chat.pid)
        await care.staff.support.relay_text(chat.pid, key(), number, text)


async def relays(care: Care) -> list[list[str]]:
    found = [relayed(m.payload) for m in await staff_queue(care)]
    return [words for _, words in filter(None, found)]


async def test_a_patients_question_reaches_the_staff_queue(care: Care, chat: Chat):
    await guided(care, chat)
    await write_to_helper(care, chat, "Is it normal to feel worse in week 2?")
    assert await relays(care) == [["Is it normal to feel worse in week 2?"]]
    assert [relayed(m.payload) for m in await staff_queue(care)] == [
        (chat.pid, ["Is it normal to feel worse in week 2?"])
    ]
    shown = await chat.new()
    assert "Write your message for your helper." in texts(shown)
    assert "Sent to your helper." in texts(shown)


async def test_messages_in_a_burst_go_to_the_helper_as_one(care: Care, chat: Chat):
    await guided(care, chat)
    await write_to_helper(care, chat, "Hi", "one more thing & <b>this</b>")
    assert await relays(care) == [["Hi", "one more thing &amp; &lt;b&gt;this&lt;/b&gt;"]]
    assert texts(await chat.new()).count("Sent to your helper.") == 1  # reassured once


async def test_the_helpers_reply_reaches_the_patient_signed(care: Care, chat: Chat):
    await guided(care, chat)
    await write_to_helper(care, chat, "Can we talk about sleep?")
    await care.staff.actions.message(
        HELPER_USER_ID, THREAD, 9001, "Of course, Sam. Tell me more.", media=False, key=key()
    )
    (reply,) = [m for m in await patient_queue(care, chat.pid) if helper_reply(m.payload)]
    assert reply.target_key == f"patient:{chat.pid}"
    assert helper_reply(reply.payload) == "Of course, Sam. Tell me more.\n\n— Hana"
    async with care.uow(reading=True) as work:
        person = await work.patients.get(chat.pid)
        assert person is not None
        actions = [e.action for e in await work.audit.list(target=person.pseudonym)]
    assert "staff.reply" in actions


async def test_a_helpers_note_stays_in_the_staff_forum(care: Care, chat: Chat):
    await guided(care, chat)
    before = await patient_queue(care, chat.pid)
    await care.staff.actions.message(
        HELPER_USER_ID, THREAD, 9002, "! sounds tired, check in Friday", media=False, key=key()
    )
    assert await patient_queue(care, chat.pid) == before


async def test_a_self_guided_patient_is_told_there_is_no_helper(care: Care, chat: Chat):
    await onboard(chat)
    await chat.new()
    await care.staff.support.request(chat.pid, key())
    assert "self-guided" in texts(await chat.new())
    async with care.uow(reading=True) as work:
        assert not await care.staff.support.relaying(work, chat.pid)
    assert await relays(care) == []


async def test_the_relay_window_closes_after_half_an_hour(care: Care, chat: Chat):
    await guided(care, chat)
    await write_to_helper(care, chat, "Thanks")
    care.clock.advance(timedelta(minutes=31))
    async with care.uow(reading=True) as work:
        assert not await care.staff.support.relaying(work, chat.pid)
