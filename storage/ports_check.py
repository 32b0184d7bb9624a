"""Mypy proves here that storage implements care's ports; nothing here runs at import time."""

from __future__ import annotations

from bot.care import ports
from storage import repositories, uow

# Each assignment type-checks only if the storage class structurally satisfies the port.
_factory: type[ports.UnitOfWorkFactory] = uow.UnitOfWorkFactory
_unit_of_work: type[ports.UnitOfWork] = uow.UnitOfWork
_adverse_events: type[ports.AdverseEventRepository] = repositories.AdverseEventRepository
_alerts: type[ports.AlertRepository] = repositories.AlertRepository
_answers: type[ports.AnswerRepository] = repositories.AnswerRepository
_audit: type[ports.AuditRepository] = repositories.AuditRepository
_consents: type[ports.ConsentRepository] = repositories.ConsentRepository
_enrolments: type[ports.EnrolmentRepository] = repositories.EnrolmentRepository
_flow_revisions: type[ports.FlowRevisionRepository] = repositories.FlowRevisionRepository
_homework: type[ports.HomeworkRepository] = repositories.HomeworkRepository
_identities: type[ports.IdentityRepository] = repositories.IdentityRepository
_inbound: type[ports.InboundEventRepository] = repositories.InboundEventRepository
_outbox: type[ports.OutboxRepository] = repositories.OutboxRepository
_patients: type[ports.PatientRepository] = repositories.PatientRepository
_privacy: type[ports.PrivacyRepository] = repositories.PrivacyRepository
_processes: type[ports.ProcessRepository] = repositories.ProcessRepository
_leases: type[ports.LeaseRepository] = repositories.LeaseRepository
_inbox: type[ports.InboxRepository] = repositories.InboxRepository
_health: type[ports.HealthRepository] = repositories.HealthRepository
_questionnaires: type[ports.QuestionnaireRepository] = repositories.QuestionnaireRepository
_runs: type[ports.RunRepository] = repositories.RunRepository
_scheduled: type[ports.ScheduledItemRepository] = repositories.ScheduledItemRepository
_staff: type[ports.StaffRepository] = repositories.StaffRepository
_support_topics: type[ports.SupportTopicRepository] = repositories.SupportTopicRepository
_variables: type[ports.VariableRepository] = repositories.VariableRepository
