"""Exactly once under pressure: two sweepers on one PostgreSQL database, and a killed sweeper."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.clock import FrozenClock
from storage.models import Run, ScheduledItem
from tests.integration.scheduler.conftest import AppMaker
from tests.integration.scheduler.helpers import enrol

PATIENTS = 60
PROCESS = Path(__file__).with_name("sweeper_process.py")


async def _runs_per_flow(app) -> Counter[tuple[int, str]]:  # type: ignore[no-untyped-def]
    async with app.uow() as work:
        rows = (await work._session.execute(sa.select(Run.patient_id, Run.flow_id))).all()
    return Counter((pid, flow) for pid, flow in rows)


async def _statuses(app) -> Counter[str]:  # type: ignore[no-untyped-def]
    async with app.uow() as work:
        rows = (await work._session.execute(sa.select(ScheduledItem.status))).scalars().all()
    return Counter(rows)


# PostgreSQL only: SQLite has a single writer, so two sweepers there cannot race at all.
@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_sweepers_never_fire_an_item_twice(
    make_app: AppMaker, clock: FrozenClock, db_url: str
) -> None:
    async with make_app(quiet_hours=None) as one, make_app(quiet_hours=None) as two:
        for _ in range(PATIENTS):
            await enrol(one)
        reports = await asyncio.gather(one.scheduler.sweeper.drain(), two.scheduler.sweeper.drain())
        assert all(report["fired"] > 0 for report in reports)  # both really worked
        assert sum(report["fired"] for report in reports) == PATIENTS
        runs = await _runs_per_flow(one)
        assert set(runs.values()) == {1}
        assert len(runs) == PATIENTS
        assert await _statuses(one) == Counter({"done": PATIENTS, "pending": 22 * PATIENTS})


async def test_sweeper_killed_mid_sweep_loses_and_doubles_nothing(
    make_app: AppMaker, clock: FrozenClock, db_url: str
) -> None:
    async with make_app(quiet_hours=None) as app:
        for _ in range(PATIENTS):
            await enrol(app)
        key = app.settings.security.data_key
        assert key is not None
        args = [str(PROCESS), db_url, key.get_secret_value(), clock.now().isoformat()]
        env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
        first = await asyncio.create_subprocess_exec(
            sys.executable, *args, stdout=asyncio.subprocess.PIPE, env=env
        )
        assert first.stdout is not None
        settled = 0
        while settled < PATIENTS // 3:
            line = await asyncio.wait_for(first.stdout.readline(), timeout=60)
            settled += line.startswith(b"fired")
        first.send_signal(signal.SIGKILL)  # mid-sweep: it is working on the next item
        await first.wait()
        second = await asyncio.create_subprocess_exec(
            sys.executable, *args, stdout=asyncio.subprocess.PIPE, env=env
        )
        out, _ = await asyncio.wait_for(second.communicate(), timeout=120)
        assert out.strip().endswith(b"drained")
        runs = await _runs_per_flow(app)
        assert len(runs) == PATIENTS
        assert set(runs.values()) == {1}
        statuses = await _statuses(app)
        assert statuses["done"] == PATIENTS
        assert statuses["claimed"] == 0
