"""In-memory process registry and named leases."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.care.ports import PRIORITY_SAFETY, HealthFigures, StoredUpdate
from storage.memory import tables
from storage.memory.repositories import MemoryRepository
from storage.memory.tables import Row
from storage.models import (
    InboundEvent,
    InboxUpdate,
    LeaseRow,
    OutboxMessage,
    ProcessRow,
    ScheduledItem,
)


class MemoryProcessRepository(MemoryRepository):
    """Register, heartbeat and list the processes on this store."""

    def _rows(self) -> dict[object, ProcessRow]:
        table = self.workspace.table(ProcessRow.__tablename__)
        return {key: row for key, row in table.items() if isinstance(row, ProcessRow)}

    async def heartbeat(self, holder: str, role: str) -> None:
        """Record that `holder` (in `role`) is alive now; the first beat registers it."""
        now = self.clock()
        table = self.workspace.table(ProcessRow.__tablename__)
        row = table.get(holder)
        if isinstance(row, ProcessRow):
            row.heartbeat_at, row.role = now, role
        else:
            table[holder] = ProcessRow(holder=holder, role=role, started_at=now, heartbeat_at=now)

    async def live_holders(self, within: timedelta) -> set[str]:
        """The holders whose last heartbeat is younger than `within`."""
        since = self.clock() - within
        return {row.holder for row in self._rows().values() if row.heartbeat_at > since}

    async def forget(self, holder: str) -> None:
        """Remove a process that stopped cleanly."""
        self.workspace.table(ProcessRow.__tablename__).pop(holder, None)

    async def forget_dead(self, older_than: timedelta) -> int:
        """Remove processes silent for longer than `older_than`; return how many."""
        cutoff = self.clock() - older_than
        dead = [key for key, row in self._rows().items() if row.heartbeat_at < cutoff]
        for key in dead:
            self.workspace.table(ProcessRow.__tablename__).pop(key, None)
        return len(dead)


class MemoryLeaseRepository(MemoryRepository):
    """Named leases, held until they expire and never taken from a live holder."""

    def _get(self, name: str) -> LeaseRow | None:
        row = self.workspace.table(LeaseRow.__tablename__).get(name)
        return row if isinstance(row, LeaseRow) else None

    async def acquire(self, name: str, holder: str, ttl: timedelta, live: Collection[str]) -> bool:
        """Take (or keep) the lease for `ttl`; True when `holder` holds it now."""
        now = self.clock()
        row = self._get(name)
        if row is None:
            row = LeaseRow(name=name, holder=holder, expires_at=now + ttl)
            self.workspace.table(LeaseRow.__tablename__)[name] = row
        elif row.holder == holder or (row.expires_at <= now and row.holder not in live):
            row.holder, row.expires_at = holder, now + ttl
        return row.holder == holder

    async def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Extend the lease `holder` holds; False when it no longer holds it."""
        row = self._get(name)
        if row is None or row.holder != holder:
            return False
        row.expires_at = self.clock() + ttl
        return True

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up at once, if `holder` holds it."""
        row = self._get(name)
        if row is not None and row.holder == holder:
            self.workspace.table(LeaseRow.__tablename__).pop(name, None)

    async def holder(self, name: str) -> tuple[str, datetime] | None:
        """Who holds the lease and until when, or None."""
        row = self._get(name)
        return None if row is None else (row.holder, row.expires_at)


class MemoryInboxRepository(MemoryRepository):
    """Updates kept until handled, in order per chat (in memory)."""

    def _pending(self) -> list[InboxUpdate]:
        return [row for row in tables.rows(self.workspace, InboxUpdate) if row.status == "pending"]

    async def store(self, updates: Sequence[tuple[int, int, dict[str, Any]]]) -> int:
        """Keep (update id, chat id, payload) triples, skipping ids kept already; how many new."""
        known = {row.update_id for row in tables.rows(self.workspace, InboxUpdate)}
        now, new = self.clock(), 0
        for update_id, chat_id, payload in updates:
            if update_id in known:
                continue
            known.add(update_id)
            tables.add(
                self.workspace, InboxUpdate, update_id=update_id, chat_key=str(chat_id),
                payload_enc=tables.sealed_json(payload), received_at=now, attempts=0,
                next_try_at=now, claimed_by=None, status="pending", last_error=None,
            )  # fmt: skip
            new += 1
        return new

    async def claim(self, holder: str, limit: int, lease: timedelta) -> list[StoredUpdate]:
        """Lease each chat's oldest pending update when no update of that chat is leased."""
        now, heads = self.clock(), dict[str, InboxUpdate]()
        for row in self._pending():
            heads.setdefault(row.chat_key, row)
        due = sorted((r for r in heads.values() if r.next_try_at <= now), key=lambda r: r.id)
        claimed = []
        for row in due[:limit]:
            row.next_try_at, row.claimed_by = now + lease, holder
            payload = tables.opened_json(row.payload_enc)
            claimed.append(StoredUpdate(row.id, row.update_id, payload, row.attempts))
        return claimed

    async def done(self, ids: Collection[int]) -> None:
        """Forget handled updates."""
        for row_id in ids:
            tables.delete(self.workspace, InboxUpdate, row_id)

    async def retry(self, update_row: int, error: str, at: datetime, *, count: bool) -> None:
        """Try again at `at`; `count` the attempt unless the failure was not the update's own."""
        row = tables.get(self.workspace, InboxUpdate, update_row)
        if row is not None:
            row.next_try_at, row.last_error, row.claimed_by = at, error[:100], None
            row.attempts += 1 if count else 0

    async def park(self, update_row: int, error: str) -> None:
        """Set aside an update that keeps failing; its chat's later updates go on."""
        row = tables.get(self.workspace, InboxUpdate, update_row)
        if row is not None:
            row.status, row.last_error, row.claimed_by = "parked", error[:100], None
            row.attempts += 1

    async def count_parked(self) -> int:
        """How many updates are parked."""
        return sum(row.status == "parked" for row in tables.rows(self.workspace, InboxUpdate))

    async def oldest_pending(self) -> datetime | None:
        """When the oldest update still waiting arrived, or None."""
        return min((row.received_at for row in self._pending()), default=None)

    async def release_abandoned(self, live_holders: Collection[str]) -> int:
        """Make updates leased by processes not in `live_holders` due at once; how many."""
        now, released = self.clock(), 0
        for row in self._pending():
            gone = row.claimed_by is not None and row.claimed_by not in live_holders
            if gone and row.next_try_at > now:
                row.next_try_at, row.claimed_by = now, None
                released += 1
        return released


class MemoryHealthRepository(MemoryRepository):
    """The figures `daybreak status` reports (in memory)."""

    def _all(self, model: type[Row]) -> list[Row]:
        rows = self.workspace.table(model.__tablename__).values()
        return [row for row in rows if isinstance(row, model)]

    async def figures(self) -> HealthFigures:
        """Read them now."""
        pending = [m for m in self._all(OutboxMessage) if m.status == "pending"]
        now = self.clock()
        due = [
            i.due_at for i in self._all(ScheduledItem) if i.status == "pending" and i.due_at <= now
        ]
        inbox = self._all(InboxUpdate)
        return HealthFigures(
            last_update_at=max((e.at for e in self._all(InboundEvent)), default=None),
            outbox_pending=len(pending),
            oldest_pending_at=min((m.created_at for m in pending), default=None),
            alerts_pending=sum(
                m.target_kind == "staff" and m.priority == PRIORITY_SAFETY for m in pending
            ),
            oldest_due_at=min(due, default=None),
            inbox_pending=sum(u.status == "pending" for u in inbox),
            inbox_parked=sum(u.status == "parked" for u in inbox),
        )
