"""Who sent an update: their patient id, and whether their helper relay is open, read once.

Several routers ask about the same update (the helper relay first, then the patients' router);
before, each asked the database again — four units of work for one typed answer.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.app import App
from bot.telegram.ordering import Handler

MESSENGER = "telegram"


class Caller:
    """The sender of one update, looked up lazily and at most once."""

    def __init__(self, app: App, user_id: int | None) -> None:
        self._app = app
        self._user_id = user_id
        self._found: tuple[int | None, bool] | None = None

    async def patient_id(self) -> int | None:
        """The patient using this Telegram account, if any."""
        return (await self._lookup())[0]

    async def relaying(self) -> bool:
        """True while this patient's messages go to their helper."""
        return (await self._lookup())[1]

    async def _lookup(self) -> tuple[int | None, bool]:
        if self._found is None:
            self._found = await self._read()
        return self._found

    async def _read(self) -> tuple[int | None, bool]:
        if self._user_id is None:
            return None, False
        staff = self._app.staff
        relaying = staff.support.relaying if staff and staff.support.enabled else None
        return await self._app.enrolment.find(MESSENGER, self._user_id, relaying)


class IdentifyCaller(BaseMiddleware):
    """Gives every handler a `caller` for the update's sender."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Attach a `Caller`; nothing is read until a handler asks."""
        assert isinstance(event, Update)
        data["caller"] = Caller(self._app, _user_id(event))
        return await handler(event, data)


def _user_id(update: Update) -> int | None:
    for message in (update.message, update.edited_message):
        if message is not None:
            return message.from_user.id if message.from_user else None
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None
