"""Who is staff (the staff chat's administrators, plus the allowlist); is the bot set up there."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner

log = logging.getLogger(__name__)

ADMINS_TTL = 60.0  # seconds: a promotion or demotion counts within a minute


class StaffDirectory:
    """Answers "is this user staff?", asking Telegram for administrators at most once a minute."""

    def __init__(
        self,
        chat_id: int | None,
        allowlist: list[int],
        *,
        ttl: float = ADMINS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Remember where to look; nothing is fetched until asked."""
        self.chat_id = chat_id
        self.allowlist = frozenset(allowlist)
        self.ttl = ttl
        self.clock = clock
        self._admins: frozenset[int] = frozenset()
        self._fetched = float("-inf")

    async def is_staff(self, bot: Bot, user_id: int) -> bool:
        """True for an administrator of the staff chat or someone on the allowlist."""
        if user_id in self.allowlist:
            return True
        return user_id in await self.admins(bot)

    async def admins(self, bot: Bot) -> frozenset[int]:
        """The staff chat's human administrators (cached briefly)."""
        if self.chat_id is None:
            return frozenset()
        if self.clock() - self._fetched < self.ttl:
            return self._admins
        try:
            members = await bot.get_chat_administrators(self.chat_id)
        except TelegramAPIError as error:
            log.error("cannot list the staff chat's administrators: %s", error.message)
            return self._admins  # the last known list, not nobody and not everybody
        self._admins = frozenset(m.user.id for m in members if not m.user.is_bot)
        self._fetched = self.clock()
        return self._admins


async def staff_chat_problems(bot: Bot, chat_id: int | None) -> list[str]:
    """What stops the bot from running the staff forum; [] when it is ready."""
    if chat_id is None:
        return ["telegram.staff_chat_id is not set: the staff channel is off"]
    try:
        chat = await bot.get_chat(chat_id)
        me = await bot.get_me()
        member = await bot.get_chat_member(chat_id, me.id)
    except TelegramAPIError as error:
        return [f"the bot cannot see the staff chat {chat_id} ({error.message}): add it there"]
    problems = []
    if chat.type != "supergroup" or not chat.is_forum:
        problems.append(f"the staff chat {chat_id} is not a forum: turn on Topics in its settings")
    if isinstance(member, ChatMemberOwner):
        return problems
    if not isinstance(member, ChatMemberAdministrator):
        problems.append(
            f"the bot is not an administrator of the staff chat {chat_id} (it is "
            f"{member.status}): promote it, with the right to manage topics"
        )
    elif not member.can_manage_topics:
        problems.append(
            f"the bot is an administrator of the staff chat {chat_id} but lacks the "
            "'Manage topics' right: grant it"
        )
    return problems
