"""Keys of inbound events already handled."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from storage.models import InboundEvent
from storage.repositories.base import Repository, dialect_insert


@cache
def _record_key(dialect_name: str) -> Any:
    # ON CONFLICT DO NOTHING is race-safe: on PostgreSQL a concurrent insert of the same key
    # waits for the first transaction, then reports the conflict. Built once per backend: a
    # statement built per call cost more CPU than running it.
    return (
        dialect_insert(dialect_name, InboundEvent)
        .values(event_key=sa.bindparam("event_key"), at=sa.bindparam("at"))
        .on_conflict_do_nothing(index_elements=["event_key"])
        .returning(InboundEvent.event_key)
    )


class InboundEventRepository(Repository):
    """De-duplicates redelivered updates."""

    async def seen(self, event_key: str) -> bool:
        """Record the key; return True when it was already recorded (a duplicate)."""
        stmt = _record_key(self.dialect_name)
        found = await self.session.execute(stmt, {"event_key": event_key, "at": self.clock()})
        return found.scalar_one_or_none() is None

    async def prune(self, before: datetime) -> int:
        """Forget keys older than `before` (redeliveries never come that late)."""
        stmt = sa.delete(InboundEvent).where(InboundEvent.at < before)
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0))
