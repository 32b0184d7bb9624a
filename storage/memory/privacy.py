"""In-memory /mydata and /forget: the same export and the same erasure as storage's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from storage.memory.care import MemoryConsentRepository, MemoryEnrolmentRepository
from storage.memory.flows import (
    MemoryAnswerRepository,
    MemoryRunRepository,
    MemoryVariableRepository,
)
from storage.memory.outbox import MemoryOutboxRepository
from storage.memory.patients import MemoryIdentityRepository, MemoryPatientRepository
from storage.memory.repositories import MemoryRepository, MemoryScheduledItemRepository
from storage.memory.results import MemoryHomeworkRepository, MemoryQuestionnaireRepository
from storage.memory.safety import (
    MemoryAdverseEventRepository,
    MemoryAlertRepository,
    MemoryAuditRepository,
)
from storage.memory.tables import add, delete, get, rows
from storage.models import AdverseEvent, Alert, Base, ErasureTombstone, Patient
from storage.repositories.privacy import _PERSONAL_TABLES, to_jsonable


class MemoryPrivacyRepository(MemoryRepository):
    """Everything about one patient, gathered or erased in the caller's unit of work."""

    async def export_patient(self, patient_id: int, actor: str | None = None) -> dict[str, Any]:
        """Return everything kept about a patient, JSON-ready; audit it."""
        patient = get(self.workspace, Patient, patient_id)
        if patient is None:
            raise LookupError(f"no patient {patient_id}")
        on = (self.workspace, self.clock)
        runs, alerts, audit = MemoryRunRepository(*on), MemoryAlertRepository(*on), _audit(self)
        data: dict[str, Any] = {
            "exported_at": self.clock(),
            "patient": _columns(patient, skip={"alias_enc"})
            | {"alias": MemoryPatientRepository(*on).alias(patient)},
            "identities": await MemoryIdentityRepository(*on).for_patient(patient_id),
            "consents": await MemoryConsentRepository(*on).list_for_patient(patient_id),
            "enrolments": await MemoryEnrolmentRepository(*on).list_for_patient(patient_id),
            "runs": [
                _columns(run, skip={"state_enc"}) | {"state": runs.state(run)}
                for run in await runs.list_for_patient(patient_id)
            ],
            "answers": await MemoryAnswerRepository(*on).list_for_patient(patient_id),
            "variables": await MemoryVariableRepository(*on).get_all(patient_id),
            "questionnaire_results": await MemoryQuestionnaireRepository(*on).list_for_patient(
                patient_id
            ),
            "homework": await MemoryHomeworkRepository(*on).list_for_patient(patient_id),
            "scheduled_items": await MemoryScheduledItemRepository(*on).list_for_patient(
                patient_id
            ),
            "messages": await MemoryOutboxRepository(*on).list_for_patient(patient_id),
            "alerts": [
                _columns(alert, skip={"resolution_note_enc"})
                | {"resolution_note": alerts.note(alert)}
                for alert in await alerts.list_for_patient(patient_id)
            ],
            "adverse_events": await MemoryAdverseEventRepository(*on).list_for_patient(patient_id),
            "audit_log": await audit.list(target=patient.pseudonym),
        }
        await audit.append(
            actor or f"patient:{patient.pseudonym}", "patient.export", patient.pseudonym
        )
        result: dict[str, Any] = to_jsonable(data)
        return result

    async def delete_patient_personal_data(self, patient_id: int, actor: str = "system") -> bool:
        """Erase everything personal about a patient, keeping one anonymous audit entry."""
        patient = get(self.workspace, Patient, patient_id)
        if patient is None:
            return False
        for model in _PERSONAL_TABLES:
            table = self.workspace.table(model.__tablename__)
            for key in [k for k, row in table.items() if _belongs(row, patient_id)]:
                del table[key]
        # Safety records stay under the pseudonym only, as in SQL: no link, detail or note.
        for alert in rows(self.workspace, Alert):
            if alert.patient_id == patient_id:
                alert.patient_id, alert.detail, alert.resolution_note_enc = None, {}, None
        for event in rows(self.workspace, AdverseEvent):
            if event.patient_id == patient_id:
                event.patient_id, event.detail = None, {}
        # As in SQL: the audit log is not rewritten; the reference's link goes with the patient.
        add(self.workspace, ErasureTombstone, mark=f"{patient.id}:{patient.pseudonym}",
            at=self.clock())  # fmt: skip
        safe_actor = "patient" if actor.startswith("patient:") else actor
        delete(self.workspace, Patient, patient_id)
        await _audit(self).append(safe_actor, "patient.forget")
        return True


def _audit(repository: MemoryRepository) -> MemoryAuditRepository:
    return MemoryAuditRepository(repository.workspace, repository.clock)


def _belongs(row: Base, patient_id: int) -> bool:
    return bool(getattr(row, "patient_id", None) == patient_id)


def _columns(row: Base, skip: set[str]) -> dict[str, Any]:
    return {
        attr.key: getattr(row, attr.key)
        for attr in inspect(type(row)).column_attrs
        if attr.key not in skip
    }
