"""In-memory alerts, the adverse-event log and the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from bot.care.ports import UNRESOLVED, EventSummary, Grade
from storage.memory.repositories import MemoryRepository
from storage.memory.store import Workspace
from storage.memory.tables import add, get, rows, stored_json
from storage.models import AdverseEvent, Alert, AuditEntry, Patient
from storage.repositories.adverse_events import JoinsOneEvent
from storage.repositories.adverse_events import _summary as summary
from storage.repositories.base import Clock
from storage.repositories.safety import ACTOR_HASH_LENGTH, ACTOR_PURPOSE, new_audit_reference

# Memory keeps nothing at rest; a key per process still keeps ids out of what tests read.
_MEMORY_ACTOR_KEY = secrets.token_bytes(32)


def _pseudonym(workspace: Workspace, patient_id: int | None) -> str | None:
    patient = None if patient_id is None else get(workspace, Patient, patient_id)
    return None if patient is None else patient.pseudonym


class MemoryAlertRepository(MemoryRepository):
    """Risk alerts for helpers: opened, acknowledged, resolved."""

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
        return add(
            self.workspace,
            Alert,
            patient_id=patient_id,
            pseudonym=_pseudonym(self.workspace, patient_id),
            adverse_event_id=adverse_event_id,
            reason=reason,
            level=level,
            detail=stored_json(detail or {}),
            status="open",
            created_at=self.clock(),
        )

    async def get(self, alert_id: int) -> Alert | None:
        """Return an alert by id."""
        return get(self.workspace, Alert, alert_id)

    async def acknowledge(self, alert_id: int, by: str) -> bool:
        """Mark an open alert acknowledged by a staff alias; False if it was not open."""
        alert = await self.get(alert_id)
        if alert is None or alert.status != "open":
            return False
        alert.status = "acknowledged"
        alert.acknowledged_by, alert.acknowledged_at = by, self.clock()
        return True

    async def resolve(
        self, alert_id: int, by: str, resolution: str, note: str | None = None
    ) -> bool:
        """Resolve an unresolved alert with an outcome (acknowledging it too if nobody had)."""
        alert = await self.get(alert_id)
        if alert is None or alert.status not in UNRESOLVED:
            return False  # a second helper's press changes nothing
        now = self.clock()
        alert.status, alert.resolved_by, alert.resolved_at = "resolved", by, now
        alert.resolution = resolution
        if note is not None:
            alert.resolution_note_enc = note.encode()
        if alert.acknowledged_by is None:
            alert.acknowledged_by, alert.acknowledged_at = by, now
        return True

    async def set_note(self, alert_id: int, note: str | None) -> None:
        """Keep (or, with None, erase) the helper's note on how an alert ended."""
        if (alert := await self.get(alert_id)) is not None:
            alert.resolution_note_enc = None if note is None else note.encode()

    def note(self, alert: Alert) -> str | None:
        """The helper's note on an alert."""
        token = alert.resolution_note_enc
        return None if token is None else token.decode()

    def _all(self) -> list[Alert]:
        return rows(self.workspace, Alert)

    async def unresolved_for(self, patient_id: int) -> bool:
        """Does this patient have a safety alert (one of an adverse event) nobody resolved yet?"""
        return any(
            a.patient_id == patient_id and a.adverse_event_id is not None and a.status in UNRESOLVED
            for a in self._all()
        )

    async def list_unresolved(self) -> list[Alert]:
        """Open and acknowledged alerts, oldest first."""
        return [a for a in self._all() if a.status in UNRESOLVED]

    async def count_unresolved(self, patient_id: int) -> int:
        """How many of a patient's alerts are open or acknowledged."""
        return sum(1 for a in self._all() if a.patient_id == patient_id and a.status in UNRESOLVED)

    async def list_for_event(self, event_id: int) -> list[Alert]:
        """The alerts of one safety event, oldest first."""
        return [a for a in self._all() if a.adverse_event_id == event_id]

    async def close(self, alert_id: int) -> None:
        """Close an alert."""
        if (alert := await self.get(alert_id)) is not None:
            alert.status = "closed"

    async def mark_reposted(self, alert_id: int) -> None:
        """Record that an unacknowledged alert was posted again."""
        if (alert := await self.get(alert_id)) is not None:
            alert.reposted_at = self.clock()

    async def list_open(self, patient_id: int | None = None) -> list[Alert]:
        """Return open alerts, oldest first."""
        return [
            a
            for a in self._all()
            if a.status == "open" and (patient_id is None or a.patient_id == patient_id)
        ]

    async def unacknowledged_since(self, before: datetime) -> list[Alert]:
        """Return open alerts last posted before `before` (due for a repost)."""
        return [
            a
            for a in self._all()
            if a.status == "open" and (a.reposted_at or a.created_at) < before
        ]

    async def list_for_patient(self, patient_id: int) -> list[Alert]:
        """Return every alert about a patient."""
        return [a for a in self._all() if a.patient_id == patient_id]


class MemoryAuditRepository(MemoryRepository):
    """Append-only audit log; patients appear by audit reference only, as in SQL."""

    async def append(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record who (staff alias, 'system', 'patient:<pseudonym>') did what to whom."""
        add(
            self.workspace,
            AuditEntry,
            at=self.clock(),
            actor=self._actor(actor),
            action=action,
            target=self._reference(target),
            detail=stored_json(detail or {}),
        )

    def keyed_actor(self, role: str, messenger: str, external_id: str | int) -> str:
        """Name someone outside the programme by a keyed hash of their account, never the id."""
        message = f"{ACTOR_PURPOSE}:{messenger}:{external_id}".encode()
        digest = hmac.new(_MEMORY_ACTOR_KEY, message, hashlib.sha256).hexdigest()
        return f"{role}:{digest[:ACTOR_HASH_LENGTH]}"

    async def list(self, target: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        """Return the latest entries (oldest first), optionally about one pseudonym."""
        reference = None if target is None else self._reference(target, create=False)
        if target is not None and reference is None:
            return []
        entries = rows(self.workspace, AuditEntry)
        found = [e for e in entries if reference is None or e.target == reference]
        return found[-limit:] if limit > 0 else []

    def _actor(self, actor: str) -> str:
        role, _, pseudonym = actor.partition(":")
        if role != "patient" or not pseudonym:
            return actor
        reference = self._reference(pseudonym)
        return "patient" if reference is None else f"patient:{reference}"

    def _reference(self, pseudonym: str | None, *, create: bool = True) -> str | None:
        found = [p for p in rows(self.workspace, Patient) if p.pseudonym == pseudonym]
        if not found:
            return None  # nobody, or someone already forgotten: unnamed
        patient = found[0]
        if patient.audit_ref is None and create:
            patient.audit_ref = new_audit_reference()
        return patient.audit_ref


class MemoryAdverseEventRepository(JoinsOneEvent, MemoryRepository):
    """Safety events: the first trigger opens one, later alerts and triggers join it."""

    def __init__(self, workspace: Workspace, clock: Clock) -> None:
        """Bind to one unit of work's rows; events opened in it are remembered per patient."""
        super().__init__(workspace, clock)
        # As in SQL: an alert and the pathway in one unit of work belong to the one event.
        self._opened: dict[int, AdverseEvent] = {}

    async def record(
        self,
        patient_id: int,
        trigger: str,
        response: str,
        detail: dict[str, Any] | None = None,
    ) -> AdverseEvent:
        """Log a new safety event and the programme's response."""
        event = add(
            self.workspace,
            AdverseEvent,
            patient_id=patient_id,
            pseudonym=_pseudonym(self.workspace, patient_id),
            trigger=trigger,
            response=response,
            detail=stored_json(detail or {}),
            at=self.clock(),
        )
        self._opened[patient_id] = event
        return event

    async def current(self, patient_id: int) -> AdverseEvent | None:
        """The patient's ongoing event: opened in this unit of work, or with an unresolved alert."""
        if patient_id in self._opened:
            return self._opened[patient_id]
        ongoing = {
            a.adverse_event_id
            for a in rows(self.workspace, Alert)
            if a.adverse_event_id is not None and a.status in UNRESOLVED
        }
        found = [e for e in await self.list_for_patient(patient_id) if e.id in ongoing]
        return found[-1] if found else None

    async def _join(self, event: AdverseEvent, detail: dict[str, Any]) -> None:
        event.detail = stored_json(detail)

    async def get(self, event_id: int) -> AdverseEvent | None:
        """Return an event by id."""
        return get(self.workspace, AdverseEvent, event_id)

    async def list_for_patient(self, patient_id: int) -> list[AdverseEvent]:
        """Return a patient's adverse events, oldest first."""
        return [e for e in rows(self.workspace, AdverseEvent) if e.patient_id == patient_id]

    async def list_unreviewed(self, limit: int = 20) -> list[AdverseEvent]:
        """Events nobody has graded yet, oldest first."""
        return [e for e in rows(self.workspace, AdverseEvent) if e.reviewed_at is None][:limit]

    async def count_unreviewed(self) -> int:
        """How many events wait for grading."""
        return sum(1 for e in rows(self.workspace, AdverseEvent) if e.reviewed_at is None)

    async def grade(self, event_id: int, grade: Grade, reviewer: str) -> AdverseEvent | None:
        """Store a reviewer's grading (a later grading replaces it); None if there is no event."""
        event = await self.get(event_id)
        if event is None:
            return None
        event.severity, event.seriousness = grade.severity, grade.seriousness
        event.serious_criterion = grade.serious_criterion
        event.relatedness, event.expectedness = grade.relatedness, grade.expectedness
        event.outcome, event.reviewer, event.reviewed_at = grade.outcome, reviewer, self.clock()
        return event

    async def export(self) -> list[EventSummary]:
        """Every event, oldest first, with its linked alerts counted and how they ended."""
        linked: dict[int, list[Alert]] = {}
        for alert in rows(self.workspace, Alert):
            if alert.adverse_event_id is not None:
                linked.setdefault(alert.adverse_event_id, []).append(alert)
        return [summary(e, linked.get(e.id, [])) for e in rows(self.workspace, AdverseEvent)]
