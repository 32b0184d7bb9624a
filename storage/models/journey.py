"""Flow revisions, runs, answers, variables, questionnaire results and homework."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, patient_fk


class FlowRevision(Base):
    """A content-addressed copy of a flow's YAML that runs are pinned to."""

    __tablename__ = "flow_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(sa.String(128))
    revision: Mapped[str] = mapped_column(sa.String(128))
    content: Mapped[str] = mapped_column(sa.Text)
    source_path: Mapped[str | None] = mapped_column(sa.String(512))
    created_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("flow_id", "revision"),)


class Run(Base):
    """One patient's walk through one flow revision; the engine state is encrypted."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk())
    flow_id: Mapped[str] = mapped_column(sa.String(128))
    revision: Mapped[str] = mapped_column(sa.String(128))
    # The engine state holds the patient's answers in its variables, so it is ciphertext.
    state_enc: Mapped[bytes]
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    outcome: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(32), default="module")
    parent_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        sa.Index("ix_runs_patient_status", "patient_id", "status"),
        sa.Index("ix_runs_flow_status", "flow_id", "status"),
    )


class Answer(Base):
    """One answer to one question; free text encrypted, choices and numbers plain."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk(), index=True)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"))
    flow_id: Mapped[str] = mapped_column(sa.String(128))
    question: Mapped[str] = mapped_column(sa.String(128))
    variable: Mapped[str | None] = mapped_column(sa.String(128))
    value_enc: Mapped[bytes | None]
    value_json: Mapped[Any | None] = mapped_column(sa.JSON)
    is_free_text: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime]


class Variable(Base):
    """A patient-level variable; anything holding text is encrypted."""

    __tablename__ = "variables"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk())
    name: Mapped[str] = mapped_column(sa.String(128))
    value_json: Mapped[Any | None] = mapped_column(sa.JSON)
    value_enc: Mapped[bytes | None]
    updated_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("patient_id", "name"),)


class QuestionnaireResult(Base):
    """A scored questionnaire; numbers stay plain for analysis."""

    __tablename__ = "questionnaire_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk(), index=True)
    instrument: Mapped[str] = mapped_column(sa.String(32))
    timepoint: Mapped[str] = mapped_column(sa.String(64))
    item_scores: Mapped[list[int]] = mapped_column(sa.JSON)  # the scored items, in order
    # Items asked but never counted (the PHQ-9's difficulty question): {"q10": 1}; None before
    # they were kept, {} when none was asked.
    unscored_items: Mapped[dict[str, int] | None] = mapped_column(sa.JSON)
    total: Mapped[int]
    band: Mapped[str | None] = mapped_column(sa.String(32))
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class HomeworkEntry(Base):
    """A diary entry, thought record or planned activity; text parts encrypted."""

    __tablename__ = "homework_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(patient_fk(), index=True)
    exercise: Mapped[str] = mapped_column(sa.String(128))
    kind: Mapped[str] = mapped_column(sa.String(32))
    data_enc: Mapped[bytes | None]
    data_json: Mapped[dict[str, Any]]
    at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(16), default="done")
