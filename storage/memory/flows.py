"""In-memory flow revisions, runs, answers and patient variables."""

from __future__ import annotations

from typing import Any

from bot.care import ports
from bot.care.ports import AnswerRecord
from storage.memory.repositories import MemoryRepository
from storage.memory.tables import add, get, opened_json, rows, sealed_json, stored_json
from storage.models import Answer, FlowRevision, Run, Variable
from storage.repositories.flows import is_plain


class MemoryFlowRevisionRepository(MemoryRepository):
    """Content-addressed copies of flow YAML."""

    async def store(
        self, flow_id: str, revision: str, content: str, source_path: str | None = None
    ) -> bool:
        """Keep this revision unless already kept; return True when it was new."""
        if self._find(flow_id, revision) is not None:
            return False
        add(
            self.workspace,
            FlowRevision,
            flow_id=flow_id,
            revision=revision,
            content=content,
            source_path=source_path,
            created_at=self.clock(),
        )
        return True

    def _find(self, flow_id: str, revision: str) -> FlowRevision | None:
        found = (
            r
            for r in rows(self.workspace, FlowRevision)
            if r.flow_id == flow_id and r.revision == revision
        )
        return next(found, None)

    async def get_content(self, flow_id: str, revision: str) -> str | None:
        """Return the YAML source of one revision."""
        found = self._find(flow_id, revision)
        return None if found is None else found.content

    async def revisions(self, flow_id: str) -> list[str]:
        """Return the kept revisions of a flow, oldest first."""
        return [r.revision for r in rows(self.workspace, FlowRevision) if r.flow_id == flow_id]


class MemoryRunRepository(MemoryRepository):
    """Runs of flows; the engine state is kept as the JSON the SQL one encrypts."""

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
        now = self.clock()
        return add(
            self.workspace,
            Run,
            patient_id=patient_id,
            flow_id=flow_id,
            revision=revision,
            state_enc=sealed_json(state),
            status="active",
            outcome=None,
            kind=kind,
            parent_run_id=parent_run_id,
            started_at=now,
            updated_at=now,
        )

    async def get(self, run_id: int) -> Run | None:
        """Return a run by id."""
        return get(self.workspace, Run, run_id)

    async def get_active(self, patient_id: int, kind: str | None = None) -> Run | None:
        """Return the patient's most recent active run (optionally of one kind)."""
        found = [
            r
            for r in rows(self.workspace, Run)
            if r.patient_id == patient_id
            and r.status == "active"
            and (kind is None or r.kind == kind)
        ]
        return found[-1] if found else None

    async def list_active_for_flow(self, flow_id: str) -> list[Run]:
        """Return the active runs of a flow (to migrate them to a new revision)."""
        return [
            r for r in rows(self.workspace, Run) if r.flow_id == flow_id and r.status == "active"
        ]

    async def list_for_patient(self, patient_id: int) -> list[Run]:
        """Return all of a patient's runs, oldest first."""
        return [r for r in rows(self.workspace, Run) if r.patient_id == patient_id]

    def state(self, run: ports.Run) -> dict[str, Any]:
        """Return the engine state of a run."""
        value: dict[str, Any] = opened_json(run.state_enc)
        return value

    async def save_state(
        self,
        run: ports.Run,
        state: dict[str, Any],
        *,
        status: str | None = None,
        outcome: str | None = None,
        revision: str | None = None,
    ) -> None:
        """Store a new engine state; optionally finish the run or move it to a revision."""
        run.state_enc = sealed_json(state)
        run.updated_at = self.clock()
        if status is not None:
            run.status = status
        if outcome is not None:
            run.outcome = outcome
        if revision is not None:
            run.revision = revision

    async def finish(self, run: ports.Run, outcome: str | None = None) -> None:
        """Mark a run finished."""
        run.status, run.outcome, run.updated_at = "finished", outcome, self.clock()


class MemoryAnswerRepository(MemoryRepository):
    """Answers to questions; free text kept apart from choices and numbers, as in SQL."""

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
        row = add(
            self.workspace,
            Answer,
            patient_id=patient_id,
            run_id=run_id,
            flow_id=flow_id,
            question=question,
            variable=variable,
            value_enc=sealed_json(value) if is_free_text else None,
            value_json=None if is_free_text else stored_json(value),
            is_free_text=is_free_text,
            at=self.clock(),
        )
        return row.id

    async def list_for_patient(self, patient_id: int) -> list[AnswerRecord]:
        """Return a patient's answers, oldest first."""
        answers = rows(self.workspace, Answer)
        return [_record(row) for row in answers if row.patient_id == patient_id]


class MemoryVariableRepository(MemoryRepository):
    """Patient-level variables, one per (patient, name)."""

    def _mine(self, patient_id: int) -> dict[str, Variable]:
        found = rows(self.workspace, Variable)
        return {row.name: row for row in found if row.patient_id == patient_id}

    async def get_all(self, patient_id: int) -> dict[str, Any]:
        """Return all of a patient's variables as a dict."""
        return {name: _value(row) for name, row in self._mine(patient_id).items()}

    async def get(self, patient_id: int, name: str, default: Any = None) -> Any:
        """Return one variable."""
        row = self._mine(patient_id).get(name)
        return default if row is None else _value(row)

    async def set(self, patient_id: int, name: str, value: Any) -> None:
        """Set one variable."""
        await self.set_many(patient_id, {name: value})

    async def set_many(self, patient_id: int, values: dict[str, Any]) -> None:
        """Set several variables at once."""
        existing = self._mine(patient_id)
        for name, value in values.items():
            row = existing.get(name) or add(
                self.workspace, Variable, patient_id=patient_id, name=name
            )
            # Text goes where the SQL repository encrypts it, so the two read back alike.
            plain = is_plain(value)
            row.value_json = value if plain else None
            row.value_enc = None if plain else sealed_json(value)
            row.updated_at = self.clock()


def _record(row: Answer) -> AnswerRecord:
    value = opened_json(row.value_enc) if row.value_enc is not None else row.value_json
    return AnswerRecord(
        row.id, row.run_id, row.flow_id, row.question, row.variable, value,
        row.is_free_text, row.at,
    )  # fmt: skip


def _value(row: Variable) -> Any:
    return opened_json(row.value_enc) if row.value_enc is not None else row.value_json
