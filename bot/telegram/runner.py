"""`daybreak run`: the Telegram bot by long polling (default) or webhook, with graceful shutdown.

Shutdown order: stop taking updates, finish the handlers in flight, let the sender flush what
it can, then close the database.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Coroutine
from contextlib import suppress
from typing import Any
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    CreateForumTopic,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChatMember,
    GetUpdates,
    SendMessage,
)
from aiogram.methods.base import Response
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app import build_app, check_staffing
from bot.config import Settings
from bot.errors import StartupError
from bot.liveness import Liveness, release_abandoned_work
from bot.telegram.staff_access import staff_chat_problems
from bot.wiring.telegram import build_telegram, liveness_for

log = logging.getLogger(__name__)

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
# Updates handled at once. Below the database pool (5 + 10 overflow connections), so a burst waits
# at Telegram instead of timing out on the pool, which would lose those updates (measured: 1,000
# patients at once on PostgreSQL exhausted the pool after 30 s).
HANDLERS_AT_ONCE = 10
FLUSH_SECONDS = 10.0

# The menu Telegram shows next to the text box, per language.
COMMANDS = {
    "en": {
        "menu": "What you can do",
        "tools": "Mood diary, thought record and more",
        "progress": "Your progress chart",
        "helper": "Message your helper",
        "help": "Help, and where to get urgent support",
        "settings": "Name, time zone, time, language",
        "pause": "Take a break",
        "resume": "Carry on after a break",
        "mydata": "Get a copy of your data",
        "stop": "Stop the programme",
        "forget": "Delete everything about you",
    },
    "zh": {
        "menu": "可以做什么",
        "tools": "心情日记、想法记录等工具",
        "progress": "你的进展图",
        "helper": "给你的助手留言",
        "help": "帮助与紧急求助方式",
        "settings": "称呼、时区、时间、语言",
        "pause": "暂停一下",
        "resume": "暂停后继续",
        "mydata": "获取你的数据副本",
        "stop": "停止课程",
        "forget": "删除关于你的全部信息",
    },
}


# aiogram parses every answer as pydantic's `Response[T]`, a generic model that pydantic keeps
# only weakly: each garbage collection drops it and the next answer rebuilds it (4-13 ms of
# schema building). Under load that happened on a quarter of all answers; holding the models
# for the frequent methods keeps them built (the rare ones still work, just unpinned).
_PINNED_RESPONSES = [
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        GetUpdates, SendMessage, EditMessageText, EditMessageReplyMarkup, AnswerCallbackQuery,
        CopyMessage, CreateForumTopic, GetChatMember,
    )
]  # fmt: skip


async def set_commands(bot: Bot, default_language: str) -> None:
    """Publish the command menu in each language (the default language for everyone else)."""
    for language, commands in COMMANDS.items():
        listed = [BotCommand(command=name, description=text) for name, text in commands.items()]
        code = None if language == default_language else language
        await bot.set_my_commands(listed, scope=BotCommandScopeDefault(), language_code=code)


def freeze_startup_heap() -> None:
    """Keep what start-up built out of the garbage collector's full passes.

    aiogram's hundreds of pydantic models, SQLAlchemy's mappers and the loaded programme live as
    long as the process; every full collection walked them all and paused every conversation for
    ~220 ms (measured: p99 reply latency 740 ms at 30 updates/s, p50 25 ms). Frozen, a full
    pass only walks what was made since.
    """
    gc.collect()
    gc.freeze()


async def run_bot(settings: Settings, *, webhook: bool = False) -> None:
    """Run until SIGINT/SIGTERM."""
    check_staffing(settings)
    app = await build_app(settings)
    liveness = liveness_for(app, webhook=webhook)
    if not webhook and not await _standby_until_poller(liveness):
        await liveness.leave()  # a standby stopped by SIGTERM: nothing else ever started
        await app.close()
        log.info("stopped")
        return
    await release_abandoned_work(app.uow, await liveness.live_holders() | {liveness.holder})
    telegram = build_telegram(app, holder=liveness.holder)
    freeze_startup_heap()
    bot, sender, dispatcher = telegram.bot, telegram.sender, telegram.dispatcher
    stop = asyncio.Event()
    beating = asyncio.create_task(liveness.run(stop))
    sending = asyncio.create_task(sender.run(stop))
    app.scheduler.start()  # releases, reminders, timeouts, re-checks, digests
    try:
        await set_commands(bot, app.library.default_language)
        await check_staff_chat(bot, settings)
        if webhook:
            await _serve_webhook(settings, bot, dispatcher)
        else:
            await _until_lost(liveness, _poll(settings, bot, dispatcher))
        with suppress(TimeoutError):  # handlers in flight finish before the database closes
            await asyncio.wait_for(telegram.order.idle.wait(), FLUSH_SECONDS)
    finally:
        stop.set()
        with suppress(TimeoutError):
            await asyncio.wait_for(sending, FLUSH_SECONDS)
        await beating
        await liveness.leave()
        await bot.session.close()
        await app.close()
        log.info("stopped")


async def _standby_until_poller(liveness: Liveness) -> bool:
    """Wait as a hot standby for the poller lease; False when SIGINT/SIGTERM came first."""
    acquiring = asyncio.create_task(liveness.acquire_poller())
    signalled = asyncio.create_task(_until_signal())
    done, _ = await asyncio.wait({acquiring, signalled}, return_when=asyncio.FIRST_COMPLETED)
    for task in (acquiring, signalled):
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # polling installs its own
        loop.remove_signal_handler(sig)
    return acquiring in done and acquiring.exception() is None


class PollerLeaseLost(StartupError):
    """Another process took the poller lease: this one stops so it never polls beside it."""


async def _until_lost(liveness: Liveness, polling: Coroutine[Any, Any, None]) -> None:
    """Poll until a signal stops it, or stop at once (exit non-zero) if the lease is lost."""
    poll = asyncio.create_task(polling)
    lost = asyncio.create_task(liveness.lost.wait())
    await asyncio.wait({poll, lost}, return_when=asyncio.FIRST_COMPLETED)
    if not poll.done():
        poll.cancel()
        with suppress(asyncio.CancelledError):
            await poll
        raise PollerLeaseLost("stopped polling: the poller lease was lost (restart me)")
    lost.cancel()
    await poll


async def check_staff_chat(bot: Bot, settings: Settings) -> list[str]:
    """On start: say exactly what is missing in the staff chat (patients are served anyway)."""
    if settings.telegram.staff_chat_id is None:
        log.warning("telegram.staff_chat_id is not set: no staff channel (helpers, alerts)")
        return []
    problems = await staff_chat_problems(bot, settings.telegram.staff_chat_id)
    for problem in problems:
        log.error("staff chat: %s", problem)
    return problems


async def _poll(settings: Settings, bot: Bot, dispatcher: Dispatcher) -> None:
    await bot.delete_webhook(drop_pending_updates=False)
    log.info("polling %s", settings.telegram.api_base_url)
    await dispatcher.start_polling(
        bot,
        polling_timeout=settings.telegram.poll_timeout,
        allowed_updates=dispatcher.resolve_used_update_types(),
        handle_signals=True,
        close_bot_session=False,
        tasks_concurrency_limit=HANDLERS_AT_ONCE,
    )


async def _serve_webhook(settings: Settings, bot: Bot, dispatcher: Dispatcher) -> None:
    telegram = settings.telegram
    if not telegram.webhook_url or telegram.webhook_secret is None:
        raise StartupError(
            "webhook mode needs telegram.webhook_url and telegram.webhook_secret "
            "(the secret proves a request came from Telegram)"
        )
    secret = telegram.webhook_secret.get_secret_value()
    path = urlparse(telegram.webhook_url).path or DEFAULT_WEBHOOK_PATH
    web_app = web.Application()
    # Answer Telegram only once the update is handled (it redelivers on failure; our event keys make
    # that harmless), and let it open no more connections than we handle updates at once.
    handler = SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=secret)
    handler.register(web_app, path)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, telegram.webhook_listen, telegram.webhook_port)
    await site.start()
    await bot.set_webhook(
        telegram.webhook_url,
        secret_token=secret,
        allowed_updates=dispatcher.resolve_used_update_types(),
        max_connections=HANDLERS_AT_ONCE,
    )
    log.info("webhook listening on %s:%s", telegram.webhook_listen, telegram.webhook_port)
    try:
        await _until_signal()
    finally:
        await runner.cleanup()


async def _until_signal() -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    await stopped.wait()
