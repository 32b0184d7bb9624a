"""Consents and enrolments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.care import ports
from storage.models import Consent, Enrolment
from storage.repositories.base import Repository

# Read on every step (the module number), so built once.
_CURRENT_ENROLMENT = (
    sa.select(Enrolment)
    .where(Enrolment.patient_id == sa.bindparam("patient_id"))
    .order_by(Enrolment.id.desc())
    .limit(1)
)


class ConsentRepository(Repository):
    """What consent text revision a patient agreed to (or declined), and when."""

    async def record(self, patient_id: int, text_revision: str, agreed: bool) -> Consent:
        """Record one consent decision."""
        consent = Consent(
            patient_id=patient_id, text_revision=text_revision, agreed=agreed, at=self.clock()
        )
        self.session.add(consent)
        await self.session.flush()
        return consent

    async def latest(self, patient_id: int) -> Consent | None:
        """Return the patient's most recent consent decision."""
        stmt = (
            sa.select(Consent)
            .where(Consent.patient_id == patient_id)
            .order_by(Consent.id.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)

    async def list_for_patient(self, patient_id: int) -> list[Consent]:
        """Return every consent decision, oldest first."""
        stmt = sa.select(Consent).where(Consent.patient_id == patient_id).order_by(Consent.id)
        return list((await self.session.scalars(stmt)).all())


class EnrolmentRepository(Repository):
    """A patient's enrolment in a programme and progress through its modules."""

    async def create(
        self, patient_id: int, programme: str, *, release_policy: str = "weekly"
    ) -> Enrolment:
        """Enrol a patient, starting now at module 0."""
        enrolment = Enrolment(
            patient_id=patient_id,
            programme=programme,
            started_at=self.clock(),
            current_module=0,
            status="active",
            release_policy=release_policy,
        )
        self.session.add(enrolment)
        await self.session.flush()
        return enrolment

    async def current(self, patient_id: int) -> Enrolment | None:
        """Return the patient's most recent enrolment."""
        return await self.session.scalar(_CURRENT_ENROLMENT, {"patient_id": patient_id})

    async def update(self, enrolment: ports.Enrolment, **fields: Any) -> ports.Enrolment:
        """Set current_module, status, release_policy or started_at (a start held for review)."""
        unknown = set(fields) - {"current_module", "status", "release_policy", "started_at"}
        if unknown:
            raise TypeError(f"not updatable enrolment fields: {sorted(unknown)}")
        for name, value in fields.items():
            setattr(enrolment, name, value)
        await self.session.flush()
        return enrolment

    async def list_for_patient(self, patient_id: int) -> list[Enrolment]:
        """Return every enrolment of a patient, oldest first."""
        stmt = sa.select(Enrolment).where(Enrolment.patient_id == patient_id)
        return list((await self.session.scalars(stmt.order_by(Enrolment.id))).all())
