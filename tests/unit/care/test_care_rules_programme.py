"""The programme: module 1 opens at enrolment, each next module a week later."""

from __future__ import annotations

from datetime import timedelta

from bot.care.ports import PRIORITY_BULK
from scheduler.clock import FrozenClock
from tests.support.journey import Patient as Chat
from tests.support.journey import onboard
from tests.unit.care.conftest import Care, build_care, care_settings, patient_queue, texts

WEEK = timedelta(days=7)


async def release_state(care: Care, chat: Chat) -> tuple[int, str | None]:
    async with care.uow(reading=True) as work:
        enrolment = await work.enrolments.current(chat.pid)
        run = await work.runs.get_active(chat.pid)
    assert enrolment is not None
    return enrolment.current_module, None if run is None else run.flow_id


async def test_module_1_opens_once_due_and_module_2_waits_for_its_week(care: Care, chat: Chat):
    await onboard(chat)
    assert await release_state(care, chat) == (0, None)
    await care.scheduler.sweeper.drain()
    shown = await chat.new()
    assert "welcome to <b>week 1</b>" in texts(shown)
    assert await release_state(care, chat) == (1, "module_1")
    care.clock.advance(WEEK - timedelta(minutes=1))
    await care.scheduler.sweeper.drain()
    assert "week 2" not in texts(await chat.new())
    assert (await release_state(care, chat))[0] == 1


async def test_a_week_later_module_2_is_released(care: Care, chat: Chat):
    await onboard(chat)
    await care.scheduler.sweeper.drain()
    care.clock.advance(WEEK)
    await care.scheduler.sweeper.drain()
    assert (await release_state(care, chat))[0] == 2
    async with care.uow(reading=True) as work:
        released = await work.scheduled.get_by_key(f"module_release:p{chat.pid}:m2")
    assert released is not None
    assert released.status == "done"


async def test_a_release_goes_out_behind_conversation_replies(care: Care, chat: Chat):
    await onboard(chat)
    already = len(await patient_queue(care, chat.pid))
    await care.scheduler.sweeper.drain()
    fresh = (await patient_queue(care, chat.pid))[already:]
    assert fresh
    assert {m.priority for m in fresh} == {PRIORITY_BULK}


async def test_a_release_is_planned_once_however_often_the_sweep_runs(care: Care, chat: Chat):
    await onboard(chat)
    first = await care.scheduler.sweeper.drain()
    again = await care.scheduler.sweeper.drain()
    assert first["fired"] >= 1
    assert not again
    assert texts(await chat.new()).count("welcome to <b>week 1</b>") == 1


async def test_after_completion_policy_holds_module_2_until_module_1_is_done(clock: FrozenClock):
    care = await build_care(care_settings(release_policy="weekly_after_completion"), clock)
    chat = Chat(care)
    await onboard(chat)
    await care.scheduler.sweeper.drain()
    clock.advance(WEEK)
    report = await care.scheduler.sweeper.drain()
    assert report["waiting"] == 1
    assert (await release_state(care, chat))[0] == 1
    async with care.uow(reading=True) as work:
        held = await work.scheduled.get_by_key(f"module_release:p{chat.pid}:m2")
    assert held is not None
    assert (held.status, held.note) == ("pending", "waiting for module 1 to be finished")
