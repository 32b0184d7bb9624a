"""In-memory consents and enrolments."""

from __future__ import annotations

from typing import Any

from bot.care import ports
from storage.memory.repositories import MemoryRepository
from storage.models import Consent, Enrolment

ENROLMENT_FIELDS = {"current_module", "status", "release_policy", "started_at"}


class MemoryConsentRepository(MemoryRepository):
    """What consent text revision a patient agreed to (or declined), and when."""

    async def record(self, patient_id: int, text_revision: str, agreed: bool) -> Consent:
        """Record one consent decision."""
        return self.workspace.insert(
            Consent,
            patient_id=patient_id,
            text_revision=text_revision,
            agreed=agreed,
            at=self.clock(),
        )

    async def latest(self, patient_id: int) -> Consent | None:
        """Return the patient's most recent consent decision."""
        found = await self.list_for_patient(patient_id)
        return found[-1] if found else None

    async def list_for_patient(self, patient_id: int) -> list[Consent]:
        """Return every consent decision, oldest first."""
        rows = self.workspace.table(Consent.__tablename__).values()
        mine = [r for r in rows if isinstance(r, Consent) and r.patient_id == patient_id]
        return sorted(mine, key=lambda r: r.id)


class MemoryEnrolmentRepository(MemoryRepository):
    """A patient's enrolment in a programme and progress through its modules."""

    async def create(
        self, patient_id: int, programme: str, *, release_policy: str = "weekly"
    ) -> Enrolment:
        """Enrol a patient, starting now at module 0."""
        return self.workspace.insert(
            Enrolment,
            patient_id=patient_id,
            programme=programme,
            started_at=self.clock(),
            current_module=0,
            status="active",
            release_policy=release_policy,
        )

    async def current(self, patient_id: int) -> Enrolment | None:
        """Return the patient's most recent enrolment."""
        found = await self.list_for_patient(patient_id)
        return found[-1] if found else None

    async def update(self, enrolment: ports.Enrolment, **fields: Any) -> ports.Enrolment:
        """Set current_module, status, release_policy or started_at (a start held for review)."""
        unknown = set(fields) - ENROLMENT_FIELDS
        if unknown:
            raise TypeError(f"not updatable enrolment fields: {sorted(unknown)}")
        for name, value in fields.items():
            setattr(enrolment, name, value)
        return enrolment

    async def list_for_patient(self, patient_id: int) -> list[Enrolment]:
        """Return every enrolment of a patient, oldest first."""
        rows = self.workspace.table(Enrolment.__tablename__).values()
        mine = [r for r in rows if isinstance(r, Enrolment) and r.patient_id == patient_id]
        return sorted(mine, key=lambda r: r.id)
