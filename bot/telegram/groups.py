"""Groups are not for patients: a patient command there gets a short refusal."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message, Update

from bot.app import App
from bot.telegram.patients import event_key


def group_router(app: App) -> Router:
    """Refuse patient commands sent in any group except the staff chat."""
    router = Router(name="groups")
    staff_chat = app.settings.telegram.staff_chat_id
    router.message.filter(
        F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}),
        F.chat.id != staff_chat,
        F.text.startswith("/"),
    )

    @router.message()
    async def refuse(message: Message, update: Update) -> None:
        language = message.from_user.language_code if message.from_user else None
        await app.commands.refuse_in_group(
            "telegram", message.chat.id, (language or "en").split("-")[0], event_key(update)
        )

    return router
