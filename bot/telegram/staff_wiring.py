"""The staff channel's Telegram side, attached by the runner in three calls."""

from __future__ import annotations

import logging

from aiogram import Bot, Router

from bot.app import App
from bot.config import Settings
from bot.telegram.limits import Limits
from bot.telegram.sender import Sender
from bot.telegram.staff import staff_routers
from bot.telegram.staff_access import StaffDirectory, staff_chat_problems
from bot.telegram.staff_delivery import StaffDelivery
from bot.telegram.staff_safety import safety_router

log = logging.getLogger(__name__)


def staff_routers_for(app: App) -> list[Router]:
    """The staff routers (first in the list: /helper and the relay come before the patients')."""
    if app.staff is None:
        return []
    telegram = app.settings.telegram
    directory = StaffDirectory(telegram.staff_chat_id, telegram.staff_allowlist)
    staff = app.staff
    # /resolve, /ae and their buttons first: the staff router takes every other button.
    safety = safety_router(app, staff.desk, staff.actions, directory)
    return [safety, *staff_routers(app, staff.support, staff.actions, directory)]


def attach_staff(app: App, bot: Bot, limits: Limits, sender: Sender) -> None:
    """Let the sender deliver staff rows into forum topics."""
    if app.staff is not None and app.staff.support.enabled:
        sender.staff = StaffDelivery(app, bot, limits, app.staff.support)


async def check_staff_chat(bot: Bot, settings: Settings) -> list[str]:
    """On start: say exactly what is missing in the staff chat (patients are served anyway)."""
    if settings.telegram.staff_chat_id is None:
        log.warning("telegram.staff_chat_id is not set: no staff channel (helpers, alerts)")
        return []
    problems = await staff_chat_problems(bot, settings.telegram.staff_chat_id)
    for problem in problems:
        log.error("staff chat: %s", problem)
    return problems
