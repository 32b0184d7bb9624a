"""The adverse-event log: one row per safety event, graded by a helper, exported for the trial."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.care.ports import UNRESOLVED, EventSummary, Grade
from storage.models import AdverseEvent, Alert, Patient
from storage.repositories.base import Clock, Repository, utcnow

ALERT_OPENED = "alert_opened"
PATHWAY_STARTED = "safety_pathway_started"


class JoinsOneEvent:
    """How a patient's alerts and safety pathway join one adverse event, in any store."""

    async def current(self, patient_id: int) -> AdverseEvent | None:
        """The patient's ongoing event (the store says what "ongoing" is)."""
        raise NotImplementedError

    async def record(
        self,
        patient_id: int,
        trigger: str,
        response: str,
        detail: dict[str, Any] | None = None,
    ) -> AdverseEvent:
        """Log a new safety event and the programme's response."""
        raise NotImplementedError

    async def _join(self, event: AdverseEvent, detail: dict[str, Any]) -> None:
        raise NotImplementedError

    async def for_alert(
        self, patient_id: int, trigger: str, detail: dict[str, Any] | None = None
    ) -> AdverseEvent:
        """The event a new alert belongs to: the ongoing one, else a new one it opens."""
        found = await self.current(patient_id)
        return found or await self.record(patient_id, trigger, ALERT_OPENED, detail)

    async def pathway_started(
        self, patient_id: int, trigger: str, detail: dict[str, Any] | None = None
    ) -> AdverseEvent:
        """The safety pathway started: log it on the ongoing event, or open one for it."""
        event = await self.current(patient_id)
        if event is None:
            return await self.record(patient_id, trigger, PATHWAY_STARTED, detail)
        if event.response == ALERT_OPENED:
            # The alert came first in the same event: the pathway's trigger names it.
            event.trigger, event.response = trigger, PATHWAY_STARTED
            await self._join(event, {**event.detail, **(detail or {})})
        return event


class AdverseEventRepository(JoinsOneEvent, Repository):
    """Safety events: the first trigger opens one, later alerts and triggers join it."""

    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        """Bind to one session; events opened in this unit of work are remembered per patient."""
        super().__init__(session, clock)
        # A step may open the alert before the pathway starts, or start it without an alert
        # yet: either way both belong to the one event opened first in this unit of work.
        self._opened: dict[int, AdverseEvent] = {}

    async def record(
        self,
        patient_id: int,
        trigger: str,
        response: str,
        detail: dict[str, Any] | None = None,
    ) -> AdverseEvent:
        """Log a new safety event and the programme's response."""
        patient = await self.session.get(Patient, patient_id)
        event = AdverseEvent(
            patient_id=patient_id,
            pseudonym=patient.pseudonym if patient else None,
            trigger=trigger,
            response=response,
            detail=detail or {},
            at=self.clock(),
        )
        self.session.add(event)
        await self.session.flush()
        self._opened[patient_id] = event
        return event

    async def current(self, patient_id: int) -> AdverseEvent | None:
        """The patient's ongoing event: opened in this unit of work, or with an unresolved alert."""
        if patient_id in self._opened:
            return self._opened[patient_id]
        unresolved = sa.exists().where(
            Alert.adverse_event_id == AdverseEvent.id, Alert.status.in_(UNRESOLVED)
        )
        stmt = (
            sa.select(AdverseEvent)
            .where(AdverseEvent.patient_id == patient_id, unresolved)
            .order_by(AdverseEvent.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    async def _join(self, event: AdverseEvent, detail: dict[str, Any]) -> None:
        event.detail = detail
        await self.session.flush()

    async def get(self, event_id: int) -> AdverseEvent | None:
        """Return an event by id."""
        return await self.session.get(AdverseEvent, event_id)

    async def list_for_patient(self, patient_id: int) -> list[AdverseEvent]:
        """Return a patient's adverse events, oldest first."""
        stmt = sa.select(AdverseEvent).where(AdverseEvent.patient_id == patient_id)
        return list((await self.session.scalars(stmt.order_by(AdverseEvent.id))).all())

    async def list_unreviewed(self, limit: int = 20) -> list[AdverseEvent]:
        """Events nobody has graded yet, oldest first."""
        stmt = sa.select(AdverseEvent).where(AdverseEvent.reviewed_at.is_(None))
        return list((await self.session.scalars(stmt.order_by(AdverseEvent.id).limit(limit))).all())

    async def count_unreviewed(self) -> int:
        """How many events wait for grading."""
        stmt = sa.select(sa.func.count()).where(AdverseEvent.reviewed_at.is_(None))
        return int(await self.session.scalar(stmt) or 0)

    async def grade(self, event_id: int, grade: Grade, reviewer: str) -> AdverseEvent | None:
        """Store a reviewer's grading (a later grading replaces it); None if there is no event."""
        event = await self.get(event_id)
        if event is None:
            return None
        event.severity, event.seriousness = grade.severity, grade.seriousness
        event.serious_criterion = grade.serious_criterion
        event.relatedness, event.expectedness = grade.relatedness, grade.expectedness
        event.outcome, event.reviewer, event.reviewed_at = grade.outcome, reviewer, self.clock()
        await self.session.flush()
        return event

    async def export(self) -> list[EventSummary]:
        """Every event, oldest first, with its linked alerts counted and how they ended."""
        everything = sa.select(AdverseEvent).order_by(AdverseEvent.id)
        events = (await self.session.scalars(everything)).all()
        stmt = sa.select(Alert).where(Alert.adverse_event_id.is_not(None)).order_by(Alert.id)
        linked: dict[int, list[Alert]] = {}
        for alert in (await self.session.scalars(stmt)).all():
            linked.setdefault(int(alert.adverse_event_id or 0), []).append(alert)
        return [_summary(event, linked.get(event.id, [])) for event in events]


def _summary(event: AdverseEvent, alerts: list[Alert]) -> EventSummary:
    if any(alert.status in UNRESOLVED for alert in alerts):
        resolution = "unresolved"
    else:
        ends = [alert.resolution or alert.status for alert in alerts]
        resolution = "|".join(dict.fromkeys(ends))
    times = [alert.resolved_at for alert in alerts if alert.resolved_at is not None]
    return EventSummary(event, len(alerts), resolution, max(times) if times else None)
