"""The in-memory outbox: the same order, leases and results as storage's outbox."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timedelta

from bot.care.messages import OutboxPayload, dump_payload, read_payload
from bot.care.ports import PRIORITY_INTERACTIVE, OutgoingMessage
from storage.memory.repositories import MemoryRepository
from storage.models import OutboxMessage, OutboxSequence
from storage.repositories.outbox import DEFAULT_LEASE


def _order(row: OutboxMessage) -> tuple[int, int]:
    return row.priority, row.seq


class MemoryOutboxRepository(MemoryRepository):
    """Enqueue, claim and settle outgoing messages."""

    def _rows(self) -> list[OutboxMessage]:
        rows = self.workspace.table(OutboxMessage.__tablename__).values()
        return sorted((r for r in rows if isinstance(r, OutboxMessage)), key=lambda r: r.id)

    def _get(self, message_id: int) -> OutboxMessage | None:
        row = self.workspace.table(OutboxMessage.__tablename__).get(message_id)
        return row if isinstance(row, OutboxMessage) else None

    def _next_seq(self, target_key: str) -> int:
        # Per target and inside the transaction, like the SQL sequence table's upsert.
        rows = self.workspace.table(OutboxSequence.__tablename__)
        found = rows.get(target_key)
        if not isinstance(found, OutboxSequence):
            found = rows[target_key] = OutboxSequence(target_key=target_key, last_seq=0)
        found.last_seq += 1
        return found.last_seq

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
        message = self.workspace.insert(
            OutboxMessage,
            patient_id=patient_id,
            target_kind=target_kind,
            target_key=target_key,
            # Memory needs no encryption at rest.
            payload_enc=json.dumps(dump_payload(payload)).encode(),
            priority=priority,
            seq=self._next_seq(target_key),
            attempts=0,
            next_try_at=not_before or now,
            status="pending",
            last_error=None,
            created_at=now,
            sent_at=None,
            telegram_message_id=None,
        )
        return message.id

    async def last_unclaimed(
        self, target_key: str, patient_id: int, priority: int = PRIORITY_INTERACTIVE
    ) -> OutgoingMessage | None:
        """The last pending message at a priority for a target, if unclaimed and the patient's."""
        rows = [
            r
            for r in self._rows()
            if r.target_key == target_key and r.status == "pending" and r.priority == priority
        ]
        if not rows:
            return None
        row = max(rows, key=lambda r: r.seq)
        if row.patient_id != patient_id or row.attempts != 0:
            return None
        return _message(row)

    async def amend_unclaimed(self, message_id: int, payload: OutboxPayload) -> bool:
        """Replace an unclaimed message's payload (coalescing); False if a sender took it."""
        row = self._get(message_id)
        if row is None or row.status != "pending" or row.attempts != 0:
            return False
        row.payload_enc = json.dumps(dump_payload(payload)).encode()
        return True

    def _pending_by_target(self) -> dict[str, list[OutboxMessage]]:
        targets: dict[str, list[OutboxMessage]] = {}
        for row in sorted((r for r in self._rows() if r.status == "pending"), key=_order):
            targets.setdefault(row.target_key, []).append(row)
        return targets

    async def claim_due(
        self,
        limit: int = 50,
        lease: timedelta = DEFAULT_LEASE,
        per_target: int = 1,
        holder: str | None = None,
    ) -> list[OutgoingMessage]:
        """Lease the next deliverable messages, safety first; (priority, seq) order per target."""
        now = self.clock()
        # A target's first pending message in (priority, seq) order blocks the rest of it,
        # even while that message is in backoff or leased.
        heads = [rows for rows in self._pending_by_target().values() if rows[0].next_try_at <= now]
        heads.sort(key=lambda rows: (rows[0].priority, rows[0].id))
        taken: list[OutboxMessage] = []
        for rows in heads[:limit]:
            taken.append(rows[0])
            for row in rows[1:per_target]:
                if row.next_try_at > now:
                    break  # a deferred or leased message keeps everything after it
                taken.append(row)
        for row in taken:
            row.next_try_at, row.attempts = now + lease, row.attempts + 1
            row.claimed_by = holder
        return sorted((_message(r) for r in taken), key=lambda m: (m.priority, m.seq, m.id))

    async def release(self, message_ids: list[int]) -> None:
        """Give back claimed messages that were not tried (due at once, as never claimed)."""
        for message_id in message_ids:
            row = self._get(message_id)
            if row is not None and row.status == "pending":
                row.next_try_at, row.attempts = self.clock(), row.attempts - 1

    async def release_abandoned(self, live_holders: Collection[str]) -> int:
        """Make messages leased by a process not in `live_holders` due at once; return how many.

        Only leases are released: a message with an error is waiting out a backoff, and one
        never tried may be deferred on purpose. A claim that names no holder counts as abandoned.
        """
        now = self.clock()
        leased = [
            r
            for r in self._rows()
            if r.status == "pending"
            and r.next_try_at > now
            and r.attempts > 0
            and r.last_error is None
            and r.claimed_by not in live_holders
        ]
        for row in leased:
            row.next_try_at = now
        return len(leased)

    async def mark_sent(self, message_id: int, telegram_message_id: int | None = None) -> None:
        """Record a delivered message."""
        if (row := self._get(message_id)) is not None:
            row.status, row.sent_at, row.last_error = "sent", self.clock(), None
            row.telegram_message_id = telegram_message_id

    async def mark_failed(
        self, message_id: int, error: str, retry_at: datetime | None = None
    ) -> None:
        """Record a failed attempt: retry at `retry_at`, or give up when it is None."""
        if (row := self._get(message_id)) is None:
            return
        row.last_error = error[:500]
        if retry_at is None:
            row.status = "failed"
        else:
            row.next_try_at = retry_at

    async def park(self, message_id: int, reason: str) -> None:
        """Set a message aside (e.g. the patient blocked the bot) without deleting it."""
        if (row := self._get(message_id)) is not None:
            row.status, row.last_error = "parked", reason[:500]

    async def park_all_for_patient(self, patient_id: int, reason: str) -> int:
        """Park every pending message for a patient; return how many."""
        rows = [r for r in self._rows() if r.patient_id == patient_id and r.status == "pending"]
        for row in rows:
            row.status, row.last_error = "parked", reason[:500]
        return len(rows)

    async def unpark_for_patient(self, patient_id: int) -> int:
        """Make a patient's parked messages deliverable again; return how many."""
        rows = [r for r in self._rows() if r.patient_id == patient_id and r.status == "parked"]
        for row in rows:
            row.status, row.next_try_at = "pending", self.clock()
        return len(rows)

    async def list_for_patient(
        self, patient_id: int, status: str | None = None
    ) -> list[OutgoingMessage]:
        """Return a patient's messages in order, decrypted."""
        return [
            _message(r)
            for r in self._rows()
            if r.patient_id == patient_id and (status is None or r.status == status)
        ]

    async def pending_for_target(self, target_key: str) -> list[OutgoingMessage]:
        """Return a target's pending messages in delivery order (for a single-user terminal)."""
        return [_message(r) for r in self._pending_by_target().get(target_key, [])]

    async def count(self, status: str = "pending", target_key: str | None = None) -> int:
        """Count messages in a status, optionally for one target."""
        return sum(
            1
            for r in self._rows()
            if r.status == status and (target_key is None or r.target_key == target_key)
        )

    async def mark_sent_many(self, sent: list[tuple[int, int | None]]) -> None:
        """Record delivered messages, each (outbox id, Telegram message id)."""
        for message_id, telegram_message_id in sent:
            await self.mark_sent(message_id, telegram_message_id)


def _message(row: OutboxMessage) -> OutgoingMessage:
    payload = read_payload(json.loads(row.payload_enc))
    return OutgoingMessage(
        id=row.id,
        patient_id=row.patient_id,
        target_kind=row.target_kind,
        target_key=row.target_key,
        payload=payload,
        priority=row.priority,
        seq=row.seq,
        attempts=row.attempts,
        status=row.status,
        created_at=row.created_at,
    )
