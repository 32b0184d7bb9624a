"""All Daybreak tables; importing this package registers them on Base.metadata."""

from storage.models.base import Base, UTCDateTime
from storage.models.journey import (
    Answer,
    FlowRevision,
    HomeworkEntry,
    QuestionnaireResult,
    Run,
    Variable,
)
from storage.models.messaging import InboundEvent, OutboxMessage, OutboxSequence, ScheduledItem
from storage.models.people import (
    Consent,
    Enrolment,
    MessengerIdentity,
    Patient,
    StaffMember,
    StaffTopic,
    SupportTopic,
)
from storage.models.processes import InboxUpdate, LeaseRow, ProcessRow
from storage.models.safety import AdverseEvent, Alert, AuditEntry, ErasureTombstone

__all__ = [
    "AdverseEvent",
    "Alert",
    "Answer",
    "AuditEntry",
    "Base",
    "Consent",
    "Enrolment",
    "ErasureTombstone",
    "FlowRevision",
    "HomeworkEntry",
    "InboundEvent",
    "InboxUpdate",
    "LeaseRow",
    "MessengerIdentity",
    "OutboxMessage",
    "OutboxSequence",
    "Patient",
    "ProcessRow",
    "QuestionnaireResult",
    "Run",
    "ScheduledItem",
    "StaffMember",
    "StaffTopic",
    "SupportTopic",
    "UTCDateTime",
    "Variable",
]
