"""Outbox, inbound de-duplication and scheduled items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, patient_fk


class OutboxMessage(Base):
    """A message committed for delivery; the payload is encrypted as a whole."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(patient_fk())
    target_kind: Mapped[str] = mapped_column(sa.String(16))
    target_key: Mapped[str] = mapped_column(sa.String(128))
    payload_enc: Mapped[bytes]
    priority: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int]
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The process whose sender leased the row last (see `processes`), so a start-up frees only
    # the claims of processes that are gone.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.UniqueConstraint("target_key", "seq"),
        sa.Index("ix_outbox_status_next_try_at", "status", "next_try_at"),
        # The sender's claim: is an earlier message for this target still pending?
        sa.Index("ix_outbox_target_order", "target_key", "status", "priority", "seq"),
        sa.Index("ix_outbox_patient_id", "patient_id"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'parked')", name="status"),
        sa.CheckConstraint("target_kind IN ('patient', 'staff', 'chat')", name="target_kind"),
    )


class OutboxSequence(Base):
    """The next order number per outbox target, bumped atomically by an upsert."""

    __tablename__ = "outbox_sequences"

    target_key: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    last_seq: Mapped[int]


class InboundEvent(Base):
    """The key of an update already handled, so a redelivery changes nothing."""

    __tablename__ = "inbound_events"

    event_key: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)


class ScheduledItem(Base):
    """Something due at a time: a release, reminder, check-in or follow-up."""

    __tablename__ = "scheduled_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(191), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    patient_id: Mapped[int | None] = mapped_column(patient_fk(), index=True)
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    fired_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]

    __table_args__ = (
        sa.Index("ix_scheduled_items_claim_order", "status", "due_at", "id"),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'done', 'dropped', 'cancelled')", name="status"
        ),
    )
