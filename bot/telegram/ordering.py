"""Strict order within a chat, concurrency across chats, and a count of the work in flight.

aiogram runs every update as its own task. This outer middleware takes a per-chat lock before
the handler: tasks start in the order updates arrived and reach the lock before their first
real suspension, and asyncio.Lock wakes waiters first-in first-out, so one chat's updates are
handled in order while other chats go on in parallel. (The inbox hands out a chat's updates one
at a time already; this keeps the order for anything fed to the dispatcher directly.) An update
handled again after a failure is not dropped here: the care layer's event keys make it harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject, Update

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ChatOrder(BaseMiddleware):
    """One update at a time per chat; in-flight work is counted."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.idle = asyncio.Event()
        self.idle.set()
        self._in_flight = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Run the handler under the chat's lock."""
        assert isinstance(event, Update)
        chat = chat_id_of(event)
        self._enter(chat)
        try:
            async with self._locks[chat]:
                return await handler(event, data)
        finally:
            self._leave(chat)

    def _enter(self, chat: int) -> None:
        self._locks.setdefault(chat, asyncio.Lock())
        self._waiting[chat] = self._waiting.get(chat, 0) + 1
        self._in_flight += 1
        self.idle.clear()

    def _leave(self, chat: int) -> None:
        self._waiting[chat] -= 1
        if not self._waiting[chat]:  # forget idle chats' locks so memory stays flat
            del self._waiting[chat], self._locks[chat]
        self._in_flight -= 1
        if not self._in_flight:
            self.idle.set()


def chat_id_of(update: Update) -> int:
    """The chat an update belongs to (0 for kinds that belong to none)."""
    for message in (update.message, update.edited_message):
        if message is not None:
            return message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return 0


async def _with_update(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
    data.setdefault("update", data.get("event_update"))
    return await handler(event, data)


def expose_update(dispatcher: Dispatcher) -> None:
    """Let handlers take the raw update as `update` too (aiogram calls it `event_update`).

    An inner middleware on the dispatcher applies to every included router's handlers; it
    cannot be an update-level one, where aiogram itself passes an `update` argument.
    """
    for observer in (
        dispatcher.message, dispatcher.edited_message, dispatcher.callback_query,
        dispatcher.my_chat_member,
    ):  # fmt: skip
        observer.middleware(_with_update)
