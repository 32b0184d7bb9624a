"""Stored updates are handled in order per chat, retried, parked when poison, never dropped.

A patient's message used to be lost when the database failed while it was handled: aiogram
logged the error and moved past the update, which was never retried or answered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import Update
from sqlalchemy.exc import OperationalError

from bot.app import App, build_app
from bot.config import Settings
from bot.telegram.inbox import InboxPolicy, InboxWorker
from bot.telegram.polling import store_updates
from bot.wiring.telegram import build_telegram
from storage.crypto import generate_key

TOKEN = "123456:TEST-inbox-worker-token"


def text_update(update_id: int, chat: int, text: str) -> Update:
    return Update.model_validate({
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0, "text": text,
            "chat": {"id": chat, "type": "private", "first_name": "P"},
            "from": {"id": chat, "is_bot": False, "first_name": "P"},
        },
    })  # fmt: skip


class Handled:
    """Wraps a care service method: records what it was given, fails as planned."""

    def __init__(self, real: Any, failures: dict[str, list[Exception]]) -> None:
        self.real = real
        self.failures = failures  # text -> the errors its next tries raise, in turn
        self.seen: list[str] = []

    async def text(self, patient_id: int, key: str | None, text: str) -> Any:
        self.seen.append(text)
        planned = self.failures.get(text)
        if planned:
            raise planned.pop(0)
        return await self.real(patient_id, key, text)


@pytest.fixture
async def app(tmp_path) -> AsyncIterator[App]:
    settings = Settings(
        telegram={"token": TOKEN},
        database={"url": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"},
        security={"data_key": generate_key()},
    )
    built = await build_app(settings)
    try:
        yield built
    finally:
        await built.close()


async def run_worker(app: App, handled: Handled, updates: list[Update], done: Any) -> InboxWorker:
    telegram = build_telegram(app)
    app.conversations.text = handled.text  # type: ignore[method-assign]
    policy = InboxPolicy(attempts=3, retry_cap=0.05, concurrency=10)
    worker = InboxWorker(app.uow, app.clock, telegram.dispatcher, telegram.bot, "me", policy)
    await store_updates(app.uow, updates)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        deadline = time.monotonic() + 15
        while not await done():
            assert time.monotonic() < deadline, f"timed out; handled {handled.seen}"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await worker.drain(5)
        await telegram.bot.session.close()
    return worker


async def inbox_empty(app: App) -> bool:
    async with app.uow(reading=True) as uow:
        return await uow.inbox.oldest_pending() is None


async def replies(app: App) -> int:
    async with app.uow(reading=True) as uow:
        return await uow.outbox.count("pending")


def database_error() -> OperationalError:
    return OperationalError("UPDATE runs", {}, ConnectionRefusedError("database away"))


async def onboard(app: App, chat: int) -> None:
    """/start through the real handlers, so the chat has a patient with an open question."""
    handled = Handled(app.conversations.text, {})
    await run_worker(
        app, handled, [text_update(chat * 10, chat, "/start")], lambda: inbox_empty(app)
    )


async def test_a_message_the_database_failed_on_is_handled_when_it_is_back(app: App):
    await onboard(app, 501)
    before = await replies(app)
    handled = Handled(app.conversations.text, {"I agree": [database_error(), database_error()]})
    updates = [text_update(5011, 501, "I agree")]
    await run_worker(app, handled, updates, lambda: inbox_empty(app))
    assert handled.seen == ["I agree"] * 3  # twice refused by the database, then handled
    assert await replies(app) > before  # and answered


async def test_a_chat_waits_for_its_failing_update_while_other_chats_go_on(app: App):
    for chat in (601, 602):
        await onboard(app, chat)
    failing = Handled(app.conversations.text, {"first": [database_error()]})
    updates = [
        text_update(6011, 601, "first"),
        text_update(6012, 601, "second"),
        text_update(6021, 602, "other chat"),
    ]
    await run_worker(app, failing, updates, lambda: inbox_empty(app))
    mine = [t for t in failing.seen if t in ("first", "second")]
    assert mine == ["first", "first", "second"]  # in order: the second waited for the first
    assert failing.seen.index("other chat") < failing.seen.index("second")


async def test_a_poison_update_is_parked_and_its_chat_goes_on(app: App):
    await onboard(app, 701)
    bug = AssertionError("a handler bug")
    poison = Handled(app.conversations.text, {"poison": [bug, bug, bug, bug]})
    updates = [text_update(7011, 701, "poison"), text_update(7012, 701, "after")]

    async def parked_and_rest_done() -> bool:
        async with app.uow(reading=True) as uow:
            return await uow.inbox.count_parked() == 1 and await uow.inbox.oldest_pending() is None

    await run_worker(app, poison, updates, parked_and_rest_done)
    assert poison.seen == ["poison"] * 3 + ["after"]  # three tries (inbox_attempts), then on


async def test_an_update_that_arrives_again_is_handled_once(app: App):
    await onboard(app, 801)
    handled = Handled(app.conversations.text, {})
    again = text_update(8011, 801, "Ada")
    await store_updates(app.uow, [again])  # stored twice before it was handled: kept once
    await run_worker(app, handled, [again], lambda: inbox_empty(app))
    assert handled.seen == ["Ada"]
    answered = await replies(app)
    await run_worker(app, handled, [again], lambda: inbox_empty(app))  # Telegram sent it again
    assert await replies(app) == answered  # the care layer knew it: no second reply
