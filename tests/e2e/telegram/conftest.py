"""The real `daybreak run` as a subprocess against the fake Bot API, and patients who talk to it.

Every test gets a started fake (`fake`) and a bot process factory (`daybreak`); `Patient` plays
one person in a private chat and waits (short polls, no fixed sleeps) for what they would see.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakebot import FakeBotApi, Limits
from tests.support.pace import start_budget

ROOT = Path(__file__).resolve().parents[3]
WAIT = 15.0  # the longest any single expectation may take
TICK = 0.02


async def eventually(
    check: Callable[[], Any], *, within: float = WAIT, what: str = "condition"
) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `within`."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f}s waiting for {what}")
        await asyncio.sleep(TICK)


class BotProcess:
    """One `python -m bot run` child process with its own database and key file."""

    def __init__(self, folder: Path, fake: FakeBotApi, env: dict[str, str]) -> None:
        self.folder = folder
        self.fake = fake
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.log = folder / "bot.log"
        self.args: list[str] = []

    @property
    def db_path(self) -> Path:
        """The SQLite file (when the database is SQLite)."""
        return self.folder / "db.sqlite"

    async def start(self, *args: str, ready: bool = True) -> BotProcess:
        """Start the bot; with `ready`, wait until it polls (or has set its webhook)."""
        self.args = list(args)
        before = len(self.fake.requests)
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", *args,
                cwd=self.folder, env=self.env, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        if ready:
            wanted = "setWebhook" if "--webhook" in args else "getUpdates"
            try:
                await eventually(
                    lambda: (
                        self._exited()
                        or any(r["method"] == wanted for r in self.fake.requests[before:])
                    ),
                    within=start_budget(WAIT),
                    what=f"the bot to call {wanted}",
                )
            except AssertionError:
                await self.kill()  # a bot that never got going must not outlive its test
                raise
            assert self.process.returncode is None, f"the bot exited early:\n{self.output()}"
        return self

    def _exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def stop(self, within: float = 10.0) -> int:
        """SIGTERM, then wait for the exit code (failing if it takes longer than `within`)."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(
                f"the bot did not stop within {within}s:\n{self.output()}"
            ) from None

    async def kill(self) -> None:
        """kill -9: no cleanup at all."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    def output(self) -> str:
        """The end of the bot's log."""
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the SQLite database (the bot's writes are committed, WAL or not)."""
        with sqlite3.connect(self.db_path, timeout=5) as connection:
            return connection.execute(query, params).fetchall()


def bot_env(folder: Path, fake: FakeBotApi, **overrides: str) -> dict[str, str]:
    """The environment for `daybreak run` against `fake`, on SQLite in `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAYBREAK_")}
    private_rate = fake.limits.private_per_second
    if private_rate is not None:
        env["DAYBREAK_TELEGRAM__PRIVATE_CHAT_RATE"] = str(private_rate)
    env.update(
        DAYBREAK_TELEGRAM__TOKEN=fake.token,
        DAYBREAK_TELEGRAM__API_BASE_URL=fake.base_url,
        DAYBREAK_TELEGRAM__POLL_TIMEOUT="1",
        DAYBREAK_DATABASE__URL=f"sqlite+aiosqlite:///{folder / 'db.sqlite'}",
        DAYBREAK_SECURITY__KEY_FILE=str(folder / "key"),
        DAYBREAK_SCHEDULER__SWEEP_SECONDS="0.5",
        DAYBREAK_PROGRAMME__DEFAULT_TIMEZONE=small_hours_zone(),
        # No staff chat here: `daybreak run` starts only when told nobody reads one.
        DAYBREAK_PROGRAMME__STAFFING="unstaffed",
        DAYBREAK_LOGGING__LEVEL="INFO",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def small_hours_zone(now: datetime | None = None) -> str:
    """A fixed-offset zone where it is now between 01:00 and 02:00 at night.

    These tests run on the wall clock. Their patients live in this zone, so nothing the
    programme schedules falls due during a test, whenever the suite runs: module 1 opens at
    09:00 and quiet hours last until 08:00. In Europe/London, a run after 09:00 had module 1
    arrive in the middle of a test.
    """
    hour = (now or datetime.now(UTC)).hour
    offset = (1 - hour) % 24
    if offset > 14:  # Etc zones span UTC-12 to UTC+14
        offset -= 24
    # POSIX-style names: Etc/GMT-3 is three hours *ahead* of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


class Patient:
    """One person in a private chat with the bot; `seen` marks how far they have read."""

    def __init__(self, fake: FakeBotApi, user_id: int, language_code: str = "en") -> None:
        self.fake = fake
        self.id = user_id
        self.seen = 0
        fake.add_user(user_id, f"Patient{user_id}", language_code=language_code)

    def messages(self) -> list[dict[str, Any]]:
        """Everything the bot sent this patient, oldest first."""
        return self.fake.sent(self.id)

    def texts(self) -> list[str]:
        """What the patient read: each message's text (or caption)."""
        return [str(r.get("plain_text") or r.get("caption") or "") for r in self.messages()]

    async def send(self, text: str) -> dict[str, Any]:
        """Type a message."""
        return await self.fake.user_sends(self.id, text)

    async def press(self, label: str, **options: Any) -> dict[str, Any]:
        """Tap the newest button with this label."""
        return await self.fake.user_presses(self.id, label, **options)

    async def expect(self, fragment: str, *, within: float = WAIT) -> dict[str, Any]:
        """Wait for a message, after the ones already read, containing `fragment`; read it."""

        def find() -> dict[str, Any] | None:
            texts = self.texts()
            for index in range(self.seen, len(texts)):
                if fragment in texts[index]:
                    self.seen = index + 1
                    return self.messages()[index]
            return None

        try:
            found: dict[str, Any] = await eventually(find, within=within, what=repr(fragment))
        except AssertionError as error:
            unread = "\n  ".join(t[:120] for t in self.texts()[self.seen :])
            raise AssertionError(f"{error}; unread messages:\n  {unread}") from None
        return found

    async def settle(self, quiet: float = 0.6, *, within: float = WAIT) -> list[str]:
        """Wait until nothing new arrives for `quiet` seconds; the unread texts (now read)."""
        deadline = time.monotonic() + within
        count, since = len(self.messages()), time.monotonic()
        while time.monotonic() - since < quiet:
            assert time.monotonic() < deadline, "the bot kept sending"
            await asyncio.sleep(TICK)
            if len(self.messages()) != count:
                count, since = len(self.messages()), time.monotonic()
        unread = self.texts()[self.seen :]
        self.seen = len(self.texts())
        return unread

    def buttons(self) -> list[str]:
        """The labels the patient can tap now (keyboards taken off answered questions)."""
        chat = self.fake.world.chat(self.id)
        return [
            button["text"]
            for message in chat.messages.values()
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]

    async def onboard_to_name(self) -> None:
        """/start, consent and 18+ by taps: the bot then asks for a name."""
        await self.send("/start")
        await self.expect("Would you like to start Daybreak?")
        await self.press("I agree")
        await self.expect("Are you 18 or older?")
        await self.press("Yes")
        await self.expect("What would you like me to call you?")

    async def somewhere_else(self, *, typed: bool = False) -> None:
        """Onboarding's country question: somewhere else, time zone not sure.

        The patient then keeps the small-hours zone these tests give everyone (see bot_env).
        """
        answer = self.send if typed else self.press
        await self.expect("Which country are you living in")
        await answer("Somewhere else")
        await self.expect("Which time zone are you in?")
        await answer("I'm not sure")


FAST_PRIVATE_RATE = 10.0


@pytest.fixture
def fake_limits() -> Limits:
    """Telegram's limits, except 10 messages/s per private chat so onboarding is quick.

    The bot is configured with the same private rate (see `daybreak`); a module that needs
    Telegram's real 1/s overrides this fixture with `Limits()`.
    """
    return Limits(private_per_second=FAST_PRIVATE_RATE, private_burst=30)


@pytest.fixture
async def fake(fake_limits: Limits) -> AsyncIterator[FakeBotApi]:
    """A started fake Bot API enforcing `fake_limits`."""
    async with FakeBotApi(limits=fake_limits) as server:
        yield server


@pytest.fixture
async def daybreak(
    tmp_path: Path, fake: FakeBotApi
) -> AsyncIterator[Callable[..., Awaitable[BotProcess]]]:
    """Start `daybreak run` (extra args, env overrides); every process is stopped afterwards."""
    started: list[BotProcess] = []

    async def start(*args: str, ready: bool = True, **env: str) -> BotProcess:
        process = BotProcess(tmp_path, fake, bot_env(tmp_path, fake, **env))
        started.append(process)
        return await process.start(*args, ready=ready)

    yield start
    for process in started:
        if process.process is not None and process.process.returncode is None:
            await process.kill()


@pytest.fixture
async def bot(daybreak: Callable[..., Awaitable[BotProcess]]) -> AsyncIterator[BotProcess]:
    """One polling bot on SQLite; stopped with SIGTERM at the end (it must exit 0)."""
    process = await daybreak()
    yield process
    if process.process is not None and process.process.returncode is None:
        assert await process.stop() == 0, process.output()


# One bot for a whole module: starting `daybreak run` costs seconds (aiogram's imports), so a
# module of independent scenarios shares one process, one fake and one database; each scenario
# uses its own patients. Such modules set `pytestmark = pytest.mark.asyncio(loop_scope="module")`.


@pytest.fixture(scope="module")
def shared_limits() -> Limits:
    """The shared fake's limits (override in a module for Telegram's real ones)."""
    return Limits(private_per_second=FAST_PRIVATE_RATE, private_burst=30)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_fake(shared_limits: Limits) -> AsyncIterator[FakeBotApi]:
    """A fake Bot API for the whole module."""
    async with FakeBotApi(limits=shared_limits) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_bot(
    shared_fake: FakeBotApi, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BotProcess]:
    """A polling bot for the whole module; it must exit 0 on SIGTERM at the end."""
    folder = tmp_path_factory.mktemp("bot")
    process = await BotProcess(folder, shared_fake, bot_env(folder, shared_fake)).start()
    yield process
    try:
        assert await process.stop() == 0, process.output()
    finally:
        await process.kill()
