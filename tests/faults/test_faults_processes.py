"""Processes die, double up, or meet an update that always fails.

- `kill -9` five times during a burst of 50 patients: after each restart the rest arrives; at
  most the one message per chat in flight at each kill is sent twice.
- Two `daybreak run` started together on one database: only one polls; after `kill -9` of it,
  the standby takes over and every patient is answered once.
- A poison update (it raises every time it is handled) is parked; everyone else is answered.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.telegram.conftest import bot_env
from tests.fakebot import FakeBotApi
from tests.faults.conftest import (
    CONSENT,
    INTRO_MESSAGES,
    WAIT,
    BotProcess,
    Database,
    Patient,
    StartBot,
    budget,
    census_after,
    eventually,
    everyone_answered,
    until,
)
from tests.support.pace import start_budget

BURST = 50
KILLS = 5
LEASE = 2.0  # telegram.standby_lease, in seconds
POLLING = "took the poller lease"


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_kill_9_five_times_during_a_burst_of_50_patients(
    fake: FakeBotApi, daybreak: StartBot, database: Database
):
    patients = [Patient(fake, 9600 + n) for n in range(BURST)]
    bot = await daybreak(**database.env)
    for patient in patients:
        await patient.send("/start")
    total = BURST * INTRO_MESSAGES
    for kill in range(KILLS):
        # Each kill lands once a further share of the burst has gone out: mid-burst, every time.
        share = total * (kill + 1) // (KILLS + 1)
        await eventually(
            lambda share=share: sum(len(p.texts()) for p in patients) >= share,
            within=budget(messages=total),
            what=f"{share} messages out before kill {kill + 1}",
        )
        await bot.kill()
        bot = await daybreak(**database.env)

    await census_after(database, patients, f"kill -9 x{KILLS}, {BURST} patients", kills=KILLS)
    assert await bot.stop() == 0, bot.output()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_two_bots_started_together_one_polls_and_the_standby_takes_over(
    fake: FakeBotApi, daybreak: StartBot, database: Database, tmp_path: Path
):
    env = {"DAYBREAK_TELEGRAM__STANDBY_LEASE": str(LEASE), **database.env}
    second_folder = tmp_path / "second"
    second_folder.mkdir()
    # The same database and key file as the first process, a log of its own.
    second = BotProcess(second_folder, fake, bot_env(tmp_path, fake, **env))
    first_start = asyncio.create_task(daybreak(ready=False, **env))
    await second.start(ready=False)
    first = await first_start
    try:
        await eventually(
            lambda: POLLING in first.output() or POLLING in second.output(),
            within=start_budget(WAIT),
            what="one of the two to take the poller lease",
        )
        poller, standby = (first, second) if POLLING in first.output() else (second, first)
        patients = [Patient(fake, 9700 + n) for n in range(5)]
        for patient in patients[:3]:
            await patient.send("/start")
        await everyone_answered(patients[:3], CONSENT, budget(messages=3 * INTRO_MESSAGES))
        assert POLLING not in standby.output(), "two processes polled at once"

        await poller.kill()
        for patient in patients[3:]:
            await patient.send("/start")
        await eventually(
            lambda: POLLING in standby.output(),
            within=LEASE + start_budget(LEASE),
            what="the standby to take over",
        )
        await census_after(database, patients, "two processes, standby takes over", kills=1)
        assert await standby.stop() == 0, standby.output()
    finally:
        await second.kill()


def poison(fake: FakeBotApi, chat_id: int) -> dict[str, object]:
    """A /start in a private chat without a sender: the patients' router cannot handle it."""
    message = {
        "message_id": 1, "date": 0, "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": chat_id, "type": "private", "first_name": "Nobody"},
    }  # fmt: skip
    return fake.updates.make("message", message)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_poison_update_is_parked_and_the_rest_flow_on(
    fake: FakeBotApi, daybreak: StartBot, database: Database
):
    bot = await daybreak(DAYBREAK_TELEGRAM__INBOX_ATTEMPTS="3", **database.env)
    before = [Patient(fake, 9800 + n) for n in range(3)]
    after = [Patient(fake, 9810 + n) for n in range(3)]
    for patient in before:
        await patient.send("/start")
    await fake.updates.push(poison(fake, 9899))
    for patient in after:
        await patient.send("/start")

    everyone = before + after
    await census_after(database, everyone, "poison update parked")

    async def parked() -> int:
        query = "SELECT count(*) FROM inbox_updates WHERE status = 'parked'"
        return int(await database.scalar(query))

    assert await until(parked, budget(), "the poison update to be parked") == 1
    assert "parked update" in bot.log.read_text()  # one line for operators, no content
    assert await bot.stop() == 0, bot.output()
