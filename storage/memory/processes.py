"""In-memory process registry and named leases."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from storage.memory.repositories import MemoryRepository
from storage.models import LeaseRow, ProcessRow


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
