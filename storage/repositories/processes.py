"""The process registry and named leases (SQL)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa

from storage.models import LeaseRow, ProcessRow
from storage.repositories.base import Repository


class ProcessRepository(Repository):
    """Register, heartbeat and list the processes on this database."""

    async def heartbeat(self, holder: str, role: str) -> None:
        """Record that `holder` (in `role`) is alive now; the first beat registers it."""
        now = self.clock()
        stmt = (
            self.insert(ProcessRow)
            .values(holder=holder, role=role, started_at=now, heartbeat_at=now)
            .on_conflict_do_update(
                index_elements=["holder"], set_={"heartbeat_at": now, "role": role}
            )
        )
        await self.session.execute(stmt)

    async def live_holders(self, within: timedelta) -> set[str]:
        """The holders whose last heartbeat is younger than `within`."""
        stmt = sa.select(ProcessRow.holder).where(ProcessRow.heartbeat_at > self.clock() - within)
        return set((await self.session.scalars(stmt)).all())

    async def forget(self, holder: str) -> None:
        """Remove a process that stopped cleanly."""
        await self.session.execute(sa.delete(ProcessRow).where(ProcessRow.holder == holder))

    async def forget_dead(self, older_than: timedelta) -> int:
        """Remove processes silent for longer than `older_than`; return how many."""
        stmt = sa.delete(ProcessRow).where(ProcessRow.heartbeat_at < self.clock() - older_than)
        return int(getattr(await self.session.execute(stmt), "rowcount", 0))


class LeaseRepository(Repository):
    """Named leases, held until they expire and never taken from a live holder."""

    async def acquire(self, name: str, holder: str, ttl: timedelta, live: Collection[str]) -> bool:
        """Take (or keep) the lease for `ttl`; True when `holder` holds it now."""
        now = self.clock()
        fresh = self.insert(LeaseRow).values(name=name, holder=holder, expires_at=now + ttl)
        await self.session.execute(fresh.on_conflict_do_nothing(index_elements=["name"]))
        others = [h for h in live if h != holder]
        # One statement, so two standbys racing for a dead holder's lease cannot both win:
        # PostgreSQL re-checks the condition on the row the first winner wrote.
        takeable = sa.or_(
            LeaseRow.holder == holder,
            sa.and_(LeaseRow.expires_at <= now, LeaseRow.holder.not_in(others)),
        )
        stmt = (
            sa.update(LeaseRow)
            .where(LeaseRow.name == name, takeable)
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(stmt)
        return await self._holder_name(name) == holder

    async def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Extend the lease `holder` holds; False when it no longer holds it."""
        stmt = (
            sa.update(LeaseRow)
            .where(LeaseRow.name == name, LeaseRow.holder == holder)
            .values(expires_at=self.clock() + ttl)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(await self.session.execute(stmt), "rowcount", 0)) > 0

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up at once, if `holder` holds it."""
        where = sa.and_(LeaseRow.name == name, LeaseRow.holder == holder)
        await self.session.execute(sa.delete(LeaseRow).where(where))

    async def holder(self, name: str) -> tuple[str, datetime] | None:
        """Who holds the lease and until when, or None."""
        stmt = sa.select(LeaseRow.holder, LeaseRow.expires_at).where(LeaseRow.name == name)
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row.holder, row.expires_at)

    async def _holder_name(self, name: str) -> str | None:
        found = await self.holder(name)
        return None if found is None else found[0]
