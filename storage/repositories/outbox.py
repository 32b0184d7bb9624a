"""The outbox: messages committed with the state change that caused them, delivered later."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from bot.care.messages import OutboxPayload, dump_payload, read_payload
from bot.care.ports import PRIORITY_INTERACTIVE, OutgoingMessage
from storage.models import OutboxMessage, OutboxSequence
from storage.repositories.base import EncryptedRepository, dialect_insert

PAYLOAD = "outbox.payload"
DEFAULT_LEASE = timedelta(seconds=60)
OUTBOX: sa.Table = OutboxMessage.__table__  # type: ignore[assignment]
# Statements on the reply path are built once, not per message: building one (coercing every
# value) cost more CPU than running it. A plain insert on the table, not an ORM object: nothing
# reads the row back in the unit of work, and the ORM's flush cost as much as the rest of a reply.
_ENQUEUE = sa.insert(OUTBOX).returning(OUTBOX.c.id)


@cache
def _bump_seq(dialect_name: str) -> Any:
    # An upsert bumps the counter atomically; on PostgreSQL the row lock it takes also
    # serialises concurrent producers for the same target until they commit.
    return (
        dialect_insert(dialect_name, OutboxSequence)
        .values(target_key=sa.bindparam("target_key"), last_seq=1)
        .on_conflict_do_update(
            index_elements=["target_key"], set_={"last_seq": OutboxSequence.last_seq + 1}
        )
        .returning(OutboxSequence.last_seq)
    )


class OutboxRepository(EncryptedRepository):
    """Enqueue, claim and settle outgoing messages."""

    async def enqueue(
        self,
        *,
        target_kind: str,
        target_key: str,
        payload: OutboxPayload,
        priority: int = PRIORITY_INTERACTIVE,
        patient_id: int | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Queue a message for a target (e.g. 'patient:12', 'staff:-100:7'); return its id."""
        now = self.clock()
        row = {
            "patient_id": patient_id,
            "target_kind": target_kind,
            "target_key": target_key,
            # The whole payload is sealed: message text may carry the patient's own words.
            "payload_enc": self.cipher.encrypt_json(dump_payload(payload), PAYLOAD),
            "priority": priority,
            "seq": await self._next_seq(target_key),
            "attempts": 0,
            "next_try_at": not_before or now,
            "status": "pending",
            "created_at": now,
        }
        return int((await self.session.execute(_ENQUEUE, row)).scalar_one())

    async def last_unclaimed(
        self, target_key: str, patient_id: int, priority: int = PRIORITY_INTERACTIVE
    ) -> OutgoingMessage | None:
        """The last pending message at a priority for a target, if unclaimed and the patient's."""
        latest = (
            sa.select(*OutboxMessage.__table__.c)
            .where(
                OutboxMessage.target_key == target_key,
                OutboxMessage.status == "pending",
                OutboxMessage.priority == priority,
            )
            .order_by(OutboxMessage.seq.desc())
            .limit(1)
        )
        row = (await self.session.execute(latest)).mappings().first()
        if row is None or row["patient_id"] != patient_id or row["attempts"] != 0:
            return None
        return self._message(row)

    async def amend_unclaimed(self, message_id: int, payload: OutboxPayload) -> bool:
        """Replace an unclaimed message's payload (coalescing); False if a sender took it."""
        # attempts == 0 means no claim yet; a claim bumps it, so a racing claim makes this a
        # no-op (PostgreSQL re-checks the condition after waiting for the claim's row lock).
        where = sa.and_(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            OutboxMessage.attempts == 0,
        )
        sealed = self.cipher.encrypt_json(dump_payload(payload), PAYLOAD)
        return await self._set(where, payload_enc=sealed) > 0

    async def _next_seq(self, target_key: str) -> int:
        stmt = _bump_seq(self.dialect_name)
        return int((await self.session.execute(stmt, {"target_key": target_key})).scalar_one())

    async def claim_due(
        self,
        limit: int = 50,
        lease: timedelta = DEFAULT_LEASE,
        per_target: int = 1,
        holder: str | None = None,
    ) -> list[OutgoingMessage]:
        """Lease the next deliverable messages, safety first; in (priority, seq) order per target.

        Each target's first pending message is taken when it is due, followed by up to
        `per_target - 1` of the target's next pending messages while each is due too (the
        sender delivers them one after another). `limit` bounds how many targets are served.
        `holder` (the claiming process) is stamped on each claimed row.
        """
        now = self.clock()
        earlier = aliased(OutboxMessage)
        # Per target, messages go in (priority, seq) order: a message waits while any
        # pending message for its target sorts before it, including one in backoff or leased.
        blocked = sa.exists().where(
            earlier.target_key == OutboxMessage.target_key,
            earlier.status == "pending",
            sa.or_(
                earlier.priority < OutboxMessage.priority,
                sa.and_(
                    earlier.priority == OutboxMessage.priority, earlier.seq < OutboxMessage.seq
                ),
            ),
        )
        candidates = (
            sa.select(OutboxMessage.id, OutboxMessage.target_key)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_try_at <= now, ~blocked)
            .order_by(OutboxMessage.priority, OutboxMessage.id)
            .limit(limit)
        )
        if self.dialect_name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        heads = (await self.session.execute(candidates)).all()
        if not heads:
            return []
        rows = await self._lease([row.id for row in heads], now + lease, now, holder)
        claimed = {row["target_key"]: row["id"] for row in rows}
        if per_target > 1 and claimed:
            # Followers only of heads this claim won: another sender's head keeps its target.
            followers = await self._followers(claimed, per_target, now)
            rows += await self._lease(followers, now + lease, now, holder)
        messages = [self._message(row) for row in rows]
        return sorted(messages, key=lambda m: (m.priority, m.seq, m.id))

    async def _lease(
        self, ids: list[int], until: datetime, now: datetime, holder: str | None
    ) -> list[Any]:
        """Lease the rows still due; the rows this claim won (with their columns)."""
        if not ids:
            return []
        # The lease (next_try_at in the future) hides the rows from other senders; if this
        # sender dies, they become due again and are retried. The UPDATE checks the row is
        # still due: on SQLite the SELECT before it held no lock, and another process may have
        # claimed the row in between (PostgreSQL's SKIP LOCKED rows are locked already).
        stmt = (
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.status == "pending",
                OutboxMessage.next_try_at <= now,
            )
            .values(next_try_at=until, attempts=OutboxMessage.attempts + 1, claimed_by=holder)
            .returning(*OutboxMessage.__table__.c)
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.execute(stmt)).mappings().all())

    async def _followers(self, heads: dict[str, int], per_target: int, now: datetime) -> list[int]:
        """The ids after each target's head, in order, while each is due (not deferred)."""
        stmt = (
            sa.select(OutboxMessage.id, OutboxMessage.target_key, OutboxMessage.next_try_at)
            .where(OutboxMessage.target_key.in_(heads), OutboxMessage.status == "pending")
            .order_by(OutboxMessage.target_key, OutboxMessage.priority, OutboxMessage.seq)
        )
        if self.dialect_name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        taken: dict[str, int] = {}
        stopped: set[str] = set()
        found: list[int] = []
        for row in (await self.session.execute(stmt)).all():
            key = row.target_key
            if key in stopped:
                continue
            if key not in taken:  # the head comes first in the target's order
                if row.id != heads[key]:
                    stopped.add(key)
                    continue
                taken[key] = 1
                continue
            if taken[key] >= per_target or row.next_try_at > now:
                stopped.add(key)  # a deferred or leased message keeps everything after it
                continue
            taken[key] += 1
            found.append(row.id)
        return found

    async def release(self, message_ids: list[int]) -> None:
        """Give back claimed messages that were not tried (due at once, as never claimed)."""
        if message_ids:
            await self._set(
                sa.and_(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "pending"),
                next_try_at=self.clock(),
                attempts=OutboxMessage.attempts - 1,
            )

    async def release_abandoned(self, live_holders: Collection[str]) -> int:
        """Make messages leased by a process not in `live_holders` due at once; return how many.

        Only leases are released: a message with an error is waiting out a backoff, and one
        never tried may be deferred on purpose. A claim that names no holder counts as abandoned.
        """
        now = self.clock()
        abandoned: sa.ColumnElement[bool] = OutboxMessage.claimed_by.is_(None)
        if live_holders:
            abandoned = sa.or_(abandoned, OutboxMessage.claimed_by.not_in(list(live_holders)))
        where = sa.and_(
            OutboxMessage.status == "pending",
            OutboxMessage.next_try_at > now,
            OutboxMessage.attempts > 0,
            OutboxMessage.last_error.is_(None),
            abandoned,
        )
        return await self._set(where, next_try_at=now)

    def _message(self, row: Any) -> OutgoingMessage:
        return OutgoingMessage(
            id=row["id"],
            patient_id=row["patient_id"],
            target_kind=row["target_kind"],
            target_key=row["target_key"],
            payload=read_payload(self.cipher.decrypt_json(row["payload_enc"], PAYLOAD)),
            priority=row["priority"],
            seq=row["seq"],
            attempts=row["attempts"],
            status=row["status"],
            created_at=row["created_at"],
        )

    async def _set(self, where: Any, **values: Any) -> int:
        stmt = (
            sa.update(OutboxMessage)
            .where(where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0))

    async def mark_sent(self, message_id: int, telegram_message_id: int | None = None) -> None:
        """Record a delivered message."""
        await self._set(
            OutboxMessage.id == message_id,
            status="sent",
            sent_at=self.clock(),
            telegram_message_id=telegram_message_id,
            last_error=None,
        )

    async def mark_failed(
        self, message_id: int, error: str, retry_at: datetime | None = None
    ) -> None:
        """Record a failed attempt: retry at `retry_at`, or give up when it is None."""
        # Errors are truncated and must not carry message text: callers pass error codes.
        values: dict[str, Any] = {"last_error": error[:500]}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["next_try_at"] = retry_at
        await self._set(OutboxMessage.id == message_id, **values)

    async def park(self, message_id: int, reason: str) -> None:
        """Set a message aside (e.g. the patient blocked the bot) without deleting it."""
        await self._set(OutboxMessage.id == message_id, status="parked", last_error=reason[:500])

    async def park_all_for_patient(self, patient_id: int, reason: str) -> int:
        """Park every pending message for a patient; return how many."""
        where = sa.and_(OutboxMessage.patient_id == patient_id, OutboxMessage.status == "pending")
        return await self._set(where, status="parked", last_error=reason[:500])

    async def unpark_for_patient(self, patient_id: int) -> int:
        """Make a patient's parked messages deliverable again; return how many."""
        where = sa.and_(OutboxMessage.patient_id == patient_id, OutboxMessage.status == "parked")
        return await self._set(where, status="pending", next_try_at=self.clock())

    async def list_for_patient(
        self, patient_id: int, status: str | None = None
    ) -> list[OutgoingMessage]:
        """Return a patient's messages in order, decrypted."""
        stmt = sa.select(*OutboxMessage.__table__.c).where(OutboxMessage.patient_id == patient_id)
        if status is not None:
            stmt = stmt.where(OutboxMessage.status == status)
        stmt = stmt.order_by(OutboxMessage.id)
        return [self._message(row) for row in (await self.session.execute(stmt)).mappings()]

    async def pending_for_target(self, target_key: str) -> list[OutgoingMessage]:
        """Return a target's pending messages in delivery order (for a single-user terminal)."""
        stmt = (
            sa.select(*OutboxMessage.__table__.c)
            .where(OutboxMessage.target_key == target_key, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.priority, OutboxMessage.seq)
        )
        return [self._message(row) for row in (await self.session.execute(stmt)).mappings()]

    async def count(self, status: str = "pending", target_key: str | None = None) -> int:
        """Count messages in a status, optionally for one target."""
        stmt = sa.select(sa.func.count()).where(OutboxMessage.status == status)
        if target_key is not None:
            stmt = stmt.where(OutboxMessage.target_key == target_key)
        return int(await self.session.scalar(stmt) or 0)

    async def mark_sent_many(self, sent: list[tuple[int, int | None]]) -> None:
        """Record delivered messages, each (outbox id, Telegram message id), in one statement."""
        if not sent:
            return
        stmt = (
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == sa.bindparam("sent_id"))
            .values(
                status="sent",
                sent_at=self.clock(),
                telegram_message_id=sa.bindparam("telegram_id"),
                last_error=None,
            )
        )
        # Many parameter sets make one executemany: a round trip per batch, not per message (on
        # the connection: the session's bulk UPDATE would want primary keys, not a WHERE clause).
        connection = await self.session.connection()
        await connection.execute(stmt, [{"sent_id": i, "telegram_id": t} for i, t in sent])
