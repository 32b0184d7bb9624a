"""Alerts, adverse events and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.models import AdverseEvent, Alert, AuditEntry
from storage.repositories.base import Repository


class AlertRepository(Repository):
    """Risk alerts for helpers; `detail` must hold no free text."""

    async def open(
        self, patient_id: int | None, reason: str, level: str, detail: dict[str, Any] | None = None
    ) -> Alert:
        """Open a new alert."""
        alert = Alert(
            patient_id=patient_id,
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


class AdverseEventRepository(Repository):
    """The adverse-event log."""

    async def record(
        self, patient_id: int, trigger: str, response: str, detail: dict[str, Any] | None = None
    ) -> AdverseEvent:
        """Log a safety event and the programme's response."""
        event = AdverseEvent(
            patient_id=patient_id,
            trigger=trigger,
            response=response,
            detail=detail or {},
            at=self.clock(),
        )
        self.session.add(event)
        await self.session.flush()
        return event

    async def list_for_patient(self, patient_id: int) -> list[AdverseEvent]:
        """Return a patient's adverse events, oldest first."""
        stmt = sa.select(AdverseEvent).where(AdverseEvent.patient_id == patient_id)
        return list((await self.session.scalars(stmt.order_by(AdverseEvent.id))).all())


class AuditRepository(Repository):
    """Append-only audit log."""

    async def append(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record who (staff alias, 'system', 'patient:<pseudonym>') did what to whom."""
        self.session.add(
            AuditEntry(at=self.clock(), actor=actor, action=action, target=target,
                       detail=detail or {})
        )  # fmt: skip
        await self.session.flush()

    async def list(self, target: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        """Return the latest entries (oldest first), optionally about one pseudonym."""
        stmt = sa.select(AuditEntry)
        if target is not None:
            stmt = stmt.where(AuditEntry.target == target)
        rows = (await self.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit))).all()
        return list(reversed(rows))
