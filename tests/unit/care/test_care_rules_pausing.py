"""/pause holds the plan and /resume shifts it by the pause: nothing piles up meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.journey import Patient as Chat
from tests.support.journey import onboard
from tests.unit.care.conftest import Care, text_of, texts

PAUSE = timedelta(days=3)


async def status(care: Care, chat: Chat) -> str:
    async with care.uow(reading=True) as work:
        person = await work.patients.get(chat.pid)
    assert person is not None
    return person.status


async def module_2(care: Care, chat: Chat):
    async with care.uow(reading=True) as work:
        item = await work.scheduled.get_by_key(f"module_release:p{chat.pid}:m2")
    assert item is not None
    return item


async def paused(care: Care, chat: Chat) -> list[dict[str, Any]]:
    await onboard(chat, name="Ada")
    asked = await chat.command("pause")
    assert "take a break" in text_of(asked[-1])
    return await chat.tap("Yes")


async def test_pause_holds_the_plan_and_keeps_help_in_sight(care: Care, chat: Chat):
    shown = await paused(care, chat)
    assert "Daybreak is paused" in texts(shown)
    assert "emergency number" in texts(shown)
    assert await status(care, chat) == "paused"
    item = await module_2(care, chat)
    assert (item.status, item.payload.get("held_at")) == ("pending", care.clock.now().isoformat())


async def test_resume_welcomes_back_and_shifts_the_plan_by_the_pause(care: Care, chat: Chat):
    await paused(care, chat)
    due = (await module_2(care, chat)).due_at
    care.clock.advance(PAUSE)
    shown = await chat.command("resume")
    assert "Welcome back, Ada!" in texts(shown)
    assert await status(care, chat) == "active"
    item = await module_2(care, chat)
    assert item.due_at == due + PAUSE
    assert "held_at" not in item.payload


async def test_a_pause_can_be_cancelled(care: Care, chat: Chat):
    await onboard(chat)
    await chat.command("pause")
    assert "nothing changes" in texts(await chat.tap("No"))
    assert await status(care, chat) == "active"
    assert "held_at" not in (await module_2(care, chat)).payload
