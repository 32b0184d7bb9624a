"""In-memory questionnaire results and homework entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.care.ports import Homework
from storage.memory.repositories import MemoryRepository
from storage.memory.tables import add, get, opened_json, rows, sealed_json, stored_json
from storage.models import HomeworkEntry, QuestionnaireResult
from storage.repositories.results import split_data


class MemoryQuestionnaireRepository(MemoryRepository):
    """Scored questionnaires (PHQ-9, GAD-7, ...)."""

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
        return add(
            self.workspace,
            QuestionnaireResult,
            patient_id=patient_id,
            instrument=instrument,
            timepoint=timepoint,
            item_scores=list(item_scores),
            unscored_items=dict(unscored_items or {}),
            total=total,
            band=band,
            run_id=run_id,
            at=self.clock(),
        )

    async def list_for_patient(
        self, patient_id: int, instrument: str | None = None
    ) -> list[QuestionnaireResult]:
        """Return a patient's results, oldest first, optionally of one instrument."""
        return [
            r
            for r in rows(self.workspace, QuestionnaireResult)
            if r.patient_id == patient_id and (instrument is None or r.instrument == instrument)
        ]

    async def latest(self, patient_id: int, instrument: str) -> QuestionnaireResult | None:
        """Return the most recent result of one instrument."""
        results = await self.list_for_patient(patient_id, instrument)
        return results[-1] if results else None


class MemoryHomeworkRepository(MemoryRepository):
    """Mood diary entries, thought records, planned activities."""

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
        """Record an entry (text parts where SQL encrypts them); return its id."""
        plain, secret = split_data(data)
        entry = add(
            self.workspace,
            HomeworkEntry,
            patient_id=patient_id,
            exercise=exercise,
            kind=kind,
            data_json=stored_json(plain),
            data_enc=sealed_json(secret) if secret else None,
            at=self.clock(),
            due_at=due_at,
            status=status,
        )
        return entry.id

    async def set_status(self, entry_id: int, status: str) -> None:
        """Change an entry's status (e.g. planned -> done)."""
        if (entry := get(self.workspace, HomeworkEntry, entry_id)) is not None:
            entry.status = status

    async def list_for_patient(self, patient_id: int, kind: str | None = None) -> list[Homework]:
        """Return a patient's entries, oldest first."""
        return [
            _record(row)
            for row in rows(self.workspace, HomeworkEntry)
            if row.patient_id == patient_id and (kind is None or row.kind == kind)
        ]


def _record(row: HomeworkEntry) -> Homework:
    data = dict(row.data_json)
    if row.data_enc is not None:
        data.update(opened_json(row.data_enc))
    return Homework(row.id, row.exercise, row.kind, data, row.at, row.due_at, row.status)
