"""An inbound event is handled once, and only once what handling it did was committed."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.care.inbound import handled_before
from storage.memory import MemoryUnitOfWorkFactory

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


async def test_a_redelivered_event_is_a_repeat_only_after_a_commit():
    uow = MemoryUnitOfWorkFactory(lambda: START)
    async with uow() as u:
        assert not await handled_before(u, "tg:7")  # rolled back: as if never handled
    async with uow() as u:
        assert not await handled_before(u, "tg:7")
        await u.commit()
    async with uow() as u:
        assert await handled_before(u, "tg:7")
        assert not await handled_before(u, "tg:8")


async def test_an_event_without_a_key_is_never_a_repeat():
    uow = MemoryUnitOfWorkFactory(lambda: START)
    async with uow() as u:
        assert not await handled_before(u, None)
        await u.commit()
    async with uow() as u:
        assert not await handled_before(u, None)
