"""Benchmark the Telegram bot against the fake Bot API.

Inbound: N patients x 10 typed answers (/start, consent, 18+, a name, language, five PHQ-9
answers) through the real polling loop and dispatcher, each patient sending its next answer when
the bot has asked the next question (1,000 patients at once by default). Printed: updates/s and
p50/p99 reply latency (update queued at the fake -> first reply arriving at the fake), on SQLite
and PostgreSQL; the same load through a bare aiogram echo bot and the ratio; and p50/p99 at a
paced 50 updates/s. The fake's limits are off and the bot's raised, so only the bot's work is
measured. The real bot takes updates as `daybreak run` does: its poller stores each batch in the
inbox before confirming it, and the inbox worker handles them (at most HANDLERS_AT_ONCE at once);
the echo bot uses aiogram's own polling with the same concurrency.

Outbound: one message to each of M chats through the real outbox sender at the default cap
(30/s, Telegram's limits enforced by the fake): achieved rate as a share of the cap and the
number of 429s (must be 0). Idle: commit -> sent latency of an interactive reply.

The Telegram side (the fake Bot API server and the simulated patients, who also time the
replies) runs in its own process, as Telegram is not in the bot's process in production: in one
event loop the fake's HTTP parsing, spec checks and HTML parsing took CPU from the bot and were
counted as the bot's. The bot runs in this process; the two talk over a pipe (see TelegramSide).

    .venv/bin/python bench/telegram.py                       # full: ~13 minutes
    .venv/bin/python bench/telegram.py --patients 200 --outbound-chats 1000 --backend sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any, Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402

from bot.app import App, build_app  # noqa: E402
from bot.care.messages import TextMessage  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.telegram.inbox import InboxWorker  # noqa: E402
from bot.telegram.polling import Poller  # noqa: E402
from bot.telegram.runner import FLUSH_SECONDS, HANDLERS_AT_ONCE, inbox_policy  # noqa: E402
from bot.telegram.sender import Sender  # noqa: E402
from bot.wiring.telegram import build_telegram  # noqa: E402
from storage.crypto import generate_key  # noqa: E402
from storage.repositories import PRIORITY_BULK, PRIORITY_INTERACTIVE  # noqa: E402
from tests.fakebot import FakeBotApi, Limits  # noqa: E402
from tests.support.databases import postgres_database, postgres_problem  # noqa: E402

ANSWERS = [
    ("/start", "Would you like to start Daybreak?"),
    ("I agree", "Are you 18 or older?"),
    ("Yes", "What would you like me to call you?"),
    ("Sam", "Which language would you like me to use?"),
    ("English", "Which country are you living in"),
    ("United Kingdom", "Is that right?"),
    ("Yes, that's right", "(1/9)"),
    *[("Not at all", f"({n}/9)") for n in range(2, 5)],  # ten answers, as before
]
ECHO_ANSWERS = [(text, text) for text, _ in ANSWERS]
# Inbound runs measure the bot, not Telegram's caps: the bot's overall cap is raised as paid
# broadcasting allows (else 10,000 answers with their replies would queue behind 30 messages/s)
# and its per-chat pacing too (onboarding's /start answers with 7 messages, which 1/s would
# spread over 5 s); the fake enforces no limits. Each patient answers the next question only
# after the reply to the previous one arrived, like a person, so nothing queues per chat anyway.
RAISED = {"global_rate": 1000.0, "paid_broadcast": True, "private_chat_rate": 1000.0}
FIRST_USER = 10_000_000
START_SECONDS = 60.0  # for the Telegram side to import and listen
STOP_SECONDS = 10.0  # for it to exit once told to, before it is terminated


# --- The Telegram side: runs in the child process -------------------------------------------


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
        """Return once `check()` holds, re-checking whenever the bot sends to the chat."""
        event = self.events.setdefault(chat_id, asyncio.Event())
        while not check():
            event.clear()
            await event.wait()


async def answer(
    fake: FakeBotApi, watch: Watch, user: int, text: str, expected: str, lat: list[float]
) -> None:
    """Send one answer, time the first reply, then wait for the question containing `expected`."""
    before = len(fake.sent(user))
    started = time.monotonic()
    await fake.user_sends(user, text)
    await watch.until(user, lambda: len(fake.sent(user)) > before)
    lat.append(time.monotonic() - started)
    await watch.until(
        user,
        lambda: any(expected in str(r.get("plain_text") or "") for r in fake.sent(user)[before:]),
    )


async def play(
    fake: FakeBotApi, watch: Watch, user: int, answers: list[tuple[str, str]], lat: list[float]
) -> None:
    """One patient: each answer in turn, the next only once the bot asked for it."""
    for text, expected in answers:
        await answer(fake, watch, user, text, expected, lat)


async def closed_loop(
    fake: FakeBotApi, watch: Watch, patients: int, answers: list[tuple[str, str]], base: int
) -> tuple[float, list[float]]:
    """All patients at once: updates/s over the whole run, and each first-reply latency."""
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
            await answer(fake, watch, user, text, expected, lat)

    ticking = asyncio.create_task(ticker())
    await asyncio.gather(*(one(base + n) for n in range(patients)))
    await ticking
    return lat


async def until_polling(fake: FakeBotApi, watch: Watch) -> None:
    """Return once the bot has asked for updates, so no load starts before it listens."""
    # Polled, not awaited on an event: it happens once per run, before anything is measured.
    while not fake.calls("getUpdates"):  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def first_sent(fake: FakeBotApi, watch: Watch, chats: list[int]) -> list[float]:
    """When the first message to each chat arrived (time.monotonic, the same clock system-wide)."""
    for chat in chats:
        await watch.until(chat, lambda c=chat: bool(fake.sent(c)))
    return [fake.sent(chat)[0]["at"] for chat in chats]


async def check(fake: FakeBotApi, watch: Watch) -> dict[str, int]:
    """Fail on any request the spec refused; count the 429s the fake answered."""
    assert fake.violations == [], fake.violations[:3]
    return {"r429": len(fake.rate_limited)}


# What the bot's process may ask of the Telegram side, by name.
COMMANDS: dict[str, Callable[..., Awaitable[Any]]] = {
    "until_polling": until_polling,
    "closed_loop": closed_loop,
    "paced": paced,
    "first_sent": first_sent,
    "check": check,
}


def telegram_side(conn: Connection, enforce_limits: bool) -> None:
    """The child process: serve the fake and run the bot process's commands until 'stop'."""
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(serve(conn, enforce_limits))
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches both processes; the parent reports it
    except BaseException:
        # A failure before the fake listened: the parent waits for this answer.
        with suppress(OSError):
            conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


async def serve(conn: Connection, enforce_limits: bool) -> None:
    """Start the fake, say where it listens, then answer commands until 'stop' or the pipe ends."""
    limits = Limits() if enforce_limits else Limits.off()
    async with FakeBotApi(limits=limits, auto_create_chats=True) as fake:
        watch = Watch(fake)
        conn.send(("ok", (fake.base_url, fake.token)))
        while True:
            try:
                # In a thread: the fake keeps serving the bot's long polls while we wait.
                name, args = await asyncio.to_thread(conn.recv)
            except EOFError:
                return  # the bot's process is gone; nobody to answer
            if name == "stop":
                return
            try:
                result = await COMMANDS[name](fake, watch, *args)
            except Exception:
                conn.send(("error", traceback.format_exc()))
            else:
                conn.send(("ok", result))


# --- The bot side: runs in this process -----------------------------------------------------


class TelegramSide:
    """The Telegram side in a child process ('spawn': a fresh interpreter, no inherited loop)."""

    def __init__(self, *, enforce_limits: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, self._child_conn = context.Pipe()
        self.process = context.Process(
            target=telegram_side, args=(self._child_conn, enforce_limits),
            name="telegram-side", daemon=True,  # daemon: never outlives this process
        )  # fmt: skip
        self.base_url = self.token = ""

    async def __aenter__(self) -> Self:
        try:
            self.process.start()
        finally:
            # Only the child holds its end now, so our reads see EOF if it dies.
            self._child_conn.close()
        try:
            self.base_url, self.token = await self._answer(START_SECONDS)
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def ask(self, command: str, *args: Any) -> Any:
        """Run a command of COMMANDS on the Telegram side and return its result."""
        self.conn.send((command, args))
        return await self._answer(None)

    async def _answer(self, within: float | None) -> Any:
        """The child's next answer (None: no time limit); its failure raised here."""
        status, value = await asyncio.to_thread(self._receive, within)
        if status == "error":
            raise RuntimeError(f"the Telegram side failed:\n{value}")
        return value

    def _receive(self, within: float | None) -> tuple[str, Any]:
        """The next answer from the child (blocking: run in a thread, off the bot's loop)."""
        try:
            if not self.conn.poll(within):
                raise TimeoutError(f"no answer from the Telegram side in {within} s")
            return self.conn.recv()  # type: ignore[no-any-return]
        except EOFError:
            raise RuntimeError(f"the Telegram side exited (code {self.process.exitcode})") from None

    async def close(self) -> None:
        """Ask the child to stop; terminate it, then kill it, if it does not."""
        with suppress(OSError):  # it may be gone already
            self.conn.send(("stop", ()))
        await asyncio.to_thread(self.process.join, STOP_SECONDS)
        if self.process.is_alive():
            self.process.terminate()
            await asyncio.to_thread(self.process.join, STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            await asyncio.to_thread(self.process.join)
        self.conn.close()


BENCH_HOLDER = "bench"  # the one process on the bench's database


def pct(values: list[float], q: float) -> float:
    """The q-quantile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def settings_for(url: str, telegram: TelegramSide, **overrides: Any) -> Settings:
    """Settings for the real app on `url`, pointed at the Telegram side's fake."""
    return Settings(
        database={"url": url},
        security={"data_key": generate_key()},
        telegram={"token": telegram.token, "api_base_url": telegram.base_url, "poll_timeout": 1,
                  **overrides},
    )  # fmt: skip


def start_polling(dispatcher: Dispatcher, bot: Bot) -> asyncio.Task[None]:
    """aiogram's own polling, at most HANDLERS_AT_ONCE updates handled at once (the echo bot)."""
    return asyncio.create_task(
        dispatcher.start_polling(
            bot,
            polling_timeout=1,
            allowed_updates=dispatcher.resolve_used_update_types(),
            handle_signals=False,
            close_bot_session=False,
            tasks_concurrency_limit=HANDLERS_AT_ONCE,
        )
    )


async def stop_polling(dispatcher: Dispatcher, polling: asyncio.Task[None]) -> None:
    """Stop polling, also when polling already ended on an error."""
    with suppress(RuntimeError):  # "Polling is not started": it already ended
        await dispatcher.stop_polling()
    with suppress(Exception):
        await polling


async def running_bot(stack: AsyncExitStack, settings: Settings) -> tuple[App, Sender]:
    """The real app, sender, poller and inbox worker, in this process, as the runner has them."""
    app = await build_app(settings)
    stack.push_async_callback(app.close)
    telegram = build_telegram(app, holder=BENCH_HOLDER)  # as `daybreak run` builds it
    bot, sender, dispatcher = telegram.bot, telegram.sender, telegram.dispatcher
    stack.push_async_callback(bot.session.close)
    worker = InboxWorker(app.uow, app.clock, dispatcher, bot, BENCH_HOLDER, inbox_policy(settings))
    poller = Poller(
        app.uow, bot, timeout=1, allowed_updates=dispatcher.resolve_used_update_types(),
        stored=worker.wake,
    )  # fmt: skip
    stop = asyncio.Event()
    tasks = [asyncio.create_task(job.run(stop)) for job in (sender, worker, poller)]

    async def halt() -> None:
        stop.set()
        await worker.drain(FLUSH_SECONDS)
        # Bounded as in the runner: after a failure the sender may still be retrying.
        _, late = await asyncio.wait(tasks, timeout=FLUSH_SECONDS)
        for task in late:
            task.cancel()

    stack.push_async_callback(halt)
    return app, sender


async def echo_bot(stack: AsyncExitStack, telegram: TelegramSide) -> None:
    """A bare aiogram bot that echoes every message, polling like the real one."""
    api = TelegramAPIServer.from_base(telegram.base_url)
    bot = Bot(telegram.token, session=AiohttpSession(api=api))
    stack.push_async_callback(bot.session.close)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def reply(message: Message) -> None:
        await message.answer(message.text or "?")

    polling = start_polling(dispatcher, bot)
    stack.push_async_callback(stop_polling, dispatcher, polling)


async def inbound(url: str, patients: int, paced_count: int, paced_rate: float) -> dict[str, float]:
    """The closed loop and the paced run against the real bot on `url`."""
    async with AsyncExitStack() as stack:
        # Entered first, so it stops last: the bot stops polling while the fake still answers.
        telegram = await stack.enter_async_context(TelegramSide(enforce_limits=False))
        await running_bot(stack, settings_for(url, telegram, **RAISED))
        await telegram.ask("until_polling")
        rate, lat = await telegram.ask("closed_loop", patients, ANSWERS, FIRST_USER)
        slow = await telegram.ask("paced", paced_count, paced_rate, FIRST_USER + 1_000_000)
        await telegram.ask("check")
    return {"rate": rate, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "paced_p99": pct(slow, 0.99),
            "paced_p50": pct(slow, 0.5)}  # fmt: skip


async def echo(patients: int) -> dict[str, float]:
    """The same closed loop against the bare echo bot: the baseline for the ratio."""
    async with AsyncExitStack() as stack:
        telegram = await stack.enter_async_context(TelegramSide(enforce_limits=False))
        await echo_bot(stack, telegram)
        await telegram.ask("until_polling")
        rate, lat = await telegram.ask("closed_loop", patients, ECHO_ANSWERS, FIRST_USER)
        await telegram.ask("check")
    return {"rate": rate, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99)}


async def idle_reply(app: App, telegram: TelegramSide, chat: int) -> float:
    """Commit one interactive reply to an idle sender; seconds until it reached the fake."""
    async with app.uow() as uow:
        await uow.outbox.enqueue(
            target_kind="chat", target_key=f"chat:{chat}", priority=PRIORITY_INTERACTIVE,
            payload=TextMessage(html="Hello", messenger="telegram", chat_id=str(chat)),
        )  # fmt: skip
        started = time.monotonic()
        await uow.commit()
    [sent] = await telegram.ask("first_sent", [chat])
    return float(sent - started)


async def bulk(app: App, chats: list[int]) -> float:
    """Commit one bulk message to each chat at once; returns when the commit started."""
    async with app.uow() as uow:
        for n, chat in enumerate(chats):
            await uow.outbox.enqueue(
                target_kind="chat", target_key=f"chat:{chat}", priority=PRIORITY_BULK,
                payload=TextMessage(html=f"Your next module is ready ({n})",
                                    messenger="telegram", chat_id=str(chat)),
            )  # fmt: skip
        started = time.monotonic()
        await uow.commit()
    return started


async def outbound(url: str, chats: int) -> dict[str, float]:
    """Idle reply latency, then a broadcast to `chats` chats against Telegram's enforced limits."""
    async with AsyncExitStack() as stack:
        telegram = await stack.enter_async_context(TelegramSide(enforce_limits=True))
        app, _sender = await running_bot(stack, settings_for(url, telegram))
        await telegram.ask("until_polling")
        idle: list[float] = []
        for n in range(20):
            idle.append(await idle_reply(app, telegram, FIRST_USER + 5_000_000 + n))
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.1)  # let the one-second window empty

        targets = [FIRST_USER + 6_000_000 + n for n in range(chats)]
        started = await bulk(app, targets)
        times = sorted(await telegram.ask("first_sent", targets))
        rate = (chats - 1) / (times[-1] - times[0])
        report = await telegram.ask("check")
        return {"rate": rate, "share": rate / app.settings.telegram.global_rate,
                "r429": report["r429"], "idle_p50": pct(idle, 0.5),
                "idle_max": max(idle) * 1000, "wall": times[-1] - started}  # fmt: skip


async def main() -> None:
    """Parse the arguments, run the chosen benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--paced", type=int, default=500, help="updates at --paced-rate (p99)")
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
        print(
            "fake Bot API and patients in a separate process; the bot takes updates through its "
            f"inbox, the echo by aiogram polling; {HANDLERS_AT_ONCE} at once"
        )
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
