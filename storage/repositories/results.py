"""Questionnaire results and homework entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.care.ports import Homework
from storage.models import HomeworkEntry, QuestionnaireResult
from storage.repositories.base import EncryptedRepository, Repository
from storage.repositories.flows import is_plain

HOMEWORK_DATA = "homework.data"


class QuestionnaireRepository(Repository):
    """Scored questionnaires (PHQ-9, GAD-7, ...); plain numbers for analysis."""

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
        result = QuestionnaireResult(
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
        self.session.add(result)
        await self.session.flush()
        return result

    async def list_for_patient(
        self, patient_id: int, instrument: str | None = None
    ) -> list[QuestionnaireResult]:
        """Return a patient's results, oldest first, optionally of one instrument."""
        stmt = sa.select(QuestionnaireResult).where(QuestionnaireResult.patient_id == patient_id)
        if instrument is not None:
            stmt = stmt.where(QuestionnaireResult.instrument == instrument)
        return list((await self.session.scalars(stmt.order_by(QuestionnaireResult.id))).all())

    async def latest(self, patient_id: int, instrument: str) -> QuestionnaireResult | None:
        """Return the most recent result of one instrument."""
        results = await self.list_for_patient(patient_id, instrument)
        return results[-1] if results else None


def split_data(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split into (plain numbers and flags, everything that may hold text)."""
    plain = {key: value for key, value in data.items() if is_plain(value)}
    secret = {key: value for key, value in data.items() if key not in plain}
    return plain, secret


class HomeworkRepository(EncryptedRepository):
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
        """Record an entry; text parts are encrypted, numbers stay plain. Return its id."""
        plain, secret = split_data(data)
        entry = HomeworkEntry(
            patient_id=patient_id,
            exercise=exercise,
            kind=kind,
            data_json=plain,
            data_enc=self.cipher.encrypt_json(secret, HOMEWORK_DATA) if secret else None,
            at=self.clock(),
            due_at=due_at,
            status=status,
        )
        self.session.add(entry)
        await self.session.flush()
        return entry.id

    async def set_status(self, entry_id: int, status: str) -> None:
        """Change an entry's status (e.g. planned -> done)."""
        await self.session.execute(
            sa.update(HomeworkEntry).where(HomeworkEntry.id == entry_id).values(status=status)
        )

    async def list_for_patient(self, patient_id: int, kind: str | None = None) -> list[Homework]:
        """Return a patient's entries, oldest first, decrypted."""
        stmt = sa.select(HomeworkEntry).where(HomeworkEntry.patient_id == patient_id)
        if kind is not None:
            stmt = stmt.where(HomeworkEntry.kind == kind)
        rows = (await self.session.scalars(stmt.order_by(HomeworkEntry.id))).all()
        return [self._record(row) for row in rows]

    def _record(self, row: HomeworkEntry) -> Homework:
        data = dict(row.data_json)
        if row.data_enc is not None:
            data.update(self.cipher.decrypt_json(row.data_enc, HOMEWORK_DATA))
        return Homework(row.id, row.exercise, row.kind, data, row.at, row.due_at, row.status)
