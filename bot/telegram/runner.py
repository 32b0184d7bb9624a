"""`daybreak run`: the Telegram bot by long polling (default) or webhook, with graceful shutdown.

Shutdown order: stop taking updates, finish the handlers in flight, let the sender flush what
it can, then close the database.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from urllib.parse import urlparse

from aiogram import Bot
from aiogram.exceptions import TelegramUnauthorizedError
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
from aiohttp import web

from bot.app import App, build_app, check_staffing
from bot.config import Settings, mask_url_password
from bot.errors import StartupError, Stopped
from bot.liveness import Liveness, release_abandoned_work
from bot.startup import start_within
from bot.supervisor import EXIT_GAVE_UP, Supervisor
from bot.telegram.inbox import InboxPolicy, InboxWorker
from bot.telegram.polling import Poller
from bot.telegram.staff_access import staff_chat_problems
from bot.telegram.webhook import add_health_route, add_webhook_route
from bot.wiring.telegram import build_telegram, liveness_for

log = logging.getLogger(__name__)

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
# Updates handled at once. Below the database pool (5 + 10 overflow connections), so a burst waits
# at Telegram instead of timing out on the pool, which would lose those updates (measured: 1,000
# patients at once on PostgreSQL exhausted the pool after 30 s).
HANDLERS_AT_ONCE = 10
FLUSH_SECONDS = 10.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)

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
    """Run until SIGINT/SIGTERM; raise `Stopped` when a task could not recover."""
    check_staffing(settings)
    runtime = settings.runtime
    database = f"the database at {mask_url_password(settings.database.url)}"
    app = await start_within(runtime.startup_deadline, database, lambda: build_app(settings))
    try:
        await _serve(app, settings, webhook=webhook)
    finally:
        await app.close()
        log.info("stopped")


async def _serve(app: App, settings: Settings, *, webhook: bool) -> None:
    liveness = liveness_for(app, webhook=webhook)
    runtime = settings.runtime
    telegram = build_telegram(app, holder=liveness.holder)
    stop = asyncio.Event()
    try:
        _stop_on_signals(stop)
        await _reach_bot_api(telegram.bot, settings)
        if not webhook and not await _standby_until_poller(liveness, stop):
            await liveness.leave()  # a standby stopped by SIGTERM: nothing else ever started
            return
        live = await liveness.live_holders() | {liveness.holder}
        await release_abandoned_work(app.uow, live)
        freeze_startup_heap()
        supervisor = Supervisor(give_up_after=runtime.give_up_after, backoff_cap=runtime.retry_cap)
        worker = InboxWorker(
            app.uow, app.clock, telegram.dispatcher, telegram.bot, liveness.holder,
            inbox_policy(settings),
        )  # fmt: skip
        supervisor.run("heartbeat", lambda: liveness.run(stop), stop)
        supervisor.run("sender", lambda: telegram.sender.run(stop), stop)
        supervisor.run("inbox", lambda: worker.run(stop), stop)
        # The menu and the staff-chat checks are not essential: patients are served meanwhile.
        extras = lambda: _publish(telegram.bot, settings, app.library.default_language)  # noqa: E731
        supervisor.run("menu and staff checks", extras, stop, essential=False)
        app.scheduler.start()  # releases, reminders, timeouts, re-checks, digests
        try:
            if webhook:
                await _serve_webhook(
                    settings, app, telegram.bot, worker, supervisor, liveness, stop
                )
            else:
                poller = Poller(
                    app.uow, telegram.bot, timeout=settings.telegram.poll_timeout,
                    allowed_updates=telegram.dispatcher.resolve_used_update_types(),
                    stored=worker.wake, may_poll=lambda: liveness.polling,
                )  # fmt: skip
                supervisor.run("poller", lambda: poller.run(stop), stop)
                await _until_stopped(stop, supervisor, liveness)
        finally:
            stop.set()
            # Handlers in flight finish before the database closes.
            await worker.drain(FLUSH_SECONDS)
            await supervisor.wait(FLUSH_SECONDS)
            await liveness.leave()
        _raise_if_failed(supervisor, liveness)
    finally:
        _signals_back()
        await telegram.bot.session.close()


async def _reach_bot_api(bot: Bot, settings: Settings) -> None:
    """Wait for the Bot API (within the start-up deadline); a refused token stops at once."""
    where = f"the Bot API at {settings.telegram.api_base_url}"
    try:
        await start_within(settings.runtime.startup_deadline, where, bot.get_me)
    except TelegramUnauthorizedError:
        raise StartupError(f"{where} refused the token (401): check telegram.token") from None


async def _publish(bot: Bot, settings: Settings, default_language: str) -> None:
    await set_commands(bot, default_language)
    await check_staff_chat(bot, settings)


def inbox_policy(settings: Settings) -> InboxPolicy:
    """How the inbox worker retries (`telegram.inbox_*`)."""
    telegram = settings.telegram
    return InboxPolicy(
        attempts=telegram.inbox_attempts,
        retry_cap=telegram.inbox_retry_cap,
        concurrency=HANDLERS_AT_ONCE,
    )


def _raise_if_failed(supervisor: Supervisor, liveness: Liveness) -> None:
    if supervisor.gave_up:
        raise Stopped(
            f"stopped: {', '.join(supervisor.gave_up)} did not recover (restart me)", EXIT_GAVE_UP
        )
    if liveness.lost.is_set():
        raise Stopped("stopped polling: the poller lease was lost (restart me)", EXIT_GAVE_UP)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)


def _signals_back() -> None:
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        loop.remove_signal_handler(sig)


async def _standby_until_poller(liveness: Liveness, stop: asyncio.Event) -> bool:
    """Wait as a hot standby for the poller lease; False when SIGINT/SIGTERM came first."""
    acquiring = asyncio.ensure_future(liveness.acquire_poller())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({acquiring, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not acquiring.done():
        acquiring.cancel()
        return False
    acquiring.result()
    return True


async def _until_stopped(stop: asyncio.Event, supervisor: Supervisor, liveness: Liveness) -> None:
    """Wait for SIGINT/SIGTERM, a task giving up, or the poller lease being lost."""
    waiters = {
        asyncio.ensure_future(stop.wait()),
        asyncio.ensure_future(supervisor.failed.wait()),
        asyncio.ensure_future(liveness.lost.wait()),
    }
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def check_staff_chat(bot: Bot, settings: Settings) -> list[str]:
    """On start: say exactly what is missing in the staff chat (patients are served anyway)."""
    if settings.telegram.staff_chat_id is None:
        log.warning("telegram.staff_chat_id is not set: no staff channel (helpers, alerts)")
        return []
    problems = await staff_chat_problems(bot, settings.telegram.staff_chat_id)
    for problem in problems:
        log.error("staff chat: %s", problem)
    return problems


async def _serve_webhook(
    settings: Settings,
    app: App,
    bot: Bot,
    worker: InboxWorker,
    supervisor: Supervisor,
    liveness: Liveness,
    stop: asyncio.Event,
) -> None:
    telegram = settings.telegram
    if not telegram.webhook_url or telegram.webhook_secret is None:
        raise StartupError(
            "webhook mode needs telegram.webhook_url and telegram.webhook_secret "
            "(the secret proves a request came from Telegram)"
        )
    secret = telegram.webhook_secret.get_secret_value()
    path = urlparse(telegram.webhook_url).path or DEFAULT_WEBHOOK_PATH
    web_app = web.Application()
    add_webhook_route(web_app, path, secret, app.uow, worker.wake)
    add_health_route(web_app, app.uow, app.clock, settings.health.limits())
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, telegram.webhook_listen, telegram.webhook_port)
    await site.start()
    try:
        await bot.set_webhook(
            telegram.webhook_url,
            secret_token=secret,
            allowed_updates=worker.dispatcher.resolve_used_update_types(),
            max_connections=HANDLERS_AT_ONCE,
        )
        log.info("webhook listening on %s:%s", telegram.webhook_listen, telegram.webhook_port)
        await _until_stopped(stop, supervisor, liveness)
    finally:
        await runner.cleanup()
