"""The process registry, named leases and the inbox of updates (SQL)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.care.ports import PRIORITY_SAFETY, HealthFigures, StoredUpdate
from storage.models import (
    InboundEvent,
    InboxUpdate,
    LeaseRow,
    OutboxMessage,
    ProcessRow,
    ScheduledItem,
)
from storage.repositories.base import EncryptedRepository, Repository


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


INBOX_PAYLOAD = "inbox_updates.payload"
INBOX_CHAT = "inbox_updates.chat"


class InboxRepository(EncryptedRepository):
    """Updates stored on arrival (encrypted, the chat as a keyed hash) until handled (SQL)."""

    async def store(self, updates: Sequence[tuple[int, int, dict[str, Any]]]) -> int:
        """Keep (update id, chat id, payload) triples, skipping ids kept already; how many new."""
        if not updates:
            return 0
        now = self.clock()
        rows = [
            {
                "update_id": update_id,
                "chat_key": self.cipher.blind_index(str(chat_id), INBOX_CHAT),
                "payload_enc": self.cipher.encrypt_json(payload, INBOX_PAYLOAD),
                "received_at": now,
                "attempts": 0,
                "next_try_at": now,
                "status": "pending",
            }
            for update_id, chat_id, payload in updates
        ]
        stmt = self.insert(InboxUpdate).values(rows).on_conflict_do_nothing()
        result = await self.session.execute(stmt.returning(InboxUpdate.id))
        return len(result.all())

    async def claim(self, holder: str, limit: int, lease: timedelta) -> list[StoredUpdate]:
        """Lease each chat's oldest pending update when no update of that chat is leased."""
        now = self.clock()
        heads = (
            sa.select(sa.func.min(InboxUpdate.id))
            .where(InboxUpdate.status == "pending")
            .group_by(InboxUpdate.chat_key)
        )
        due = (
            sa.select(InboxUpdate.id)
            .where(InboxUpdate.id.in_(heads), InboxUpdate.next_try_at <= now)
            .order_by(InboxUpdate.id)
            .limit(limit)
        )
        if self.dialect_name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list((await self.session.scalars(due)).all())
        if not ids:
            return []
        # The UPDATE re-checks the lease: on SQLite the SELECT above locked nothing.
        stmt = (
            sa.update(InboxUpdate)
            .where(InboxUpdate.id.in_(ids), InboxUpdate.next_try_at <= now)
            .values(next_try_at=now + lease, claimed_by=holder)
            .returning(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.payload_enc,
                       InboxUpdate.attempts)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        rows = (await self.session.execute(stmt)).all()
        claimed = [
            StoredUpdate(row.id, row.update_id, self._payload(row.payload_enc), row.attempts)
            for row in rows
        ]
        return sorted(claimed, key=lambda update: update.id)

    def _payload(self, token: bytes) -> dict[str, Any]:
        payload: dict[str, Any] = self.cipher.decrypt_json(token, INBOX_PAYLOAD)
        return payload

    async def done(self, ids: Collection[int]) -> None:
        """Forget handled updates."""
        if ids:
            await self.session.execute(sa.delete(InboxUpdate).where(InboxUpdate.id.in_(ids)))

    async def retry(self, update_row: int, error: str, at: datetime, *, count: bool) -> None:
        """Try again at `at`; `count` the attempt unless the failure was not the update's own."""
        values: dict[str, Any] = {"next_try_at": at, "last_error": error[:100], "claimed_by": None}
        if count:
            values["attempts"] = InboxUpdate.attempts + 1
        await self.session.execute(
            sa.update(InboxUpdate).where(InboxUpdate.id == update_row).values(**values)
        )

    async def park(self, update_row: int, error: str) -> None:
        """Set aside an update that keeps failing; its chat's later updates go on."""
        stmt = (
            sa.update(InboxUpdate)
            .where(InboxUpdate.id == update_row)
            .values(status="parked", last_error=error[:100], claimed_by=None,
                    attempts=InboxUpdate.attempts + 1)
        )  # fmt: skip
        await self.session.execute(stmt)

    async def count_parked(self) -> int:
        """How many updates are parked."""
        stmt = sa.select(sa.func.count()).where(InboxUpdate.status == "parked")
        return int((await self.session.execute(stmt)).scalar_one())

    async def oldest_pending(self) -> datetime | None:
        """When the oldest update still waiting arrived, or None."""
        stmt = sa.select(sa.func.min(InboxUpdate.received_at)).where(
            InboxUpdate.status == "pending"
        )
        return (await self.session.execute(stmt)).scalar_one()

    async def release_abandoned(self, live_holders: Collection[str]) -> int:
        """Make updates leased by processes not in `live_holders` due at once; how many."""
        now = self.clock()
        abandoned: sa.ColumnElement[bool] = InboxUpdate.claimed_by.is_not(None)
        if live_holders:
            abandoned = sa.and_(abandoned, InboxUpdate.claimed_by.not_in(list(live_holders)))
        stmt = (
            sa.update(InboxUpdate)
            .where(InboxUpdate.status == "pending", InboxUpdate.next_try_at > now, abandoned)
            .values(next_try_at=now, claimed_by=None)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0))


class HealthRepository(Repository):
    """The figures `daybreak status` and `/healthz` report (SQL)."""

    async def figures(self) -> HealthFigures:
        """Read them now: a handful of aggregate queries over indexed columns."""
        pending = OutboxMessage.status == "pending"
        outbox = (
            await self.session.execute(
                sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(pending)
            )
        ).one()
        alerts = sa.select(sa.func.count()).where(
            pending,
            OutboxMessage.target_kind == "staff",
            OutboxMessage.priority == PRIORITY_SAFETY,
        )
        due = sa.select(sa.func.min(ScheduledItem.due_at)).where(
            ScheduledItem.status == "pending", ScheduledItem.due_at <= self.clock()
        )
        inbox = sa.select(InboxUpdate.status, sa.func.count()).group_by(InboxUpdate.status)
        by_status = {status: count for status, count in (await self.session.execute(inbox)).all()}
        return HealthFigures(
            last_update_at=await self.session.scalar(sa.select(sa.func.max(InboundEvent.at))),
            outbox_pending=int(outbox[0]),
            oldest_pending_at=outbox[1],
            alerts_pending=int(await self.session.scalar(alerts) or 0),
            oldest_due_at=await self.session.scalar(due),
            inbox_pending=int(by_status.get("pending", 0)),
            inbox_parked=int(by_status.get("parked", 0)),
        )
