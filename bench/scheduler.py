"""Benchmark: enrol N patients, plan and enqueue their programme, then time one weekly sweep.

Patients and enrolments are bulk-inserted (not onboarded). Planning uses the real planner and
bulk inserts; the sweep uses the real Sweeper (claim, patient rules, dispatch, mark, one
transaction per item) with a LIGHTWEIGHT release handler that records the module on the
enrolment instead of starting a conversation, because the full care path is too slow for 100k.

    python bench/scheduler.py --patients 100000 --backend both
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import sys
import tempfile
import time as wall
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.care import planner
from bot.care.programme import Fired, Outcome
from scheduler.clock import FrozenClock
from scheduler.sweep import Sweeper, SweepRules
from storage.crypto import FieldCipher, generate_key
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_engine
from storage.models import Enrolment, Patient, ScheduledItem
from storage.repositories.scheduled import DueItem
from storage.uow import UnitOfWork, UnitOfWorkFactory

START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday
ZONES = ("Europe/London", "Asia/Shanghai", "America/New_York", "Australia/Sydney")
CHECKPOINTS = (10_000, 50_000, 100_000)
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def memory() -> str:
    """Peak traced Python memory and the process's peak RSS."""
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"tracemalloc peak {peak:7.1f} MiB, ru_maxrss {rss:7.1f} MiB"


def chunks(n: int, size: int) -> Iterator[range]:
    """Patient numbers 1..n in ranges of `size`."""
    for first in range(1, n + 1, size):
        yield range(first, min(first + size, n + 1))


async def enrol(sessions: sa.ext.asyncio.async_sessionmaker, n: int, batch: int) -> None:  # type: ignore[name-defined]
    """Bulk-insert patients and their enrolments (ids 1..n)."""
    for ids in chunks(n, batch):
        async with sessions() as s:
            await s.execute(sa.insert(Patient), [
                {"id": i, "pseudonym": f"B{i:08d}", "language": "en",
                 "timezone": ZONES[i % len(ZONES)], "preferred_time": "09:00",
                 "care_mode": "unguided", "status": "active", "created_at": START,
                 "daily_checkin": False}
                for i in ids
            ])  # fmt: skip
            await s.execute(sa.insert(Enrolment), [
                {"patient_id": i, "programme": "daybreak", "started_at": START,
                 "current_module": 0, "status": "active", "release_policy": "weekly"}
                for i in ids
            ])  # fmt: skip
            await s.commit()


async def plan_and_enqueue(sessions, n: int, batch: int) -> float:  # type: ignore[no-untyped-def]
    """Plan every patient's programme and insert the items, a batch at a time; seconds."""
    table = planner.Timetable(modules=7, checkin=False)
    began = wall.perf_counter()
    for ids in chunks(n, batch):
        rows = []
        for i in ids:
            zone = ZoneInfo(ZONES[i % len(ZONES)])
            for item in planner.plan(i, START, zone, time(9, 0), table):
                rows.append({"key": item.key, "kind": item.kind, "patient_id": i,
                             "due_at": item.due_at, "payload": item.payload,
                             "status": "pending", "attempts": 0, "created_at": START})  # fmt: skip
        async with sessions() as s:
            await s.execute(sa.insert(ScheduledItem), rows)
            await s.commit()
        del rows
        if ids.stop - 1 in CHECKPOINTS:
            print(f"  planned {ids.stop - 1:>7} patients: {memory()}", flush=True)
    return wall.perf_counter() - began


async def light_release(work: UnitOfWork, item: DueItem, patient: Patient | None) -> Outcome:
    """Record the release on the enrolment instead of starting the module's conversation."""
    await work._session.execute(
        sa.update(Enrolment)
        .where(Enrolment.patient_id == item.patient_id)
        .values(current_module=int(item.payload["module"]))
    )
    return Fired("bench release")


async def sweep(uow: UnitOfWorkFactory, clock: FrozenClock, limit: int, workers: int) -> float:
    """Sweep up to `limit` items (or until nothing is due) with `workers` sweepers; seconds."""
    rules = SweepRules(quiet_hours=None)
    done = itertools.count(1)
    claims = itertools.count(0)

    async def worker() -> None:
        sweeper = Sweeper(uow, clock, {"module_release": light_release}, rules, batch_size=500)
        while (outcomes := await sweeper.settle_next()) and next(claims) < limit:
            for _ in outcomes:
                count = next(done)
                if count in CHECKPOINTS:
                    print(f"  swept {count:>7} releases: {memory()}", flush=True)

    began = wall.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return wall.perf_counter() - began


async def run(
    backend: str,
    url: str,
    n: int,
    batch: int,
    workers: int,
    schema: str | None = None,
    sweep_limit: int | None = None,
) -> None:
    """One backend: enrol, plan and enqueue, then the weekly sweep."""
    settings = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_engine(url, connect_args=settings)
    await upgrade_engine(engine)
    sessions = session_factory(engine)
    clock = FrozenClock(START)
    uow = UnitOfWorkFactory(sessions, FieldCipher(generate_key()), clock.now)
    print(f"{backend}: {n} patients", flush=True)
    began = wall.perf_counter()
    await enrol(sessions, n, batch)
    print(f"  enrolled (bulk insert) in {wall.perf_counter() - began:.1f}s", flush=True)
    planned = await plan_and_enqueue(sessions, n, batch)
    async with sessions() as s:
        total = await s.scalar(sa.select(sa.func.count()).select_from(ScheduledItem))
    print(f"  plan+enqueue: {planned:.1f}s for {total} items ({total / planned:,.0f}/s)")
    # The week's sweep: module 1 of every patient comes due at 09:00 local on the Monday.
    clock.set(START + timedelta(days=1))
    swept = await sweep(uow, clock, sweep_limit or n, workers)
    async with sessions() as s:
        fired = await s.scalar(sa.select(sa.func.count()).where(ScheduledItem.status == "done"))
    rate = fired / swept
    print(f"  sweep: {swept:.1f}s for {fired} of {n} releases ({rate:,.0f}/s, {workers} "
          f"worker(s), one transaction per item, LIGHTWEIGHT release handler)")  # fmt: skip
    if fired < n:
        print(f"  sweep limited by --sweep-limit: all {n} at this rate ~ {n / rate:.0f}s")
    print(f"  {memory()}", flush=True)
    await engine.dispose()


async def main() -> None:
    """Parse arguments and run the chosen backends."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--pg-workers", type=int, default=2)
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--sweep-limit", type=int, default=None, help="stop the sweep early")
    parser.add_argument("--no-trace", action="store_true", help="skip tracemalloc (faster)")
    args = parser.parse_args()
    if not args.no_trace:
        tracemalloc.start()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            await run("sqlite", url, args.patients, args.batch, 1, None, args.sweep_limit)
    if args.backend in ("postgres", "both"):
        await run_postgres(
            args.postgres_url, args.patients, args.batch, args.pg_workers, args.sweep_limit
        )


async def run_postgres(url: str, n: int, batch: int, workers: int, limit: int | None) -> None:
    """PostgreSQL in a throw-away schema."""
    schema = f"bench_{int(wall.time())}"
    admin = create_engine(url)
    async with admin.begin() as c:
        await c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        await run("postgres", url, n, batch, workers, schema, limit)
    finally:
        async with admin.begin() as c:
            await c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
