"""Repositories: one small class per aggregate; none of them commits."""

from bot.care.ports import (
    PRIORITY_BULK,
    PRIORITY_INTERACTIVE,
    PRIORITY_SAFETY,
    AnswerRecord,
    DueItem,
    EventSummary,
    Grade,
    Homework,
    Identity,
    OutgoingMessage,
)
from storage.repositories.adverse_events import AdverseEventRepository
from storage.repositories.base import Clock, Repository, utcnow
from storage.repositories.care import ConsentRepository, EnrolmentRepository
from storage.repositories.events import InboundEventRepository
from storage.repositories.flows import (
    AnswerRepository,
    FlowRevisionRepository,
    RunRepository,
    VariableRepository,
)
from storage.repositories.outbox import OutboxRepository
from storage.repositories.patients import (
    IdentityRepository,
    PatientRepository,
    new_pseudonym,
)
from storage.repositories.privacy import PrivacyRepository
from storage.repositories.processes import (
    HealthRepository,
    InboxRepository,
    LeaseRepository,
    ProcessRepository,
)
from storage.repositories.results import HomeworkRepository, QuestionnaireRepository
from storage.repositories.safety import AlertRepository, AuditRepository
from storage.repositories.scheduled import ScheduledItemRepository
from storage.repositories.staff import StaffRepository, SupportTopicRepository

__all__ = [
    "PRIORITY_BULK",
    "PRIORITY_INTERACTIVE",
    "PRIORITY_SAFETY",
    "AdverseEventRepository",
    "AlertRepository",
    "AnswerRecord",
    "AnswerRepository",
    "AuditRepository",
    "Clock",
    "ConsentRepository",
    "DueItem",
    "EnrolmentRepository",
    "EventSummary",
    "FlowRevisionRepository",
    "Grade",
    "HealthRepository",
    "Homework",
    "HomeworkRepository",
    "Identity",
    "IdentityRepository",
    "InboundEventRepository",
    "InboxRepository",
    "LeaseRepository",
    "OutboxRepository",
    "OutgoingMessage",
    "PatientRepository",
    "PrivacyRepository",
    "ProcessRepository",
    "QuestionnaireRepository",
    "Repository",
    "RunRepository",
    "ScheduledItemRepository",
    "StaffRepository",
    "SupportTopicRepository",
    "VariableRepository",
    "new_pseudonym",
    "utcnow",
]
