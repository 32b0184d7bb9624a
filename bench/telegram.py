"""Benchmark the Telegram bot against the fake Bot API (issue 4).

Inbound: N patients x 10 typed answers (/start, consent, 18+, a name, language, five PHQ-9
answers) through the real polling loop and dispatcher, each patient sending its next answer when
the bot has asked the next question (1,000 patients at once by default). Printed: updates/s and
p50/p99 reply latency (update queued at the fake -> first reply arriving at the fake), on SQLite
and PostgreSQL; the same load through a bare aiogram echo bot and the ratio; and p99 at a paced
50 updates/s. The fake's limits are off and the bot's raised, so only the bot's work is measured.

Outbound: one message to each of M chats through the real outbox sender at the default cap
(30/s, Telegram's limits enforced by the fake): achieved rate as a share of the cap and the
number of 429s (must be 0). Idle: commit -> sent latency of an interactive reply.

    .venv/bin/python bench/telegram.py                       # full: ~10 minutes
    .venv/bin/python bench/telegram.py --patients 200 --outbound-chats 1000 --backend sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402

from bot.app import App, build_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.telegram.limits import Limits as BotLimits  # noqa: E402
from bot.telegram.runner import make_bot, make_dispatcher  # noqa: E402
from bot.telegram.sender import Sender  # noqa: E402
from storage.crypto import generate_key  # noqa: E402
from storage.repositories import PRIORITY_BULK, PRIORITY_INTERACTIVE  # noqa: E402
from tests.fakebot import FakeBotApi, Limits  # noqa: E402
from tests.support.databases import postgres_database, postgres_problem  # noqa: E402

ANSWERS = [
    ("/start", "Would you like to start Daybreak?"),
    ("I agree", "Are you 18 or older?"),
    ("Yes", "What would you like me to call you?"),
    ("Sam", "Which language would you like me to use?"),
    ("English", "(1/9)"),
    *[("Not at all", f"({n}/9)") for n in range(2, 7)],
]
ECHO_ANSWERS = [(text, text) for text, _ in ANSWERS]
# Inbound runs measure the bot, not Telegram's caps: the bot's overall cap is raised as paid
# broadcasting allows (else 10,000 answers with their replies would queue behind 30 messages/s)
# and its per-chat pacing too (onboarding's /start answers with 7 messages, which 1/s would
# spread over 5 s); the fake enforces no limits. Each patient answers the next question only
# after the reply to the previous one arrived, like a person, so nothing queues per chat anyway.
RAISED = {"global_rate": 1000.0, "paid_broadcast": True, "private_chat_rate": 1000.0}
FIRST_USER = 10_000_000


class Watch:
    """Wakes whoever waits for a chat when the fake records a message the bot sent to it."""

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self.events: dict[int, asyncio.Event] = {}
        original = fake.record

        def record(method: str, chat: Any, message: Any, params: Any) -> Any:
            found = original(method, chat, message, params)
            if (event := self.events.get(chat.id)) is not None:
                event.set()
            return found

        fake.record = record  # type: ignore[method-assign]

    async def until(self, chat_id: int, check: Callable[[], bool]) -> None:
        event = self.events.setdefault(chat_id, asyncio.Event())
        while not check():
            event.clear()
            await event.wait()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def play(
    fake: FakeBotApi, watch: Watch, user: int, answers: list[tuple[str, str]], lat: list[float]
) -> None:
    """One patient: send an answer, time the first reply, wait for the next question."""
    for text, expected in answers:
        before = len(fake.sent(user))
        started = time.monotonic()
        await fake.user_sends(user, text)
        await watch.until(user, lambda b=before: len(fake.sent(user)) > b)
        lat.append(time.monotonic() - started)
        await watch.until(
            user,
            lambda b=before, e=expected: any(
                e in str(r.get("plain_text") or "") for r in fake.sent(user)[b:]
            ),
        )


async def closed_loop(
    fake: FakeBotApi, watch: Watch, patients: int, answers: list[tuple[str, str]], base: int
) -> tuple[float, list[float]]:
    lat: list[float] = []
    started = time.monotonic()
    await asyncio.gather(*(play(fake, watch, base + n, answers, lat) for n in range(patients)))
    return patients * len(answers) / (time.monotonic() - started), lat


async def paced(fake: FakeBotApi, watch: Watch, count: int, rate: float, base: int) -> list[float]:
    """`count` updates of the same mix at `rate` a second: patients take turns answering.

    Each patient still answers only after the reply to its previous answer; a ticker hands out
    one turn every 1/rate s to whichever patient is ready, so the offered load stays at `rate`.
    """
    lat: list[float] = []
    turns: asyncio.Queue[None] = asyncio.Queue()
    patients = max(1, count // len(ANSWERS))

    async def ticker() -> None:
        start = time.monotonic()
        for n in range(patients * len(ANSWERS)):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            turns.put_nowait(None)

    async def one(user: int) -> None:
        for text, expected in ANSWERS:
            await turns.get()
            before = len(fake.sent(user))
            started = time.monotonic()
            await fake.user_sends(user, text)
            await watch.until(user, lambda b=before: len(fake.sent(user)) > b)
            lat.append(time.monotonic() - started)
            await watch.until(
                user,
                lambda b=before, e=expected: any(
                    e in str(r.get("plain_text") or "") for r in fake.sent(user)[b:]
                ),
            )

    ticking = asyncio.create_task(ticker())
    await asyncio.gather(*(one(base + n) for n in range(patients)))
    await ticking
    return lat


def settings_for(url: str, fake: FakeBotApi, **telegram: Any) -> Settings:
    return Settings(
        database={"url": url},
        security={"data_key": generate_key()},
        telegram={"token": fake.token, "api_base_url": fake.base_url, "poll_timeout": 1,
                  **telegram},
    )  # fmt: skip


async def running_bot(stack: AsyncExitStack, settings: Settings) -> tuple[App, Sender]:
    """The real app, sender and polling dispatcher, in this process."""
    app = await build_app(settings)
    stack.push_async_callback(app.close)
    bot = make_bot(settings)
    stack.push_async_callback(bot.session.close)
    telegram = settings.telegram
    limits = BotLimits(
        global_rate=telegram.global_rate,
        private_rate=telegram.private_chat_rate,
        group_per_minute=telegram.group_rate_per_minute,
    )
    sender = Sender(app, bot, limits)
    app.uow.after_commit = sender.notify
    dispatcher, _order = make_dispatcher(app)
    stop = asyncio.Event()
    sending = asyncio.create_task(sender.run(stop))
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False,
                                 close_bot_session=False)
    )  # fmt: skip

    async def halt() -> None:
        await dispatcher.stop_polling()
        with suppress(Exception):
            await polling
        stop.set()
        await sending

    stack.push_async_callback(halt)
    await asyncio.sleep(0.5)
    return app, sender


async def inbound(url: str, patients: int, paced_count: int, rate: float) -> dict[str, float]:
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(
            FakeBotApi(limits=Limits.off(), auto_create_chats=True)
        )
        watch = Watch(fake)
        await running_bot(stack, settings_for(url, fake, **RAISED))
        rate, lat = await closed_loop(fake, watch, patients, ANSWERS, FIRST_USER)
        slow = await paced(fake, watch, paced_count, rate, FIRST_USER + 1_000_000)
        assert fake.violations == [], fake.violations[:3]
    return {"rate": rate, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "paced_p99": pct(slow, 0.99),
            "paced_p50": pct(slow, 0.5)}  # fmt: skip


async def echo(patients: int) -> dict[str, float]:
    async with FakeBotApi(limits=Limits.off(), auto_create_chats=True) as fake:
        watch = Watch(fake)
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        bot = Bot(fake.token, session=session)
        dispatcher = Dispatcher()

        @dispatcher.message()
        async def reply(message: Message) -> None:
            await message.answer(message.text or "?")

        polling = asyncio.create_task(
            dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
        )
        await asyncio.sleep(0.5)
        rate, lat = await closed_loop(fake, watch, patients, ECHO_ANSWERS, FIRST_USER)
        await dispatcher.stop_polling()
        with suppress(Exception):
            await polling
        await session.close()
    return {"rate": rate, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99)}


async def outbound(url: str, chats: int) -> dict[str, float]:
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(FakeBotApi(limits=Limits(), auto_create_chats=True))
        watch = Watch(fake)
        app, _sender = await running_bot(stack, settings_for(url, fake))

        # Idle: an interactive reply, commit -> sent.
        idle: list[float] = []
        for n in range(20):
            chat = FIRST_USER + 5_000_000 + n
            async with app.uow() as uow:
                await uow.outbox.enqueue(
                    target_kind="chat", target_key=f"chat:{chat}", priority=PRIORITY_INTERACTIVE,
                    payload={"messenger": "telegram", "chat_id": chat, "html": "Hello"},
                )  # fmt: skip
                started = time.monotonic()
                await uow.commit()
            await watch.until(chat, lambda c=chat: bool(fake.sent(c)))
            idle.append(time.monotonic() - started)
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.1)  # let the one-second window empty

        first = FIRST_USER + 6_000_000
        async with app.uow() as uow:
            for n in range(chats):
                await uow.outbox.enqueue(
                    target_kind="chat", target_key=f"chat:{first + n}", priority=PRIORITY_BULK,
                    payload={"messenger": "telegram", "chat_id": first + n,
                             "html": f"Your next module is ready ({n})"},
                )  # fmt: skip
            started = time.monotonic()
            await uow.commit()
        for n in range(chats):
            await watch.until(first + n, lambda c=first + n: bool(fake.sent(c)))
        times = sorted(fake.sent(first + n)[0]["at"] for n in range(chats))
        rate = (chats - 1) / (times[-1] - times[0])
        assert fake.violations == [], fake.violations[:3]
        return {"rate": rate, "share": rate / app.settings.telegram.global_rate,
                "r429": len(fake.rate_limited), "idle_p50": pct(idle, 0.5),
                "idle_max": max(idle) * 1000, "wall": time.monotonic() - started}  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--paced", type=int, default=500, help="updates at 50/s (p99)")
    parser.add_argument("--paced-rate", type=float, default=50.0)
    parser.add_argument("--outbound-chats", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--skip", choices=["inbound", "outbound"], action="append", default=[])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="daybreak-bench-"))
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and (problem := await postgres_problem()):
        print(f"PostgreSQL skipped: {problem}")
        backends.remove("postgres")

    async def on(backend: str, work: Callable[[str], Awaitable[dict[str, float]]], tag: str):
        if backend == "sqlite":
            return await work(f"sqlite+aiosqlite:///{folder / f'{tag}.db'}")
        async with postgres_database() as url:
            return await work(url)

    if "inbound" not in args.skip:
        print(
            "inbound settings: DAYBREAK_TELEGRAM__PAID_BROADCAST=true, GLOBAL_RATE=1000, "
            "PRIVATE_CHAT_RATE=1000; fake: Limits.off(); each patient answers after the reply "
            "(measures the bot, not Telegram's 30/s and 1/s-per-chat caps; see RAISED)"
        )
        print("outbound settings: defaults (30/s overall, 1/s per chat), fake enforces them")
        base = await echo(args.patients)
        print(f"bare aiogram echo: {base['rate']:.0f} updates/s, "
              f"p50 {base['p50']:.1f} ms, p99 {base['p99']:.1f} ms")  # fmt: skip
        for backend in backends:
            got = await on(
                backend, lambda u: inbound(u, args.patients, args.paced, args.paced_rate), "in"
            )
            print(
                f"daybreak inbound [{backend}] {args.patients} patients x {len(ANSWERS)}: "
                f"{got['rate']:.1f} updates/s (ratio to echo {got['rate'] / base['rate']:.2f}, "
                f"aim >= 0.5), reply p50 {got['p50']:.1f} ms, p99 {got['p99']:.1f} ms; "
                f"paced {args.paced_rate:.0f} updates/s (same mix): p50 {got['paced_p50']:.1f} "
                f"ms, p99 {got['paced_p99']:.1f} ms (aim < 100)"
            )
    if "outbound" not in args.skip:
        got = await on(backends[0], lambda u: outbound(u, args.outbound_chats), "out")
        print(
            f"outbound [{backends[0]}] {args.outbound_chats} chats at the 30/s cap: "
            f"{got['rate']:.2f} msg/s = {got['share']:.1%} of the cap (aim >= 95%), "
            f"429s from the fake: {got['r429']:.0f} (must be 0), wall {got['wall']:.0f} s"
        )
        print(f"idle interactive reply, commit -> sent: p50 {got['idle_p50']:.1f} ms, "
              f"max {got['idle_max']:.1f} ms (aim < 50)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
