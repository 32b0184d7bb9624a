"""Flow revisions, runs, answers and patient variables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.care import ports
from bot.care.ports import AnswerRecord
from storage.models import Answer, FlowRevision, Run, Variable
from storage.repositories.base import EncryptedRepository, Repository

RUN_STATE = "runs.state"
ANSWER_VALUE = "answers.value"
VARIABLE_VALUE = "variables.value"


# Read on every step, so built once: building a statement cost about as much CPU as running it.
_ACTIVE_RUN = (
    sa.select(Run)
    .where(Run.patient_id == sa.bindparam("patient_id"), Run.status == "active")
    .order_by(Run.id.desc())
    .limit(1)
)
_ACTIVE_RUN_OF_KIND = _ACTIVE_RUN.where(Run.kind == sa.bindparam("kind"))
_ALL_VARIABLES = sa.select(Variable).where(Variable.patient_id == sa.bindparam("patient_id"))


class FlowRevisionRepository(Repository):
    """Content-addressed copies of flow YAML."""

    async def store(
        self, flow_id: str, revision: str, content: str, source_path: str | None = None
    ) -> bool:
        """Keep this revision unless already kept; return True when it was new."""
        stmt = (
            self.insert(FlowRevision)
            .values(
                flow_id=flow_id,
                revision=revision,
                content=content,
                source_path=source_path,
                created_at=self.clock(),
            )
            .on_conflict_do_nothing(index_elements=["flow_id", "revision"])
            .returning(FlowRevision.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def get_content(self, flow_id: str, revision: str) -> str | None:
        """Return the YAML source of one revision."""
        stmt = sa.select(FlowRevision.content).where(
            FlowRevision.flow_id == flow_id, FlowRevision.revision == revision
        )
        return await self.session.scalar(stmt)

    async def revisions(self, flow_id: str) -> list[str]:
        """Return the kept revisions of a flow, oldest first."""
        stmt = (
            sa.select(FlowRevision.revision)
            .where(FlowRevision.flow_id == flow_id)
            .order_by(FlowRevision.id)
        )
        return list((await self.session.scalars(stmt)).all())


class RunRepository(EncryptedRepository):
    """Runs of flows; the engine state is stored encrypted."""

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
        run = Run(
            patient_id=patient_id,
            flow_id=flow_id,
            revision=revision,
            state_enc=self.cipher.encrypt_json(state, RUN_STATE),
            status="active",
            kind=kind,
            parent_run_id=parent_run_id,
            started_at=now,
            updated_at=now,
        )
        self.session.add(run)
        await self.session.flush()
        return run

    async def get(self, run_id: int) -> Run | None:
        """Return a run by id."""
        return await self.session.get(Run, run_id)

    async def get_active(self, patient_id: int, kind: str | None = None) -> Run | None:
        """Return the patient's most recent active run (optionally of one kind)."""
        if kind is None:
            return await self.session.scalar(_ACTIVE_RUN, {"patient_id": patient_id})
        return await self.session.scalar(
            _ACTIVE_RUN_OF_KIND, {"patient_id": patient_id, "kind": kind}
        )

    async def list_active_for_flow(self, flow_id: str) -> list[Run]:
        """Return the active runs of a flow (to migrate them to a new revision)."""
        stmt = sa.select(Run).where(Run.flow_id == flow_id, Run.status == "active")
        return list((await self.session.scalars(stmt.order_by(Run.id))).all())

    async def list_for_patient(self, patient_id: int) -> list[Run]:
        """Return all of a patient's runs, oldest first."""
        stmt = sa.select(Run).where(Run.patient_id == patient_id).order_by(Run.id)
        return list((await self.session.scalars(stmt)).all())

    def state(self, run: ports.Run) -> dict[str, Any]:
        """Return the decrypted engine state of a run."""
        value: dict[str, Any] = self.cipher.decrypt_json(run.state_enc, RUN_STATE)
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
        run.state_enc = self.cipher.encrypt_json(state, RUN_STATE)
        run.updated_at = self.clock()
        if status is not None:
            run.status = status
        if outcome is not None:
            run.outcome = outcome
        if revision is not None:
            run.revision = revision
        await self.session.flush()

    async def finish(self, run: ports.Run, outcome: str | None = None) -> None:
        """Mark a run finished."""
        run.status = "finished"
        run.outcome = outcome
        run.updated_at = self.clock()
        await self.session.flush()


class AnswerRepository(EncryptedRepository):
    """Answers to questions; free text is encrypted."""

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
        row = Answer(
            patient_id=patient_id,
            run_id=run_id,
            flow_id=flow_id,
            question=question,
            variable=variable,
            value_enc=self.cipher.encrypt_json(value, ANSWER_VALUE) if is_free_text else None,
            value_json=None if is_free_text else value,
            is_free_text=is_free_text,
            at=self.clock(),
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def list_for_patient(self, patient_id: int) -> list[AnswerRecord]:
        """Return a patient's answers, oldest first, decrypted."""
        stmt = sa.select(Answer).where(Answer.patient_id == patient_id).order_by(Answer.id)
        return [self._record(row) for row in (await self.session.scalars(stmt)).all()]

    def _record(self, row: Answer) -> AnswerRecord:
        value = (
            self.cipher.decrypt_json(row.value_enc, ANSWER_VALUE)
            if row.value_enc is not None
            else row.value_json
        )
        return AnswerRecord(
            row.id, row.run_id, row.flow_id, row.question, row.variable, value,
            row.is_free_text, row.at,
        )  # fmt: skip


def is_plain(value: Any) -> bool:
    """Tell whether a value may be stored unencrypted (numbers, booleans, null)."""
    return value is None or isinstance(value, bool | int | float)


class VariableRepository(EncryptedRepository):
    """Patient-level variables; values holding any text are encrypted."""

    async def get_all(self, patient_id: int) -> dict[str, Any]:
        """Return all of a patient's variables as a dict."""
        rows = (await self.session.scalars(_ALL_VARIABLES, {"patient_id": patient_id})).all()
        return {row.name: self._value(row) for row in rows}

    async def get(self, patient_id: int, name: str, default: Any = None) -> Any:
        """Return one variable."""
        stmt = sa.select(Variable).where(Variable.patient_id == patient_id, Variable.name == name)
        row = await self.session.scalar(stmt)
        return default if row is None else self._value(row)

    async def set(self, patient_id: int, name: str, value: Any) -> None:
        """Set one variable."""
        await self.set_many(patient_id, {name: value})

    async def set_many(self, patient_id: int, values: dict[str, Any]) -> None:
        """Set several variables at once."""
        if not values:
            return
        stmt = sa.select(Variable).where(
            Variable.patient_id == patient_id, Variable.name.in_(list(values))
        )
        existing = {row.name: row for row in (await self.session.scalars(stmt)).all()}
        for name, value in values.items():
            row = existing.get(name)
            if row is None:
                row = Variable(patient_id=patient_id, name=name)
                self.session.add(row)
            # Strings may be a patient's own words; only numbers and flags stay readable.
            plain = is_plain(value)
            row.value_json = value if plain else None
            row.value_enc = None if plain else self.cipher.encrypt_json(value, VARIABLE_VALUE)
            row.updated_at = self.clock()
        await self.session.flush()

    def _value(self, row: Variable) -> Any:
        if row.value_enc is not None:
            return self.cipher.decrypt_json(row.value_enc, VARIABLE_VALUE)
        return row.value_json
