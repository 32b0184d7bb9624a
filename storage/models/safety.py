"""Alerts for helpers, the adverse-event log and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bot.care.ports import (
    AE_OUTCOMES,
    EXPECTEDNESS,
    RELATEDNESS,
    RESOLUTIONS,
    SERIOUS_CRITERIA,
    SERIOUSNESS,
    SEVERITIES,
)
from storage.models.base import Base, patient_fk

ALERT_STATUSES = ("open", "acknowledged", "resolved", "closed")


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=column)


class Alert(Base):
    """A risk signal a helper must see, acknowledge and resolve; detail never holds free text."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL: after /forget the alert stays actionable under its pseudonym but points at nobody.
    patient_id: Mapped[int | None] = mapped_column(patient_fk("SET NULL"), index=True)
    pseudonym: Mapped[str | None] = mapped_column(sa.String(16))
    # The safety event this alert belongs to (None for alerts that are not about safety).
    adverse_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("adverse_events.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(64))
    level: Mapped[str] = mapped_column(sa.String(16))
    detail: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    created_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[datetime | None]
    reposted_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(sa.String(64))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(sa.String(16))
    resolution_note_enc: Mapped[bytes | None]  # the helper's own words: encrypted

    __table_args__ = (_one_of("status", ALERT_STATUSES), _one_of("resolution", RESOLUTIONS))


class AdverseEvent(Base):
    """One safety event (the trigger that started it), what the programme did, and its grading."""

    __tablename__ = "adverse_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(patient_fk("SET NULL"), index=True)
    pseudonym: Mapped[str | None] = mapped_column(sa.String(16))
    trigger: Mapped[str] = mapped_column(sa.String(64))
    response: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime]
    severity: Mapped[str | None] = mapped_column(sa.String(16))
    seriousness: Mapped[str | None] = mapped_column(sa.String(16))
    serious_criterion: Mapped[str | None] = mapped_column(sa.String(32))
    relatedness: Mapped[str | None] = mapped_column(sa.String(16))
    expectedness: Mapped[str | None] = mapped_column(sa.String(16))
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    reviewer: Mapped[str | None] = mapped_column(sa.String(64))  # a helper alias
    reviewed_at: Mapped[datetime | None] = mapped_column(index=True)

    __table_args__ = (
        _one_of("severity", SEVERITIES),
        _one_of("seriousness", SERIOUSNESS),
        _one_of("serious_criterion", SERIOUS_CRITERIA),
        _one_of("relatedness", RELATEDNESS),
        _one_of("expectedness", EXPECTEDNESS),
        _one_of("outcome", AE_OUTCOMES),
    )


class AuditEntry(Base):
    """Who did what to whom: staff actions, exports and deletions, sealed in a hash chain."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64))
    # The patient's audit reference, never their pseudonym: the only link from a reference to a
    # person is on the patient row, so /forget unlinks every entry without rewriting one.
    target: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    detail: Mapped[dict[str, Any]]
    # The seal of the row before, and this row's seal over that and its own content: an edited,
    # inserted or removed row breaks the chain at that row.
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    row_hash: Mapped[str | None] = mapped_column(sa.String(64))


class ErasureTombstone(Base):
    """A keyed mark of one erased patient, so a restored older backup forgets them again."""

    __tablename__ = "erasure_tombstones"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark: Mapped[str] = mapped_column(sa.String(64), unique=True)
    at: Mapped[datetime]
