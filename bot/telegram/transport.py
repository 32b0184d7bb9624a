"""The Telegram transport's parts: the bot client, the routers in order, what the runner runs."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.app import App
from bot.config import Settings
from bot.telegram.caller import IdentifyCaller
from bot.telegram.groups import group_router
from bot.telegram.ordering import ChatOrder, expose_update
from bot.telegram.patients import patient_router
from bot.telegram.sender import Sender
from bot.telegram.staff import staff_routers
from bot.telegram.staff_access import StaffDirectory
from bot.telegram.staff_safety import safety_router


@dataclass
class Telegram:
    """The bot, its sender and its dispatcher (behind the per-chat ordering)."""

    bot: Bot
    sender: Sender
    dispatcher: Dispatcher
    order: ChatOrder


def make_bot(settings: Settings) -> Bot:
    """An aiogram Bot pointed at the configured Bot API server."""
    assert settings.telegram.token is not None
    api = TelegramAPIServer.from_base(settings.telegram.api_base_url)
    return Bot(settings.telegram.token.get_secret_value(), session=AiohttpSession(api=api))


def make_dispatcher(app: App) -> tuple[Dispatcher, ChatOrder]:
    """Routers in one ordered list, behind the per-chat ordering middleware."""
    dispatcher = Dispatcher()
    order = ChatOrder()
    dispatcher.update.outer_middleware(order)
    dispatcher.update.outer_middleware(IdentifyCaller(app))
    expose_update(dispatcher)
    dispatcher.include_routers(*staff_routers_for(app), patient_router(app), group_router(app))
    return dispatcher, order


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
