"""Claiming one due item by id, cheaply on big tables and exactly once on both backends."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from storage.models import ScheduledItem
from storage.repositories.scheduled import DueItem
from storage.uow import UnitOfWork


async def claim_one(work: UnitOfWork, now: datetime) -> DueItem | None:
    """Claim the oldest due pending item in the caller's transaction; None when none is due."""
    # Two statements instead of UPDATE ... WHERE id IN (SELECT ... LIMIT 1): with that form
    # SQLite walks every pending row, and PostgreSQL may return more rows than the LIMIT.
    pick = (
        sa.select(ScheduledItem.id)
        .where(ScheduledItem.status == "pending", ScheduledItem.due_at <= now)
        .order_by(ScheduledItem.due_at, ScheduledItem.id)
        .limit(1)
    )
    if work.session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)  # other workers skip the row we hold
    for _ in range(10):
        item_id = await work.session.scalar(pick)
        if item_id is None:
            return None
        # Guarded by status: on SQLite a concurrent writer may have taken it since the SELECT.
        claim = (
            sa.update(ScheduledItem)
            .where(ScheduledItem.id == item_id, ScheduledItem.status == "pending")
            .values(status="claimed", claimed_at=now, attempts=ScheduledItem.attempts + 1)
            .returning(*ScheduledItem.__table__.c)
            .execution_options(synchronize_session=False)
        )
        row = (await work.session.execute(claim)).mappings().one_or_none()
        if row is not None:
            return DueItem(
                row["id"], row["key"], row["kind"], row["patient_id"], row["due_at"],
                row["payload"], row["attempts"],
            )  # fmt: skip
    return None
