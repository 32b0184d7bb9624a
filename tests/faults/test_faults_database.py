"""The database goes away under a running bot: PostgreSQL cut for 20 s, SQLite held for 25 s.

Patients keep writing meanwhile. When the database is back, every one of them is answered, the
outbox drains, and nothing arrives twice: no update was confirmed to Telegram before it was
stored, and the sender picked up again by itself.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

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
from tests.support.tcp_proxy import TcpProxy

PG_CUT_SECONDS = 20.0
SQLITE_HOLD_SECONDS = 25.0
BEFORE, DURING = 5, 5  # patients who write before the fault, and while it lasts


async def burst(patients: list[Patient]) -> None:
    """Each patient sends /start."""
    for patient in patients:
        await patient.send("/start")


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgresql_cut_for_20_s_in_the_middle_of_a_burst(
    fake: FakeBotApi, daybreak: StartBot, database: Database, proxy: TcpProxy
):
    bot = await daybreak(**database.env)
    early = [Patient(fake, 9100 + n) for n in range(BEFORE)]
    late = [Patient(fake, 9200 + n) for n in range(DURING)]
    await burst(early)
    await everyone_answered(early[:1], "Hello, and welcome", budget())
    proxy.cut()  # mid-burst: the early patients' replies are still going out
    cut_at = time.monotonic()
    await burst(late)
    await asyncio.sleep(max(0.0, PG_CUT_SECONDS - (time.monotonic() - cut_at)))
    proxy.restore()

    everyone = early + late
    await census_after(database, everyone, "postgresql cut 20 s", fault=PG_CUT_SECONDS)
    assert proxy.refused > 0, "the cut never turned the bot away: nothing was tested"
    assert await bot.stop() == 0, bot.output()


HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
connection.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


def hold_exclusively(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process takes SQLite's exclusive lock for `seconds` (like a stuck backup job)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_held_by_another_process_for_25_s(
    fake: FakeBotApi, daybreak: StartBot, database: Database, tmp_path: Path
):
    bot = await daybreak(**database.env)
    early = [Patient(fake, 9300 + n) for n in range(BEFORE)]
    late = [Patient(fake, 9400 + n) for n in range(DURING)]
    await burst(early)
    await everyone_answered(early[:1], "Hello, and welcome", budget())
    holder = await asyncio.to_thread(hold_exclusively, tmp_path / "db.sqlite", SQLITE_HOLD_SECONDS)
    try:
        await burst(late)
        await asyncio.to_thread(holder.wait, SQLITE_HOLD_SECONDS * 2)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()

    everyone = early + late
    await census_after(database, everyone, "sqlite held 25 s")
    assert await bot.stop() == 0, bot.output()
