"""Only staff act in the staff chat: anyone else's command, message or button press is refused.

One gate for both staff routers, so a refusal reads and is audited the same wherever it happens.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import CallbackQuery, Message, Update

from bot.care.support_staff import REFUSED, StaffActions
from bot.telegram.patients import event_key
from bot.telegram.staff_access import StaffDirectory

INACTIVE = "This button is not active."  # a stale or forged button's answer


@dataclass(frozen=True)
class StaffGate:
    """Lets staff through; refuses (and audits) everyone else."""

    directory: StaffDirectory
    actions: StaffActions

    async def message(self, message: Message, update: Update, bot: Bot, what: str) -> bool:
        """True for a helper's command or message; a refused command is answered in its topic."""
        user = message.from_user
        if user is not None and not user.is_bot and await self.directory.is_staff(bot, user.id):
            return True
        reply = message.message_thread_id if what.startswith("/") else None
        await self.actions.refused(
            "staff chat", what, event_key(update),
            user_id=None if user is None else user.id, thread_id=reply,
        )  # fmt: skip
        return False

    async def press(self, query: CallbackQuery, update: Update, bot: Bot) -> bool:
        """True for a helper's button press; anyone else is told it is for helpers only."""
        if await self.directory.is_staff(bot, query.from_user.id):
            return True
        await self.actions.refused(
            "staff chat", "button", event_key(update), user_id=query.from_user.id
        )
        await query.answer(REFUSED, show_alert=True)
        return False
