"""Mypy proves here that the in-memory storage implements care's ports; nothing runs here."""

from __future__ import annotations

from bot.care import ports
from storage.memory import (
    care,
    flows,
    outbox,
    patients,
    privacy,
    processes,
    repositories,
    results,
    safety,
    staff,
    uow,
)

# Each assignment type-checks only if the memory class structurally satisfies the port.
_factory: type[ports.UnitOfWorkFactory] = uow.MemoryUnitOfWorkFactory
_unit_of_work: type[ports.UnitOfWork] = uow.MemoryUnitOfWork
_adverse_events: type[ports.AdverseEventRepository] = safety.MemoryAdverseEventRepository
_alerts: type[ports.AlertRepository] = safety.MemoryAlertRepository
_answers: type[ports.AnswerRepository] = flows.MemoryAnswerRepository
_audit: type[ports.AuditRepository] = safety.MemoryAuditRepository
_consents: type[ports.ConsentRepository] = care.MemoryConsentRepository
_enrolments: type[ports.EnrolmentRepository] = care.MemoryEnrolmentRepository
_flow_revisions: type[ports.FlowRevisionRepository] = flows.MemoryFlowRevisionRepository
_homework: type[ports.HomeworkRepository] = results.MemoryHomeworkRepository
_identities: type[ports.IdentityRepository] = patients.MemoryIdentityRepository
_inbound: type[ports.InboundEventRepository] = repositories.MemoryInboundEventRepository
_outbox: type[ports.OutboxRepository] = outbox.MemoryOutboxRepository
_patients: type[ports.PatientRepository] = patients.MemoryPatientRepository
_privacy: type[ports.PrivacyRepository] = privacy.MemoryPrivacyRepository
_processes: type[ports.ProcessRepository] = processes.MemoryProcessRepository
_leases: type[ports.LeaseRepository] = processes.MemoryLeaseRepository
_inbox: type[ports.InboxRepository] = processes.MemoryInboxRepository
_health: type[ports.HealthRepository] = processes.MemoryHealthRepository
_questionnaires: type[ports.QuestionnaireRepository] = results.MemoryQuestionnaireRepository
_runs: type[ports.RunRepository] = flows.MemoryRunRepository
_scheduled: type[ports.ScheduledItemRepository] = repositories.MemoryScheduledItemRepository
_staff: type[ports.StaffRepository] = staff.MemoryStaffRepository
_support_topics: type[ports.SupportTopicRepository] = staff.MemorySupportTopicRepository
_variables: type[ports.VariableRepository] = flows.MemoryVariableRepository
