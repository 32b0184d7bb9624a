"""The staff chat's safety router: /resolve and /ae, and their buttons (before the staff router).

Thin like the rest: check the person is staff, hand the words or the button data (untrusted:
the care layer parses it) to the safety desk, and show what it returns.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, Update

from bot.app import App
from bot.care.support_safety import SafetyDesk, Screen
from bot.care.support_staff import SAFETY_COMMANDS, StaffActions
from bot.telegram.patients import event_key
from bot.telegram.render import keyboard_for
from bot.telegram.staff_access import StaffDirectory
from bot.telegram.staff_gate import INACTIVE, StaffGate

log = logging.getLogger(__name__)

SAFETY_BUTTONS = ("res:", "ae:")  # callback data prefixes this router answers


def safety_router(
    app: App, desk: SafetyDesk, actions: StaffActions, directory: StaffDirectory
) -> Router:
    """/resolve and /ae in the staff chat, and the resolve and grading buttons."""
    router = Router(name="staff-safety")
    staff_chat = app.settings.telegram.staff_chat_id
    router.message.filter(F.chat.id == staff_chat)
    router.callback_query.filter(F.message.chat.id == staff_chat, F.data.startswith(SAFETY_BUTTONS))
    gate = StaffGate(directory, actions)

    @router.message(Command(*SAFETY_COMMANDS))
    async def command(message: Message, update: Update, bot: Bot, command: CommandObject) -> None:
        if not await gate.message(message, update, bot, f"/{command.command}"):
            return
        assert message.from_user is not None
        handle = desk.events if command.command == "ae" else desk.resolve_command
        await handle(
            message.from_user.id, message.message_thread_id, command.args or "", event_key(update)
        )

    @router.callback_query()
    async def pressed(query: CallbackQuery, update: Update, bot: Bot) -> None:
        if not await gate.press(query, update, bot):
            return
        screen = await desk.press(query.from_user.id, query.data or "", event_key(update))
        if screen is None:
            await query.answer(INACTIVE)
            return
        if screen.html and isinstance(query.message, Message):
            await _show(query.message, screen)
        await query.answer(screen.answer[:200] or None)

    return router


async def _show(message: Message, screen: Screen) -> None:
    """Turn the pressed message into the screen (the alert's own text stays above a result)."""
    html = f"{message.html_text}\n\n{screen.html}" if screen.append else screen.html
    markup = keyboard_for(screen.buttons) if screen.buttons else None
    try:
        await message.edit_text(html, parse_mode="HTML", reply_markup=markup)
    except TelegramBadRequest as error:  # e.g. a message too old to edit: the action still stands
        log.warning("could not update a staff message: %s", error.message)
