"""In-memory repositories with the same methods and results as storage/repositories."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.care.ports import DueItem
from storage.memory.store import Workspace
from storage.models import InboundEvent, Patient, ScheduledItem
from storage.repositories import Clock


class MemoryRepository:
    """A repository that works on one unit of work's private rows and never commits."""

    def __init__(self, workspace: Workspace, clock: Clock) -> None:
        """Bind to one unit of work's rows and a clock."""
        self.workspace = workspace
        self.clock = clock


class MemoryInboundEventRepository(MemoryRepository):
    """De-duplicates redelivered updates."""

    async def seen(self, event_key: str) -> bool:
        """Record the key; return True when it was already recorded (a duplicate)."""
        rows = self.workspace.table(InboundEvent.__tablename__)
        if event_key in rows:
            return True
        rows[event_key] = InboundEvent(event_key=event_key, at=self.clock())
        return False

    async def prune(self, before: datetime) -> int:
        """Forget keys older than `before` (redeliveries never come that late)."""
        rows = self.workspace.table(InboundEvent.__tablename__)
        old = [
            key for key, row in rows.items() if isinstance(row, InboundEvent) and row.at < before
        ]
        for key in old:
            del rows[key]
        return len(old)


class MemoryScheduledItemRepository(MemoryRepository):
    """Add, claim and settle scheduled items."""

    def _items(self) -> list[ScheduledItem]:
        rows = self.workspace.table(ScheduledItem.__tablename__).values()
        items = [row for row in rows if isinstance(row, ScheduledItem)]
        return sorted(items, key=lambda item: (item.due_at, item.id))

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
        if await self.get_by_key(key) is not None:
            return False
        self.workspace.insert(
            ScheduledItem,
            key=key,
            kind=kind,
            patient_id=patient_id,
            due_at=due_at,
            payload=dict(payload or {}),
            status="pending",
            attempts=0,
            claimed_at=None,
            fired_at=None,
            note=None,
            created_at=self.clock(),
        )
        return True

    async def claim_due(self, limit: int = 100, now: datetime | None = None) -> list[DueItem]:
        """Claim pending items due by now, oldest first; no two callers get the same item."""
        now = now or self.clock()
        due = [i for i in self._items() if i.status == "pending" and i.due_at <= now][:limit]
        for item in due:
            item.status, item.claimed_at, item.attempts = "claimed", now, item.attempts + 1
        return [
            DueItem(i.id, i.key, i.kind, i.patient_id, i.due_at, dict(i.payload), i.attempts)
            for i in due
        ]

    def _get(self, item_id: int) -> ScheduledItem | None:
        row = self.workspace.table(ScheduledItem.__tablename__).get(item_id)
        return row if isinstance(row, ScheduledItem) else None

    async def get(self, item_id: int) -> ScheduledItem | None:
        """Return an item by id."""
        return self._get(item_id)

    async def mark_done(self, item_id: int, note: str | None = None) -> None:
        """Record that a claimed item fired."""
        if (item := self._get(item_id)) is not None:
            item.status, item.fired_at, item.note = "done", self.clock(), note

    async def mark_dropped(self, item_id: int, note: str) -> None:
        """Record that an item was deliberately not fired (e.g. patient paused)."""
        if (item := self._get(item_id)) is not None:
            item.status, item.note = "dropped", note

    async def release(self, item_id: int, retry_at: datetime, note: str | None = None) -> None:
        """Put a claimed item back to pending, due again at `retry_at`."""
        item = self._get(item_id)
        if item is not None and item.status == "claimed":
            item.status, item.due_at, item.note = "pending", retry_at, note

    async def hold(self, item_id: int, until: datetime, payload: dict[str, Any], note: str) -> None:
        """Put an item back to pending, due at `until`, with a new payload (a paused plan)."""
        if (item := self._get(item_id)) is not None:
            item.status, item.due_at, item.note = "pending", until, note
            item.payload = dict(payload)

    async def record_failure(
        self, item_id: int, attempts: int, note: str, retry_at: datetime | None
    ) -> None:
        """Note a failed attempt on a pending item: due again at `retry_at`, or dropped if None."""
        item = self._get(item_id)
        if item is None or item.status != "pending":
            return
        item.attempts, item.note = attempts, note
        if retry_at is None:
            item.status = "dropped"
        else:
            item.due_at = retry_at

    async def release_stale(self, older_than: timedelta) -> int:
        """Return items claimed longer ago than `older_than` (a crashed worker) to pending."""
        cutoff = self.clock() - older_than
        stale = [
            i
            for i in self._items()
            if i.status == "claimed" and i.claimed_at is not None and i.claimed_at < cutoff
        ]
        for item in stale:
            item.status = "pending"
        return len(stale)

    async def reschedule(self, key: str, due_at: datetime) -> bool:
        """Move a pending item to a new time; return False when none was pending."""
        item = await self.get_by_key(key)
        if item is None or item.status != "pending":
            return False
        item.due_at = due_at
        return True

    async def cancel_for_patient(self, patient_id: int, kinds: Iterable[str] | None = None) -> int:
        """Cancel a patient's pending items (all, or of some kinds); return how many."""
        wanted = None if kinds is None else set(kinds)
        hit = [
            i
            for i in self._items()
            if i.patient_id == patient_id
            and i.status == "pending"
            and (wanted is None or i.kind in wanted)
        ]
        for item in hit:
            item.status = "cancelled"
        return len(hit)

    async def get_by_key(self, key: str) -> ScheduledItem | None:
        """Return the item with this idempotency key."""
        return next((i for i in self._items() if i.key == key), None)

    async def list_for_patient(
        self, patient_id: int, status: str | None = None
    ) -> list[ScheduledItem]:
        """Return a patient's items by due time."""
        return [
            i
            for i in self._items()
            if i.patient_id == patient_id and (status is None or i.status == status)
        ]

    async def listing(
        self,
        *,
        patient_id: int | None = None,
        statuses: Iterable[str] | None = None,
        limit: int = 50,
    ) -> list[tuple[ScheduledItem, str | None]]:
        """Items by due time (one patient's, or in some statuses), each with its pseudonym."""
        wanted = None if statuses is None else set(statuses)
        items = [
            i
            for i in self._items()
            if (patient_id is None or i.patient_id == patient_id)
            and (wanted is None or i.status in wanted)
        ]
        return [(item, self._pseudonym(item.patient_id)) for item in items[:limit]]

    def _pseudonym(self, patient_id: int | None) -> str | None:
        row = self.workspace.table(Patient.__tablename__).get(patient_id)
        return row.pseudonym if isinstance(row, Patient) else None

    async def count_by_kind(self, statuses: Iterable[str]) -> dict[str, int]:
        """How many items in these statuses there are of each kind."""
        wanted = set(statuses)
        counts: dict[str, int] = {}
        for item in self._items():
            if item.status in wanted:
                counts[item.kind] = counts.get(item.kind, 0) + 1
        return counts
