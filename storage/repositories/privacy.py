"""/mydata and /forget: export everything kept about a patient, or delete it."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.care.messages import UnreadablePayload
from storage.crypto import FieldCipher
from storage.erasure_log import ErasureLog
from storage.models import (
    AdverseEvent,
    Alert,
    Answer,
    Base,
    Consent,
    Enrolment,
    HomeworkEntry,
    MessengerIdentity,
    OutboxMessage,
    Patient,
    QuestionnaireResult,
    Run,
    ScheduledItem,
    SupportTopic,
    Variable,
)
from storage.repositories.base import Clock, EncryptedRepository, utcnow
from storage.repositories.care import ConsentRepository, EnrolmentRepository
from storage.repositories.flows import AnswerRepository, RunRepository, VariableRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.patients import IdentityRepository, PatientRepository
from storage.repositories.results import HomeworkRepository, QuestionnaireRepository
from storage.repositories.safety import AdverseEventRepository, AlertRepository, AuditRepository
from storage.repositories.scheduled import ScheduledItemRepository
from storage.repositories.tombstones import TombstoneRepository

# Children before parents; answers and results before the runs they point at.
_PERSONAL_TABLES: tuple[type[Base], ...] = (
    Answer,
    QuestionnaireResult,
    HomeworkEntry,
    Variable,
    OutboxMessage,
    ScheduledItem,
    SupportTopic,
    Consent,
    Enrolment,
    MessengerIdentity,
    Run,
)
_ANONYMISED_TABLES: tuple[type[Alert] | type[AdverseEvent], ...] = (Alert, AdverseEvent)
# Free text on the anonymised rows (a helper's words may name the person).
_ERASED: dict[str, dict[str, Any]] = {"alerts": {"resolution_note_enc": None}}


class PrivacyRepository(EncryptedRepository):
    """Everything about one patient, gathered or erased in the caller's transaction."""

    def __init__(
        self,
        session: AsyncSession,
        cipher: FieldCipher,
        clock: Clock = utcnow,
        erasure_log: ErasureLog | None = None,
    ) -> None:
        """Bind to one session, the cipher, a clock and the erasure side file (if any)."""
        super().__init__(session, cipher, clock)
        self.erasure_log = erasure_log

    async def export_patient(self, patient_id: int, actor: str | None = None) -> dict[str, Any]:
        """Return everything kept about a patient, decrypted and JSON-ready; audit it."""
        patient = await self.session.get(Patient, patient_id)
        if patient is None:
            raise LookupError(f"no patient {patient_id}")
        args = (self.session, self.cipher, self.clock)
        plain = (self.session, self.clock)
        runs = RunRepository(*args)
        alerts = AlertRepository(*args)
        data: dict[str, Any] = {
            "exported_at": self.clock(),
            "patient": _columns(patient, skip={"alias_enc"})
            | {"alias": PatientRepository(*args).alias(patient)},
            "identities": await IdentityRepository(*args).for_patient(patient_id),
            "consents": await ConsentRepository(*plain).list_for_patient(patient_id),
            "enrolments": await EnrolmentRepository(*plain).list_for_patient(patient_id),
            "runs": [
                _columns(run, skip={"state_enc"}) | {"state": runs.state(run)}
                for run in await runs.list_for_patient(patient_id)
            ],
            "answers": await AnswerRepository(*args).list_for_patient(patient_id),
            "variables": await VariableRepository(*args).get_all(patient_id),
            "questionnaire_results": await QuestionnaireRepository(*plain).list_for_patient(
                patient_id
            ),
            "homework": await HomeworkRepository(*args).list_for_patient(patient_id),
            "scheduled_items": await ScheduledItemRepository(*plain).list_for_patient(patient_id),
            "messages": await OutboxRepository(*args).list_for_patient(patient_id),
            "alerts": [
                _columns(alert, skip={"resolution_note_enc"})
                | {"resolution_note": alerts.note(alert)}
                for alert in await alerts.list_for_patient(patient_id)
            ],
            "adverse_events": await AdverseEventRepository(*plain).list_for_patient(patient_id),
            "audit_log": await AuditRepository(*args).list(target=patient.pseudonym),
        }
        # Every export is audited, in the same transaction as the read.
        await AuditRepository(*args).append(
            actor or f"patient:{patient.pseudonym}", "patient.export", patient.pseudonym
        )
        result: dict[str, Any] = to_jsonable(data)
        return result

    async def delete_patient_personal_data(self, patient_id: int, actor: str = "system") -> bool:
        """Erase everything personal about a patient, keeping one anonymous audit entry."""
        patient = await self.session.get(Patient, patient_id)
        if patient is None:
            return False
        for model in _PERSONAL_TABLES:
            column = model.__table__.c.patient_id
            await self.session.execute(sa.delete(model).where(column == patient_id))
        # Safety records stay for trial reporting, and an unresolved alert stays actionable,
        # under the pseudonym only: every link to the person, every detail and every note goes.
        for safety_model in _ANONYMISED_TABLES:
            await self.session.execute(
                sa.update(safety_model)
                .where(safety_model.patient_id == patient_id)
                .values(patient_id=None, detail={}, **_ERASED.get(safety_model.__tablename__, {}))
                .execution_options(synchronize_session=False)
            )
        # The audit log is sealed and never rewritten: its entries name the patient's audit
        # reference, whose only link to the person goes with the patient row below.
        await TombstoneRepository(self.session, self.cipher, self.clock, self.erasure_log).record(
            patient
        )
        # An actor 'patient:<pseudonym>' would re-link the anonymous entry, so it is dropped.
        safe_actor = "patient" if actor.startswith("patient:") else actor
        await self.session.delete(patient)
        await AuditRepository(self.session, self.cipher, self.clock).append(
            safe_actor, "patient.forget"
        )
        await self.session.flush()
        return True


def _columns(row: Base, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    return {
        column.key: getattr(row, column.key)
        for column in sa.inspect(type(row)).columns
        if column.key not in skip
    }


def to_jsonable(value: Any) -> Any:
    """Turn rows, dataclasses and datetimes into plain JSON values."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        raise TypeError("refusing to export raw ciphertext")
    if isinstance(value, Base):
        return to_jsonable(_columns(value))
    if isinstance(value, UnreadablePayload):
        return to_jsonable(value.stored)
    if isinstance(value, BaseModel):  # an outbox message: the JSON its row keeps
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # One level at a time (not asdict): a field may hold a value with its own rule here.
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    return value
