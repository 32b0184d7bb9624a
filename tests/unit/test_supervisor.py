"""Supervised work: a failing task is restarted with capped backoff, logged once per streak,
and a task that cannot recover stops the process; start-up waits for what it needs, in bounds.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import OperationalError

from bot.errors import StartupError
from bot.startup import start_within
from bot.supervisor import Supervisor, is_transient


class FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def database_away() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))


async def test_a_task_that_fails_for_a_while_is_restarted_and_logged_once(caplog):
    time = FakeTime()
    supervisor = Supervisor(give_up_after=60, backoff_cap=4, clock=time, sleep=time.sleep, settle=0)
    stop, runs = asyncio.Event(), []

    async def work() -> None:
        runs.append(time.now)
        if len(runs) <= 5:
            raise database_away()
        stop.set()

    with caplog.at_level(logging.WARNING):
        await supervisor.run("sender", work, stop)
    assert len(runs) == 6
    assert max(time.slept) <= 4  # capped
    failures = [r for r in caplog.records if "sender failed" in r.getMessage()]
    assert len(failures) == 1  # once per streak, not once per try
    assert failures[0].exc_info is None  # an outage is one line, no traceback
    assert not supervisor.failed.is_set()


async def test_a_task_that_never_recovers_stops_the_process():
    time = FakeTime()
    supervisor = Supervisor(give_up_after=30, backoff_cap=4, clock=time, sleep=time.sleep, settle=0)

    async def work() -> None:
        raise database_away()

    await supervisor.run("inbox", work, asyncio.Event())
    assert supervisor.failed.is_set()
    assert supervisor.gave_up == ["inbox"]
    assert 30 <= time.now <= 34


async def test_a_task_that_is_not_essential_never_stops_the_process():
    time = FakeTime()
    supervisor = Supervisor(give_up_after=10, backoff_cap=4, clock=time, sleep=time.sleep, settle=0)
    stop, tries = asyncio.Event(), []

    async def menu() -> None:
        tries.append(time.now)
        if time.now < 60:
            raise RuntimeError("the Bot API answered 500")

    await supervisor.run("menu", menu, stop, essential=False)
    assert time.now >= 60
    assert not supervisor.failed.is_set()


def test_outages_are_told_apart_from_bugs():
    assert is_transient(database_away())
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert not is_transient(AssertionError("a bug"))
    assert not is_transient(KeyError("x"))


async def test_start_up_waits_for_the_database_then_goes_on(caplog):
    time, tries = FakeTime(), []

    async def connect() -> str:
        tries.append(time.now)
        if len(tries) < 4:
            raise database_away()
        return "connected"

    with caplog.at_level(logging.WARNING):
        got = await start_within(
            60, "the database at db:5432", connect, clock=time, sleep=time.sleep
        )
    assert got == "connected"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert all(line.startswith("the database at db:5432 is unreachable") for line in lines)


async def test_start_up_gives_up_at_its_deadline_in_one_line():
    time = FakeTime()

    async def connect() -> None:
        raise database_away()

    with pytest.raises(StartupError, match=r"unreachable .*gave up after 20 s"):
        await start_within(20, "the database at db:5432", connect, clock=time, sleep=time.sleep)
    assert time.now <= 20


async def test_start_up_does_not_retry_a_bug():
    async def broken() -> None:
        raise KeyError("no such setting")

    with pytest.raises(KeyError):
        await start_within(60, "x", broken)
