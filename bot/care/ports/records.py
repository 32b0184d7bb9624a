"""The rows care reads and writes, as far as care is concerned: plain attributes, no ORM."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class Patient(Protocol):
    """A person in the programme, known to staff only by pseudonym."""

    id: int
    pseudonym: str
    alias_enc: bytes | None
    language: str
    timezone: str
    preferred_time: str
    care_mode: str | None
    status: str
    created_at: datetime
    last_active_at: datetime | None
    study_site: str | None
    daily_checkin: bool


class Consent(Protocol):
    """One answer to one revision of the consent text."""

    id: int
    patient_id: int
    text_revision: str
    agreed: bool
    at: datetime


class Enrolment(Protocol):
    """A patient's place in a programme."""

    id: int
    patient_id: int
    programme: str
    started_at: datetime
    current_module: int
    status: str
    release_policy: str


class StaffMember(Protocol):
    """A helper, known by a blind index of their Telegram user id and an alias."""

    id: int
    user_index: str
    alias: str
    active: bool
    created_at: datetime


class SupportTopic(Protocol):
    """The staff forum topic that belongs to one patient (Telegram cannot list them)."""

    id: int
    patient_id: int
    staff_chat_key: str
    thread_id: int
    name: str
    created_at: datetime


class Run(Protocol):
    """One patient's walk through one flow revision; the engine state is encrypted."""

    id: int
    patient_id: int
    flow_id: str
    revision: str
    state_enc: bytes
    status: str
    outcome: str | None
    kind: str
    parent_run_id: int | None
    started_at: datetime
    updated_at: datetime


class QuestionnaireResult(Protocol):
    """A scored questionnaire; numbers stay plain for analysis."""

    id: int
    patient_id: int
    instrument: str
    timepoint: str
    item_scores: list[int]
    unscored_items: dict[str, int] | None
    total: int
    band: str | None
    run_id: int | None
    at: datetime


class ScheduledItem(Protocol):
    """Something due at a time: a release, reminder, check-in or follow-up."""

    id: int
    key: str
    kind: str
    patient_id: int | None
    due_at: datetime
    payload: dict[str, Any]
    status: str
    attempts: int
    claimed_at: datetime | None
    fired_at: datetime | None
    note: str | None
    created_at: datetime


class Alert(Protocol):
    """A risk signal a helper must see, acknowledge and resolve; detail never holds free text."""

    id: int
    patient_id: int | None
    pseudonym: str | None
    adverse_event_id: int | None
    reason: str
    level: str
    detail: dict[str, Any]
    status: str
    created_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    reposted_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None
    resolution_note_enc: bytes | None


class AdverseEvent(Protocol):
    """One safety event (the trigger that started it), what the programme did, and its grading."""

    id: int
    patient_id: int | None
    pseudonym: str | None
    trigger: str
    response: str
    detail: dict[str, Any]
    at: datetime
    severity: str | None
    seriousness: str | None
    serious_criterion: str | None
    relatedness: str | None
    expectedness: str | None
    outcome: str | None
    reviewer: str | None
    reviewed_at: datetime | None
