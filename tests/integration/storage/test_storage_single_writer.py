"""SQLite: units of work that write take turns in the process, first come first served."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.crypto import FieldCipher, generate_key
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_engine
from storage.uow import UnitOfWorkFactory

WRITERS = 25


@pytest.fixture
async def sqlite_uow(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    """A migrated SQLite file, with units of work as the app makes them for SQLite."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'daybreak.db'}")
    try:
        await upgrade_engine(engine)
        yield UnitOfWorkFactory(
            session_factory(engine), FieldCipher(generate_key()), single_writer=True
        )
    finally:
        await engine.dispose()


async def _new_patient(uow: UnitOfWorkFactory) -> int:
    async with uow() as u:
        patient = await u.patients.create(language="en")
        await u.commit()
    return patient.id


async def test_concurrent_read_modify_write_loses_no_update(sqlite_uow):
    """25 events for one patient at once each add one to a counter: it ends at 25."""
    patient_id = await _new_patient(sqlite_uow)

    async def add_one() -> None:
        async with sqlite_uow() as u:
            count = await u.variables.get(patient_id, "count", 0)
            await asyncio.sleep(0.001)  # let the others read meanwhile, as real handlers do
            await u.variables.set(patient_id, "count", count + 1)
            await u.commit()

    await asyncio.gather(*(add_one() for _ in range(WRITERS)))
    async with sqlite_uow() as u:
        assert await u.variables.get(patient_id, "count") == WRITERS


async def test_a_unit_of_work_inside_another_in_the_same_task_does_not_wait_for_itself(
    sqlite_uow,
):
    patient_id = await _new_patient(sqlite_uow)

    async def nested() -> None:
        async with sqlite_uow() as outer:
            await outer.variables.set(patient_id, "outer", 1)
            async with sqlite_uow() as inner:
                await inner.variables.get(patient_id, "outer")
            await outer.commit()

    await asyncio.wait_for(nested(), timeout=10)
    async with sqlite_uow() as u:
        assert await u.variables.get(patient_id, "outer") == 1


async def test_writers_get_their_turn_in_arrival_order_and_readers_need_none(sqlite_uow):
    patient_id = await _new_patient(sqlite_uow)
    order: list[int] = []
    holding = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with sqlite_uow() as u:
            holding.set()
            await release.wait()
            await u.variables.set(patient_id, "first", 1)
            await u.commit()

    async def writer(number: int) -> None:
        async with sqlite_uow() as u:
            order.append(number)
            await u.variables.set(patient_id, f"w{number}", number)
            await u.commit()

    holder = asyncio.create_task(first())
    await holding.wait()
    writers = []
    for number in range(5):
        writers.append(asyncio.create_task(writer(number)))
        await asyncio.sleep(0)  # each reaches the queue before the next starts
    async with sqlite_uow(reading=True) as reader:  # a reader is not held up by the queue
        assert await reader.variables.get(patient_id, "first") is None
    assert order == []
    release.set()
    await asyncio.gather(holder, *writers)
    assert order == [0, 1, 2, 3, 4]
