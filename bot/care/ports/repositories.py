"""The patient and journey repositories care uses, with exactly the methods it calls."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.care.ports.records import (
    Consent,
    Enrolment,
    Patient,
    QuestionnaireResult,
    Run,
)
from bot.care.ports.values import (
    Homework,
    Identity,
)


class AnswerRepository(Protocol):
    """The answers care reads and writes."""

    async def add(
        self,
        patient_id: int,
        *,
        flow_id: str,
        question: str,
        value: Any,
        is_free_text: bool,
        run_id: int | None = None,
        variable: str | None = None,
    ) -> int:
        """Record an answer; return its id."""


class ConsentRepository(Protocol):
    """The consents care reads and writes."""

    async def record(self, patient_id: int, text_revision: str, agreed: bool) -> Consent:
        """Record one consent decision."""


class EnrolmentRepository(Protocol):
    """The enrolments care reads and writes."""

    async def create(
        self, patient_id: int, programme: str, *, release_policy: str = "weekly"
    ) -> Enrolment:
        """Enrol a patient, starting now at module 0."""

    async def current(self, patient_id: int) -> Enrolment | None:
        """Return the patient's most recent enrolment."""

    async def update(self, enrolment: Enrolment, **fields: Any) -> Enrolment:
        """Set current_module, status, release_policy or started_at (a start held for review)."""


class FlowRevisionRepository(Protocol):
    """The flow revisions care reads and writes."""

    async def get_content(self, flow_id: str, revision: str) -> str | None:
        """Return the YAML source of one revision."""


class HomeworkRepository(Protocol):
    """The homework care reads and writes."""

    async def add(
        self,
        patient_id: int,
        *,
        exercise: str,
        kind: str,
        data: dict[str, Any],
        due_at: datetime | None = None,
        status: str = "done",
    ) -> int:
        """Record an entry; text parts are encrypted, numbers stay plain. Return its id."""

    async def list_for_patient(
        self, patient_id: int, kind: str | None = None
    ) -> Sequence[Homework]:
        """Return a patient's entries, oldest first, decrypted."""


class IdentityRepository(Protocol):
    """The identities care reads and writes."""

    async def add(
        self, patient_id: int, messenger: str, external_id: str | int, chat_id: str | int | None
    ) -> None:
        """Link a messenger account (and its chat) to a patient."""

    async def find_patient_id(self, messenger: str, external_id: str | int) -> int | None:
        """Return the id of the patient using this messenger account."""

    async def for_patient(
        self, patient_id: int, messenger: str | None = None
    ) -> Sequence[Identity]:
        """Return a patient's identities, decrypted."""

    async def chat_id(self, patient_id: int, messenger: str = "telegram") -> str | None:
        """Return the chat to send a patient's messages to."""

    async def chat_ids(
        self, patient_ids: Iterable[int], messenger: str = "telegram"
    ) -> dict[int, str]:
        """The chat of each of these patients that has one."""


class PatientRepository(Protocol):
    """The patients care reads and writes."""

    async def get_by_pseudonym(self, pseudonym: str) -> Patient | None:
        """Return the patient with this pseudonym (case-insensitive input)."""

    async def create(
        self,
        *,
        alias: str | None = None,
        language: str = "en",
        timezone: str = "UTC",
        preferred_time: str = "09:00",
        **fields: Any,
    ) -> Patient:
        """Create a patient with a fresh unique pseudonym."""

    async def get(self, patient_id: int) -> Patient | None:
        """Return the patient with this id."""

    async def lock(self, patient_id: int, *, wait: bool = True) -> bool:
        """Make this unit of work the patient's one writer until it ends; False if busy.

        Call it before reading anything of the patient that the unit of work will change. A
        unit of work locks patients in ascending id order (usually just one), so two never wait
        for each other; without `wait`, a patient another unit of work holds gives False at once.
        """

    async def update(self, patient: Patient, **fields: Any) -> Patient:
        """Set plain fields (language, timezone, status, ...) on a patient."""

    def alias(self, patient: Patient) -> str | None:
        """Return the patient's decrypted alias."""

    async def set_alias(self, patient: Patient, alias: str | None) -> None:
        """Encrypt and store the name the patient wants to be called."""

    async def touch(self, patient: Patient) -> None:
        """Record that the patient was active now (to the minute: one write, not one a message)."""

    async def list_active(self, after_id: int = 0, limit: int = 500) -> Sequence[Patient]:
        """Return up to `limit` active patients with id > after_id, in id order."""


class QuestionnaireRepository(Protocol):
    """The questionnaires care reads and writes."""

    async def add(
        self,
        patient_id: int,
        *,
        instrument: str,
        timepoint: str,
        item_scores: list[int],
        total: int,
        band: str | None = None,
        run_id: int | None = None,
        unscored_items: dict[str, int] | None = None,
    ) -> QuestionnaireResult:
        """Record one scored questionnaire; unscored items are kept apart from the scored ones."""

    async def list_for_patient(
        self, patient_id: int, instrument: str | None = None
    ) -> Sequence[QuestionnaireResult]:
        """Return a patient's results, oldest first, optionally of one instrument."""


class RunRepository(Protocol):
    """The runs care reads and writes."""

    async def create(
        self,
        patient_id: int,
        flow_id: str,
        revision: str,
        state: dict[str, Any],
        *,
        kind: str = "module",
        parent_run_id: int | None = None,
    ) -> Run:
        """Start a run pinned to a flow revision."""

    async def get(self, run_id: int) -> Run | None:
        """Return a run by id."""

    async def get_active(self, patient_id: int, kind: str | None = None) -> Run | None:
        """Return the patient's most recent active run (optionally of one kind)."""

    async def list_active_for_flow(self, flow_id: str) -> Sequence[Run]:
        """Return the active runs of a flow (to migrate them to a new revision)."""

    async def list_for_patient(self, patient_id: int) -> Sequence[Run]:
        """Return all of a patient's runs, oldest first."""

    def state(self, run: Run) -> dict[str, Any]:
        """Return the decrypted engine state of a run."""

    async def save_state(
        self,
        run: Run,
        state: dict[str, Any],
        *,
        status: str | None = None,
        outcome: str | None = None,
        revision: str | None = None,
    ) -> None:
        """Store a new engine state; optionally finish the run or move it to a revision."""

    async def finish(self, run: Run, outcome: str | None = None) -> None:
        """Mark a run finished."""


class VariableRepository(Protocol):
    """The variables care reads and writes."""

    async def get_all(self, patient_id: int) -> dict[str, Any]:
        """Return all of a patient's variables as a dict."""

    async def get(self, patient_id: int, name: str, default: Any = None) -> Any:
        """Return one variable."""

    async def set(self, patient_id: int, name: str, value: Any) -> None:
        """Set one variable."""

    async def set_many(self, patient_id: int, values: dict[str, Any]) -> None:
        """Set several variables at once."""
