"""The Bot API misbehaves under a running bot: connections closed unanswered for 10 s, then
every call answered 502 for 10 s. Nothing is lost, nothing is sent twice, and the bot serves on.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.fakebot import FakeBotApi
from tests.faults.conftest import (
    Database,
    Patient,
    StartBot,
    budget,
    census_after,
    everyone_answered,
)

DROP_SECONDS = 10.0
ERROR_SECONDS = 10.0
WAVES = 3  # patients who write before, during the dropped connections, and during the 5xx


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_bot_api_closing_connections_then_answering_5xx(
    fake: FakeBotApi, daybreak: StartBot, database: Database
):
    bot = await daybreak(**database.env)
    waves = [[Patient(fake, 9500 + 10 * wave + n) for n in range(3)] for wave in range(WAVES)]
    for patient in waves[0]:
        await patient.send("/start")
    await everyone_answered(waves[0][:1], "Hello, and welcome", budget())

    fake.drop_connections(DROP_SECONDS)
    for patient in waves[1]:
        await patient.send("/start")  # the bot cannot fetch these until the network is back
    await asyncio.sleep(DROP_SECONDS)
    fake.outage(ERROR_SECONDS)
    for patient in waves[2]:
        await patient.send("/start")
    await asyncio.sleep(ERROR_SECONDS)

    everyone = [patient for wave in waves for patient in wave]
    await census_after(database, everyone, "bot api dropped 10 s, 5xx 10 s")
    dropped = [i for i in fake.injected if i["status"] is None]
    failed = [i for i in fake.injected if i["status"] == 502]
    assert dropped, "no connection was dropped: nothing was tested"
    assert failed, "no call met the 5xx: nothing was tested"
    assert await bot.stop() == 0, bot.output()
