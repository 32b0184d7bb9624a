"""Plain values the repositories hand care: decrypted rows, gradings, priorities, terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.care.messages import OutboxPayload, UnreadablePayload
from bot.care.ports.records import AdverseEvent

# Outbox priorities: lower goes first, so an alert never waits behind a bulk reminder.
PRIORITY_SAFETY = 0
PRIORITY_INTERACTIVE = 1
PRIORITY_BULK = 2

# Terms of the graded adverse-event log, from ICH E2A (1994), "Clinical Safety Data Management:
# Definitions and Standards for Expedited Reporting" (seriousness criteria, causality,
# expectedness) and ICH E6(R2) (2016) Good Clinical Practice 1.2 / 4.11 (adverse events are
# recorded, assessed for severity, seriousness and relatedness, and followed to their outcome).
# Severity is intensity (mild, moderate, severe) and is not seriousness, which E2A ties to what
# the event results in. A missing value (NULL) means "not yet reviewed".
SEVERITIES = ("mild", "moderate", "severe")
SERIOUSNESS = ("serious", "non_serious")
# E2A II.B: death, life-threatening, inpatient hospitalisation or its prolongation, persistent or
# significant disability/incapacity, congenital anomaly/birth defect, and "other important
# medical events" that need intervention to prevent one of these.
SERIOUS_CRITERIA = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "medically_important",
)
RELATEDNESS = ("not_related", "unlikely", "possibly", "probably", "definitely")
EXPECTEDNESS = ("expected", "unexpected")
AE_OUTCOMES = ("ongoing", "resolved", "resolved_with_sequelae", "unknown")
# How a helper closed an alert (not an ICH term: what happened when they followed it up).
RESOLUTIONS = ("safe", "referred", "emergency", "unreachable", "false_alarm")
UNRESOLVED = ("open", "acknowledged")


@dataclass(frozen=True)
class DueItem:
    """A claimed scheduled item."""

    id: int
    key: str
    kind: str
    patient_id: int | None
    due_at: datetime
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class AnswerRecord:
    """A decrypted answer."""

    id: int
    run_id: int | None
    flow_id: str
    question: str
    variable: str | None
    value: Any
    is_free_text: bool
    at: datetime


@dataclass(frozen=True)
class OutgoingMessage:
    """A claimed or listed outbox row with its payload decrypted and read as its message."""

    id: int
    patient_id: int | None
    target_kind: str
    target_key: str
    payload: OutboxPayload | UnreadablePayload
    priority: int
    seq: int
    attempts: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class Identity:
    """A decrypted messenger identity."""

    patient_id: int
    messenger: str
    external_id: str
    chat_id: str | None


@dataclass(frozen=True)
class Homework:
    """A decrypted homework entry; `data` merges the plain and encrypted parts."""

    id: int
    exercise: str
    kind: str
    data: dict[str, Any]
    at: datetime
    due_at: datetime | None
    status: str


@dataclass(frozen=True)
class Grade:
    """A reviewer's grading of one event (ICH E2A terms, above)."""

    severity: str
    seriousness: str
    serious_criterion: str | None
    relatedness: str
    expectedness: str
    outcome: str


@dataclass(frozen=True)
class EventSummary:
    """One event as the export shows it: no patient id, only the pseudonym."""

    event: AdverseEvent
    alerts: int
    resolution: str
    resolved_at: datetime | None
