"""The in-memory unit of work keeps the transaction rules of the SQL one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.memory import MemoryUnitOfWorkFactory

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory(lambda: START)


async def test_changes_land_only_on_commit(uow):
    async with uow() as u:
        await u.scheduled.add("reminder", START, key="r:1")
    async with uow() as u:
        assert await u.scheduled.get_by_key("r:1") is None
        await u.scheduled.add("reminder", START, key="r:1")
        await u.commit()
    async with uow(reading=True) as u:
        assert (await u.scheduled.get_by_key("r:1")).status == "pending"


async def _add_then_fail(uow):
    async with uow() as u:
        await u.scheduled.add("reminder", START, key="r:1")
        raise RuntimeError("boom")


async def test_leaving_on_an_error_discards_the_changes(uow):
    with pytest.raises(RuntimeError):
        await _add_then_fail(uow)
    async with uow() as u:
        assert await u.scheduled.get_by_key("r:1") is None


async def test_rollback_discards_since_the_last_commit(uow):
    async with uow() as u:
        await u.scheduled.add("reminder", START, key="r:1")
        await u.commit()
        await u.scheduled.add("reminder", START, key="r:2")
        await u.rollback()
        assert await u.scheduled.get_by_key("r:1") is not None
        assert await u.scheduled.get_by_key("r:2") is None


async def test_rows_read_are_copies_until_committed(uow):
    async with uow() as u:
        await u.scheduled.add("reminder", START, key="r:1", payload={"n": 1})
        await u.commit()
    async with uow() as u:
        item = await u.scheduled.get_by_key("r:1")
        item.payload["n"] = 2
        item.status = "done"
    async with uow() as u:
        item = await u.scheduled.get_by_key("r:1")
        assert (item.status, item.payload) == ("pending", {"n": 1})


async def test_ids_are_never_reused_after_a_rollback(uow):
    async with uow() as u:
        await u.scheduled.add("reminder", START, key="r:1")
    async with uow() as u:
        await u.scheduled.add("reminder", START, key="r:2")
        await u.commit()
    async with uow() as u:
        assert (await u.scheduled.get_by_key("r:2")).id == 2


async def test_a_nested_unit_of_work_keeps_its_commit_when_the_outer_one_commits(uow):
    async with uow() as outer:
        await outer.scheduled.add("reminder", START, key="outer")
        async with uow() as inner:
            await inner.scheduled.add("reminder", START, key="inner")
            await inner.commit()
        await outer.commit()
    async with uow() as u:
        assert await u.scheduled.get_by_key("inner") is not None
        assert await u.scheduled.get_by_key("outer") is not None


async def test_commit_wakes_the_waiter_and_a_closed_unit_refuses_work():
    woken = []
    uow = MemoryUnitOfWorkFactory(lambda: START, after_commit=lambda: woken.append(True))
    unit = uow()
    async with unit as u:
        await u.inbound.seen("k")
        await u.commit()
    assert woken == [True]
    with pytest.raises(RuntimeError):
        await unit.commit()


async def test_pruning_forgets_only_old_keys():
    now = [START]
    uow = MemoryUnitOfWorkFactory(lambda: now[0])
    async with uow() as u:
        await u.inbound.seen("old")
        now[0] += timedelta(days=2)
        await u.inbound.seen("new")
        assert await u.inbound.prune(now[0] - timedelta(days=1)) == 1
        await u.commit()
    async with uow() as u:
        assert await u.inbound.seen("new")
        assert not await u.inbound.seen("old")
