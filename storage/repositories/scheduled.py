"""Scheduled items: the one table of things due at a time, claimed exactly once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.care.ports import DueItem
from storage.models import Patient, ScheduledItem
from storage.repositories.base import Repository


class ScheduledItemRepository(Repository):
    """Add, claim and settle scheduled items."""

    async def add(
        self,
        kind: str,
        due_at: datetime,
        *,
        key: str,
        patient_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Schedule unless `key` exists already (e.g. 'release:patient:3:module:2'); True if new."""
        stmt = (
            self.insert(ScheduledItem)
            .values(
                key=key,
                kind=kind,
                patient_id=patient_id,
                due_at=due_at,
                payload=payload or {},
                status="pending",
                attempts=0,
                created_at=self.clock(),
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ScheduledItem.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def claim_due(self, limit: int = 100, now: datetime | None = None) -> list[DueItem]:
        """Claim pending items due by now, oldest first; no two callers get the same item."""
        now = now or self.clock()
        # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT n): with that form SQLite
        # walks every pending row, and PostgreSQL can return more rows than the LIMIT.
        pick = (
            sa.select(ScheduledItem.id)
            .where(ScheduledItem.status == "pending", ScheduledItem.due_at <= now)
            .order_by(ScheduledItem.due_at, ScheduledItem.id)
            .limit(limit)
        )
        if self.dialect_name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)  # other workers skip rows we hold
        ids = list((await self.session.scalars(pick)).all())
        if not ids:
            return []
        # Guarded by status: on SQLite another writer may have claimed a row since the SELECT.
        claim = (
            sa.update(ScheduledItem)
            .where(ScheduledItem.id.in_(ids), ScheduledItem.status == "pending")
            .values(status="claimed", claimed_at=now, attempts=ScheduledItem.attempts + 1)
            .returning(*ScheduledItem.__table__.c)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.execute(claim)).mappings().all()
        items = [
            DueItem(r["id"], r["key"], r["kind"], r["patient_id"], r["due_at"], r["payload"],
                    r["attempts"])
            for r in rows
        ]  # fmt: skip
        return sorted(items, key=lambda item: (item.due_at, item.id))

    async def _set(self, where: Any, **values: Any) -> int:
        stmt = (
            sa.update(ScheduledItem)
            .where(where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(await self.session.execute(stmt), "rowcount", 0))

    async def mark_done(self, item_id: int, note: str | None = None) -> None:
        """Record that a claimed item fired."""
        await self._set(
            ScheduledItem.id == item_id, status="done", fired_at=self.clock(), note=note
        )

    async def get(self, item_id: int) -> ScheduledItem | None:
        """Return an item by id."""
        return await self.session.get(ScheduledItem, item_id)

    async def mark_dropped(self, item_id: int, note: str) -> None:
        """Record that an item was deliberately not fired (e.g. patient paused)."""
        await self._set(ScheduledItem.id == item_id, status="dropped", note=note)

    async def release(self, item_id: int, retry_at: datetime, note: str | None = None) -> None:
        """Put a claimed item back to pending, due again at `retry_at`."""
        where = sa.and_(ScheduledItem.id == item_id, ScheduledItem.status == "claimed")
        await self._set(where, status="pending", due_at=retry_at, note=note)

    async def hold(self, item_id: int, until: datetime, payload: dict[str, Any], note: str) -> None:
        """Put an item back to pending, due at `until`, with a new payload (a paused plan)."""
        await self._set(
            ScheduledItem.id == item_id, status="pending", due_at=until, payload=payload, note=note
        )

    async def record_failure(
        self, item_id: int, attempts: int, note: str, retry_at: datetime | None
    ) -> None:
        """Note a failed attempt on a pending item: due again at `retry_at`, or dropped if None."""
        # Only a pending row: the failed attempt's claim was rolled back with the rest of it.
        where = sa.and_(ScheduledItem.id == item_id, ScheduledItem.status == "pending")
        values: dict[str, Any] = {"attempts": attempts, "note": note}
        if retry_at is None:
            values["status"] = "dropped"
        else:
            values["due_at"] = retry_at
        await self._set(where, **values)

    async def release_stale(self, older_than: timedelta) -> int:
        """Return items claimed longer ago than `older_than` (a crashed worker) to pending."""
        cutoff = self.clock() - older_than
        where = sa.and_(ScheduledItem.status == "claimed", ScheduledItem.claimed_at < cutoff)
        return await self._set(where, status="pending")

    async def reschedule(self, key: str, due_at: datetime) -> bool:
        """Move a pending item to a new time; return False when none was pending."""
        where = sa.and_(ScheduledItem.key == key, ScheduledItem.status == "pending")
        return await self._set(where, due_at=due_at) > 0

    async def cancel_for_patient(self, patient_id: int, kinds: Iterable[str] | None = None) -> int:
        """Cancel a patient's pending items (all, or of some kinds); return how many."""
        where = sa.and_(ScheduledItem.patient_id == patient_id, ScheduledItem.status == "pending")
        if kinds is not None:
            where = sa.and_(where, ScheduledItem.kind.in_(list(kinds)))
        return await self._set(where, status="cancelled")

    async def get_by_key(self, key: str) -> ScheduledItem | None:
        """Return the item with this idempotency key."""
        return await self.session.scalar(sa.select(ScheduledItem).where(ScheduledItem.key == key))

    async def list_for_patient(
        self, patient_id: int, status: str | None = None
    ) -> list[ScheduledItem]:
        """Return a patient's items by due time."""
        stmt = sa.select(ScheduledItem).where(ScheduledItem.patient_id == patient_id)
        if status is not None:
            stmt = stmt.where(ScheduledItem.status == status)
        stmt = stmt.order_by(ScheduledItem.due_at, ScheduledItem.id)
        return list((await self.session.scalars(stmt)).all())

    async def listing(
        self,
        *,
        patient_id: int | None = None,
        statuses: Iterable[str] | None = None,
        limit: int = 50,
    ) -> list[tuple[ScheduledItem, str | None]]:
        """Items by due time (one patient's, or in some statuses), each with its pseudonym."""
        stmt = sa.select(ScheduledItem, Patient.pseudonym).outerjoin(
            Patient, Patient.id == ScheduledItem.patient_id
        )
        if patient_id is not None:
            stmt = stmt.where(ScheduledItem.patient_id == patient_id)
        if statuses is not None:
            stmt = stmt.where(ScheduledItem.status.in_(list(statuses)))
        stmt = stmt.order_by(ScheduledItem.due_at, ScheduledItem.id).limit(limit)
        return [(item, name) for item, name in (await self.session.execute(stmt)).all()]

    async def count_by_kind(self, statuses: Iterable[str]) -> dict[str, int]:
        """How many items in these statuses there are of each kind."""
        stmt = (
            sa.select(ScheduledItem.kind, sa.func.count())
            .where(ScheduledItem.status.in_(list(statuses)))
            .group_by(ScheduledItem.kind)
        )
        return {kind: int(count) for kind, count in (await self.session.execute(stmt)).all()}
