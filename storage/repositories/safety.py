"""Alerts (opened, acknowledged, resolved) and the audit log; adverse events are next door."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.care.ports import UNRESOLVED
from storage.audit_chain import CHAIN_LOCK, chain_onto_previous, seal
from storage.crypto import FieldCipher
from storage.models import Alert, AuditEntry, Patient
from storage.repositories.adverse_events import AdverseEventRepository
from storage.repositories.base import Clock, EncryptedRepository, Repository, utcnow

ALERT_NOTE = "alerts.resolution_note"
ACTOR_PURPOSE = "audit.actor"
ACTOR_HASH_LENGTH = 32  # 128 bits: no collisions in practice, and fits the actor column


class AlertRepository(Repository):
    """Risk alerts for helpers; `detail` holds no free text, the resolution note is encrypted."""

    # Not an EncryptedRepository: its `open` decrypts, and here `open` opens an alert.
    def __init__(self, session: AsyncSession, cipher: FieldCipher, clock: Clock = utcnow) -> None:
        """Bind to one session, the field cipher (for the note) and a clock."""
        super().__init__(session, clock)
        self.cipher = cipher

    async def open(
        self,
        patient_id: int | None,
        reason: str,
        level: str,
        detail: dict[str, Any] | None = None,
        *,
        adverse_event_id: int | None = None,
    ) -> Alert:
        """Open a new alert (part of a safety event when `adverse_event_id` is given)."""
        patient = await self.session.get(Patient, patient_id) if patient_id is not None else None
        alert = Alert(
            patient_id=patient_id,
            pseudonym=patient.pseudonym if patient else None,
            adverse_event_id=adverse_event_id,
            reason=reason,
            level=level,
            detail=detail or {},
            status="open",
            created_at=self.clock(),
        )
        self.session.add(alert)
        await self.session.flush()
        return alert

    async def get(self, alert_id: int) -> Alert | None:
        """Return an alert by id."""
        return await self.session.get(Alert, alert_id)

    async def acknowledge(self, alert_id: int, by: str) -> bool:
        """Mark an open alert acknowledged by a staff alias; False if it was not open."""
        stmt = (
            sa.update(Alert)
            .where(Alert.id == alert_id, Alert.status == "open")
            .values(status="acknowledged", acknowledged_by=by, acknowledged_at=self.clock())
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(await self.session.execute(stmt), "rowcount", 0)) > 0

    async def resolve(
        self, alert_id: int, by: str, resolution: str, note: str | None = None
    ) -> bool:
        """Resolve an unresolved alert with an outcome (acknowledging it too if nobody had)."""
        now = self.clock()
        values: dict[str, Any] = {
            "status": "resolved", "resolved_by": by, "resolved_at": now, "resolution": resolution,
        }  # fmt: skip
        if note is not None:
            values["resolution_note_enc"] = self.cipher.encrypt_text(note, ALERT_NOTE)
        # The status condition makes a second helper's press a no-op, even at the same moment.
        resolved = await self._update(Alert.status.in_(UNRESOLVED), alert_id, values)
        if resolved:
            acknowledged = {"acknowledged_by": by, "acknowledged_at": now}
            await self._update(Alert.acknowledged_by.is_(None), alert_id, acknowledged)
        return resolved

    async def _update(self, condition: Any, alert_id: int, values: dict[str, Any]) -> bool:
        stmt = (
            sa.update(Alert)
            .where(Alert.id == alert_id, condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        changed = int(getattr(await self.session.execute(stmt), "rowcount", 0)) > 0
        if changed:  # an Alert already loaded in this unit of work shows the new values
            await self.session.get(Alert, alert_id, populate_existing=True)
        return changed

    async def set_note(self, alert_id: int, note: str | None) -> None:
        """Keep (or, with None, erase) the helper's note on how an alert ended."""
        token = None if note is None else self.cipher.encrypt_text(note, ALERT_NOTE)
        await self._update(sa.true(), alert_id, {"resolution_note_enc": token})

    def note(self, alert: Alert) -> str | None:
        """The helper's note on an alert, decrypted."""
        token = alert.resolution_note_enc
        return None if token is None else self.cipher.decrypt_text(token, ALERT_NOTE)

    async def unresolved_for(self, patient_id: int) -> bool:
        """Does this patient have a safety alert (one of an adverse event) nobody resolved yet?"""
        stmt = sa.select(Alert.id).where(
            Alert.patient_id == patient_id,
            Alert.adverse_event_id.is_not(None),
            Alert.status.in_(UNRESOLVED),
        )
        return (await self.session.scalar(stmt.limit(1))) is not None

    async def list_unresolved(self) -> list[Alert]:
        """Open and acknowledged alerts, oldest first."""
        stmt = sa.select(Alert).where(Alert.status.in_(UNRESOLVED)).order_by(Alert.id)
        return list((await self.session.scalars(stmt)).all())

    async def count_unresolved(self, patient_id: int) -> int:
        """How many of a patient's alerts are open or acknowledged."""
        stmt = sa.select(sa.func.count()).where(
            Alert.patient_id == patient_id, Alert.status.in_(UNRESOLVED)
        )
        return int(await self.session.scalar(stmt) or 0)

    async def list_for_event(self, event_id: int) -> list[Alert]:
        """The alerts of one safety event, oldest first."""
        stmt = sa.select(Alert).where(Alert.adverse_event_id == event_id).order_by(Alert.id)
        return list((await self.session.scalars(stmt)).all())

    async def close(self, alert_id: int) -> None:
        """Close an alert."""
        stmt = sa.update(Alert).where(Alert.id == alert_id).values(status="closed")
        await self.session.execute(stmt.execution_options(synchronize_session="fetch"))

    async def mark_reposted(self, alert_id: int) -> None:
        """Record that an unacknowledged alert was posted again."""
        stmt = sa.update(Alert).where(Alert.id == alert_id).values(reposted_at=self.clock())
        await self.session.execute(stmt.execution_options(synchronize_session="fetch"))

    async def list_open(self, patient_id: int | None = None) -> list[Alert]:
        """Return open alerts, oldest first."""
        stmt = sa.select(Alert).where(Alert.status == "open")
        if patient_id is not None:
            stmt = stmt.where(Alert.patient_id == patient_id)
        return list((await self.session.scalars(stmt.order_by(Alert.id))).all())

    async def unacknowledged_since(self, before: datetime) -> list[Alert]:
        """Return open alerts last posted before `before` (due for a repost)."""
        last_posted = sa.func.coalesce(Alert.reposted_at, Alert.created_at)
        stmt = sa.select(Alert).where(Alert.status == "open", last_posted < before)
        return list((await self.session.scalars(stmt.order_by(Alert.id))).all())

    async def list_for_patient(self, patient_id: int) -> list[Alert]:
        """Return every alert about a patient."""
        stmt = sa.select(Alert).where(Alert.patient_id == patient_id).order_by(Alert.id)
        return list((await self.session.scalars(stmt)).all())


class AuditRepository(EncryptedRepository):
    """Append-only audit log, sealed in a hash chain; patients appear by audit reference only."""

    async def append(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record who (staff alias, 'system', 'patient:<pseudonym>') did what to whom."""
        if self.dialect_name == "postgresql":  # SQLite's write lock already serialises appends
            await self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK)))
        entry = AuditEntry(
            at=self.clock(),
            actor=await self._actor(actor),
            action=action,
            target=await self._reference(target),
            # Stored as JSON gives it back, so the seal covers what a later read will see.
            detail=json.loads(json.dumps(detail or {})),
        )
        self.session.add(entry)
        await self.session.flush()  # the id, and (SQLite) the write lock, before chaining
        entry.prev_hash = await chain_onto_previous(self.session, self.cipher, entry.id)
        entry.row_hash = seal(self.cipher, entry.prev_hash, entry)
        await self.session.flush()

    def keyed_actor(self, role: str, messenger: str, external_id: str | int) -> str:
        """Name someone outside the programme by a keyed hash of their account, never the id."""
        digest = self.cipher.blind_index(f"{messenger}:{external_id}", ACTOR_PURPOSE)
        return f"{role}:{digest[:ACTOR_HASH_LENGTH]}"

    async def list(self, target: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        """Return the latest entries (oldest first), optionally about one pseudonym."""
        stmt = sa.select(AuditEntry)
        if target is not None:
            reference = await self._reference(target, create=False)
            if reference is None:
                return []
            stmt = stmt.where(AuditEntry.target == reference)
        rows = (await self.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit))).all()
        return list(reversed(rows))

    async def _actor(self, actor: str) -> str:
        role, _, pseudonym = actor.partition(":")
        if role != "patient" or not pseudonym:
            return actor
        reference = await self._reference(pseudonym)
        return "patient" if reference is None else f"patient:{reference}"

    async def _reference(self, pseudonym: str | None, *, create: bool = True) -> str | None:
        if pseudonym is None:
            return None
        patient = await self.session.scalar(
            sa.select(Patient).where(Patient.pseudonym == pseudonym)
        )
        if patient is None:
            return None  # someone already forgotten stays unnamed
        if patient.audit_ref is None and create:
            patient.audit_ref = new_audit_reference()
            await self.session.flush()
        return patient.audit_ref


def new_audit_reference() -> str:
    """A random reference for the audit log: it says nothing about the person it stands for."""
    return secrets.token_hex(8)


__all__ = ["AdverseEventRepository", "AlertRepository", "AuditRepository"]
