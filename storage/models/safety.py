"""Alerts for helpers, the adverse-event log and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, patient_fk


class Alert(Base):
    """A risk signal a helper must see; detail never holds free text."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL: after /forget the alert stays countable but points at nobody.
    patient_id: Mapped[int | None] = mapped_column(patient_fk("SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(64))
    level: Mapped[str] = mapped_column(sa.String(16))
    detail: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    created_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[datetime | None]
    reposted_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name="status"),
    )


class AdverseEvent(Base):
    """A safety event and what the programme did about it."""

    __tablename__ = "adverse_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(patient_fk("SET NULL"), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(64))
    response: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class AuditEntry(Base):
    """Who did what to whom: staff actions, exports and deletions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64))
    # A pseudonym, not a foreign key: entries outlive the patient row, and /forget blanks it.
    target: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    detail: Mapped[dict[str, Any]]
