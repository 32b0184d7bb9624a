"""The sender rides out a database outage: it waits, then delivers everything, once.

It used to die on the first database error, silently, and send nothing more until restarted
while patients' replies and staff alerts piled up in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.app import build_app
from bot.care.messages import TextMessage
from bot.care.ports import UnitOfWorkFactory
from bot.config import Settings
from bot.telegram.limits import Limits
from bot.wiring.telegram import build_telegram
from scheduler.clock import FrozenClock
from storage.crypto import generate_key
from tests.fakebot import FakeBotApi
from tests.fakebot import Limits as FakeLimits

CHAT = 7301


class Outage:
    """A unit-of-work factory whose database can be taken away and given back."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self.inner = inner
        self.down = False
        self.refused = 0

    def __call__(self, **options: Any) -> Any:
        if self.down:
            self.refused += 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database away"))
        return self.inner(**options)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(limits=FakeLimits.off()) as server:
        server.add_user(CHAT, "Patient")
        yield server


async def enqueue(uow: UnitOfWorkFactory, *texts: str) -> None:
    async with uow() as work:
        for text in texts:
            payload = TextMessage(html=text, messenger="telegram", chat_id=str(CHAT))
            await work.outbox.enqueue(
                target_kind="chat", target_key=f"chat:telegram:{CHAT}", payload=payload
            )
        await work.commit()


async def until(check: Any, what: str, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_sender_waits_out_a_database_outage_and_then_delivers_everything_once(
    db_url: str, fake: FakeBotApi, clock: FrozenClock, caplog: pytest.LogCaptureFixture
):
    settings = Settings(
        telegram={"token": fake.token, "api_base_url": fake.base_url},
        database={"url": db_url},
        security={"data_key": generate_key()},
        runtime={"retry_cap": 0.2},
    )
    app = await build_app(settings, clock=clock)
    outage = Outage(app.uow)
    app.uow = outage  # the sender reaches the database only through this
    telegram = build_telegram(
        app, limits=Limits(global_rate=1000, private_rate=1000, group_per_minute=1000)
    )
    stop = asyncio.Event()
    sending = asyncio.create_task(telegram.sender.run(stop))
    try:
        await enqueue(outage.inner, "before")
        await until(lambda: len(fake.sent(CHAT)) == 1, "the first message")
        outage.down = True
        await until(lambda: outage.refused >= 3, "the sender to meet the outage")
        await enqueue(outage.inner, "during 1", "during 2")  # committed by someone else meanwhile
        assert not sending.done(), "the sender died on the database error"
        outage.down = False
        await until(lambda: len(fake.sent(CHAT)) == 3, "the messages from the outage")
        texts = [record["text"] for record in fake.sent(CHAT)]
        assert texts == ["before", "during 1", "during 2"]
    finally:
        stop.set()
        await asyncio.wait_for(sending, 15)
        await telegram.bot.session.close()
        await app.close()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "sender" in r.name]
    assert len([r for r in warnings if "away" in r.getMessage()]) == 1  # one line, not a flood
    assert all(r.exc_info is None for r in warnings)
