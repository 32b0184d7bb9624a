"""Keys of inbound events already handled."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from storage.models import InboundEvent
from storage.repositories.base import Repository


class InboundEventRepository(Repository):
    """De-duplicates redelivered updates."""

    async def seen(self, event_key: str) -> bool:
        """Record the key; return True when it was already recorded (a duplicate)."""
        # ON CONFLICT DO NOTHING is race-safe: on PostgreSQL a concurrent insert of the same
        # key waits for the first transaction, then reports the conflict.
        stmt = (
            self.insert(InboundEvent)
            .values(event_key=event_key, at=self.clock())
            .on_conflict_do_nothing(index_elements=["event_key"])
            .returning(InboundEvent.event_key)
        )
        inserted = (await self.session.execute(stmt)).scalar_one_or_none()
        return inserted is None

    async def prune(self, before: datetime) -> int:
        """Forget keys older than `before` (redeliveries never come that late)."""
        stmt = sa.delete(InboundEvent).where(InboundEvent.at < before)
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0))
